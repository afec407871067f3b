"""Value validation of a custom object against its compiled schema, as kube-openapi's
``validate.SchemaValidator`` does it for kube-apiserver, with its errors converted to causes
the way ``kubeOpenAPIResultToFieldErrors`` converts them.

Checks run per node in upstream's order (type, allOf/anyOf/oneOf/not, string, format,
number, array, enum, object) and every check that applies to the value's JSON kind runs,
even after a type error, as upstream's do. Error texts keep upstream's shape:
``spec.replicas in body must be of type integer: "string"``. Errors that are not tied to a
field (the anyOf/oneOf/allOf/not summaries) carry the nil path, printed ``<nil>``.

On update, errors inside a subtree equal to the old object's correlated subtree are
dropped (CRD validation ratcheting, on by default in 1.33): objects correlate by key, lists
only when they are ``x-kubernetes-list-type: map`` (by their keys).
"""

from __future__ import annotations

import math
from typing import Any

from k3py.api.crd.compiled import Node
from k3py.api.crd.render import (
    field_of,
    invalid,
    not_supported,
    required,
    too_long,
    too_many,
    type_invalid,
)
from k3py.api.gorender import go_float, go_quote
from k3py.api.validators.errors import Cause

MISSING: Any = object()
_KINDS = {str: "string", int: "integer", float: "number", bool: "boolean", list: "array",
          dict: "object"}
_DATA_FORMAT = {"integer": "int64", "number": "float64"}


def validate_value(node: Node, value: Any, *, base: str = "", old: Any = MISSING) -> list[Cause]:
    """Why ``value`` does not satisfy ``node``; ``base`` is the field path the errors are
    reported under (empty: the object root), ``old`` the value being replaced, if any."""
    walk = _Walk(base)
    walk.check(node, value, "", old)
    return walk.out


def _kind(value: Any) -> str:
    kind = _KINDS.get(type(value))
    if kind is not None:
        return kind
    for py, name in ((bool, "boolean"), (int, "integer"), (float, "number"), (str, "string"),
                     (list, "array"), (dict, "object")):
        if isinstance(value, py):
            return name
    return "object"


def _same(a: Any, b: Any) -> bool:
    """``reflect.DeepEqual`` of two JSON values (1 and 1.0 and true all differ)."""
    if type(a) is not type(b):
        return False
    if type(a) is dict:
        return a.keys() == b.keys() and all(_same(v, b[k]) for k, v in a.items())
    if type(a) is list:
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


def json_integer(value: float) -> bool:
    """swag's ``IsFloat64AJSONInteger``: a float that is a whole number within 2^53."""
    if not math.isfinite(value) or abs(value) > 2.0 ** 53:
        return False
    return value == math.trunc(value) or abs(value - round(value)) < 1e-9 * max(1.0,
                                                                                abs(value))


def _enum_equal(v: Any, e: Any) -> bool:
    """Enum membership after Go's conversion of the value to the enum entry's type."""
    if isinstance(e, bool) or isinstance(v, bool):
        return type(e) is type(v) and e == v
    if isinstance(e, int) and isinstance(v, float):
        return math.isfinite(v) and math.trunc(v) == e
    if isinstance(e, float) and isinstance(v, int):
        return float(v) == e
    return type(e) is type(v) and (e == v if not isinstance(e, dict | list) else _same(v, e))


def _has_duplicates(values: list[Any]) -> bool:
    return any(_same(values[i], values[j]) for i in range(len(values))
               for j in range(i + 1, len(values)))


def _correlate(n: Node, v: list[Any], old: Any) -> list[Any] | None:
    """The old item each new item replaces, for map lists (other lists do not correlate)."""
    if n.list_type != "map" or type(old) is not list or not n.map_keys:
        return None
    keys = n.map_keys

    def key(item: dict[str, Any]) -> Any:
        return tuple((type(item.get(k)).__name__, repr(item.get(k))) for k in keys)

    by_key = {key(item): item for item in old if type(item) is dict}
    return [by_key.get(key(item), MISSING) if type(item) is dict else MISSING for item in v]


