"""Printers not tied to one kind: the default ``Name, Created At`` table kube-apiserver gives
resources without a print handler (roles, limit ranges, CRDs...), and custom resources'
tables built from a CRD version's ``additionalPrinterColumns``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import Any

from k3py.api.gorender import go_float, go_json
from k3py.api.printers._base import (
    NAME_DESC,
    Obj,
    Printer,
    col,
    name,
    name_col,
    rfc3339,
    since,
)
from k3py.api.printers.jsonpath import (
    JsonPathError,
    PathFailed,
    Step,
    compile_path,
    evaluate,
)

DEFAULT = Printer(
    (col("Name", fmt="name", desc=NAME_DESC),
     col("Created At", "date", desc="When the object was created (RFC 3339, UTC).")),
    lambda o, now: [name(o), rfc3339((o.get("metadata") or {}).get("creationTimestamp"))])

NUMBERS = (int, float)

# What a CRD version without additionalPrinterColumns gets (serveDefaultColumnsIfEmpty).
AGE_ONLY: tuple[Mapping[str, Any], ...] = (
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp",
     "description": "How long ago the object was created."},)


def custom_printer(columns: Sequence[Mapping[str, Any]]) -> Printer:
    """The printer for one CRD version: Name, then each printer column in order (only an
    Age column when there are none). Columns from the first unparsable jsonPath on are
    dropped, as upstream keeps what it parsed before falling back."""
    key = tuple((str(c.get("name") or ""), str(c.get("type") or "string"),
                 str(c.get("format") or ""), str(c.get("description") or ""),
                 int(c.get("priority") or 0), str(c.get("jsonPath") or ""))
                for c in (columns or AGE_ONLY))
    return _compiled(key)


@lru_cache(maxsize=256)
def _compiled(key: tuple[tuple[str, str, str, str, int, str], ...]) -> Printer:
    headers = [name_col()]
    paths: list[tuple[tuple[Step, ...], str]] = []
    for title, kind, fmt, desc, priority, json_path in key:
        try:
            steps = compile_path(json_path)
        except JsonPathError:
            break
        headers.append(col(title, kind, fmt=fmt, priority=priority,
                           desc=desc or f"Value at {json_path}."))
        paths.append((steps, kind))

    def cells(obj: Obj, now: float) -> list[Any]:
        row: list[Any] = [name(obj)]
        for steps, kind in paths:
            try:
                found = evaluate(steps, obj)
            except PathFailed:
                found = []
            row.append(cell(kind, found[0], now) if found else None)
        return row

    return Printer(tuple(headers), cells)


def cell(kind: str, value: Any, now: float) -> Any:
    """A found value as the column type wants it; None when it does not fit."""
    if value is None:
        return None
    if kind == "string":
        return go_text(value)
    if kind == "integer":
        if isinstance(value, bool) or not isinstance(value, NUMBERS):
            return None
        return int(value)
    if kind == "number":
        if isinstance(value, bool) or not isinstance(value, NUMBERS):
            return None
        return float(value)
    if kind == "boolean":
        return value if isinstance(value, bool) else None
    if kind == "date":
        if not isinstance(value, str):
            return None
        if value in ("", "null"):
            return "<unknown>"
        if "T" not in value.upper():
            return "<invalid>"
        shown = since(value, now)
        return "<invalid>" if shown == "<unknown>" else shown
    return None


def go_text(value: Any) -> str:
    """How client-go's jsonpath prints one value: strings as they are, objects and arrays
    as Go's ``encoding/json`` writes them, other scalars as Go's ``fmt`` does."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return go_float(value)
    return go_json(value)
