"""``components.schemas`` of the OpenAPI v3 documents: the built-in JSON schemas rewritten
in the dialect kube-apiserver serves, and the schemas of custom resources.

The schemas we ship (``kubernetes-validate``) are JSON schema: ``type: ["string", "null"]``,
``$ref: "#/$defs/..."`` with siblings, ``enum`` pinning ``apiVersion``/``kind``. Upstream
serves OpenAPI 3.0: a plain ``type``, refs to ``#/components/schemas/...`` wrapped in
``allOf: [{$ref}]`` whenever something sits beside them (3.0 ignores a ``$ref``'s
siblings, and the siblings are where ``x-kubernetes-patch-strategy`` and descriptions
live), IntOrString and Quantity as ``oneOf`` unions. kubectl reads these documents for
``explain``, for the strategic merge patches of client-side apply (the patch extensions
must be exactly upstream's) and to find the kinds a group-version serves (the
``x-kubernetes-group-version-kind`` lists).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, Final

from k3py.api.schemas import JsonSchema, definitions

REF_PREFIX: Final = "#/components/schemas/"
OBJECT_META: Final = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
LIST_META: Final = "io.k8s.apimachinery.pkg.apis.meta.v1.ListMeta"

_INT_OR_STRING: Final = "io.k8s.apimachinery.pkg.util.intstr.IntOrString"
_QUANTITY: Final = "io.k8s.apimachinery.pkg.api.resource.Quantity"
# Upstream's spelling of the two scalar unions (the shipped schemas drop description and
# format, and list the alternatives as nullable types).
_OVERRIDES: Final[Mapping[str, JsonSchema]] = {
    _INT_OR_STRING: {
        "description": "IntOrString is a type that can hold an int32 or a string. In JSON "
                       "or YAML it is the inner value itself: a number or a name.",
        "format": "int-or-string",
        "oneOf": [{"type": "integer"}, {"type": "string"}],
    },
    _QUANTITY: {
        "description": "Quantity is a fixed-point representation of a number, such as "
                       "\"100m\", \"1.5Gi\" or \"3\". In JSON it is a string (a plain "
                       "number is accepted too).",
        "oneOf": [{"type": "string"}, {"type": "number"}],
    },
}

_API_VERSION_DOC: Final = (
    "APIVersion defines the versioned schema of this representation of an object. Servers "
    "should convert recognized schemas to the latest internal value, and may reject "
    "unrecognized values. More info: https://git.k8s.io/community/contributors/devel/"
    "sig-architecture/api-conventions.md#resources")
_KIND_DOC: Final = (
    "Kind is a string value representing the REST resource this object represents. Servers "
    "may infer this from the endpoint the client submits requests to. Cannot be updated. In "
    "CamelCase. More info: https://git.k8s.io/community/contributors/devel/"
    "sig-architecture/api-conventions.md#types-kinds")
_METADATA_DOC: Final = (
    "Standard object's metadata. More info: https://git.k8s.io/community/contributors/devel/"
    "sig-architecture/api-conventions.md#metadata")
_LIST_METADATA_DOC: Final = (
    "Standard list metadata. More info: https://git.k8s.io/community/contributors/devel/"
    "sig-architecture/api-conventions.md#metadata")


_VALUES: Final = frozenset({"default", "enum", "example"})  # data, not schemas


def ref(name: str) -> dict[str, Any]:
    return {"$ref": REF_PREFIX + name}


def _ref_name(value: str) -> str:
    return value.rsplit("/", 1)[-1]


def _plain_type(declared: Any) -> Any:
    """``["string", "null"]`` → ``"string"``: upstream v3 marks nothing nullable."""
    if isinstance(declared, list):
        kept = [t for t in declared if t != "null"]
        return kept[0] if len(kept) == 1 else kept
    return declared


def convert(node: JsonSchema, *, pinned: bool = False) -> dict[str, Any]:
    """One JSON-schema node in upstream's OpenAPI v3 spelling. ``pinned``: the node is an
    ``apiVersion``/``kind`` property, whose ``enum`` the shipped schemas add and upstream
    does not have (it would make ``explain`` list a single allowed value)."""
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" or (key == "enum" and pinned):
            continue
        if key == "type":
            out["type"] = _plain_type(value)
        elif key == "properties":
            out["properties"] = {name: convert(sub, pinned=name in ("apiVersion", "kind"))
                                 for name, sub in value.items()}
        elif key == "items" and isinstance(value, Mapping):
            out["items"] = convert(value)
        elif key == "additionalProperties" and isinstance(value, Mapping):
            out["additionalProperties"] = convert(value)
        elif key in ("oneOf", "anyOf", "allOf"):
            out[key] = [convert(sub) for sub in value]
        else:
            out[key] = value
    target = node.get("$ref")
    if target is None:
        return out
    if not out:
        return ref(_ref_name(target))
    return {"allOf": [ref(_ref_name(target))], **out}


@functools.cache
def builtin_component(name: str) -> Mapping[str, Any]:
    """The served form of one built-in definition (converted once, shared read-only)."""
    override = _OVERRIDES.get(name)
    if override is not None:
        return override
    return convert(definitions()[name])


def refs_in(node: Any) -> Iterator[str]:
    """Every definition name a schema refers to, in either spelling."""
    if isinstance(node, Mapping):
        for key, value in node.items():
            if key == "$ref" and isinstance(value, str):
                yield _ref_name(value)
            elif key == "properties" and isinstance(value, Mapping):
                for sub in value.values():
                    yield from refs_in(sub)
            elif key not in _VALUES and isinstance(value, Mapping | list):
                yield from refs_in(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs_in(item)


@functools.cache
def _direct_refs(name: str) -> frozenset[str]:
    return frozenset(refs_in(definitions()[name]))


def closure(roots: Iterable[str], custom: Mapping[str, JsonSchema]) -> list[str]:
    """``roots`` and every definition they reach, sorted; ``custom`` schemas are looked up
    first (custom resources refer to built-in metadata, never the other way)."""
    seen: set[str] = set()
    todo = list(roots)
    builtin = definitions()
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name in custom:
            todo.extend(refs_in(custom[name]))
        elif name in builtin:
            todo.extend(_direct_refs(name))
        else:
            raise KeyError(f"schema reference to {name!r} names no definition")
    return sorted(seen)


def component(name: str, custom: Mapping[str, JsonSchema]) -> Mapping[str, Any]:
    found = custom.get(name)
    return found if found is not None else builtin_component(name)


def definition_name(*, group: str, version: str, kind: str) -> str:
    """Upstream's component name for a custom kind: the group reversed, then version and
    kind (``widgets.example.com/v1`` Widget → ``com.example.v1.Widget``)."""
    reversed_group = ".".join(reversed(group.split("."))) if group else "core"
    return f"{reversed_group}.{version}.{kind}"


def custom_resource_schema(openapi_v3_schema: Mapping[str, Any] | None, *, group: str,
                           version: str, kind: str,
                           list_kind: str | None = None) -> dict[str, dict[str, Any]]:
    """The components a custom kind adds: the kind (its CRD's ``openAPIV3Schema`` for
    this version with standard ``apiVersion``, ``kind`` and ``metadata``) and its list.

    Pass the result (merged with other kinds') as ``custom_schemas`` to the document
    builders and to field validation. A CRD without a schema gets a free-form object
    (``x-kubernetes-preserve-unknown-fields``), so nothing the client sends is unknown.
    """
    base = dict(openapi_v3_schema or {"type": "object",
                                     "x-kubernetes-preserve-unknown-fields": True})
    properties = dict(base.get("properties") or {})
    properties.update({
        "apiVersion": {"description": _API_VERSION_DOC, "type": "string"},
        "kind": {"description": _KIND_DOC, "type": "string"},
        "metadata": {"allOf": [ref(OBJECT_META)], "description": _METADATA_DOC},
    })
    name = definition_name(group=group, version=version, kind=kind)
    item = {**base, "type": "object", "properties": properties,
            "x-kubernetes-group-version-kind": [
                {"group": group, "kind": kind, "version": version}]}
    list_name = list_kind or f"{kind}List"
    listing = {
        "description": f"{list_name} is a list of {kind}",
        "type": "object", "required": ["items"],
        "properties": {
            "apiVersion": {"description": _API_VERSION_DOC, "type": "string"},
            "items": {"description": f"List of {kind.lower()}s. More info: "
                                     "https://git.k8s.io/community/contributors/devel/"
                                     "sig-architecture/api-conventions.md",
                      "type": "array", "items": ref(name)},
            "kind": {"description": _KIND_DOC, "type": "string"},
            "metadata": {"allOf": [ref(LIST_META)], "description": _LIST_METADATA_DOC},
        },
        "x-kubernetes-group-version-kind": [
            {"group": group, "kind": list_name, "version": version}],
    }
    return {name: item,
            definition_name(group=group, version=version, kind=list_name): listing}


def find_kind(custom: Mapping[str, JsonSchema], *, group: str, version: str,
              kind: str) -> str | None:
    """The custom component that serves ``group/version, Kind=kind``, if any."""
    wanted = {"group": group, "kind": kind, "version": version}
    for name, node in custom.items():
        for gvk in node.get("x-kubernetes-group-version-kind") or ():
            if {"group": gvk.get("group", ""), "kind": gvk.get("kind"),
                    "version": gvk.get("version")} == wanted:
                return name
    return None
