"""The JSON schemas of the built-in Kubernetes types, and a navigator over them.

The schemas are data we depend on, not text we retype: they come from the
``kubernetes-validate`` package (one ``_definitions.json`` per Kubernetes minor), loaded
once, lazily. Their ``$defs`` map definition names such as
``io.k8s.api.apps.v1.Deployment`` to JSON schemas that keep the upstream extensions
(``x-kubernetes-patch-strategy``, ``x-kubernetes-patch-merge-key``, list and map types,
group-version-kinds).

:class:`Schema` is one position in that graph with ``$ref`` and ``allOf`` already folded
in, so callers (strategic merge patch, strict field validation, OpenAPI output) walk
objects, arrays and maps without knowing how the schema was spelled. It also accepts
OpenAPI v3 spelling (``#/components/schemas/...`` references, ``allOf: [{$ref}]``) and
inline schemas such as a CRD's ``openAPIV3Schema``.
"""

from __future__ import annotations

import functools
import importlib.util
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import orjson

SCHEMA_VERSION: Final = "v1.33.0-local"
"""The ``kubernetes-validate`` schema directory we read: Kubernetes 1.33, the version we emulate."""

_PACKAGE: Final = "kubernetes_validate"
_NO_SCHEMA: Final = "\x00none"  # cache marker for "this child has no schema"
# Keys that only document a node: a node made of a $ref plus these is the referenced
# definition itself, so it can share that definition's navigator (and its caches).
_DOC_KEYS: Final = frozenset({"$ref", "description", "default", "example", "title"})

JsonSchema = Mapping[str, Any]


