"""The string formats Kubernetes validates: DNS labels and subdomains, qualified names, label
values, config keys, port names. Each check returns apimachinery's messages (empty = valid),
including its order (length first, then format)."""

from __future__ import annotations

import re
from collections.abc import Callable

NameFn = Callable[[str, bool], list[str]]

_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT = _LABEL_FMT + "(\\." + _LABEL_FMT + ")*"
_DNS1035_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_QNAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_LABEL_VALUE_FMT = "(" + _QNAME_FMT + ")?"
_CONFIG_KEY_FMT = "[-._a-zA-Z0-9]+"
_WILDCARD_FMT = "\\*\\." + _SUBDOMAIN_FMT
_PERCENT_FMT = "[0-9]+%"
_HEADER_FMT = "[-A-Za-z0-9]+"

_LABEL = re.compile(_LABEL_FMT)
_SUBDOMAIN = re.compile(_SUBDOMAIN_FMT)
_DNS1035 = re.compile(_DNS1035_FMT)
_QNAME = re.compile(_QNAME_FMT)
_LABEL_VALUE = re.compile(_LABEL_VALUE_FMT)
_CONFIG_KEY = re.compile(_CONFIG_KEY_FMT)
_WILDCARD = re.compile(_WILDCARD_FMT)
_PERCENT = re.compile(_PERCENT_FMT)
_HEADER = re.compile(_HEADER_FMT)
_PORT_CHARS = re.compile("[-a-z0-9]+")
_LETTER = re.compile("[a-z]")


def regex_error(msg: str, fmt: str, *examples: str) -> str:
    if not examples:
        return f"{msg} (regex used for validation is '{fmt}')"
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{msg} (e.g. {shown}regex used for validation is '{fmt}')"


def max_len_error(length: int) -> str:
    return f"must be no more than {length} characters"


def inclusive_range_error(lo: int, hi: int) -> str:
    return f"must be between {lo} and {hi}, inclusive"


def blen(text: str) -> int:
    """Go's ``len``: bytes, not characters."""
    return len(text) if text.isascii() else len(text.encode())


_LABEL_MSG = regex_error(
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
    "and must start and end with an alphanumeric character", _LABEL_FMT, "my-name", "123-abc")
