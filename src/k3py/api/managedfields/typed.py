"""How server-side apply sees an object through its schema, and the fields an object sets.

The rules are those of kube-openapi's schema conversion, which structured-merge-diff then
walks: an object is a *granular* map (each field owned on its own) unless it says
``x-kubernetes-map-type: atomic``; a list is *atomic* (owned as one value) unless it says
``x-kubernetes-list-type: set`` or ``map`` (with ``x-kubernetes-list-map-keys``), or, with no
list type, ``x-kubernetes-patch-strategy: merge`` (keyed by the patch merge key, or a set
when there is none). Fields the schema does not describe are *deduced* from the value:
objects granular, lists atomic. ``RawExtension`` is atomic whatever it holds.

A schema here is a :class:`k3py.api.schemas.Schema` navigator (a built-in definition or a
CRD's ``openAPIV3Schema``) or None for "no schema at all".
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any, Final

from k3py.api.managedfields.fieldset import (
    FieldSet,
    Path,
    field_element,
    key_element,
    path_string,
    value_element,
)
from k3py.api.schemas import Schema

_ATOMIC_DEFINITIONS: Final = frozenset({"io.k8s.apimachinery.pkg.runtime.RawExtension"})
# List-map keys whose upstream OpenAPI declares a default (our schema data carries none);
# an applied port without ``protocol`` must still match the live, defaulted port.
_KEY_DEFAULTS: Final[Mapping[tuple[str, str], Any]] = {
    ("io.k8s.api.core.v1.ContainerPort", "protocol"): "TCP",
    ("io.k8s.api.core.v1.ServicePort", "protocol"): "TCP",
}


class TypingError(ValueError):
    """An object that cannot be seen through its schema (a keyed list element without its
    keys, duplicate keys in an applied list); the message names the path, as upstream."""


# -- schema questions ------------------------------------------------------------------------


def child_schema(schema: Schema | None, name: str) -> Schema | None:
    """The schema of field (or map key) ``name``; None means deduced from the value."""
    if schema is None:
        return None
    found = schema.prop(name)
    return found if found is not None else schema.additional_properties()


def is_declared(schema: Schema | None, name: str) -> bool:
    """Whether ``name`` is a struct field (upstream's "named field") rather than a map key."""
    return schema is not None and name in schema.properties


def map_is_atomic(schema: Schema | None) -> bool:
    if schema is None:
        return False
    return schema.map_type == "atomic" or schema.name in _ATOMIC_DEFINITIONS


def list_keys(schema: Schema | None) -> tuple[str, ...] | None:
    """None for an atomic list; ``()`` for a set; the key fields of an associative list."""
    if schema is None:
        return None
    kind = schema.list_type
    if kind is not None:
        if kind == "set":
            return ()
        if kind == "map":
            return schema.list_map_keys
        return None
    if "merge" in schema.patch_strategies:
        key = schema.patch_merge_key
        return (key,) if key else ()
    return None


def is_nullable(schema: Schema | None) -> bool:
    """Whether an applied ``null`` stays in the object (CRD ``nullable``, or no schema)."""
    return schema is None or bool(schema.node.get("nullable"))


def item_element(item: Any, keys: tuple[str, ...], element_schema: Schema | None,
                 path: Path, index: int) -> str:
    """The path element naming ``item`` of an associative list (``k:`` or ``v:``)."""
    if keys:
        if not isinstance(item, dict):
            raise TypingError(f"{path_string(path)}: element {index}: associative list with "
                              "keys may not have non-map elements")
        fields: dict[str, Any] = {}
        for key in keys:
            if key in item:
                fields[key] = item[key]
            else:
                default = _key_default(element_schema, key)
                if default is not None:
                    fields[key] = default
        if not fields:
            names = "[" + " ".join(f'"{k}"' for k in keys) + "]"
            raise TypingError(
                f"{path_string(path)}: element {index}: associative list with keys has an "
                f"element that omits all key fields {names} (and doesn't have default values "
                "for any key fields)")
        return key_element(fields)
    if item is None or isinstance(item, dict | list):
        what = "an explicit null" if item is None else "a map type" if isinstance(
            item, dict) else "a list"
        raise TypingError(f"{path_string(path)}: element {index}: associative list without "
                          f"keys has an element that's {what}")
    return value_element(item)


def _key_default(element_schema: Schema | None, key: str) -> Any:
    if element_schema is None:
        return None
    field = element_schema.prop(key)
    if field is not None and "default" in field.node:
        return field.node["default"]
    return _KEY_DEFAULTS.get((element_schema.name or "", key))


def schema_at(root: Schema | None, path: Path, cache: dict[Path, Schema | None]) -> Schema | None:
    """The schema at ``path`` below ``root``, memoised in ``cache`` for one operation."""
    if not path:
        return root
    if path in cache:
        return cache[path]
    parent = schema_at(root, path[:-1], cache)
    element = path[-1]
    if parent is None:
        found = None
    elif element[0] == "f":
        found = child_schema(parent, element[2:])
    else:
        found = parent.items()
    cache[path] = found
    return found


# -- the fields an object sets ----------------------------------------------------------------


def field_set(obj: Any, schema: Schema | None) -> FieldSet:
    """Every leaf an (applied) object sets, as upstream's ``ToFieldSet``: scalars, atomic
    maps and lists as one field each, every associative list element itself, map keys that
    are not struct fields, and explicit ``null`` or ``{}`` values."""
    found: FieldSet = set()
    _walk(obj, schema, (), found)
    found.discard(())
    return found


def _walk(value: Any, schema: Schema | None, path: Path, found: FieldSet) -> None:
    if isinstance(value, dict):
        if map_is_atomic(schema):
            found.add(path)
            return
        for name, child in value.items():
            child_path = (*path, field_element(name))
            _walk(child, child_schema(schema, name), child_path, found)
            if child is None or (isinstance(child, dict) and not child) or not is_declared(
                    schema, name):
                found.add(child_path)
    elif isinstance(value, list):
        keys = list_keys(schema)
        if keys is None:
            found.add(path)
            return
        element_schema = schema.items() if schema is not None else None
        seen: set[str] = set()
        duplicates: set[str] = set()
        elements = [item_element(item, keys, element_schema, path, i)
                    for i, item in enumerate(value)]
        for element in elements:
            if element in seen:
                duplicates.add(element)
            seen.add(element)
        for element in duplicates:
            found.add((*path, element))
        for element, item in zip(elements, value, strict=True):
            if element in duplicates:
                continue
            item_path = (*path, element)
            _walk(item, element_schema, item_path, found)
            found.add(item_path)
    elif value is not None:
        found.add(path)


def ensure_named(paths: Iterable[Path], root: Schema | None,
                 cache: dict[Path, Schema | None]) -> FieldSet:
    """``paths`` plus every struct field that has owned fields beneath it (upstream's
    ``EnsureNamedFieldsAreMembers``), so that pruning a struct takes the struct too."""
    out = set(paths)
    visited: set[Path] = set()
    for path in list(out):
        for i in range(len(path) - 1, 0, -1):
            prefix = path[:i]
            if prefix in visited:
                break
            visited.add(prefix)
            element = prefix[-1]
            if element[0] == "f" and is_declared(schema_at(root, prefix[:-1], cache),
                                                 element[2:]):
                out.add(prefix)
    return out
