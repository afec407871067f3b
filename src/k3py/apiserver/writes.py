"""POST, PUT, PATCH and DELETE of any resource: prepare, default, validate, admit into the
namespace, store; the write rules every resource shares."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from aiohttp import web

from k3py.api import crd, defaults, fieldvalidation, meta, patch, schemas, strategy, validation
from k3py.api.resources import Resource, builtin
from k3py.apiserver import admission, fieldmanager, services
from k3py.apiserver.bodies import (
    APPLY_PATCH,
    JSON_PATCH,
    MERGE_PATCH,
    PATCH_TYPES,
    STRATEGIC_PATCH,
    json_response,
    media_type,
    read_body,
    read_body_and_raw,
)
from k3py.apiserver.reads import predicate
from k3py.errors import BadRequest, Forbidden, NotFound, UnsupportedMediaType
from k3py.storage import ObjectStore
from k3py.storage.objects import STALE, conflict

NAMESPACES = builtin("", "namespaces")


def dry_run(request: web.Request) -> bool:
    values = request.query.getall("dryRun", [])
    for value in values:
        if value != "All":
            raise BadRequest(f'Invalid dry run value: "{value}" (supported: All)')
    return bool(values)


CRDS = ("apiextensions.k8s.io", "customresourcedefinitions")


def admit(resource: Resource, obj: dict[str, Any], *, old: dict[str, Any] | None,
          subresource: str | None = None) -> dict[str, Any]:
    """Defaulting and validation: the object to store, or a 422 naming every bad field."""
    custom = resource.custom
    if custom is not None:  # pruned, defaulted and validated against the CRD's schema
        return crd.prepare_custom_object(
            obj, schema=crd.compile_schema(custom.schema) if custom.schema else None,
            kind=resource.kind, group=resource.group, old=old, version=resource.version,
            namespaced=resource.namespaced, scale=custom.scale,
            subresource="status" if subresource == "status" else None)
    if (resource.group, resource.plural) == CRDS:
        obj = crd.crd_defaults(obj)
        causes = crd.validate_crd(obj, old)
    else:
        obj = defaults.apply_defaults(resource.group, resource.version, resource.kind, obj)
        # The strategy already limited what a subresource write changes: check metadata.
        causes = validation.validate(resource.group, resource.version, resource.kind, obj,
                                     old=old, subresource="status" if subresource else "")
    if causes:
        name = (obj.get("metadata") or {}).get("name", "")
        raise meta.invalid(resource.kind, name, list(causes), group=resource.group)
    return obj


async def check_namespace_open(store: ObjectStore, resource: Resource,
                               namespace: str | None, name: str) -> None:
    """New objects go only into namespaces that exist and are not being deleted."""
    if not resource.namespaced or namespace is None:
        return
    ns = store.cache.get(NAMESPACES.key(None, namespace))
    if ns is None:  # perhaps just made: ask the datastore (NotFound when it is not there)
        ns, _ = await store.read_current(NAMESPACES, None, namespace)
    if (ns.get("metadata") or {}).get("deletionTimestamp"):
        raise Forbidden(
            f'{resource.group_resource} "{name}" is forbidden: unable to create new content in '
            f"namespace {namespace} because it is being terminated",
            details={"name": name, "group": resource.group, "kind": resource.plural,
                     "causes": [{"reason": "NamespaceTerminating", "field": "metadata.namespace",
                                 "message": f"namespace {namespace} is being terminated"}]})


SERVICE_NETWORK = web.AppKey("service_network", services.ServiceNetwork)


def _is_service(resource: Resource) -> bool:
    return (resource.group, resource.plural) == ("", "services")


def check_fields(request: web.Request, resource: Resource, obj: Any, *, verb: str,
                 raw: bytes | None = None, patch_raw: bytes | None = None) -> list[str]:
    """``fieldValidation``: unknown or duplicate fields refused (Strict), reported as
    warnings (Warn, the default) or ignored."""
    if not isinstance(obj, dict):
        return []
    mode = request.query.get("fieldValidation")
    if resource.custom is not None:
        return _check_custom_fields(resource, obj, mode=mode, verb=verb, raw=raw or patch_raw)
    return fieldvalidation.check(obj, group=resource.group, version=resource.version,
                                 kind=resource.kind, verb=verb, raw=raw, patch=patch_raw,
                                 mode=mode)


def _check_custom_fields(resource: Resource, obj: dict[str, Any], *, mode: str | None,
                         verb: str, raw: bytes | None) -> list[str]:
    """Custom resources: what pruning would drop is an unknown field."""
    chosen = fieldvalidation.directive(mode, verb=verb)
    custom = resource.custom
    if chosen == "Ignore" or custom is None or not custom.schema:
        return []
    errors = [f'duplicate field "{p}"' for p in
              (fieldvalidation.duplicate_fields(raw) if raw else [])]
    errors += [f'unknown field "{p}"' for p in
               crd.unknown_fields(obj, schema=crd.compile_schema(custom.schema))]
    if not errors or chosen == "Warn":
        return errors
    detail = "strict decoding error: " + ", ".join(errors)
    if verb == "patch":
        raise BadRequest(detail)
    raise BadRequest(f'{resource.kind} in version "{resource.version}" cannot be handled as a '
                     f"{resource.kind}: {detail}")


async def create_object(request: web.Request, store: ObjectStore, resource: Resource,
                        namespace: str | None) -> web.Response:
    body, raw = await read_body_and_raw(request)
    warnings = check_fields(request, resource, body, verb="create", raw=raw)
    obj = strategy.prepare_create(resource, body, namespace=namespace)
    obj = admit(resource, obj, old=None)
    obj = fieldmanager.track_update(request, resource, None, obj,
                                    options_kind="CreateOptions")
    await check_namespace_open(store, resource, namespace, obj["metadata"]["name"])
    obj = admission.limit_pod(store, resource, obj)
    dry = dry_run(request)
    if not dry:
        await admission.charge_quota(store, resource, obj)
    if _is_service(resource) and not dry:
        obj = await services.allocate(store, request.app[SERVICE_NETWORK], obj)
        try:
            created = await store.create(resource, obj)
        except BaseException:
            await services.release(store, obj)
            raise
    else:
        created = await store.create(resource, obj, dry_run=dry)
    return json_response(created, status=201, warnings=warnings)


def _check_name(body: Any, name: str) -> None:
    if not isinstance(body, dict):
        raise BadRequest("the body of the request must be an object")
    given = (body.get("metadata") or {}).get("name")
    if given and given != name:
        raise BadRequest(f"the name of the object ({given}) does not match the name on the "
                         f"URL ({name})")


def _check_version(resource: Resource, current: dict[str, Any], body: dict[str, Any],
                   name: str) -> None:
    wanted = (body.get("metadata") or {}).get("resourceVersion")
    if wanted and wanted != current["metadata"].get("resourceVersion"):
        raise conflict(resource, name, STALE)


def _same(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Equal apart from resourceVersion: then an update writes nothing."""
    def strip(obj: dict[str, Any]) -> dict[str, Any]:
        return {**obj, "metadata": {k: v for k, v in (obj.get("metadata") or {}).items()
                                    if k != "resourceVersion"}}
    return strip(a) == strip(b)