@functools.cache
def definitions() -> Mapping[str, JsonSchema]:
    """Every built-in definition by name; read from package data on first use only."""
    # Locate the package without importing it (its __init__ pulls in jsonschema).
    spec = importlib.util.find_spec(_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModuleNotFoundError(f"the {_PACKAGE} package (kubernetes-validate) is missing")
    root = Path(next(iter(spec.submodule_search_locations)))
    path = root / "kubernetes-json-schema" / SCHEMA_VERSION / "_definitions.json"
    data = orjson.loads(path.read_bytes())
    defs: Mapping[str, JsonSchema] = data["$defs"]
    return defs


def definition(name: str) -> JsonSchema:
    """The raw JSON schema of one built-in definition; ``KeyError`` names what is missing."""
    try:
        return definitions()[name]
    except KeyError:
        raise KeyError(f"no built-in schema definition named {name!r}") from None


@functools.cache
def _kind_index() -> Mapping[tuple[str, str, str], str]:
    index: dict[tuple[str, str, str], str] = {}
    for name, node in definitions().items():
        for gvk in node.get("x-kubernetes-group-version-kind") or ():
            index.setdefault((gvk.get("group", ""), gvk["version"], gvk["kind"]), name)
    return index


def definition_for_kind(group: str, version: str, kind: str) -> str | None:
    """The definition name that describes ``group/version, Kind=kind`` (core group is
    ``""``), or None for kinds the built-in schemas do not know (custom resources)."""
    return _kind_index().get((group, version, kind))


def schema(name: str) -> Schema:
    """The navigator at the root of a built-in definition (cached, so repeated walks over
    the same types cost dictionary lookups only)."""
    return _builtin().root(name)


@functools.cache
def _builtin() -> _Definitions:
    return _Definitions(definitions())


def _ref_name(ref: str) -> str:
    # "#/$defs/X", "#/definitions/X" and "#/components/schemas/X" all name X.
    return ref.rsplit("/", 1)[-1]


class _Definitions:
    """A set of named schemas plus one shared navigator per name."""

    __slots__ = ("_defs", "_roots")

    def __init__(self, defs: Mapping[str, JsonSchema]) -> None:
        self._defs = defs
        self._roots: dict[str, Schema] = {}

    def raw(self, name: str) -> JsonSchema:
        try:
            return self._defs[name]
        except KeyError:
            raise KeyError(f"schema reference to {name!r} names no definition") from None

    def root(self, name: str) -> Schema:
        found = self._roots.get(name)
        if found is None:
            found = self._roots[name] = Schema(self.raw(name), definitions=self._defs,
                                               name=name, _registry=self)
        return found

    def resolve(self, node: JsonSchema, depth: int = 0) -> tuple[JsonSchema, str | None]:
        """Fold ``$ref`` and ``allOf`` into one mapping; keys at the use site win (that is
        where ``x-kubernetes-patch-strategy`` sits beside a ``$ref``)."""
        ref, all_of = node.get("$ref"), node.get("allOf")
        if ref is None and not all_of:
            return node, None
        if depth > 32:
            raise ValueError(f"schema references loop: {ref or all_of!r}")
        merged: dict[str, Any] = {}
        name: str | None = None
        parts: list[JsonSchema] = []
        if ref is not None:
            name = _ref_name(ref)
            parts.append(self.raw(name))
        parts.extend(all_of or ())
        for part in parts:
            resolved, part_name = self.resolve(part, depth + 1)
            name = name or part_name
            for key, value in resolved.items():
                if key == "properties" and "properties" in merged:
                    merged["properties"] = {**merged["properties"], **value}
                elif key == "required" and "required" in merged:
                    merged["required"] = [*merged["required"], *value]
                else:
                    merged[key] = value
        merged.update((k, v) for k, v in node.items() if k not in ("$ref", "allOf"))
        return merged, name


class Schema:
    """One node of a JSON schema, with ``$ref``/``allOf`` resolved, and the ways down from it.

    ``node`` is the resolved mapping (read it for anything not wrapped here: ``format``,
    ``enum``, ``description``...); ``name`` is the definition it came from, if any.
    Children are created on first use and cached on their parent; the roots of named
    definitions are shared, so a walk over a built-in type allocates nothing once warm.
    """

    __slots__ = ("_children", "_registry", "name", "node")

    def __init__(self, node: JsonSchema, *, definitions: Mapping[str, JsonSchema] | None = None,
                 name: str | None = None, _registry: _Definitions | None = None) -> None:
        if _registry is None:
            _registry = _builtin() if definitions is None else _Definitions(definitions)
        self._registry = _registry
        self.node, ref_name = _registry.resolve(node)
        self.name = name or ref_name
        self._children: dict[str, Schema | str] = {}

    @classmethod
    def named(cls, name: str, definitions: Mapping[str, JsonSchema] | None = None) -> Schema:
        """The root of definition ``name`` in ``definitions`` (default: the built-ins)."""
        if definitions is None:
            return schema(name)
        return _Definitions(definitions).root(name)

    def __repr__(self) -> str:
        return f"Schema({self.name or 'inline'}, types={self.types})"

    def _child(self, slot: str, raw: object) -> Schema | None:
        cached = self._children.get(slot)
        if cached is not None:
            return None if isinstance(cached, str) else cached
        child: Schema | None = None
        if isinstance(raw, Mapping):
            ref = raw.get("$ref")
            if ref is not None and raw.keys() <= _DOC_KEYS:
                child = self._registry.root(_ref_name(ref))
            else:
                child = Schema(raw, _registry=self._registry)
        self._children[slot] = _NO_SCHEMA if child is None else child
        return child

    # -- shape -------------------------------------------------------------------------

    @property
    def types(self) -> tuple[str, ...]:
        """The JSON types allowed here, without ``"null"``; empty when unconstrained
        (IntOrString and Quantity say what they accept through :meth:`one_of`)."""
        declared = self.node.get("type")
        if declared is None:
            return ()
        if isinstance(declared, str):
            return () if declared == "null" else (declared,)
        return tuple(t for t in declared if t != "null")

    @property
    def nullable(self) -> bool:
        """Whether ``null`` is accepted (JSON-schema ``type`` list or OpenAPI ``nullable``)."""
        declared = self.node.get("type")
        return bool(self.node.get("nullable")) or (
            isinstance(declared, list) and "null" in declared)

    @property
    def properties(self) -> Mapping[str, JsonSchema]:
        """The declared fields of an object, unresolved; use :meth:`prop` to walk one."""
        props: Mapping[str, JsonSchema] = self.node.get("properties") or {}
        return props

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(self.node.get("required") or ())

    def prop(self, name: str) -> Schema | None:
        """The schema of declared field ``name``, or None if the object does not declare it."""
        raw = self.properties.get(name)
        return None if raw is None else self._child("p:" + name, raw)

    def additional_properties(self) -> Schema | None:
        """The schema of every value of a map (``labels``, ``resources.limits``), or None."""
        return self._child("additionalProperties", self.node.get("additionalProperties"))

    def field(self, name: str) -> Schema | None:
        """The schema of ``name`` in an object: a declared property, else the map value
        schema, else None (an unknown field, or a free-form object)."""
        found = self.prop(name)
        return found if found is not None else self.additional_properties()

    @property
    def accepts_unknown_fields(self) -> bool:
        """Whether any field name is acceptable here: a map, free-form data (RawExtension,
        JSON, FieldsV1: no fields described), or ``x-kubernetes-preserve-unknown-fields``."""
        node = self.node
        if node.get("x-kubernetes-preserve-unknown-fields"):
            return True
        extra = node.get("additionalProperties")
        if extra is not None:
            return extra is not False
        return "properties" not in node

    def items(self) -> Schema | None:
        """The schema of every element of an array, or None."""
        return self._child("items", self.node.get("items"))

    def one_of(self) -> tuple[Schema, ...]:
        """The alternatives of a ``oneOf`` node (IntOrString, Quantity), else empty."""
        return tuple(s for i, raw in enumerate(self.node.get("oneOf") or ())
                     if (s := self._child(f"oneOf:{i}", raw)) is not None)

    # -- Kubernetes extensions -----------------------------------------------------------

    @property
    def patch_strategies(self) -> tuple[str, ...]:
        """``x-kubernetes-patch-strategy`` split on commas: ``("merge",)``,
        ``("retainKeys",)``, ``("merge", "retainKeys")``, ``("replace",)`` or empty."""
        value = self.node.get("x-kubernetes-patch-strategy")
        return tuple(s.strip() for s in value.split(",") if s.strip()) if value else ()

    @property
    def patch_merge_key(self) -> str | None:
        """The field that identifies an element of a merged list of objects."""
        value: str | None = self.node.get("x-kubernetes-patch-merge-key")
        return value

    @property
    def list_type(self) -> str | None:
        """``atomic``, ``set`` or ``map`` (server-side apply), or None if undeclared."""
        value: str | None = self.node.get("x-kubernetes-list-type")
        return value

    @property
    def list_map_keys(self) -> tuple[str, ...]:
        return tuple(self.node.get("x-kubernetes-list-map-keys") or ())

    @property
    def map_type(self) -> str | None:
        """``atomic`` or ``granular`` for objects, or None if undeclared."""
        value: str | None = self.node.get("x-kubernetes-map-type")
        return value

    @property
    def group_version_kinds(self) -> tuple[tuple[str, str, str], ...]:
        """``(group, version, kind)`` for each kind this definition serves."""
        return tuple((g.get("group", ""), g["version"], g["kind"])
                     for g in self.node.get("x-kubernetes-group-version-kind") or ())
