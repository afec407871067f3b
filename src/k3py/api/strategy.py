"""What the server sets and keeps on create and update, for every resource: identity and
timestamps, generation, the spec/status split of resources with a status subresource.
Per-kind defaulting and validation are called from here."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from k3py.api import meta as m
from k3py.api.resources import Resource
from k3py.errors import BadRequest

# Kinds whose create keeps the client's status (the writer of status is the creator).
_KEEPS_STATUS_ON_CREATE = frozenset({("", "Node"), ("", "Namespace"), ("", "Event"),
                                     ("certificates.k8s.io", "CertificateSigningRequest")})


def check_type(resource: Resource, obj: Any) -> dict[str, Any]:
    """The body must be an object of this resource's kind and version."""
    if not isinstance(obj, dict):
        raise BadRequest(f"the body of the request must be a {resource.kind} object")
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    if kind not in (None, "", resource.kind):
        raise BadRequest(f"the API version in the data ({api_version}) does not match the "
                         f"expected API version ({resource.api_version})"
                         if api_version != resource.api_version else
                         f"kind {kind} does not match the expected kind {resource.kind}")
    if api_version not in (None, "", resource.api_version):
        raise BadRequest(f"the API version in the data ({api_version}) does not match the "
                         f"expected API version ({resource.api_version})")
    return obj


def _check_namespace(resource: Resource, meta: dict[str, Any], namespace: str | None) -> None:
    given = meta.get("namespace")
    if resource.namespaced:
        if given and given != namespace:
            raise BadRequest("the namespace of the provided object does not match the "
                             "namespace sent on the request")
        meta["namespace"] = namespace
    else:
        meta.pop("namespace", None)


def prepare_create(resource: Resource, body: dict[str, Any], *, namespace: str | None,
                   now: datetime | None = None) -> dict[str, Any]:
    """The object to store for a create: a fresh copy with identity, timestamps and
    generation set; client-set server fields dropped."""
    obj = copy.deepcopy(check_type(resource, body))
    obj["apiVersion"], obj["kind"] = resource.api_version, resource.kind
    meta = m.object_meta(obj)
    _check_namespace(resource, meta, namespace)
    if not meta.get("name"):
        prefix = meta.get("generateName")
        if not prefix:
            raise m.invalid(resource.kind, "", [(
                "metadata.name", "FieldValueRequired",
                "Required value: name or generateName is required")], group=resource.group)
        meta["name"] = m.generated_name(prefix)
    for field in (*m.SERVER_OWNED, "resourceVersion"):
        meta.pop(field, None)
    meta["uid"] = m.new_uid()
    meta["creationTimestamp"] = m.now_rfc3339(now or datetime.now(UTC))
    if resource.subresource("status") is not None or "spec" in obj:
        meta["generation"] = 1
    if resource.subresource("status") is not None and \
            (resource.group, resource.kind) not in _KEEPS_STATUS_ON_CREATE:
        obj.pop("status", None)
    if (resource.group, resource.kind) == ("", "Pod"):
        obj["status"] = {"phase": "Pending", "qosClass": qos_class(obj.get("spec") or {})}
    if (resource.group, resource.kind) == ("", "Namespace"):
        # Every namespace waits for the namespace controller to empty it before it goes.
        spec = obj.setdefault("spec", {})
        spec["finalizers"] = list(dict.fromkeys([*(spec.get("finalizers") or []),
                                                 "kubernetes"]))
        obj["status"] = {"phase": "Active"}
    return obj


def prepare_update(resource: Resource, old: dict[str, Any], body: dict[str, Any], *,
                   subresource: str | None = None) -> dict[str, Any]:
    """The object to store for an update of ``old`` with ``body``: identity kept, status
    (or everything but status, on the status subresource) taken from ``old``, generation
    bumped when the spec changed."""
    obj = copy.deepcopy(check_type(resource, body))
    obj["apiVersion"], obj["kind"] = resource.api_version, resource.kind
    meta = m.object_meta(obj)
    old_meta = old.get("metadata") or {}
    if subresource == "status":
        status = obj.get("status")
        obj = copy.deepcopy(old)
        meta = obj["metadata"]
        if status is None:
            obj.pop("status", None)
        else:
            obj["status"] = status
    elif resource.subresource("status") is not None:
        if "status" in old:
            obj["status"] = copy.deepcopy(old["status"])
        else:
            obj.pop("status", None)
    for field in ("name", "namespace", "uid", "creationTimestamp", "deletionTimestamp",
                  "deletionGracePeriodSeconds"):
        if field in old_meta:
            meta[field] = old_meta[field]
        else:
            meta.pop(field, None)
    if subresource == "approval":
        # Approving or denying a CSR changes its conditions and nothing else.
        conditions = (body.get("status") or {}).get("conditions")
        obj = copy.deepcopy(old)
        meta = obj["metadata"]
        obj.setdefault("status", {})["conditions"] = copy.deepcopy(conditions or [])
    elif subresource in ("ephemeralcontainers", "resize"):
        obj = _pod_part(old, obj, subresource)
        meta = obj["metadata"]
    elif subresource == "finalize":
        # /finalize changes a namespace's spec.finalizers and nothing else.
        finalizers = (obj.get("spec") or {}).get("finalizers") or []
        obj = copy.deepcopy(old)
        meta = obj["metadata"]
        obj.setdefault("spec", {})["finalizers"] = finalizers
    elif (resource.group, resource.kind) == ("", "Namespace") and subresource is None:
        # Only /finalize changes a namespace's finalizers, only /status its phase.
        obj["spec"] = {**(obj.get("spec") or {}),
                       "finalizers": (old.get("spec") or {}).get("finalizers", [])}
        obj["status"] = copy.deepcopy(old.get("status") or {})
    # The version this update replaces (storage compares and strips it on the way in).
    meta["resourceVersion"] = old_meta.get("resourceVersion", "")
    generation = old_meta.get("generation")
    if generation is not None:
        meta["generation"] = generation + 1 if m.spec_changed(old, obj) else generation
    return obj


def qos_class(spec: dict[str, Any]) -> str:
    """A pod's quality of service class, from its containers' requests and limits."""
    containers = [*(spec.get("initContainers") or ()), *(spec.get("containers") or ())]
    any_set, guaranteed = False, True
    for container in containers:
        resources = container.get("resources") or {}
        limits = resources.get("limits") or {}
        requests = {**limits, **(resources.get("requests") or {})}
        if limits or requests:
            any_set = True
        for name in ("cpu", "memory"):
            if name not in limits or str(requests.get(name)) != str(limits[name]):
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def _pod_part(old: dict[str, Any], body: dict[str, Any], subresource: str) -> dict[str, Any]:
    """What a pod's ``ephemeralcontainers`` or ``resize`` write may change: only
    ``spec.ephemeralContainers``, or only the containers' resources."""
    new = copy.deepcopy(old)
    spec = new.setdefault("spec", {})
    body_spec = body.get("spec") or {}
    if subresource == "ephemeralcontainers":
        spec["ephemeralContainers"] = copy.deepcopy(body_spec.get("ephemeralContainers") or [])
        return new
    wanted = {c.get("name"): c.get("resources") for c in body_spec.get("containers") or ()}
    for container in spec.get("containers") or ():
        if container.get("name") in wanted and wanted[container["name"]] is not None:
            container["resources"] = copy.deepcopy(wanted[container["name"]])
    return new