async def update_object(request: web.Request, store: ObjectStore, resource: Resource, *,
                        namespace: str | None, name: str,
                        subresource: str | None = None) -> web.Response:
    body, raw = await read_body_and_raw(request)
    _check_name(body, name)
    warnings = check_fields(request, resource, body, verb="update", raw=raw)

    async def mutate(current: dict[str, Any] | None) -> dict[str, Any] | None:
        assert current is not None
        _check_version(resource, current, body, name)
        new = strategy.prepare_update(resource, current, body, subresource=subresource)
        if _is_service(resource):
            new = defaults.carry_service_allocations(new, current)
        new = admit(resource, new, old=current, subresource=subresource)
        new = fieldmanager.track_update(request, resource, current, new,
                                        subresource=subresource)
        return None if _same(new, current) else new

    stored, _ = await store.update(resource, namespace, name, mutate,
                                   dry_run=dry_run(request))
    return json_response(stored, warnings=warnings)


def apply_patch(resource: Resource, kind: str, current: dict[str, Any], body: Any) -> Any:
    """The patched object (a new dict); ``current`` is left as it was."""
    if kind == MERGE_PATCH:
        return patch.json_merge_patch(current, body)
    if kind == JSON_PATCH:
        if not isinstance(body, list):
            raise BadRequest("a JSON patch must be a list of operations")
        return patch.json_patch(current, body)
    definition = schemas.definition_for_kind(resource.group, resource.version, resource.kind)
    if definition is None:
        if kind == STRATEGIC_PATCH:
            raise UnsupportedMediaType(
                f"the body of the request was in an unknown format - accepted media types "
                f"include: application/json-patch+json, application/merge-patch+json, "
                f"{APPLY_PATCH}")
        return patch.json_merge_patch(current, body)
    return patch.strategic_merge_patch(current, body, definition=definition)


