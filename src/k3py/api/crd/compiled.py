"""A CRD version's ``openAPIV3Schema`` compiled once into a tree of :class:`Node`.

Every request for a custom resource prunes, defaults and validates against the same schema,
so the work that does not depend on the object is done here, once: types resolved
(``x-kubernetes-int-or-string`` becomes integer-or-string), unsupported formats stripped,
patterns compiled, enum labels rendered, defaults pruned, and per-subtree flags computed
so the walks skip subtrees with nothing to do. Compiled trees are cached by the schema
dict's identity, then by its content, so callers may pass the same dict every time or
rebuild it from storage: treat a schema dict as immutable once it has been used.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import orjson

from k3py.api.crd import formats
from k3py.api.crd.patterns import compile_go
from k3py.api.gorender import go_json

_CACHE_SIZE = 256
_by_id: dict[int, tuple[Mapping[str, Any], Node]] = {}
_by_text: dict[bytes, Node] = {}


class Node:
    """One position of a schema: its structural part (properties, items, additional
    properties, default, nullable, extensions) drives pruning and defaulting; all of it
    drives value validation."""

    __slots__ = (
        "additional", "additional_forbidden", "all_of", "any_of", "checks_type",
        "default", "embedded", "enum", "enum_labels", "excl_max", "excl_min", "fmt",
        "fmt_check", "has_additional", "has_default", "int_or_string", "items", "list_type",
        "map_keys", "max_items", "max_length", "max_props", "maximum", "min_items",
        "min_length", "min_props", "minimum", "multiple_of", "not_", "nullable", "one_of",
        "pattern", "pattern_text", "preserve", "properties", "raw", "required", "type_label",
        "types", "unique_items", "walk_defaults", "walk_embedded", "walk_lists",
    )

    walk_defaults: bool
    walk_lists: bool
    walk_embedded: bool

    def __init__(self, raw: Mapping[str, Any]) -> None:
        self.raw = raw
        self.int_or_string = raw.get("x-kubernetes-int-or-string") is True
        kind = raw.get("type")
        if self.int_or_string:
            self.types: tuple[str, ...] = ("integer", "string")
        else:
            self.types = (kind,) if isinstance(kind, str) and kind else ()
        self.type_label = ",".join(self.types)
        self.nullable = raw.get("nullable") is True
        fmt = raw.get("format")
        self.fmt = formats.kept_format(fmt, self.types) if isinstance(fmt, str) else ""
        self.fmt_check = formats.string_check(self.fmt)
        self.checks_type = bool(self.types or self.fmt)
        self.preserve = raw.get("x-kubernetes-preserve-unknown-fields") is True
        self.embedded = raw.get("x-kubernetes-embedded-resource") is True
        list_type = raw.get("x-kubernetes-list-type")
        self.list_type = list_type if list_type in ("set", "map") else ""
        keys = raw.get("x-kubernetes-list-map-keys")
        self.map_keys = tuple(k for k in keys if isinstance(k, str)) if isinstance(
            keys, list) else ()
        self._strings(raw)
        self._numbers(raw)
        self._collections(raw)
        enum = raw.get("enum")
        self.enum: tuple[Any, ...] | None = tuple(enum) if isinstance(enum, list) and enum \
            else None
        self.enum_labels = [v if isinstance(v, str) else go_json(v) for v in self.enum or ()]
        self.all_of = _nodes(raw.get("allOf"))
        self.any_of = _nodes(raw.get("anyOf"))
        self.one_of = _nodes(raw.get("oneOf"))
        not_ = raw.get("not")
        self.not_ = Node(not_) if isinstance(not_, Mapping) else None
        self.has_default = "default" in raw and raw["default"] is not None
        self.default: Any = None
        if self.has_default:
            from k3py.api.crd.structural import prune  # the pruner walks compiled nodes
            self.default = prune(raw["default"], self, root=self.embedded)
        self._flags()

    def _strings(self, raw: Mapping[str, Any]) -> None:
        self.max_length = _int(raw.get("maxLength"))
        self.min_length = _int(raw.get("minLength"))
        pattern = raw.get("pattern")
        self.pattern_text = pattern if isinstance(pattern, str) and pattern else ""
        self.pattern: re.Pattern[str] | None = compile_go(self.pattern_text) \
            if self.pattern_text else None

    def _numbers(self, raw: Mapping[str, Any]) -> None:
        self.maximum = _num(raw.get("maximum"))
        self.minimum = _num(raw.get("minimum"))
        self.excl_max = raw.get("exclusiveMaximum") is True
        self.excl_min = raw.get("exclusiveMinimum") is True
        self.multiple_of = _num(raw.get("multipleOf"))

    def _collections(self, raw: Mapping[str, Any]) -> None:
        self.max_items = _int(raw.get("maxItems"))
        self.min_items = _int(raw.get("minItems"))
        self.unique_items = raw.get("uniqueItems") is True
        self.max_props = _int(raw.get("maxProperties"))
        self.min_props = _int(raw.get("minProperties"))
        required = raw.get("required")
        self.required = tuple(r for r in required if isinstance(r, str)) if isinstance(
            required, list) else ()
        props = raw.get("properties")
        self.properties: dict[str, Node] = {
            k: Node(v) for k, v in props.items() if isinstance(v, Mapping)
        } if isinstance(props, Mapping) else {}
        additional = raw.get("additionalProperties")
        self.has_additional = additional is not None
        self.additional_forbidden = additional is False
        self.additional = Node(additional) if isinstance(additional, Mapping) else None
        items = raw.get("items")
        self.items = Node(items) if isinstance(items, Mapping) else None

    def _flags(self) -> None:
        children = [*self.properties.values()]
        if self.additional is not None:
            children.append(self.additional)
        if self.items is not None:
            children.append(self.items)
        self.walk_defaults = any(c.has_default or c.walk_defaults for c in children)
        self.walk_lists = bool(self.list_type) or any(c.walk_lists for c in children)
        self.walk_embedded = self.embedded or any(c.walk_embedded for c in children)


def _nodes(value: Any) -> tuple[Node, ...]:
    if not isinstance(value, list):
        return ()
    return tuple(Node(v) for v in value if isinstance(v, Mapping))


def _int(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return int(value)


def _num(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def compile_schema(schema: Mapping[str, Any]) -> Node:
    """The compiled tree of ``schema`` (a CRD version's ``openAPIV3Schema``), cached."""
    hit = _by_id.get(id(schema))
    if hit is not None and hit[0] is schema:
        return hit[1]
    text = orjson.dumps(schema, option=orjson.OPT_SORT_KEYS)
    node = _by_text.get(text)
    if node is None:
        node = Node(schema)
        if len(_by_text) >= _CACHE_SIZE:
            _by_text.clear()
        _by_text[text] = node
    if len(_by_id) >= _CACHE_SIZE:
        _by_id.clear()
    _by_id[id(schema)] = (schema, node)
    return node
