"""The OpenAPI v3 documents as served: ``/openapi/v3`` (the root, naming each document with
the hash of its content) and ``/openapi/v3/<path>`` (one document per group-version, plus
the small discovery documents upstream serves beside them).

Documents are built on first use and cached by content: a group-version's document depends
only on its resources (and, for custom resources, their schemas), so a new
:class:`ResourceTable` after a CRD change rebuilds only the documents that changed. The hash
is upstream's: the SHA-512 of the served bytes in uppercase hex, used in the root's
``serverRelativeURL`` (``?hash=``) and as the ETag.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import orjson

from k3py.api.openapi.components import (
    closure,
    component,
    custom_resource_schema,
    definition_name,
    find_kind,
    refs_in,
)
from k3py.api.openapi.paths import PathBuilder, group_part, responses, tag
from k3py.api.resources import Resource, ResourceTable
from k3py.api.schemas import JsonSchema, definition_for_kind

INFO_VERSION: Final = "v1.33.0"
_META: Final = "io.k8s.apimachinery.pkg.apis.meta.v1."
_SECURITY: Final = {"BearerToken": {"description": "Bearer Token authentication",
                                    "in": "header", "name": "authorization", "type": "apiKey"}}


@dataclass(frozen=True, slots=True)
class Document:
    """One served document: its JSON bytes and their hash."""

    body: bytes
    hash: str  # uppercase hex SHA-512 of body

    @property
    def etag(self) -> str:
        return f'"{self.hash}"'


def _finish(paths: dict[str, Any], custom: Mapping[str, JsonSchema]) -> Document:
    names = closure(refs_in(paths), custom)
    doc = {
        "openapi": "3.0.0",
        "info": {"title": "Kubernetes", "version": INFO_VERSION},
        "paths": paths,
        "components": {"schemas": {name: component(name, custom) for name in names},
                       "securitySchemes": _SECURITY},
        "security": [{"BearerToken": []}],
    }
    body = orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)
    return Document(body, hashlib.sha512(body).hexdigest().upper())


@functools.lru_cache(maxsize=64)
def _discovery(path: str, op_id: str, *, kind: str, op_tag: str) -> Document:
    paths = {path: {"get": {"description": f"get available {kind[len(_META):]}",
                            "operationId": op_id,
                            "responses": responses(kind, [("200", "OK")]),
                            "tags": [op_tag]}}}
    return _finish(paths, {})


def _version_document() -> Document:
    paths = {"/version/": {"get": {
        "description": "get the version information for this server",
        "operationId": "getCodeVersion",
        "responses": responses("io.k8s.apimachinery.pkg.version.Info", [("200", "OK")],
                               types=("application/json",)),
        "tags": ["version"]}}}
    return _finish(paths, {})


@functools.lru_cache(maxsize=512)
def _build(group: str, version: str, *, resources: tuple[Resource, ...],
           custom_key: bytes) -> Document:
    custom: dict[str, JsonSchema] = orjson.loads(custom_key) if custom_key else {}

    def lookup(g: str, v: str, kind: str) -> str | None:
        return find_kind(custom, group=g, version=v, kind=kind) or definition_for_kind(g, v, kind)

    for r in resources:  # custom kinds nobody gave a schema for: accept anything
        if lookup(group, version, r.kind) is None:
            custom.update(custom_resource_schema(None, group=group, version=version,
                                                 kind=r.kind, list_kind=r.list_kind))

    def resolve(g: str, v: str, kind: str) -> str:
        name = lookup(g, v, kind)
        if name is None:
            name = definition_name(group=g, version=v, kind=kind)
            custom[name] = {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                            "x-kubernetes-group-version-kind": [
                                {"group": g, "kind": kind, "version": v}]}
        return name

    builder = PathBuilder(group, version, resolve)
    paths = builder.discovery()
    for r in resources:
        paths.update(builder.resource(r))
    return _finish(paths, custom)


def _relevant(custom: Mapping[str, JsonSchema], *, group: str,
              version: str) -> dict[str, Any]:
    """The custom components one group-version's document can refer to."""
    todo = [name for name, node in custom.items()
            if any(gvk.get("group", "") == group and gvk.get("version") == version
                   for gvk in node.get("x-kubernetes-group-version-kind") or ())]
    found: dict[str, Any] = {}
    while todo:
        name = todo.pop()
        if name in found or name not in custom:
            continue
        found[name] = custom[name]
        todo.extend(refs_in(custom[name]))
    return found


