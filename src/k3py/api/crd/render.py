"""Causes for custom-resource errors, with bad values printed the way apimachinery's
``field.Error`` prints an ``interface{}`` decoded from JSON (``map[string]interface {}{...}``),
which differs from the typed values the built-in validators print."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from k3py.api.validators.errors import Cause, Rendered, go_quote

INVALID = "FieldValueInvalid"
TYPE_INVALID = "FieldValueTypeInvalid"
REQUIRED = "FieldValueRequired"
NOT_SUPPORTED = "FieldValueNotSupported"
DUPLICATE = "FieldValueDuplicate"
FORBIDDEN = "FieldValueForbidden"
TOO_MANY = "FieldValueTooMany"
TOO_LONG = "FieldValueTooLong"


def go_float(value: float) -> str:
    """``%v`` of a float64: shortest digits, exponent form below 1e-4 and from 1e+06."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if str(value).startswith("-") else "0"
    sign, digits, exponent = Decimal(repr(value)).as_tuple()
    text = "".join(map(str, digits)).rstrip("0") or "0"
    point = len(digits) + int(exponent)  # digits before the decimal point
    minus = "-" if sign else ""
    exp = point - 1
    if exp < -4 or exp >= 6:
        mantissa = text[0] + ("." + text[1:] if len(text) > 1 else "")
        return f"{minus}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{minus}0.{'0' * -point}{text}"
    if point >= len(text):
        return minus + text + "0" * (point - len(text))
    return f"{minus}{text[:point]}.{text[point:]}"


def go_syntax(value: Any) -> str:
    """``%#v`` of a JSON value held in an ``interface{}``."""
    if value is None:
        return "interface {}(nil)"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float(value)
    if isinstance(value, str):
        return go_quote(value)
    if isinstance(value, dict):
        inner = ", ".join(f"{go_quote(str(k))}:{go_syntax(value[k])}" for k in sorted(value))
        return "map[string]interface {}{" + inner + "}"
    if isinstance(value, list):
        return "[]interface {}{" + ", ".join(go_syntax(v) for v in value) + "}"
    return go_quote(str(value))


def go_value(value: Any) -> str:
    """How ``field.Error.ErrorBody`` prints a bad value: scalars plainly, strings quoted,
    anything else in Go syntax (a :class:`Rendered` value is already printed)."""
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
    return go_syntax(value)


def go_json(value: Any) -> str:
    """``json.Marshal`` of a JSON value (object keys sorted, as Go sorts map keys)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            return str(int(value))
        text = repr(value)
        if "e" in text and 1e-6 <= abs(value) < 1e21:
            return format(Decimal(text), "f")
        return text.replace("e-0", "e-")
    if isinstance(value, str):
        escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
        escaped = escaped.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        return f'"{escaped}"'
    if isinstance(value, dict):
        return "{" + ",".join(f"{go_json(str(k))}:{go_json(value[k])}"
                              for k in sorted(value)) + "}"
    if isinstance(value, list):
        return "[" + ",".join(go_json(v) for v in value) + "]"
    return go_json(str(value))


def field_of(base: str, name: str) -> str:
    """The cause field of a kube-openapi error named ``name`` under the path ``base``
    (empty ``base``: a nil path, which Go prints as ``<nil>``)."""
    if name and name != ".":
        if name.startswith("."):
            name = name[1:]
        return f"{base}.{name}" if base else name
    return base or "<nil>"


def invalid(field: str, value: Any, detail: str) -> Cause:
    body = f"Invalid value: {go_value(value)}"
    return (field, INVALID, f"{body}: {detail}" if detail else body)


def type_invalid(field: str, value: Any, detail: str) -> Cause:
    return (field, TYPE_INVALID, f"Invalid value: {go_value(value)}: {detail}")


def required(field: str, detail: str = "") -> Cause:
    return (field, REQUIRED, f"Required value: {detail}" if detail else "Required value")


def forbidden(field: str, detail: str) -> Cause:
    return (field, FORBIDDEN, f"Forbidden: {detail}")


def duplicate(field: str, value: Any) -> Cause:
    return (field, DUPLICATE, f"Duplicate value: {go_value(value)}")


def not_supported(field: str, value: Any, valid: list[str]) -> Cause:
    quoted = ", ".join(go_quote(v) for v in valid)
    body = f"Unsupported value: {go_value(value)}"
    return (field, NOT_SUPPORTED, f"{body}: supported values: {quoted}" if quoted else body)


def too_many(field: str, actual: int, maximum: int) -> Cause:
    return (field, TOO_MANY, f"Too many: {actual}: must have at most {maximum} items")


def too_long(field: str, maximum: int) -> Cause:
    unit = "byte" if maximum == 1 else "bytes"
    return (field, TOO_LONG, f"Too long: may not be more than {maximum} {unit}")
