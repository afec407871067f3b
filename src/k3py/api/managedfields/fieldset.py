"""Field sets: which fields of an object a manager owns, and their ``fieldsV1`` encoding.

A field set is a plain Python set of paths; a path is a tuple of path elements, each a
string in exactly the form ``metadata.managedFields[].fieldsV1`` spells it:

- ``f:<name>``: a field of an object (or a key of a map);
- ``k:{"name":"c"}``: the element of an associative list with these key values (compact
  JSON, keys sorted by name, as Go's encoder writes it);
- ``v:<json>``: the element of a set list with this value;
- ``i:<n>``: the element of a non-associative list at this index.

Why flat sets of tuples rather than the tree upstream keeps: union, intersection and
difference run in C, and the canonical strings make equal elements equal and hashable. The
tree only exists on the wire: :func:`to_fields_v1` builds it (a path that is owned and also
has owned children gets a ``"."`` entry, children sorted in structured-merge-diff's order:
fields, then keys, then values, then indexes) and :func:`from_fields_v1` reads it back.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping
from typing import Any, Final

import orjson

from k3py.api.gorender import go_json

Path = tuple[str, ...]
FieldSet = set[Path]

MEMBER: Final = "."


# -- path elements -----------------------------------------------------------------------


def field_element(name: str) -> str:
    return "f:" + name


def key_element(fields: Mapping[str, Any]) -> str:
    return "k:" + go_json(dict(fields))


def value_element(value: Any) -> str:
    return "v:" + go_json(value)


def index_element(index: int) -> str:
    return f"i:{index}"


@functools.lru_cache(maxsize=8192)
def canonical_element(raw: str) -> str | None:
    """The canonical spelling of a path element read from a client, or None for an element
    type this version does not know (upstream drops those too). ``ValueError`` if malformed."""
    if len(raw) < 2 or raw[1] != ":":
        raise ValueError(f"invalid path element {raw!r}: expected <type>:<value>")
    kind, body = raw[0], raw[2:]
    if kind == "f":
        return raw
    if kind in "kv":
        try:
            parsed = orjson.loads(body)
        except orjson.JSONDecodeError as err:
            raise ValueError(f"invalid path element {raw!r}: {err}") from None
        if kind == "v":
            return value_element(parsed)
        if not isinstance(parsed, dict):
            raise ValueError(f"invalid path element {raw!r}: a key must be a JSON object")
        return key_element(parsed)
    if kind == "i":
        try:
            return index_element(int(body))
        except ValueError:
            raise ValueError(f"invalid path element {raw!r}: not an index") from None
    return None


@functools.lru_cache(maxsize=8192)
def element_order(element: str) -> tuple[int, Any]:
    """Sort key giving structured-merge-diff's order of path elements."""
    kind, body = element[0], element[2:]
    if kind == "f":
        return (0, body)
    if kind == "k":
        fields = orjson.loads(body)
        return (1, tuple((name, _value_order(fields[name])) for name in sorted(fields)))
    if kind == "v":
        return (2, _value_order(orjson.loads(body)))
    return (3, int(body))


def _value_order(value: Any) -> tuple[Any, ...]:
    # Go's value.Compare: numbers (compared numerically) < strings < bools < lists < maps < null.
    if isinstance(value, bool):
        return (2, value)
    if isinstance(value, int | float):
        return (0, value)
    if isinstance(value, str):
        return (1, value)
    if isinstance(value, list):
        return (3, tuple(_value_order(v) for v in value))
    if isinstance(value, dict):
        return (4, tuple((k, _value_order(value[k])) for k in sorted(value)))
    return (5,)


def element_string(element: str) -> str:
    """An element as conflict messages print it: ``.spec``, ``[name="c"]``, ``[=v]``, ``[0]``."""
    kind, body = element[0], element[2:]
    if kind == "f":
        return "." + body
    if kind == "k":
        fields = orjson.loads(body)
        return "[" + ",".join(f"{k}={_go_value(fields[k])}" for k in sorted(fields)) + "]"
    if kind == "v":
        return f"[={_go_value(orjson.loads(body))}]"
    return f"[{body}]"


def path_string(path: Path) -> str:
    """``.spec.template.spec.containers[name="c"].image``, as upstream prints a path."""
    return "".join(element_string(e) for e in path)


def _go_value(value: Any) -> str:
    # value.ToString: strings quoted (%q), numbers and bools bare.
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    if isinstance(value, list):
        return "[" + ",".join(_go_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "".join(f"{k}={_go_value(v)}" for k, v in value.items())
    return str(value)


# -- set algebra beyond Python's own -------------------------------------------------------


def recursive_difference(paths: Iterable[Path], remove: FieldSet) -> FieldSet:
    """``paths`` without every path in ``remove`` *and everything beneath them* (how reset
    fields such as ``status`` leave a set)."""
    if not remove:
        return set(paths)
    return {p for p in paths if not any(p[:i] in remove for i in range(1, len(p) + 1))}


def prefixes(paths: Iterable[Path]) -> set[Path]:
    """Every proper, non-empty prefix of the given paths: where an owned path lies beneath."""
    found: set[Path] = set()
    for path in paths:
        for i in range(len(path) - 1, 0, -1):
            prefix = path[:i]
            if prefix in found:
                break
            found.add(prefix)
    return found


# -- fieldsV1 ------------------------------------------------------------------------------


def to_fields_v1(paths: Iterable[Path]) -> dict[str, Any]:
    """The ``fieldsV1`` object of a set, byte-for-byte the tree the API server writes."""
    root: dict[str, Any] = {}
    for path in paths:
        node = root
        for element in path:
            node = node.setdefault(element, {})
        node[MEMBER] = True
    return _emit(root)


def _emit(node: dict[str, Any]) -> dict[str, Any]:
    children = sorted((k for k in node if k != MEMBER), key=element_order)
    out: dict[str, Any] = {}
    if children and MEMBER in node:
        out[MEMBER] = {}
    for key in children:
        out[key] = _emit(node[key])
    return out


def from_fields_v1(fields: Any) -> FieldSet:
    """The set a ``fieldsV1`` object describes; ``ValueError`` if it is not one."""
    if not isinstance(fields, Mapping):
        raise ValueError("fieldsV1 must be a JSON object")
    found: FieldSet = set()
    _read(fields, (), found)
    found.discard(())
    return found


def _read(node: Mapping[str, Any], path: Path, found: FieldSet) -> None:
    member = False
    has_children = False
    for raw, child in node.items():
        if raw == MEMBER:
            member = True
            continue
        element = canonical_element(raw)
        if element is None:
            continue
        if not isinstance(child, Mapping):
            raise ValueError(f"fieldsV1 entry {raw!r} must hold a JSON object")
        _read(child, (*path, element), found)
        has_children = True
    if member or not has_children:
        found.add(path)
