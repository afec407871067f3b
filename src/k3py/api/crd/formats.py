"""The string ``format`` values kube-apiserver 1.33 checks in custom resources, and which
formats survive on which types.

Upstream strips every format it does not know before building the validator (an unknown
format is documentation only), keeps ``int32``/``int64`` on integers and ``float``/``double``
on numbers without range checks, and checks the known string formats with kube-openapi's
``strfmt`` registry. Names are compared with dashes removed (``date-time`` = ``datetime``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from datetime import date

Check = Callable[[str], bool]

_HOST_CHAR = "a-zA-Z0-9$+<=>^`|~\u00a1-\U0010ffff"
_HOST_ALPHA = "a-zA-Z\u00aa-\U0010ffff"
_HOSTNAME = re.compile(
    f"^([{_HOST_CHAR}]((-?[{_HOST_CHAR}]{{0,62}})?)|([{_HOST_CHAR}](([{_HOST_CHAR}-]{{0,61}}"
    f"[{_HOST_CHAR}])?)(\\.)){{1,}}([{_HOST_ALPHA}]){{2,63}})\\Z")
_UUID = {
    "uuid": re.compile(r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}\Z"),
    "uuid3": re.compile(
        r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}\Z"),
    "uuid4": re.compile(
        r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}\Z"),
    "uuid5": re.compile(
        r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}\Z"),
}
_BASE64 = re.compile(r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|"
                     r"[A-Za-z0-9+/]{4})\Z")
_DATE = re.compile(r"^([0-9]{4})-([0-9]{2})-([0-9]{2})\Z")
_TIME = re.compile(r"^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))\Z")
_GO_DURATION = re.compile(
    r"^[-+]?(0|(([0-9]+(\.[0-9]*)?|\.[0-9]+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h))+)\Z")
_LOOSE_DURATION = re.compile("(\\d+)\\s*([A-Za-z\u00b5]+)")
_UNITS = (("ns", "nano"), ("us", "\u00b5s", "micro"), ("ms", "milli"), ("s", "sec"),
          ("m", "min"), ("h", "hr", "hour"), ("d", "day"), ("w", "wk", "week"))
_MAC_COLON = re.compile(r"^[0-9A-Fa-f]{2}([:-])[0-9A-Fa-f]{2}(\1[0-9A-Fa-f]{2})*\Z")
_MAC_DOT = re.compile(r"^[0-9A-Fa-f]{4}(\.[0-9A-Fa-f]{4})*\Z")
_EMAIL_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_EMAIL = re.compile(f'^({_EMAIL_ATOM}|"[^"\\\\]*")@({_EMAIL_ATOM}|\\[[^\\[\\]\\\\]*\\])\\Z')
_EMAIL_NAMED = re.compile(r"^[^<>@]*<([^<>]+)>\Z")
_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*:")
_RGB_PART = r"\s*(0|[1-9][0-9]?|1[0-9][0-9]?|2[0-4][0-9]|25[0-5])\s*"
_RGB = re.compile(f"^rgb\\({_RGB_PART},{_RGB_PART},{_RGB_PART}\\)\\Z")
_HEXCOLOR = re.compile(r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})\Z")
_SSN = re.compile(r"^[0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4}\Z")
_CREDIT_CARD = re.compile(
    r"^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|"
    r"3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35[0-9]{3})[0-9]{11})\Z")
_BSON = re.compile(r"^[0-9a-fA-F]{24}\Z")


def normalize(name: str) -> str:
    return name.replace("-", "")


def kept_format(fmt: str, types: tuple[str, ...]) -> str:
    """The format left after upstream strips the ones it does not support on this type."""
    if not fmt:
        return ""
    kind = types[0] if len(types) == 1 else ""
    if kind in ("", "string"):
        return fmt if normalize(fmt) in STRING_FORMATS else ""
    if kind == "integer":
        return fmt if fmt in ("int32", "int64") else ""
    if kind == "number":
        return fmt if fmt in ("float", "double") else ""
    return ""


def _matcher(rx: re.Pattern[str]) -> Check:
    return lambda s: rx.match(s) is not None


def _is_date(text: str) -> bool:
    match = _DATE.match(text)
    if match is None:
        return False
    try:
        date(int(match[1]), int(match[2]), int(match[3]))
    except ValueError:
        return False
    return True


def _is_datetime(text: str) -> bool:
    if len(text) < 4:
        return False
    parts = text.lower().split("t")
    if len(parts) < 2 or not _is_date(parts[0]):
        return False
    match = _TIME.match(parts[1])
    return match is not None and match[1] <= "23" and match[2] <= "59" and match[3] <= "59"


def _is_duration(text: str) -> bool:
    if text and _GO_DURATION.match(text):
        return True
    for _, found in _LOOSE_DURATION.findall(text):
        unit = found.strip().lower()
        for variants in _UNITS:
            if unit.startswith(variants[-1]) or unit in variants:
                return True
    return False


def _ipv4_sloppy(text: str) -> bool:
    parts = text.split(".")
    return len(parts) == 4 and all(p.isascii() and p.isdigit() and len(p) <= 3 and int(p) < 256
                                   for p in parts)


def _ipv6(text: str) -> bool:
    if "%" in text:
        return False
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def _is_ipv4(text: str) -> bool:
    return "." in text and (_ipv4_sloppy(text) or _ipv6(text))


def _is_ipv6(text: str) -> bool:
    return ":" in text and _ipv6(text)


def _is_cidr(text: str) -> bool:
    address, slash, prefix = text.partition("/")
    if not slash or not prefix.isascii() or not prefix.isdigit():
        return False
    if _ipv4_sloppy(address):
        return int(prefix) <= 32
    return _ipv6(address) and int(prefix) <= 128


def _is_mac(text: str) -> bool:
    if _MAC_COLON.match(text):
        return (len(text) + 1) // 3 in (6, 8, 20)
    if _MAC_DOT.match(text):
        return (len(text) + 1) // 5 in (3, 4, 10)
    return False


def _is_email(text: str) -> bool:
    named = _EMAIL_NAMED.match(text.strip())
    address = named[1] if named else text.strip()
    return _EMAIL.match(address) is not None


def _is_uri(text: str) -> bool:
    if not text or any(ord(c) < 0x20 or ord(c) == 0x7F for c in text):
        return False
    if text.startswith("/"):
        return True
    match = _SCHEME.match(text)
    if match is None:
        return False
    rest = text[match.end():]
    if rest.startswith("//"):
        host = rest[2:].split("/", 1)[0].split("?", 1)[0].rsplit("@", 1)[-1]
        return " " not in host
    return True


def _isbn10(text: str) -> bool:
    digits = re.sub(r"[\s-]", "", text)
    if not re.fullmatch(r"[0-9]{9}X|[0-9]{10}", digits):
        return False
    total = sum((i + 1) * int(d) for i, d in enumerate(digits[:9]))
    total += 100 if digits[9] == "X" else 10 * int(digits[9])
    return total % 11 == 0


def _isbn13(text: str) -> bool:
    digits = re.sub(r"[\s-]", "", text)
    if not re.fullmatch(r"[0-9]{13}", digits):
        return False
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(digits[:12]))
    return (10 - total % 10) % 10 == int(digits[12])


def _is_credit_card(text: str) -> bool:
    digits = re.sub(r"[^0-9]+", "", text)
    if not _CREDIT_CARD.match(digits):
        return False
    total, double = 0, False
    for ch in reversed(digits):
        value = int(ch) * (2 if double else 1)
        total += value - 9 if value >= 10 else value
        double = not double
    return total % 10 == 0


STRING_FORMATS: dict[str, Check] = {
    "bsonobjectid": lambda s: _BSON.match(s) is not None,
    "uri": _is_uri,
    "email": _is_email,
    "hostname": lambda s: (_HOSTNAME.match(s) is not None and len(s.encode()) <= 255
                           and all(len(p.encode()) <= 63 for p in s.split("."))),
    "ipv4": _is_ipv4,
    "ipv6": _is_ipv6,
    "cidr": _is_cidr,
    "mac": _is_mac,
    **{name: _matcher(rx) for name, rx in _UUID.items()},
    "isbn": lambda s: _isbn10(s) or _isbn13(s),
    "isbn10": _isbn10,
    "isbn13": _isbn13,
    "creditcard": _is_credit_card,
    "ssn": lambda s: len(s) == 11 and _SSN.match(s) is not None,
    "hexcolor": lambda s: _HEXCOLOR.match(s) is not None,
    "rgbcolor": lambda s: _RGB.match(s) is not None,
    "byte": lambda s: _BASE64.match(s) is not None,
    "password": lambda _s: True,
    "date": _is_date,
    "duration": _is_duration,
    "datetime": _is_datetime,
}


def string_check(fmt: str) -> Check | None:
    """The check for a kept string format (None: not a string format)."""
    return STRING_FORMATS.get(normalize(fmt)) if fmt else None
