"""Label selectors: the query-string form (``app=web,tier in (a,b),!canary``), the
``metav1.LabelSelector`` object form, matching label maps, and rendering the object form as
text. Grammar, key and value validation and error texts follow kube-apiserver 1.33 because
kubectl prints the server's message as it is. Field selectors live in
:mod:`k3py.api.fieldselectors` and are re-exported here.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from k3py.api.fieldselectors import (
    FieldRequirement,
    FieldSelector,
    compile_field_selector,
    escape_field_value,
    field_set,
    parse_field_selector,
    supported_field_labels,
    unescape_field_value,
)
from k3py.api.gorender import go_quote
from k3py.errors import BadRequest

__all__ = [
    "DOES_NOT_EXIST", "DOUBLE_EQUALS", "EQUALS", "EVERYTHING", "EXISTS", "GREATER_THAN", "IN",
    "LESS_THAN", "NOTHING", "NOT_EQUALS", "NOT_IN", "FieldRequirement", "FieldSelector",
    "LabelSelector", "Requirement", "compile_field_selector", "compile_label_selector",
    "escape_field_value", "field_set", "format_label_selector", "parse_field_selector",
    "parse_label_selector", "requirement", "selector_from_set", "supported_field_labels",
    "unescape_field_value",
]

# Operators, spelled as upstream's selection.Operator (the spelling shows in error texts).
EQUALS: Final = "="
DOUBLE_EQUALS: Final = "=="
NOT_EQUALS: Final = "!="
IN: Final = "in"
NOT_IN: Final = "notin"
EXISTS: Final = "exists"
DOES_NOT_EXIST: Final = "!"
GREATER_THAN: Final = "gt"
LESS_THAN: Final = "lt"

_EXACT = frozenset({EQUALS, DOUBLE_EQUALS})
_SHOWN = {EQUALS: "=", DOUBLE_EQUALS: "==", NOT_EQUALS: "!=", GREATER_THAN: ">",
          LESS_THAN: "<", IN: " in ", NOT_IN: " notin "}

# -- validation (apimachinery util/validation) ------------------------------------------------

_QNAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
_QNAME_MSG = ("must consist of alphanumeric characters, '-', '_' or '.', and must start and "
              "end with an alphanumeric character")
_VALUE_FMT = f"({_QNAME_FMT})?"
_VALUE_MSG = ("a valid label must be an empty string or consist of alphanumeric characters, "
              "'-', '_' or '.', and must start and end with an alphanumeric character")
_DNS_LABEL = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_SUBDOMAIN_FMT = _DNS_LABEL + "(\\." + _DNS_LABEL + ")*"
_SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                  "characters, '-' or '.', and must start and end with an alphanumeric character")
_QNAME_RE, _VALUE_RE, _SUBDOMAIN_RE = (re.compile(f) for f in (_QNAME_FMT, _VALUE_FMT,
                                                                _SUBDOMAIN_FMT))
_INT_RE = re.compile("[+-]?[0-9]+")


def _regex_error(message: str, fmt: str, *examples: str) -> str:
    shown = " or ".join(f"'{e}', " for e in examples)
    return f"{message} (e.g. {shown}regex used for validation is '{fmt}')"


def _nbytes(text: str) -> int:
    return len(text.encode("utf-8", "surrogatepass"))  # Go measures bytes


def _qualified_name_errors(value: str) -> list[str]:
    regex_error = _regex_error(_QNAME_MSG, _QNAME_FMT, "MyName", "my.name", "123-abc")
    parts = value.split("/")
    if len(parts) > 2:
        return [f"a qualified name {regex_error} with an optional DNS subdomain prefix and '/' "
                "(e.g. 'example.com/MyName')"]
    errors: list[str] = []
    if len(parts) == 2:
        prefix = parts[0]
        if not prefix:
            errors.append("prefix part must be non-empty")
        else:
            if _nbytes(prefix) > 253:
                errors.append("prefix part must be no more than 253 characters")
            if not _SUBDOMAIN_RE.fullmatch(prefix):
                errors.append("prefix part " + _regex_error(_SUBDOMAIN_MSG, _SUBDOMAIN_FMT,
                                                            "example.com"))
    name = parts[-1]
    if not name:
        errors.append("name part must be non-empty")
    elif _nbytes(name) > 63:
        errors.append("name part must be no more than 63 characters")
    if not _QNAME_RE.fullmatch(name):
        errors.append(f"name part {regex_error}")
    return errors


def _label_value_errors(value: str) -> list[str]:
    errors = ["must be no more than 63 characters"] if _nbytes(value) > 63 else []
    if not _VALUE_RE.fullmatch(value):
        errors.append(_regex_error(_VALUE_MSG, _VALUE_FMT, "MyValue", "my_value", "12345"))
    return errors


def _invalid(path: str, shown: str, details: list[str]) -> str:
    return f"{path}: Invalid value: {shown}: {'; '.join(details)}"


def _go_strings(values: list[str]) -> str:
    """A []string as Go's %#v prints it; an empty one is always nil by then."""
    return "[]string{" + ", ".join(map(go_quote, values)) + "}" if values else "[]string(nil)"


