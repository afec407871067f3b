"""The JSONPath that CRD printer columns use, compiled once per column: ``.a.b``, ``['a.b']``,
``a\\.b`` escapes, ``[0]``, ``[-1]``, ``[1:3]``, ``[*]`` / ``.*``, ``..name``, and filters
``[?(@.type=="Ready")]`` (``== != < > <= >=`` and bare ``[?(@.x)]`` existence).

Evaluation follows client-go's jsonpath with missing keys allowed: a missing key yields
nothing, while a bad index or a comparison of unlike types fails the whole path (the cell is
then empty), as upstream's printer sees an error there.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

Step = tuple[Any, ...]
_OPERATORS = ("==", "!=", "<=", ">=", "<", ">")
_NUMBER_TYPES = (int, float)


class JsonPathError(ValueError):
    """A printer-column jsonPath this subset cannot parse."""


class PathFailed(Exception):
    """Evaluation hit what upstream treats as an error (the whole path yields no value)."""


def compile_path(text: str) -> tuple[Step, ...]:
    """Parse ``text`` (with an optional ``$`` or ``{...}`` wrapper) into steps."""
    body = text.strip()
    if body.startswith("{") and body.endswith("}"):
        body = body[1:-1].strip()
    if body.startswith("$"):
        body = body[1:]
    steps, end = _parse(body, 0, stop="")
    if end != len(body):
        raise JsonPathError(f"unexpected {body[end]!r} at {end} in {text!r}")
    return tuple(steps)


def _parse(body: str, pos: int, *, stop: str) -> tuple[list[Step], int]:
    steps: list[Step] = []
    while pos < len(body) and body[pos] not in stop:
        char = body[pos]
        if body.startswith("..", pos):
            field, pos = _name(body, pos + 2)
            steps += [("recurse",), ("field", field)]
        elif body.startswith(".*", pos):
            steps.append(("wildcard",))
            pos += 2
        elif char == ".":
            field, pos = _name(body, pos + 1)
            steps.append(("field", field))
        elif char == "[":
            step, pos = _bracket(body, pos + 1)
            steps.append(step)
        elif not steps and pos == 0:  # "spec.x": a leading field without its dot
            field, pos = _name(body, pos)
            steps.append(("field", field))
        else:
            raise JsonPathError(f"unexpected {char!r} at {pos} in {body!r}")
    return steps, pos


def _name(body: str, pos: int) -> tuple[str, int]:
    out: list[str] = []
    while pos < len(body) and body[pos] not in ".[]() =!<>,":
        if body[pos] == "\\" and pos + 1 < len(body):
            pos += 1
        out.append(body[pos])
        pos += 1
    if not out:
        raise JsonPathError(f"missing field name at {pos} in {body!r}")
    return "".join(out), pos


def _closing(body: str, pos: int, char: str) -> int:
    """Index of ``char`` at or after ``pos``, skipping quoted text."""
    quote = ""
    for index in range(pos, len(body)):
        current = body[index]
        if quote:
            quote = "" if current == quote else quote
        elif current in "'\"":
            quote = current
        elif current == char:
            return index
    raise JsonPathError(f"missing {char!r} in {body!r}")


def _bracket(body: str, pos: int) -> tuple[Step, int]:
    if body.startswith("?(", pos):
        end = _closing(body, pos, "]")
        inner = body[pos:end].strip()
        if not inner.endswith(")"):
            raise JsonPathError(f"bad filter {inner!r}")
        return _filter(inner[2:-1].strip()), end + 1
    end = _closing(body, pos, "]")
    inner = body[pos:end].strip()
    if inner == "*":
        return ("wildcard",), end + 1
    if inner[:1] in "'\"":
        return ("field", _literal(inner)), end + 1
    parts = inner.split(":")
    try:
        numbers = [int(p) if p.strip() else None for p in parts]
    except ValueError as exc:
        raise JsonPathError(f"bad index {inner!r}") from exc
    if len(numbers) == 1 and numbers[0] is not None:
        return ("index", numbers[0]), end + 1
    if len(numbers) in (2, 3):
        return ("slice", *numbers, None) if len(numbers) == 2 else ("slice", *numbers), end + 1
    raise JsonPathError(f"bad index {inner!r}")


def _filter(expr: str) -> Step:
    quote = ""
    for index, char in enumerate(expr):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        else:
            operator = next((op for op in _OPERATORS if expr.startswith(op, index)), None)
            if operator:
                left = _operand(expr[:index].strip())
                return ("filter", left, operator, _operand(expr[index + len(operator):].strip()))
    return ("filter", _operand(expr), "exists", None)


def _operand(text: str) -> Step:
    if text.startswith("@"):
        steps, end = _parse(text, 1, stop="")
        if end != len(text):
            raise JsonPathError(f"bad filter operand {text!r}")
        return ("path", tuple(steps))
    return ("literal", _literal(text))


def _literal(text: str) -> Any:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    if text in ("true", "false"):
        return text == "true"
    try:
        return float(text) if any(c in text for c in ".eE") else int(text)
    except ValueError as exc:
        raise JsonPathError(f"bad literal {text!r}") from exc


# ------------------------------------------------------------ evaluation

def evaluate(steps: Sequence[Step], root: Any) -> list[Any]:
    """Every value ``steps`` reach from ``root``; raises :class:`PathFailed`."""
    current = [root]
    for step in steps:
        found: list[Any] = []
        for value in current:
            if value is not None:
                found.extend(_apply(step, value))
        current = found
        if not current:
            break
    return current


def _apply(step: Step, value: Any) -> Iterator[Any]:
    kind = step[0]
    if kind == "field":
        if isinstance(value, Mapping) and step[1] in value:
            yield value[step[1]]
    elif kind == "wildcard":
        if isinstance(value, Mapping):
            yield from value.values()
        elif isinstance(value, list):
            yield from value
    elif kind == "recurse":
        yield from _descendants(value)
    elif kind == "index":
        yield from _slice(value, step[1], step[1] + 1, None, index=True)
    elif kind == "slice":
        yield from _slice(value, step[1], step[2], step[3], index=False)
    elif kind == "filter":
        yield from _select(value, step)


def _descendants(value: Any) -> Iterator[Any]:
    yield value
    children = value.values() if isinstance(value, Mapping) else \
        value if isinstance(value, list) else ()
    for child in children:
        yield from _descendants(child)


def _slice(value: Any, start: int | None, end: int | None, step: int | None, *,
           index: bool) -> list[Any]:
    if not isinstance(value, list):
        raise PathFailed("not an array")
    length = len(value)
    first = 0 if start is None else start + length if start < 0 else start
    last = length if end is None else end
    if last < 0 or (index and last == 0):
        last += length
    if first == last:
        return []
    if not 0 <= first < length or not 0 <= last <= length or first > last:
        raise PathFailed("array index out of bounds")
    if step is not None and step <= 0:
        raise PathFailed("step must be > 0")
    return value[first:last:step or 1]


def _select(value: Any, step: Step) -> Iterator[Any]:
    _, left, operator, right = step
    if not isinstance(value, list):
        raise PathFailed("only arrays can be filtered")
    for item in value:
        lefts = _values(left, item)
        if not lefts:
            continue
        if operator == "exists":
            yield item
            continue
        rights = _values(right, item)
        if len(lefts) > 1 or len(rights) > 1:
            raise PathFailed("can only compare one element at a time")
        if rights and _compare(lefts[0], operator, rights[0]):
            yield item


def _values(operand: Step, item: Any) -> list[Any]:
    return [operand[1]] if operand[0] == "literal" else evaluate(operand[1], item)


def _compare(left: Any, operator: str, right: Any) -> bool:
    """Go template comparison: both sides of one basic kind, else an error."""
    if type(left) is not type(right) or not isinstance(left, (str, bool, *_NUMBER_TYPES)):
        raise PathFailed("incompatible types for comparison")
    if operator == "==":
        return bool(left == right)
    if operator == "!=":
        return bool(left != right)
    if isinstance(left, bool):
        raise PathFailed("invalid type for comparison")
    return bool({"<": left < right, ">": left > right, "<=": left <= right,
                 ">=": left >= right}[operator])
