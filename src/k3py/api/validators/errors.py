"""Building validation causes the way apimachinery's ``field.Error`` renders them. The
builders keep Go's argument order (``invalid(path, value, detail)``) so that each check reads
like the upstream line it mirrors.

A cause is ``(field, reason, message)``: ``reason`` is the metav1 CauseType and ``message`` is
the error body without the field (``Invalid value: "x": must be ...``). Bad values are printed
as typed Go values (:func:`k3py.api.gorender.go_value`), because kubectl users grep for those
strings; custom resources print theirs as decoded values (:mod:`k3py.api.crd.render`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from k3py.api.gorender import go_quote, go_value

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


def one_member(union: Obj, members: Iterable[str], *, path: str,
               what: str) -> tuple[str | None, list[Cause]]:
    """A union's first set member (Go checks them in ``members`` order) and the causes Go
    gives for the others (``may not specify more than 1 <what>``) or for none (``must specify
    a <what>``); the caller checks the member and puts its causes first."""
    chosen = None
    causes: list[Cause] = []
    for member in members:
        if union.get(member) is None:
            continue
        if chosen is None:
            chosen = member
        else:
            causes.append(forbidden(child(path, member), f"may not specify more than 1 {what}"))
    if chosen is None:
        causes.append(required(path, f"must specify a {what}"))
    return chosen, causes


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