def _int64(text: str) -> int | None:
    if not _INT_RE.fullmatch(text):
        return None
    value = int(text)
    return value if -(2**63) <= value < 2**63 else None


class _Unparsable(Exception):
    """An error text, before the caller decides how to wrap it."""


def _new_requirement(key: str, op: str, values: list[str]) -> Requirement:
    """labels.NewRequirement: every problem found, aggregated the way upstream prints them."""
    errors: list[str] = []
    if msgs := _qualified_name_errors(key):
        errors.append(_invalid("key", go_quote(key), msgs))
    shown = _go_strings(values)
    if op in (IN, NOT_IN) and not values:
        errors.append(_invalid("values", shown, ["for 'in', 'notin' operators, values set "
                                                 "can't be empty"]))
    elif op in (EQUALS, DOUBLE_EQUALS, NOT_EQUALS) and len(values) != 1:
        errors.append(_invalid("values", shown, ["exact-match compatibility requires one "
                                                 "single value"]))
    elif op in (EXISTS, DOES_NOT_EXIST) and values:
        errors.append(_invalid("values", shown, ["values set must be empty for exists and "
                                                 "does not exist"]))
    elif op in (GREATER_THAN, LESS_THAN):
        if len(values) != 1:
            errors.append(_invalid("values", shown, ["for 'Gt', 'Lt' operators, exactly one "
                                                     "value is required"]))
        errors.extend(_invalid(f"values[{i}]", go_quote(v), [
            "for 'Gt', 'Lt' operators, the value must be an integer"])
            for i, v in enumerate(values) if _int64(v) is None)
    for i, value in enumerate(values):
        if msgs := _label_value_errors(value):
            errors.append(_invalid(f"values[{i}][{key}]", go_quote(value), msgs))
    errors = list(dict.fromkeys(errors))
    if len(errors) == 1:
        raise _Unparsable(errors[0])
    if errors:
        raise _Unparsable("[" + ", ".join(errors) + "]")
    return Requirement(key, op, tuple(values))


def requirement(key: str, operator: str, values: Iterable[str] = ()) -> Requirement:
    """A validated requirement (operator spelled as the module constants); BadRequest if not."""
    try:
        return _new_requirement(key, operator, list(values))
    except _Unparsable as error:
        raise BadRequest(str(error)) from None


# -- compiled selectors --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Requirement:
    """``key <operator> values``; build validated ones with :func:`requirement`."""

    key: str
    operator: str
    values: tuple[str, ...] = ()
    _set: frozenset[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_set", frozenset(self.values))

    def matches(self, labels: Mapping[str, str]) -> bool:
        op, value = self.operator, labels.get(self.key)
        if op in (IN, EQUALS, DOUBLE_EQUALS):
            return value is not None and value in self._set
        if op in (NOT_IN, NOT_EQUALS):
            return value is None or value not in self._set
        if op == EXISTS:
            return self.key in labels
        if op == DOES_NOT_EXIST:
            return self.key not in labels
        if op in (GREATER_THAN, LESS_THAN) and value is not None and len(self.values) == 1:
            have, want = _int64(value), _int64(self.values[0])
            if have is None or want is None:
                return False
            return have > want if op == GREATER_THAN else have < want
        return False

    @property
    def exact_value(self) -> str | None:
        """The one value this demands (``=``, ``==``, ``in`` of one), else None."""
        if (self.operator in _EXACT or self.operator == IN) and len(self.values) == 1:
            return self.values[0]
        return None

    def __str__(self) -> str:
        if self.operator == EXISTS:
            return self.key
        if self.operator == DOES_NOT_EXIST:
            return "!" + self.key
        shown = ",".join(sorted(self.values)) if len(self.values) > 1 else "".join(self.values)
        if self.operator in (IN, NOT_IN):
            shown = f"({shown})"
        return f"{self.key}{_SHOWN.get(self.operator, self.operator)}{shown}"


@dataclass(frozen=True, slots=True)
class LabelSelector:
    """Requirements ANDed (sorted by key, as upstream keeps them); ``nothing`` matches none.

    ``matches`` has a fast path for plain equality, the common case when filtering long lists.
    """

    requirements: tuple[Requirement, ...] = ()
    nothing: bool = False
    _pairs: tuple[tuple[str, str], ...] | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        pairs = [(r.key, v) for r in self.requirements if (v := r.exact_value) is not None]
        plain = len(pairs) == len(self.requirements)
        object.__setattr__(self, "_pairs", tuple(pairs) if plain else None)

    def matches(self, labels: Mapping[str, str] | None) -> bool:
        if self.nothing:
            return False
        labels = labels or {}
        if self._pairs is not None:
            for key, value in self._pairs:  # noqa: SIM110 -- a loop beats all() here
                if labels.get(key) != value:
                    return False
            return True
        for req in self.requirements:  # noqa: SIM110
            if not req.matches(labels):
                return False
        return True

    @property
    def empty(self) -> bool:
        """True when this selects everything (never for the nothing selector)."""
        return not self.requirements and not self.nothing

    @property
    def is_plain_equality(self) -> bool:
        """True when every requirement demands one exact value (an index can answer it)."""
        return self._pairs is not None and not self.nothing

    @property
    def equality(self) -> dict[str, str]:
        """The label values this demands exactly, for indexing; other requirements aside."""
        return {r.key: v for r in self.requirements if (v := r.exact_value) is not None}

    def requires_exact_match(self, key: str) -> str | None:
        """Upstream's RequiresExactMatch: the first requirement on ``key`` decides."""
        for req in self.requirements:
            if req.key == key:
                return req.exact_value
        return None

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)


