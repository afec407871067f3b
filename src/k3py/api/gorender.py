"""Values printed the way Go prints them, because users grep for upstream's exact strings.

One place for every Go formatting rule the API package reproduces: ``%q`` (``strconv.Quote``),
``%v`` of a float64, ``%#v`` of typed values (``map[string]string{...}``,
``v1.LabelSelector{...}``) and of values decoded into ``interface{}``
(``map[string]interface {}{...}``), ``encoding/json``'s compact output, and the bad value of a
``field.Error``. Typed and decoded values print differently in Go, so :func:`go_value` is told
which one it holds.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson


class Rendered(str):
    """A bad value already printed in Go syntax (a struct literal, say): used verbatim."""

    __slots__ = ()


_ESCAPES = {'"': '\\"', "\\": "\\\\", "\a": "\\a", "\b": "\\b", "\f": "\\f", "\n": "\\n",
            "\r": "\\r", "\t": "\\t", "\v": "\\v"}
_HTML_ESCAPES = (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"),
                 ("\u2028", "\\u2028"), ("\u2029", "\\u2029"))


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
    """Go's ``%v`` for a float64: the shortest digits that round-trip, in exponent form when
    the decimal exponent is below -4 or at least 6 (``1e+06``, ``1.5e-05``)."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == 0:
        return "-0" if math.copysign(1.0, value) < 0 else "0"
    negative, digit_tuple, exponent = Decimal(repr(value)).as_tuple()
    assert isinstance(exponent, int)
    point = len(digit_tuple) + exponent  # digits before the decimal point
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    sign = "-" if negative else ""
    power = point - 1
    if power < -4 or power >= 6:
        fraction = f".{digits[1:]}" if len(digits) > 1 else ""
        return f"{sign}{digits[0]}{fraction}e{'-' if power < 0 else '+'}{abs(power):02d}"
    if point <= 0:
        return f"{sign}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return f"{sign}{digits}{'0' * (point - len(digits))}"
    return f"{sign}{digits[:point]}.{digits[point:]}"


def go_json(value: Any) -> str:
    """Compact JSON as Go's ``encoding/json`` writes it: map keys sorted, ``<>&`` escaped,
    whole floats without a fraction (so strings match the ones the API server made)."""
    text = orjson.dumps(_go_numbers(value), option=orjson.OPT_SORT_KEYS).decode()
    if any(c in text for c in "<>&\u2028\u2029"):
        for raw, escaped in _HTML_ESCAPES:
            text = text.replace(raw, escaped)
    return text


def _go_numbers(value: Any) -> Any:
    # Numbers go in as Go writes them where orjson would differ: whole floats bare, other
    # floats in fixed notation from 1e-6 up, integers beyond 64 bits (orjson refuses them).
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e21:
            value = int(value)
        elif math.isfinite(value):
            return orjson.Fragment(_json_float(value))
    if isinstance(value, int) and not -2**63 <= value < 2**64:
        return orjson.Fragment(str(value))
    if isinstance(value, dict):
        return {str(k): _go_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_go_numbers(v) for v in value]
    return value


def _json_float(value: float) -> str:
    text = repr(value)
    if "e" in text and 1e-6 <= abs(value) < 1e21:
        return format(Decimal(text), "f")
    return text.replace("e-0", "e-")


def go_syntax(value: Any) -> str:
    """``%#v`` of a JSON value held in an ``interface{}``."""
    if value is None:
        return "interface {}(nil)"
    if isinstance(value, dict):
        inner = ", ".join(f"{go_quote(str(k))}:{go_syntax(value[k])}" for k in sorted(value))
        return "map[string]interface {}{" + inner + "}"
    if isinstance(value, list):
        return "[]interface {}{" + ", ".join(go_syntax(v) for v in value) + "}"
    return _scalar(value, decoded=True) or go_quote(str(value))


def go_string_map(value: Mapping[str, Any] | None) -> Rendered:
    """``%#v`` of a ``map[string]string``; Go prints maps with sorted keys."""
    if not isinstance(value, Mapping):
        return Rendered("map[string]string(nil)")
    items = ", ".join(f"{go_quote(str(k))}:{go_quote(str(value[k]))}" for k in sorted(value))
    return Rendered(f"map[string]string{{{items}}}")


def go_string_list(value: Sequence[Any] | None) -> Rendered:
    """``%#v`` of a ``[]string``."""
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


def go_value(value: Any, *, decoded: bool = False) -> str:
    """How ``field.Error.ErrorBody`` prints a bad value: scalars plainly, strings quoted, a
    :class:`Rendered` value verbatim. The built-in validators hold typed fields, so a whole
    float is the integer it was parsed from and string maps and lists print as their Go
    types; a custom resource's value was ``decoded`` into ``interface{}`` and prints as such
    (floats as float64, containers in ``%#v``)."""
    if isinstance(value, Rendered):
        return str(value)
    if value is None:
        return "null"
    scalar = _scalar(value, decoded=decoded)
    if scalar is not None:
        return scalar
    if decoded:
        return go_syntax(value)
    if isinstance(value, dict) and all(isinstance(v, str) for v in value.values()):
        return go_string_map(value)
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return go_string_list(value)
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def _scalar(value: Any, *, decoded: bool) -> str | None:
    """A bool, number or string as ``%v`` / ``%q`` print it; None for anything else."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if decoded:
            return go_float(value)
        # a typed integer field read from "1.0" still prints as the integer
        return str(int(value)) if value.is_integer() and abs(value) < 1e21 else repr(value)
    if isinstance(value, str):
        return go_quote(value)
    return None