async def patch_object(request: web.Request, store: ObjectStore, resource: Resource, *,
                       namespace: str | None, name: str,
                       subresource: str | None = None) -> web.Response:
    kind = media_type(request)
    if kind not in PATCH_TYPES:
        raise UnsupportedMediaType(
            f"the body of the request was in an unknown format - accepted media types "
            f"include: {', '.join(PATCH_TYPES)}")
    body, raw = await read_body_and_raw(request)
    is_apply = kind == APPLY_PATCH
    warnings: list[str] = []
    if is_apply:
        _check_name(body, name)
        fieldmanager.manager_of(request, options_kind="PatchOptions", apply=True)
    else:
        fieldmanager.forced(request, apply=False)

    async def mutate(current: dict[str, Any] | None) -> dict[str, Any] | None:
        if current is None:
            warnings[:] = check_fields(request, resource, body, verb="patch", patch_raw=raw)
            applied = {**body, "metadata": {**(body.get("metadata") or {}), "name": name}}
            obj = strategy.prepare_create(resource, fieldmanager.server_side_apply(
                request, resource, None, applied, subresource=subresource),
                namespace=namespace)
            obj = admit(resource, obj, old=None)
            await check_namespace_open(store, resource, namespace, name)
            obj = admission.limit_pod(store, resource, obj)
            if not dry:
                await admission.charge_quota(store, resource, obj)
            if _is_service(resource) and not dry:
                obj = await services.allocate(store, request.app[SERVICE_NETWORK], obj)
                allocated.append(obj)
            return obj
        if is_apply:
            patched = fieldmanager.server_side_apply(request, resource, current, body,
                                                     subresource=subresource)
        else:
            patched = apply_patch(resource, kind, current, body)
        if not isinstance(patched, dict):
            raise BadRequest("the patched object must be a JSON object")
        warnings[:] = check_fields(request, resource, patched, verb="patch",
                                   patch_raw=raw if kind != JSON_PATCH else None)
        _check_version(resource, current, patched, name)
        new = strategy.prepare_update(resource, current, patched, subresource=subresource)
        new = admit(resource, new, old=current, subresource=subresource)
        if not is_apply:
            new = fieldmanager.track_update(request, resource, current, new,
                                            subresource=subresource,
                                            options_kind="PatchOptions")
        return None if _same(new, current) else new

    dry = dry_run(request)
    allocated: list[dict[str, Any]] = []
    try:
        stored, created = await store.update(resource, namespace, name, mutate, dry_run=dry,
                                             allow_create=is_apply)
    except BaseException:
        for service in allocated:
            await services.release(store, service)
        raise
    for service in allocated[:-1] if created else allocated:  # lost races gave theirs back
        await services.release(store, service)
    return json_response(stored, status=201 if created else 200, warnings=warnings)


# -- delete ------------------------------------------------------------------------------

def _delete_options(request: web.Request, body: Any) -> dict[str, Any]:
    options: dict[str, Any] = dict(body) if isinstance(body, dict) else {}
    query = request.query
    if "gracePeriodSeconds" in query:
        try:
            options["gracePeriodSeconds"] = int(query["gracePeriodSeconds"])
        except ValueError:
            raise BadRequest("gracePeriodSeconds must be an integer") from None
    if "propagationPolicy" in query:
        options["propagationPolicy"] = query["propagationPolicy"]
    policy = options.get("propagationPolicy")
    if policy not in (None, "Background", "Foreground", "Orphan"):
        raise BadRequest(f'Unsupported propagationPolicy: "{policy}" (supported: Background, '
                         f"Foreground, Orphan)")
    return options


def _check_preconditions(resource: Resource, current: dict[str, Any],
                         options: dict[str, Any], name: str) -> None:
    pre = options.get("preconditions") or {}
    current_meta = current["metadata"]
    if pre.get("uid") and pre["uid"] != current_meta.get("uid"):
        raise conflict(resource, name, f"Precondition failed: UID in precondition: "
                       f"{pre['uid']}, UID in object meta: {current_meta.get('uid')}")
    if pre.get("resourceVersion") and pre["resourceVersion"] != \
            current_meta.get("resourceVersion"):
        raise conflict(resource, name, f"Precondition failed: ResourceVersion in precondition:"
                       f" {pre['resourceVersion']}, ResourceVersion in object meta: "
                       f"{current_meta.get('resourceVersion')}")