EVERYTHING: Final = LabelSelector()
NOTHING: Final = LabelSelector(nothing=True)


def _sorted(requirements: Iterable[Requirement]) -> LabelSelector:
    return LabelSelector(tuple(sorted(requirements, key=lambda r: r.key)))


# -- the query-string form ----------------------------------------------------------------------

_ID, _END = "ID", "END"  # token kinds; every other token is its own text
_WHITESPACE = " \t\r\n"
_SPECIAL = "=!(),><"
_SYMBOLS = frozenset({")", ",", "!", "==", "=", ">", "<", "!=", "("})
_BINARY = {"in": IN, "notin": NOT_IN, "=": EQUALS, "==": DOUBLE_EQUALS, "!=": NOT_EQUALS,
           ">": GREATER_THAN, "<": LESS_THAN}


def _lex(text: str) -> list[tuple[str, str]]:
    """Tokens as upstream's lexer makes them; a NUL character ends whatever is being read."""
    tokens: list[tuple[str, str]] = []
    pos, end = 0, len(text)
    while True:
        while pos < end and text[pos] in _WHITESPACE:
            pos += 1
        if pos >= end or text[pos] == "\0":
            tokens.append((_END, ""))
            return tokens
        start = pos
        if text[pos] in _SPECIAL:  # the longest symbol: "!=" and "==" are one token
            pos += 1
            while pos < end and text[start:pos + 1] in _SYMBOLS:
                pos += 1
            literal = text[start:pos]
            tokens.append((literal, literal))
        else:
            while pos < end and text[pos] not in _SPECIAL and text[pos] not in _WHITESPACE \
                    and text[pos] != "\0":
                pos += 1
            literal = text[start:pos]
            tokens.append((literal if literal in ("in", "notin") else _ID, literal))
        if pos < end and text[pos] == "\0":
            pos += 1  # swallowed, as upstream's reader does