def _fewest(results: list[list[Cause]]) -> list[Cause]:
    """The failures of the alternative that failed least (upstream: most checks passed)."""
    best = results[0]
    for result in results[1:]:
        if len(result) < len(best):
            best = result
    return best


class _Walk:
    """One validation: the causes found so far and the field path they are reported under."""

    __slots__ = ("base", "out")

    def __init__(self, base: str) -> None:
        self.base = base
        self.out: list[Cause] = []

    def field(self, path: str) -> str:
        return field_of(self.base, path)

    def type_error(self, path: str, expected: str, got: str) -> None:
        self.out.append(type_invalid(self.field(path), got, f"{path} in body must be of type "
                                                            f"{expected}: {go_quote(got)}"))

    def check(self, n: Node, v: Any, path: str, old: Any) -> None:
        out = self.out
        start = len(out)
        if v is None:
            if n.types and not n.nullable:
                self.type_error(path, n.type_label, "null")
            if n.enum is not None:
                out.append(not_supported(self.field(path), None, n.enum_labels))
        else:
            kind = _kind(v)
            if n.checks_type:
                self.check_type(n, v, kind, path)
            if n.all_of or n.any_of or n.one_of or n.not_ is not None:
                self.combinators(n, v, path)
            if kind == "string":
                self.string(n, v, path)
            elif kind in ("integer", "number"):
                self.number(n, v, path, is_int=kind == "integer")
            elif kind == "array":
                self.array(n, v, path, old)
            if n.enum is not None and not any(_enum_equal(v, e) for e in n.enum):
                out.append(not_supported(self.field(path), v, n.enum_labels))
            if kind == "object":
                self.object(n, v, path, old)
        if len(out) > start and old is not MISSING and _same(v, old):
            del out[start:]

    def check_type(self, n: Node, v: Any, kind: str, path: str) -> None:
        types = n.types
        data_format = _DATA_FORMAT.get(kind, "")
        fits = kind in types or (kind == "number" and "integer" in types and json_integer(v)) \
            or (kind == "integer" and "number" in types)
        if kind not in ("string", "array") and n.fmt and not (fits or data_format == n.fmt):
            self.type_error(path, n.fmt, data_format)
        elif "number" not in types and "integer" not in types and n.fmt and \
                kind in ("string", "array"):
            return
        elif not fits:
            self.type_error(path, n.type_label, kind)

    def string(self, n: Node, v: str, path: str) -> None:
        out = self.out
        if n.max_length is not None and len(v) > n.max_length:
            out.append(too_long(self.field(path), n.max_length))
        elif n.min_length is not None and len(v) < n.min_length:
            out.append(invalid(self.field(path), v,
                               f"{path} in body should be at least {n.min_length} chars long"))
        elif n.pattern is not None and n.pattern.search(v) is None:
            out.append(invalid(self.field(path), v,
                               f"{path} in body should match '{n.pattern_text}'"))
        if n.fmt_check is not None and not n.fmt_check(v):
            out.append(type_invalid(self.field(path), v,
                                    f"{path} in body must be of type {n.fmt}: {go_quote(v)}"))

    def number(self, n: Node, v: float, path: str, *, is_int: bool) -> None:
        """Integers meet bounds truncated to integers, as Go's int64 path does."""
        out, at = self.out, self.field(path)
        if n.multiple_of is not None:
            factor: float = math.trunc(n.multiple_of) if is_int else n.multiple_of
            shown = str(factor) if is_int else go_float(factor)
            if factor <= 0:
                out.append(invalid(at, factor, f"factor MultipleOf declared for {path} must be "
                                               f"positive: {shown}"))
            elif (int(v) % factor if is_int else
                  not json_integer(1 / factor * v if factor < 1 else v / factor)):
                out.append(invalid(at, v, f"{path} in body should be a multiple of {shown}"))
        if n.minimum is not None:
            low: float = math.trunc(n.minimum) if is_int else n.minimum
            if v <= low if n.excl_min else v < low:
                word = "greater than" if n.excl_min else "greater than or equal to"
                shown = str(low) if is_int else go_float(low)
                out.append(invalid(at, v, f"{path} in body should be {word} {shown}"))
        if n.maximum is not None:
            high: float = math.trunc(n.maximum) if is_int else n.maximum
            if v >= high if n.excl_max else v > high:
                word = "less than" if n.excl_max else "less than or equal to"
                shown = str(high) if is_int else go_float(high)
                out.append(invalid(at, v, f"{path} in body should be {word} {shown}"))

    def array(self, n: Node, v: list[Any], path: str, old: Any) -> None:
        if n.items is not None:
            olds = _correlate(n, v, old)
            for i, item in enumerate(v):
                self.check(n.items, item, f"{path}[{i}]", olds[i] if olds else MISSING)
        self.size(path, len(v), low=n.min_items, high=n.max_items, noun="items")
        if n.unique_items and _has_duplicates(v):
            self.out.append(invalid(self.field(path), "",
                                    f"{path} in body shouldn't contain duplicates"))

    def size(self, path: str, size: int, *, low: int | None, high: int | None,
             noun: str) -> None:
        """minItems/maxItems or minProperties/maxProperties (``noun`` says which)."""
        if low is not None and size < low:
            self.out.append(invalid(self.field(path), size,
                                    f"{path} in body should have at least {low} {noun}"))
        if high is not None and size > high:
            self.out.append(too_many(self.field(path), size, high))

    def object(self, n: Node, v: dict[str, Any], path: str, old: Any) -> None:
        out = self.out
        self.size(path, len(v), low=n.min_props, high=n.max_props, noun="properties")
        props, additional = n.properties, n.additional
        olds = old if type(old) is dict else None
        prefix = f"{path}." if path else ""
        for k, x in v.items():
            sub = props.get(k)
            if sub is not None:
                self.check(sub, x, prefix + k, olds.get(k, MISSING) if olds else MISSING)
            elif n.additional_forbidden:
                out.append(invalid(self.field(path), k,
                                   f"{path}.{k} in body is a forbidden property"))
            elif additional is not None:
                self.check(additional, x, f"{path}.{k}",
                           olds.get(k, MISSING) if olds else MISSING)
        for k in n.required:
            if k not in v:
                out.append(required(self.field(f"{path}.{k}")))

    def alternatives(self, nodes: tuple[Node, ...], v: Any, path: str) -> list[list[Cause]]:
        results = []
        for alt in nodes:
            walk = _Walk(self.base)
            walk.check(alt, v, path, MISSING)
            results.append(walk.out)
        return results

    def combinators(self, n: Node, v: Any, path: str) -> None:
        """allOf/anyOf/oneOf/not; their summaries are not field errors, hence the nil
        path (``<nil>``) and the quoted path in the text."""
        out, at, name = self.out, self.base or "<nil>", go_quote(path)
        if n.any_of:
            results = self.alternatives(n.any_of, v, path)
            if all(results):
                out.append(invalid(at, "", f"{name} must validate at least one schema (anyOf)"))
                out.extend(_fewest(results))
        if n.one_of:
            results = self.alternatives(n.one_of, v, path)
            valid = sum(1 for r in results if not r)
            if valid != 1:
                found = "Found none valid" if valid == 0 else f"Found {valid} valid alternatives"
                out.append(invalid(at, "", f"{name} must validate one and only one schema "
                                           f"(oneOf). {found}"))
                if valid == 0:
                    out.extend(_fewest(results))
        if n.all_of:
            results = self.alternatives(n.all_of, v, path)
            for result in results:
                out.extend(result)
            valid = sum(1 for r in results if not r)
            if valid != len(results):
                none = ". None validated" if valid == 0 else ""
                out.append(invalid(at, "", f"{name} must validate all the schemas (allOf){none}"))
        if n.not_ is not None and not self.alternatives((n.not_,), v, path)[0]:
            out.append(invalid(at, "", f"{name} must not validate the schema (not)"))