def _graceful(resource: Resource, current: dict[str, Any], options: dict[str, Any]) -> int:
    """Seconds a pod on a node gets to stop (its kubelet then deletes it); 0 otherwise."""
    if resource.group != "" or resource.plural != "pods":
        return 0
    spec = current.get("spec") or {}
    if not spec.get("nodeName") or (current.get("status") or {}).get("phase") in (
            "Succeeded", "Failed"):
        return 0
    grace = options.get("gracePeriodSeconds")
    if grace is None:
        grace = spec.get("terminationGracePeriodSeconds", 30)
    return max(int(grace), 0)


def _pending_finalizers(obj: dict[str, Any]) -> bool:
    if (obj.get("metadata") or {}).get("finalizers"):
        return True
    return obj.get("kind") == "Namespace" and bool((obj.get("spec") or {}).get("finalizers"))


async def delete_one(store: ObjectStore, resource: Resource, namespace: str | None, name: str,
                     options: dict[str, Any], *, dry: bool) -> tuple[dict[str, Any], bool]:
    """Delete now, or mark for deletion when finalizers or a grace period stand in the way.
    Returns (the object, whether it is gone)."""
    for _ in range(16):
        current, kv = await store.read_current(resource, namespace, name)
        _check_preconditions(resource, current, options, name)
        grace = _graceful(resource, current, options)
        if _pending_finalizers(current) or grace:
            marked = _mark_deleted(current, grace)
            if marked is None:
                return current, False
            stored = await store.replace_if_unchanged(resource, kv, marked, dry_run=dry)
            if stored is not None:
                return stored, False
            continue
        gone = await store.delete_now(resource, current, kv, dry_run=dry)
        if gone is not None:
            if _is_service(resource) and not dry:
                await services.release(store, gone)
            return gone, True
    raise conflict(resource, name, STALE)


def _mark_deleted(current: dict[str, Any], grace: int) -> dict[str, Any] | None:
    cur_meta = current["metadata"]
    if cur_meta.get("deletionTimestamp") and grace >= cur_meta.get(
            "deletionGracePeriodSeconds", 0):
        return None
    new = copy.deepcopy(current)
    new_meta = new["metadata"]
    new_meta.pop("resourceVersion", None)
    new_meta["deletionTimestamp"] = meta.now_rfc3339(datetime.now(UTC) + timedelta(seconds=grace))
    new_meta["deletionGracePeriodSeconds"] = grace
    if new.get("kind") == "Namespace":
        new.setdefault("status", {})["phase"] = "Terminating"
    return new


def _deleted_status(resource: Resource, obj: dict[str, Any]) -> dict[str, Any]:
    obj_meta = obj.get("metadata") or {}
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
            "details": {"name": obj_meta.get("name", ""), "group": resource.group,
                        "kind": resource.plural, "uid": obj_meta.get("uid", "")}}


_RETURNS_OBJECT = frozenset({("", "pods"), ("", "services"), ("", "namespaces")})


async def delete_object(request: web.Request, store: ObjectStore, resource: Resource,
                        namespace: str | None, name: str) -> web.Response:
    options = _delete_options(request, await read_body(request))
    dry = dry_run(request) or options.get("dryRun") == ["All"]
    obj, gone = await delete_one(store, resource, namespace, name, options, dry=dry)
    if gone and (resource.group, resource.plural) not in _RETURNS_OBJECT:
        return json_response(_deleted_status(resource, obj))
    return json_response(obj, status=200 if gone else 202 if dry else 200)


async def delete_collection(request: web.Request, store: ObjectStore, resource: Resource,
                            namespace: str | None) -> web.Response:
    options = _delete_options(request, await read_body(request))
    dry = dry_run(request) or options.get("dryRun") == ["All"]
    page = await store.list(resource, namespace, predicate=predicate(request, resource))
    deleted = []
    for obj in page.items:
        obj_meta = obj["metadata"]
        try:
            result, _ = await delete_one(store, resource, obj_meta.get("namespace"),
                                         obj_meta["name"], options, dry=dry)
        except NotFound:
            continue
        deleted.append(result)
    return json_response({"kind": resource.list_kind, "apiVersion": resource.api_version,
                          "metadata": {"resourceVersion": page.resource_version},
                          "items": deleted})