class _Parser:
    """Upstream's recursive descent; ``in``/``notin`` are identifiers except as operators."""

    def __init__(self, text: str) -> None:
        self.tokens, self.pos = _lex(text), 0

    def peek(self, *, operator: bool = False) -> tuple[str, str]:
        kind, literal = self.tokens[self.pos]
        if not operator and kind in ("in", "notin"):
            kind = _ID
        return kind, literal

    def take(self, *, operator: bool = False) -> tuple[str, str]:
        token = self.peek(operator=operator)
        self.pos += 1
        return token

    def selector(self) -> list[Requirement]:
        found: list[Requirement] = []
        while True:
            kind, literal = self.peek()
            if kind == _END:
                return found
            if kind not in (_ID, "!"):
                raise BadRequest(f"found '{literal}', expected: !, identifier, or 'end of string'")
            try:
                found.append(self.requirement())
            except _Unparsable as error:
                raise BadRequest(f"unable to parse requirement: {error}") from None
            kind, literal = self.take()
            if kind == _END:
                return found
            if kind != ",":
                raise BadRequest(f"found '{literal}', expected: ',' or 'end of string'")
            kind, literal = self.peek()
            if kind not in (_ID, "!"):
                raise BadRequest(f"found '{literal}', expected: identifier after ','")

    def requirement(self) -> Requirement:
        kind, key = self.take()
        unary = DOES_NOT_EXIST if kind == "!" else None
        if unary:
            kind, key = self.take()
        if kind != _ID:
            raise _Unparsable(f"found '{key}', expected: identifier")
        if msgs := _qualified_name_errors(key):
            raise _Unparsable(_invalid("<nil>", go_quote(key), msgs))
        if self.peek()[0] in (_END, ","):
            unary = unary or EXISTS
        if unary:  # "!a=b" ends here too; the selector then trips over the "="
            return _new_requirement(key, unary, [])
        kind, literal = self.take(operator=True)
        if kind not in _BINARY:
            raise _Unparsable(f"found '{literal}', expected: in, notin, =, ==, !=, gt, lt")
        op = _BINARY[kind]
        values = self.value_set() if op in (IN, NOT_IN) else self.exact_value()
        return _new_requirement(key, op, sorted(values))

    def value_set(self) -> set[str]:
        kind, literal = self.take()
        if kind != "(":
            raise _Unparsable(f"found '{literal}' expected: '('")
        kind, literal = self.peek()
        if kind == ")":
            self.take()
            return {""}
        if kind not in (_ID, ","):
            raise _Unparsable(f"found '{literal}', expected: ',', ')' or identifier")
        values: set[str] = set()
        while True:
            kind, literal = self.take()
            if kind == _ID:
                values.add(literal)
                after, shown = self.peek()
                if after == ")":
                    break
                if after != ",":
                    raise _Unparsable(f"found '{shown}', expected: ',' or ')'")
            elif kind == ",":  # empty members: "(,a)", "(a,,b)", "(a,)"
                after = self.peek()[0]
                if not values or after in (",", ")"):
                    values.add("")
                if after == ")":
                    break
                if after == ",":
                    self.take()
            else:
                raise _Unparsable(f"found '{literal}', expected: ',', or identifier")
        self.take()
        return values

    def exact_value(self) -> set[str]:
        if self.peek()[0] in (_END, ","):
            return {""}
        kind, literal = self.take()
        if kind != _ID:
            raise _Unparsable(f"found '{literal}', expected: identifier")
        return {literal}


@functools.lru_cache(maxsize=512)
def parse_label_selector(text: str) -> LabelSelector:
    """The ``labelSelector`` query parameter; empty text selects everything. Raises
    BadRequest with upstream's message (``unable to parse requirement: ...``)."""
    return _sorted(_Parser(text).selector())


# -- the object forms -----------------------------------------------------------------------

_OBJECT_OPERATORS = {"In": IN, "NotIn": NOT_IN, "Exists": EXISTS, "DoesNotExist": DOES_NOT_EXIST}


def compile_label_selector(selector: Mapping[str, Any] | None) -> LabelSelector:
    """A ``metav1.LabelSelector`` dict (ReplicaSet, Deployment, PDB...) as upstream's
    LabelSelectorAsSelector: None selects nothing, an empty one everything."""
    if selector is None:
        return NOTHING
    match_labels = selector.get("matchLabels") or {}
    expressions = selector.get("matchExpressions") or []
    if not match_labels and not expressions:
        return EVERYTHING
    found: list[Requirement] = []
    try:
        for key, value in match_labels.items():
            found.append(_new_requirement(str(key), EQUALS, [str(value)]))
        for expression in expressions:
            operator = expression.get("operator") or ""
            op = _OBJECT_OPERATORS.get(operator)
            if op is None:
                raise _Unparsable(f"{go_quote(str(operator))} is not a valid label selector "
                                  "operator")
            values = [str(v) for v in expression.get("values") or ()]
            found.append(_new_requirement(str(expression.get("key") or ""), op, values))
    except _Unparsable as error:
        raise BadRequest(str(error)) from None
    return _sorted(found)


def selector_from_set(labels: Mapping[str, str] | None) -> LabelSelector:
    """A plain map selector (a Service's or ReplicationController's ``spec.selector``), not
    validated, as upstream's SelectorFromSet: None or empty selects everything."""
    if not labels:
        return EVERYTHING
    return _sorted(Requirement(k, EQUALS, (v,)) for k, v in labels.items())


def format_label_selector(selector: Mapping[str, Any] | None) -> str:
    """A ``metav1.LabelSelector`` as the string form kubectl shows (``app=web,tier in (a,b)``);
    empty string for an empty or missing selector."""
    if not selector:
        return ""
    parts = [f"{k}={v}" for k, v in sorted((selector.get("matchLabels") or {}).items())]
    for expr in selector.get("matchExpressions") or ():
        key, op = expr.get("key", ""), expr.get("operator", "")
        values = ",".join(sorted(expr.get("values") or ()))
        if op == "In":
            parts.append(f"{key} in ({values})")
        elif op == "NotIn":
            parts.append(f"{key} notin ({values})")
        elif op == "Exists":
            parts.append(key)
        elif op == "DoesNotExist":
            parts.append(f"!{key}")
    return ",".join(parts)