_SUBDOMAIN_MSG = regex_error(
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character", _SUBDOMAIN_FMT, "example.com")
_DNS1035_MSG = regex_error(
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character", _DNS1035_FMT,
    "my-name", "abc-123")
_QNAME_MSG = regex_error(
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character", _QNAME_FMT, "MyName", "my.name", "123-abc")
_LABEL_VALUE_MSG = regex_error(
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character", _LABEL_VALUE_FMT,
    "MyValue", "my_value", "12345")
_CONFIG_KEY_MSG = regex_error(
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.'",
    _CONFIG_KEY_FMT, "key.name", "KEY_NAME", "key-name")
_WILDCARD_MSG = regex_error(
    "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, "
    "which must consist of lower case alphanumeric characters, '-' or '.' and end with an "
    "alphanumeric character", _WILDCARD_FMT, "*.example.com")
_PERCENT_MSG = regex_error("a valid percent string must be a numeric string followed by an "
                           "ending '%'", _PERCENT_FMT, "1%", "93%")
_HEADER_MSG = regex_error("a valid HTTP header must consist of alphanumeric characters or '-'",
                          _HEADER_FMT, "X-Header-Name")


def dns1123_label(value: str) -> list[str]:
    errs = [max_len_error(63)] if blen(value) > 63 else []
    if not _LABEL.fullmatch(value):
        errs.append("must not contain dots" if _SUBDOMAIN.fullmatch(value) else _LABEL_MSG)
    return errs


def dns1123_subdomain(value: str) -> list[str]:
    errs = [max_len_error(253)] if blen(value) > 253 else []
    if not _SUBDOMAIN.fullmatch(value):
        errs.append(_SUBDOMAIN_MSG)
    return errs


def dns1035_label(value: str) -> list[str]:
    errs = [max_len_error(63)] if blen(value) > 63 else []
    if not _DNS1035.fullmatch(value):
        errs.append(_DNS1035_MSG)
    return errs


def wildcard_dns1123_subdomain(value: str) -> list[str]:
    errs = [max_len_error(253)] if blen(value) > 253 else []
    if not _WILDCARD.fullmatch(value):
        errs.append(_WILDCARD_MSG)
    return errs


def qualified_name(value: str) -> list[str]:
    """A label key, annotation key or finalizer: ``[prefix/]name``."""
    parts = value.split("/")
    errs: list[str] = []
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in dns1123_subdomain(prefix))
    else:
        return ["a qualified name " + _QNAME_MSG + " with an optional DNS subdomain prefix and "
                "'/' (e.g. 'example.com/MyName')"]
    if not name:
        errs.append("name part must be non-empty")
    elif blen(name) > 63:
        errs.append("name part " + max_len_error(63))
    if not _QNAME.fullmatch(name):
        errs.append("name part " + _QNAME_MSG)
    return errs


def label_value(value: str) -> list[str]:
    errs = [max_len_error(63)] if blen(value) > 63 else []
    if not _LABEL_VALUE.fullmatch(value):
        errs.append(_LABEL_VALUE_MSG)
    return errs


def _chdir_prefix(value: str) -> list[str]:
    if value == ".":
        return ["must not be '.'"]
    if value == "..":
        return ["must not be '..'"]
    if value.startswith(".."):
        return ["must not start with '..'"]
    return []


def config_map_key(value: str) -> list[str]:
    errs = [max_len_error(253)] if blen(value) > 253 else []
    if not _CONFIG_KEY.fullmatch(value):
        errs.append(_CONFIG_KEY_MSG)
    return errs + _chdir_prefix(value)


def port_name(value: str) -> list[str]:
    errs = [max_len_error(15)] if blen(value) > 15 else []
    if not _PORT_CHARS.fullmatch(value):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if not _LETTER.search(value):
        errs.append("must contain at least one letter (a-z)")
    if "--" in value:
        errs.append("must not contain consecutive hyphens")
    if value and (value[0] == "-" or value[-1] == "-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def port_number(value: object) -> list[str]:
    if isinstance(value, int) and not isinstance(value, bool) and 1 <= value <= 65535:
        return []
    return [inclusive_range_error(1, 65535)]


def relaxed_env_var_name(value: str) -> list[str]:
    """Env var names with RelaxedEnvironmentVariableValidation (on by default in 1.33)."""
    errs = [] if value else ["environment variable name must be non-empty"]
    if any(ord(c) > 0x7E or ord(c) < 0x20 or c == "=" for c in value):
        errs.append("a valid environment variable name must consist only of printable ASCII "
                    "characters other than '='")
    return errs


def percent(value: str) -> list[str]:
    return [] if _PERCENT.fullmatch(value) else [_PERCENT_MSG]


def http_header_name(value: str) -> list[str]:
    return [] if _HEADER.fullmatch(value) else [_HEADER_MSG]


def path_segment(value: str) -> list[str]:
    if value in (".", ".."):
        return [f"may not be '{value}'"]
    return [f"may not contain '{c}'" for c in ("/", "%") if c in value]


def _mask_trailing_dash(name: str) -> str:
    """apimachinery's maskTrailingDash (it replaces the last two characters, not one)."""
    return name[:-2] + "a" if len(name) > 1 and name.endswith("-") else name


def name_is_dns_subdomain(name: str, prefix: bool) -> list[str]:
    return dns1123_subdomain(_mask_trailing_dash(name) if prefix else name)


def name_is_dns_label(name: str, prefix: bool) -> list[str]:
    return dns1123_label(_mask_trailing_dash(name) if prefix else name)


def name_is_dns1035_label(name: str, prefix: bool) -> list[str]:
    return dns1035_label(_mask_trailing_dash(name) if prefix else name)


def name_is_path_segment(name: str, prefix: bool) -> list[str]:
    if prefix:
        return [f"may not contain '{c}'" for c in ("/", "%") if c in name]
    return path_segment(name)
