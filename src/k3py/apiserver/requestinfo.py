"""What a resource request is about, read from its path and method the way kube-apiserver
reads it: group, version, namespace, resource, name, subresource and verb."""

from __future__ import annotations

from dataclasses import dataclass

from k3py.errors import NotFound

_NAMESPACE_SUBRESOURCES = frozenset({"status", "finalize"})


@dataclass(frozen=True, slots=True)
class RequestInfo:
    group: str
    version: str
    resource: str
    namespace: str | None = None
    name: str | None = None
    subresource: str | None = None
    verb: str = ""


def _unknown() -> NotFound:
    return NotFound("the server could not find the requested resource")


def parse_resource_path(path: str, method: str, *, watch_param: bool) -> RequestInfo:
    """Parse ``/api/v1/...`` or ``/apis/<g>/<v>/...`` (the prefix already known to match)."""
    parts = [p for p in path.split("/") if p]
    if parts[0] == "api":
        if len(parts) < 3:
            raise _unknown()
        group, version, rest = "", parts[1], parts[2:]
    else:
        if len(parts) < 4:
            raise _unknown()
        group, version, rest = parts[1], parts[2], parts[3:]
    legacy_watch = False
    if rest and rest[0] == "watch":
        legacy_watch, rest = True, rest[1:]
    namespace = None
    if len(rest) > 2 and rest[0] == "namespaces" and rest[2] not in _NAMESPACE_SUBRESOURCES:
        namespace, rest = rest[1], rest[2:]
    if not rest:
        raise _unknown()
    resource = rest[0]
    name = rest[1] if len(rest) > 1 else None
    subresource = "/".join(rest[2:]) or None if len(rest) > 2 else None
    if subresource and "/" in subresource and not subresource.startswith("proxy"):
        raise _unknown()
    verb = _verb(method, name=name, watch=legacy_watch or watch_param)
    return RequestInfo(group, version, resource, namespace, name, subresource, verb)


def _verb(method: str, *, name: str | None, watch: bool) -> str:
    if method in ("GET", "HEAD"):
        if watch:
            return "watch"
        return "get" if name else "list"
    if method == "POST":
        return "create"
    if method == "PUT":
        return "update"
    if method == "PATCH":
        return "patch"
    if method == "DELETE":
        return "delete" if name else "deletecollection"
    return method.lower()
