"""Field ownership on every write: who set which field (``metadata.managedFields``), and
server-side apply with its conflicts. The request decides the manager (``fieldManager``, or
the client's user agent) and whether to force."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from aiohttp import web

from k3py.api import managedfields, meta, schemas
from k3py.api.resources import Resource
from k3py.api.schemas import Schema
from k3py.errors import Invalid

MAX_MANAGER_LENGTH = 128


def _options_invalid(kind: str, field: str, reason: str, message: str) -> Invalid:
    return Invalid(f'{kind}.meta.k8s.io "" is invalid: {field}: {message}',
                   details={"group": "meta.k8s.io", "kind": kind,
                            "causes": [{"reason": reason, "message": message,
                                        "field": field}]})


def manager_of(request: web.Request, *, options_kind: str, apply: bool = False) -> str:
    name = request.query.get("fieldManager", "")
    if not name:
        if apply:
            raise _options_invalid(options_kind, "fieldManager", "FieldValueRequired",
                                   "Required value: is required for apply patch")
        return managedfields.default_manager(request.headers.get("User-Agent", ""))
    if len(name) > MAX_MANAGER_LENGTH or not name.isprintable():
        raise _options_invalid(options_kind, "fieldManager", "FieldValueInvalid",
                               f'Invalid value: "{name}": must be printable and at most '
                               f"{MAX_MANAGER_LENGTH} characters")
    return name


def forced(request: web.Request, *, apply: bool) -> bool:
    force = request.query.get("force")
    if force is None:
        return False
    if not apply:
        raise _options_invalid("PatchOptions", "force", "FieldValueForbidden",
                               "Forbidden: may not be specified for non-apply patch")
    return force.lower() in ("true", "1")


@lru_cache(maxsize=256)
def _builtin_schema(group: str, version: str, kind: str) -> Schema | None:
    name = schemas.definition_for_kind(group, version, kind)
    return schemas.schema(name) if name is not None else None


def schema_of(resource: Resource) -> Schema | None:
    if resource.custom is not None:
        return _custom_schema(resource)
    return _builtin_schema(resource.group, resource.version, resource.kind)


_CUSTOM: dict[tuple[str, int], Schema] = {}


def _custom_schema(resource: Resource) -> Schema | None:
    assert resource.custom is not None
    source = resource.custom.schema
    if not source:
        return None
    key = (resource.custom.crd_name + "/" + resource.version, id(source))
    found = _CUSTOM.get(key)
    if found is None:
        found = _CUSTOM[key] = Schema(dict(source))
    return found


def _reset_fields(resource: Resource) -> tuple[tuple[str, ...], ...] | None:
    """Fields a write of the main resource never owns: status, when it has its own
    subresource (None: the library's default for that case)."""
    return None if resource.subresource("status") is not None else ()


def now() -> str:
    return meta.now_rfc3339(datetime.now(UTC))


def track_update(request: web.Request, resource: Resource, old: dict[str, Any] | None,
                 new: dict[str, Any], *, subresource: str | None = None,
                 options_kind: str = "UpdateOptions") -> dict[str, Any]:
    """``new`` with the write's changed fields given to its manager."""
    manager = manager_of(request, options_kind=options_kind)
    return managedfields.record_update(old, new, manager=manager, schema=schema_of(resource),
                                       now=now(), subresource=subresource,
                                       reset_fields=_reset_fields(resource))


def server_side_apply(request: web.Request, resource: Resource, live: dict[str, Any] | None,
                      applied: dict[str, Any], *,
                      subresource: str | None = None) -> dict[str, Any]:
    """The object after applying ``applied`` as the request's field manager (409 on
    conflicts unless forced)."""
    manager = manager_of(request, options_kind="PatchOptions", apply=True)
    return managedfields.apply(live, applied, manager=manager,
                               force=forced(request, apply=True),
                               schema=schema_of(resource), now=now(), subresource=subresource,
                               reset_fields=_reset_fields(resource))
