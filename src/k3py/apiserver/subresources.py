"""Subresources that are not the object itself: ``scale`` (an autoscaling/v1 Scale view of
a workload's replicas), pod ``binding`` (what a scheduler posts) and pod ``eviction`` (what
``kubectl drain`` posts)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from k3py.api import crd, meta, patch, selectors
from k3py.api.resources import Resource
from k3py.apiserver import fieldmanager
from k3py.apiserver.bodies import (
    JSON_PATCH,
    MERGE_PATCH,
    PATCH_TYPES,
    json_response,
    media_type,
    read_body,
)
from k3py.apiserver.writes import admit, delete_one, dry_run
from k3py.errors import (
    BadRequest,
    Conflict,
    Invalid,
    ServiceUnavailable,
    UnsupportedMediaType,
)
from k3py.pki.tokens import TokenSigner
from k3py.storage import ObjectStore
from k3py.storage.objects import STALE, conflict

SCALE_DEFINITION = "io.k8s.api.autoscaling.v1.Scale"


def _selector_text(obj: dict[str, Any]) -> str:
    selector = (obj.get("spec") or {}).get("selector")
    if obj.get("kind") == "ReplicationController":
        return ",".join(f"{k}={v}" for k, v in sorted((selector or {}).items()))
    return selectors.format_label_selector(selector)


def scale_of(obj: dict[str, Any]) -> dict[str, Any]:
    meta = obj["metadata"]
    scale_meta = {k: meta[k] for k in ("name", "namespace", "uid", "resourceVersion",
                                       "creationTimestamp") if k in meta}
    return {"kind": "Scale", "apiVersion": "autoscaling/v1", "metadata": scale_meta,
            "spec": {"replicas": (obj.get("spec") or {}).get("replicas", 1)},
            "status": {"replicas": (obj.get("status") or {}).get("replicas", 0),
                       "selector": _selector_text(obj)}}


def _wanted_replicas(scale: Any, name: str) -> int:
    # A client's Go encoder leaves out replicas: 0 (omitempty): absent means zero.
    replicas = (scale.get("spec") or {}).get("replicas", 0) if isinstance(scale, dict) else None
    if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
        raise Invalid(f'Scale.autoscaling "{name}" is invalid: spec.replicas: Invalid value: '
                      f"{replicas}: must be greater than or equal to 0",
                      details={"name": name, "group": "autoscaling", "kind": "Scale",
                               "causes": [{"reason": "FieldValueInvalid", "field": "spec.replicas",
                                           "message": f"Invalid value: {replicas}: must be "
                                                      "greater than or equal to 0"}]})
    return replicas


def _scale_view(resource: Resource, obj: dict[str, Any]) -> dict[str, Any]:
    if resource.custom is not None and resource.custom.scale is not None:
        return crd.scale_of(obj, resource.custom.scale)
    return scale_of(obj)


def _with_replicas(resource: Resource, current: dict[str, Any],
                   replicas: int) -> dict[str, Any]:
    if resource.custom is not None and resource.custom.scale is not None:
        return crd.with_spec_replicas(current, resource.custom.scale, replicas)
    new = copy.deepcopy(current)
    new.setdefault("spec", {})["replicas"] = replicas
    return new


async def scale(request: web.Request, store: ObjectStore, resource: Resource, *,
                namespace: str | None, name: str, verb: str) -> web.Response:
    if verb == "get":
        return json_response(_scale_view(resource, await store.get(resource, namespace, name)))
    kind = media_type(request)
    if verb == "patch" and kind not in PATCH_TYPES:
        raise UnsupportedMediaType(f"the body of the request was in an unknown format - "
                                   f"accepted media types include: {', '.join(PATCH_TYPES)}")
    body = await read_body(request)

    async def mutate(current: dict[str, Any] | None) -> dict[str, Any] | None:
        assert current is not None
        view = _scale_view(resource, current)
        if verb == "update":
            wanted = body
        elif kind == MERGE_PATCH:
            wanted = patch.json_merge_patch(view, body)
        elif kind == JSON_PATCH:
            wanted = patch.json_patch(view, body)
        else:
            wanted = patch.strategic_merge_patch(view, body, definition=SCALE_DEFINITION)
        version = ((wanted or {}).get("metadata") or {}).get("resourceVersion")
        if version and version != current["metadata"]["resourceVersion"]:
            raise conflict(resource, name, STALE)
        replicas = _wanted_replicas(wanted, name)
        if replicas == view["spec"].get("replicas"):
            return None
        new = _with_replicas(resource, current, replicas)
        new["metadata"] = {**new["metadata"],
                           "generation": new["metadata"].get("generation", 1) + 1}
        new = admit(resource, new, old=current)
        return fieldmanager.track_update(
            request, resource, current, new, subresource="scale",
            options_kind="UpdateOptions" if verb == "update" else "PatchOptions")

    stored, _ = await store.update(resource, namespace, name, mutate, dry_run=dry_run(request))
    return json_response(_scale_view(resource, stored))


def _success(code: int) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
            "code": code}


async def bind(request: web.Request, store: ObjectStore, resource: Resource, *,
               namespace: str | None, name: str) -> web.Response:
    body = await read_body(request)
    target = (body or {}).get("target") or {}
    node = target.get("name")
    if not node:
        raise BadRequest("a Binding needs target.name (the node)")

    async def mutate(current: dict[str, Any] | None) -> dict[str, Any] | None:
        assert current is not None
        if current["metadata"].get("deletionTimestamp"):
            raise Conflict(f"pod {name} is being deleted, cannot be assigned to a host")
        assigned = (current.get("spec") or {}).get("nodeName")
        if assigned:
            raise Conflict(f"pod {name} is already assigned to node \"{assigned}\"")
        new = copy.deepcopy(current)
        new.setdefault("spec", {})["nodeName"] = node
        status = new.setdefault("status", {})
        conditions = [c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled"]
        conditions.append({"type": "PodScheduled", "status": "True", "lastProbeTime": None,
                           "lastTransitionTime": current["metadata"].get("creationTimestamp")})
        status["conditions"] = conditions
        return new

    await store.update(resource, namespace, name, mutate, dry_run=dry_run(request))
    return json_response(_success(201), status=201)


async def evict(request: web.Request, store: ObjectStore, resource: Resource, *,
                namespace: str | None, name: str) -> web.Response:
    body = await read_body(request) or {}
    options = body.get("deleteOptions") or {}
    await delete_one(store, resource, namespace, name, options,
                     dry=dry_run(request) or options.get("dryRun") == ["All"])
    return json_response(_success(201), status=201)


MIN_TOKEN_SECONDS = 600
MAX_TOKEN_SECONDS = 365 * 24 * 3600


async def token(request: web.Request, store: ObjectStore, resource: Resource,
                signer: TokenSigner, *,
                namespace: str | None, name: str) -> web.Response:
    """TokenRequest: a signed token for the service account (``kubectl create token``)."""
    body = await read_body(request) or {}
    spec = dict(body.get("spec") or {})
    seconds = spec.get("expirationSeconds") or 3600
    if not isinstance(seconds, int) or not MIN_TOKEN_SECONDS <= seconds <= MAX_TOKEN_SECONDS:
        raise Invalid(f'TokenRequest.authentication.k8s.io "{name}" is invalid: '
                      f"spec.expirationSeconds: Invalid value: {seconds}: may not specify a "
                      f"duration less than 10 minutes",
                      details={"name": name, "group": "authentication.k8s.io",
                               "kind": "TokenRequest", "causes": [{
                                   "reason": "FieldValueInvalid",
                                   "field": "spec.expirationSeconds",
                                   "message": "may not specify a duration less than 10 "
                                              "minutes"}]})
    account = await store.get(resource, namespace, name)
    bound = spec.get("boundObjectRef")
    token_text, expires = signer.issue(
        namespace=namespace or "", name=name, uid=account["metadata"]["uid"], seconds=seconds,
        audiences=spec.get("audiences") or (), bound=bound)
    spec["expirationSeconds"] = seconds
    spec["audiences"] = list(spec.get("audiences") or signer.audiences)
    spec.setdefault("boundObjectRef", None)
    result = {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
              "metadata": {"name": name, "namespace": namespace,
                           "creationTimestamp": meta.now_rfc3339()},
              "spec": spec,
              "status": {"token": token_text,
                         "expirationTimestamp": meta.now_rfc3339(
                             datetime.fromtimestamp(expires, UTC))}}
    return json_response(result, status=201)


async def pod_log(request: web.Request, store: ObjectStore, resource: Resource, *,
                  namespace: str | None, name: str) -> web.Response:
    """``kubectl logs``: the checks kube-apiserver makes before it asks the kubelet. Pods
    that are not on a node yet get the same 400 as on any cluster; reading a running
    container's log needs the node's runtime."""
    pod = await store.get(resource, namespace, name)
    spec = pod.get("spec") or {}
    containers = [c.get("name") for c in (*(spec.get("initContainers") or ()),
                                          *(spec.get("containers") or ()),
                                          *(spec.get("ephemeralContainers") or ()))]
    wanted = request.query.get("container")
    if wanted and wanted not in containers:
        raise BadRequest(f"container {wanted} is not valid for pod {name}")
    if not wanted and len(spec.get("containers") or ()) > 1:
        choices = " ".join(c.get("name", "") for c in spec.get("containers") or ())
        raise BadRequest(f"a container name must be specified for pod {name}, choose one "
                         f"of: [{choices}]")
    container = wanted or next((c.get("name", "") for c in spec.get("containers") or ()), "")
    if not spec.get("nodeName"):
        raise BadRequest(f'container "{container}" in pod "{name}" is waiting to start: '
                         "ContainerCreating")
    raise ServiceUnavailable(f"the kubelet on node {spec['nodeName']} cannot serve logs: "
                             "k3py nodes do not run containers yet")