def _gv_document(table: ResourceTable, group: str, *, version: str,
                 custom: Mapping[str, JsonSchema] | None) -> Document | None:
    resources = tuple(table.in_group_version(group, version))
    if not resources:
        return None
    relevant = _relevant(custom or {}, group=group, version=version)
    key = orjson.dumps(relevant, option=orjson.OPT_SORT_KEYS) if relevant else b""
    return _build(group, version, resources=resources, custom_key=key)


def group_version_document(table: ResourceTable, group: str, version: str, *,
                           custom_schemas: Mapping[str, JsonSchema] | None = None) -> bytes:
    """The JSON document of ``/openapi/v3/api/v1`` or ``/openapi/v3/apis/<g>/<v>``.

    ``custom_schemas`` holds the components of custom kinds (see
    :func:`custom_resource_schema`); custom kinds without one get a free-form schema.
    Raises KeyError when the table does not serve the group-version.
    """
    doc = _gv_document(table, group, version=version, custom=custom_schemas)
    if doc is None:
        raise KeyError(f"the group-version {group or 'core'}/{version} is not served")
    return doc.body


def document(table: ResourceTable, key: str, *,
             custom_schemas: Mapping[str, JsonSchema] | None = None) -> Document | None:
    """The document served at ``/openapi/v3/<key>`` (``api/v1``, ``apis/apps/v1``,
    ``apis/apps``, ``api``, ``apis``, ``version``), or None for a path not served."""
    parts = key.strip("/").split("/")
    groups = table.groups()
    if parts == ["version"]:
        return _version_document()
    if parts == ["api"]:
        return _discovery("/api/", "getCoreAPIVersions", kind=_META + "APIVersions",
                          op_tag="core")
    if parts == ["apis"]:
        return _discovery("/apis/", "getAPIVersions", kind=_META + "APIGroupList",
                          op_tag="apis")
    if len(parts) == 2 and parts[0] == "api" and parts[1] in groups.get("", ()):
        return _gv_document(table, "", version=parts[1], custom=custom_schemas)
    if parts[0] != "apis" or len(parts) not in (2, 3) or not parts[1] or parts[1] not in groups:
        return None
    if len(parts) == 2:
        group = parts[1]
        part = group_part(group)
        return _discovery(f"/apis/{group}/", f"get{part}APIGroup", kind=_META + "APIGroup",
                          op_tag=tag(group, "").removesuffix("_"))
    if parts[2] not in groups[parts[1]]:
        return None
    return _gv_document(table, parts[1], version=parts[2], custom=custom_schemas)


def _keys(table: ResourceTable) -> list[str]:
    keys = ["api", "apis", "version"]
    for group, versions in table.groups().items():
        if group:
            keys.append(f"apis/{group}")
        keys.extend(f"apis/{group}/{v}" if group else f"api/{v}" for v in versions)
    return sorted(keys)


def root(table: ResourceTable, *,
         custom_schemas: Mapping[str, JsonSchema] | None = None) -> dict[str, Any]:
    """``/openapi/v3``: every document's path and its hashed URL. Builds (and caches) every
    document, since each URL carries its document's hash."""
    paths: dict[str, Any] = {}
    for key in _keys(table):
        doc = document(table, key, custom_schemas=custom_schemas)
        if doc is not None:
            paths[key] = {"serverRelativeURL": f"/openapi/v3/{key}?hash={doc.hash}"}
    return {"paths": paths}
