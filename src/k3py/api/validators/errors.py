"""Building validation causes the way apimachinery's ``field.Error`` renders them. The
builders keep Go's argument order (``invalid(path, value, detail)``) so that each check reads
like the upstream line it mirrors.

A cause is ``(field, reason, message)``: ``reason`` is the metav1 CauseType and ``message`` is
the error body without the field (``Invalid value: "x": must be ...``). Bad values are printed
the way Go's ``%q`` / ``%v`` / ``%#v`` print them, because kubectl users grep for those strings.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson

Cause = tuple[str, str, str]
Obj = dict[str, Any]

REQUIRED = "FieldValueRequired"
INVALID = "FieldValueInvalid"
NOT_SUPPORTED = "FieldValueNotSupported"
DUPLICATE = "FieldValueDuplicate"
FORBIDDEN = "FieldValueForbidden"
TOO_LONG = "FieldValueTooLong"
TOO_MANY = "FieldValueTooMany"
NOT_FOUND = "FieldValueNotFound"

IMMUTABLE = "field is immutable"
NEGATIVE = "must be greater than or equal to 0"


class Rendered(str):
    """A bad value already printed in Go syntax (a struct literal, say): used verbatim."""

    __slots__ = ()


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n",
            "\r": "\\r", "\t": "\\t", "\v": "\\v"}


def go_quote(text: str) -> str:
    """``strconv.Quote``: what ``%q`` prints for a string."""
    if text.isascii() and text.isprintable() and '"' not in text and "\\" not in text:
        return f'"{text}"'
    out = []
    for ch in text:
        escaped = _ESCAPES.get(ch)
        if escaped is not None:
            out.append(escaped)
        elif ch.isprintable():
            out.append(ch)
        elif ord(ch) < 0x80:
            out.append(f"\\x{ord(ch):02x}")
        elif ord(ch) < 0x10000:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(f"\\U{ord(ch):08x}")
    return '"' + "".join(out) + '"'


def go_float(value: float) -> str:
    if value.is_integer() and abs(value) < 1e21:
        return str(int(value))
    return repr(value)


def go_string_map(value: Mapping[str, Any] | None) -> Rendered:
    """``%#v`` of a ``map[string]string``; Go prints maps with sorted keys."""
    if not isinstance(value, Mapping):
        return Rendered("map[string]string(nil)")
    items = ", ".join(f"{go_quote(str(k))}:{go_quote(str(value[k]))}" for k in sorted(value))
    return Rendered(f"map[string]string{{{items}}}")


def go_string_list(value: Sequence[Any] | None) -> Rendered:
    if not isinstance(value, list | tuple):
        return Rendered("[]string(nil)")
    return Rendered("[]string{" + ", ".join(go_quote(str(v)) for v in value) + "}")


def go_label_selector(selector: Any) -> Rendered:
    """``%#v`` of a ``metav1.LabelSelector`` (as printed by "field is immutable")."""
    if not isinstance(selector, Mapping):
        return Rendered("null")
    exprs = selector.get("matchExpressions")
    if not isinstance(exprs, list):
        rendered = "[]v1.LabelSelectorRequirement(nil)"
    else:
        parts = [f"v1.LabelSelectorRequirement{{Key:{go_quote(str(e.get('key', '')))}, "
                 f"Operator:{go_quote(str(e.get('operator', '')))}, "
                 f"Values:{go_string_list(e.get('values'))}}}"
                 for e in exprs if isinstance(e, dict)]
        rendered = "[]v1.LabelSelectorRequirement{" + ", ".join(parts) + "}"
    return Rendered(f"v1.LabelSelector{{MatchLabels:{go_string_map(selector.get('matchLabels'))}, "
                    f"MatchExpressions:{rendered}}}")


def go_time(value: Any) -> Rendered:
    """A metav1.Time as ``time.Time.String()`` prints it."""
    if not value:
        return Rendered("null")
    try:
        moment = datetime.strptime(str(value), "%Y-%m-%dT%H:%M:%SZ")
    except ValueError:
        return Rendered(go_quote(str(value)))
    return Rendered(moment.strftime("%Y-%m-%d %H:%M:%S +0000 UTC"))


def go_value(value: Any) -> str:
    """How ``field.Error.ErrorBody`` prints a bad value."""
    if isinstance(value, Rendered):
        return str(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return go_string_map(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return go_string_list(value)
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def child(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def required(path: str, detail: str = "") -> Cause:
    return (path, REQUIRED, f"Required value: {detail}" if detail else "Required value")


def invalid(path: str, value: Any, detail: str) -> Cause:
    body = f"Invalid value: {go_value(value)}"
    return (path, INVALID, f"{body}: {detail}" if detail else body)


def not_supported(path: str, value: Any, valid: Iterable[str]) -> Cause:
    quoted = ", ".join(go_quote(v) for v in valid)
    body = f"Unsupported value: {go_value(value)}"
    return (path, NOT_SUPPORTED, f"{body}: supported values: {quoted}" if quoted else body)


def duplicate(path: str, value: Any) -> Cause:
    return (path, DUPLICATE, f"Duplicate value: {go_value(value)}")


def forbidden(path: str, detail: str) -> Cause:
    return (path, FORBIDDEN, f"Forbidden: {detail}" if detail else "Forbidden")


def too_long(path: str, max_bytes: int) -> Cause:
    unit = "byte" if max_bytes == 1 else "bytes"
    return (path, TOO_LONG, f"Too long: may not be more than {max_bytes} {unit}")


def too_many(path: str, actual: int, maximum: int) -> Cause:
    return (path, TOO_MANY, f"Too many: {actual}: must have at most {maximum} items")


def not_found(path: str, value: Any) -> Cause:
    return (path, NOT_FOUND, f"Not found: {go_value(value)}")


def immutable(path: str, new: Any, *, old: Any, value: Any = None) -> list[Cause]:
    """``ValidateImmutableField``: one cause when ``new`` differs from ``old``."""
    if new == old:
        return []
    return [invalid(path, new if value is None else value, IMMUTABLE)]


def nonnegative(path: str, value: Any) -> list[Cause]:
    if isinstance(value, int | float) and not isinstance(value, bool) and value < 0:
        return [invalid(path, value, NEGATIVE)]
    return []


def dedupe(causes: list[Cause]) -> list[Cause]:
    """Drop repeated causes, keeping order (Go's ``ToAggregate`` drops repeated messages)."""
    if len(causes) < 2:
        return causes
    seen: set[Cause] = set()
    out = []
    for cause in causes:
        if cause not in seen:
            seen.add(cause)
            out.append(cause)
    return out


def as_dict(value: Any) -> Obj:
    """``value`` when it is an object, else an empty one (wrong types are the schema's job)."""
    return value if isinstance(value, dict) else {}


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def as_str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def objects(value: Any) -> Iterator[tuple[int, Obj]]:
    """``enumerate`` over a list of objects (non-objects show up as empty ones)."""
    for i, item in enumerate(as_list(value)):
        yield i, as_dict(item)
