"""Resource quantities (``500m``, ``1Gi``, ``1e3``): parsing and the canonical form that
kube-apiserver writes back, so ``kubectl get -o yaml`` shows ``1Gi`` for ``1024Mi`` here too.

Values are exact fractions; like ``resource.Quantity`` they are rounded up (away from zero) to
nano units, and resource lists additionally to milli units.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache

FORMAT_ERROR = ("quantities must match the regular expression "
                "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")
SUFFIX_ERROR = "unable to parse quantity's suffix"
NUMERIC_ERROR = "unable to parse numeric part of quantity"

DECIMAL_SI, BINARY_SI, DECIMAL_EXPONENT = "DecimalSI", "BinarySI", "DecimalExponent"
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_SUFFIX = {v: k for k, v in _DECIMAL.items()}
_BINARY_SUFFIX = {v // 10: k for k, v in _BINARY.items()} | {0: ""}
_SUFFIX_CHARS = frozenset("eEinumkKMGTP")
_DIGITS = frozenset("0123456789")
_NANO = 10**9
_MAX_EXPONENT = 400  # beyond this nothing real is meant; refuse rather than build huge ints


class QuantityError(ValueError):
    """A string that is not a quantity; the message is apimachinery's."""


@dataclass(frozen=True, slots=True)
class Quantity:
    value: Fraction
    format: str

    def canonical(self) -> str:
        return _canonical(self.value, self.format)

    def round_up(self, denominator: int) -> Quantity:
        """Rounded away from zero to a multiple of ``1/denominator``."""
        scaled = self.value * denominator
        if scaled.denominator == 1:
            return self
        whole = -((-abs(scaled.numerator)) // scaled.denominator)
        return Quantity(Fraction(whole if scaled > 0 else -whole, denominator), self.format)


def _split(text: str) -> tuple[bool, str, str, str]:
    """Sign, integer digits, fraction digits, suffix - or ``QuantityError``."""
    pos, end = 0, len(text)
    positive = True
    if text[:1] in ("+", "-"):
        positive = text[0] == "+"
        pos = 1
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    whole = text[start:pos]
    frac = ""
    if pos < end and text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        frac = text[start:pos]
    suffix_start = pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos != end:
        raise QuantityError(FORMAT_ERROR)
    return positive, whole, frac, text[suffix_start:]


def _interpret(suffix: str) -> tuple[int, int, str]:
    if suffix in _DECIMAL:
        return 10, _DECIMAL[suffix], DECIMAL_SI
    if suffix in _BINARY:
        return 2, _BINARY[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        try:
            return 10, int(suffix[1:], 10), DECIMAL_EXPONENT
        except ValueError:
            pass
    raise QuantityError(SUFFIX_ERROR)


@lru_cache(maxsize=4096)
def _parse_text(text: str) -> Quantity:
    if not text:
        raise QuantityError(FORMAT_ERROR)
    positive, whole, frac, suffix = _split(text)
    if not whole and not frac and text.strip("+-"):
        raise QuantityError(FORMAT_ERROR)
    base, exponent, fmt = _interpret(suffix)
    if abs(exponent) > _MAX_EXPONENT:
        raise QuantityError(NUMERIC_ERROR)
    value = Fraction(int(whole + frac or "0"), 10 ** len(frac))
    value *= Fraction(base) ** exponent
    quantity = Quantity(value if positive else -value, fmt).round_up(_NANO)
    if fmt == BINARY_SI and 0 < abs(quantity.value) < 1:
        quantity = Quantity(quantity.value, DECIMAL_SI)
    return quantity


def parse_quantity(raw: object) -> Quantity:
    """A quantity from its JSON form: a string, or a number (JSON numbers are accepted too)."""
    if isinstance(raw, bool) or raw is None:
        raise QuantityError(FORMAT_ERROR)
    if isinstance(raw, int):
        return _parse_text(str(raw))
    if isinstance(raw, float):
        return _parse_text(repr(raw) if math.isfinite(raw) else "")
    if isinstance(raw, str):
        return _parse_text(raw.strip())
    raise QuantityError(FORMAT_ERROR)


def _canonical(value: Fraction, fmt: str) -> str:
    if value == 0:
        return "0"
    if (fmt == BINARY_SI and -1024 < value < 1024) or value.denominator != 1:
        fmt = DECIMAL_SI if fmt == BINARY_SI else fmt
    if fmt == BINARY_SI:
        mantissa, power = value.numerator, 0
        while mantissa % 1024 == 0 and power < 6:
            mantissa //= 1024
            power += 1
        return f"{mantissa}{_BINARY_SUFFIX[power]}"
    mantissa, exponent = int(value * _NANO), -9
    while mantissa % 10 == 0:
        mantissa //= 10
        exponent += 1
    while exponent % 3:
        mantissa *= 10
        exponent -= 1
    if fmt == DECIMAL_EXPONENT or exponent not in _DECIMAL_SUFFIX:
        return f"{mantissa}e{exponent}" if exponent else str(mantissa)
    return f"{mantissa}{_DECIMAL_SUFFIX[exponent]}"


def canonical(raw: object, *, milli: bool = False) -> str | None:
    """The canonical string of ``raw`` (rounded up to milli units when ``milli``), or None
    when ``raw`` is not a quantity (validation reports that)."""
    try:
        quantity = parse_quantity(raw)
    except QuantityError:
        return None
    if milli:
        quantity = quantity.round_up(1000)
    return quantity.canonical()
