"""Server-side printing: the ``meta.k8s.io/v1`` Table kubectl asks for with
``Accept: application/json;as=Table;v=v1;g=meta.k8s.io``, with exactly the columns and cells
kube-apiserver 1.33 produces.

kubectl has no printers of its own for built-in kinds: it prints the Table's cells and uses
``row.object`` (PartialObjectMetadata by default) for ``-A``, ``--show-labels`` and ``-L``.
The server always sends the wide (priority 1) columns too; kubectl drops them without
``-o wide``.

Entry points for the API server:

* :func:`table_for` — a LIST answered as a Table (any built-in kind, or a custom resource
  when ``printer_columns`` — the CRD version's ``additionalPrinterColumns`` — is given);
* :func:`table_for_object` — a GET, or one watch event (upstream sends the column definitions
  with the first event only: pass ``no_headers=True`` for the following ones);
* :func:`include_object_option` — validates the ``includeObject`` query parameter.

Lower level: :func:`column_definitions`, :func:`row_cells`, :func:`custom_columns`,
:func:`custom_row_cells`, :func:`printer_for` and :func:`build_table`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from k3py.api.printers import Printer, builtin_printer, custom_printer
from k3py.api.printers._base import epoch, human_duration
from k3py.errors import BadRequest

INCLUDE_OBJECT_VALUES = ("None", "Metadata", "Object")

Obj = Mapping[str, Any]

__all__ = ["INCLUDE_OBJECT_VALUES", "Printer", "build_table", "column_definitions",
           "custom_columns", "custom_row_cells", "human_duration", "include_object_option",
           "printer_for", "row_cells", "table_for", "table_for_object"]


def printer_for(group: str, kind: str, *,
                printer_columns: Sequence[Mapping[str, Any]] | None = None) -> Printer:
    """The printer for objects of ``(group, kind)``. ``printer_columns`` marks a custom
    resource: the served CRD version's ``additionalPrinterColumns`` (an empty list when it
    has none). Custom printers are compiled once and cached."""
    if printer_columns is not None:
        return custom_printer(printer_columns)
    return builtin_printer(group, kind)


def column_definitions(group: str, kind: str) -> list[dict[str, Any]]:
    """The ``columnDefinitions`` of a built-in kind (fresh dicts the caller may keep)."""
    return [dict(c) for c in builtin_printer(group, kind).columns]


def row_cells(group: str, kind: str, obj: Obj, *, now: datetime) -> list[Any]:
    """One built-in object's cells, wide columns included."""
    return builtin_printer(group, kind).cells(obj, epoch(now))


def custom_columns(additional_printer_columns: Sequence[Mapping[str, Any]] | None,
                   ) -> list[dict[str, Any]]:
    """A custom resource's ``columnDefinitions``: Name, then the CRD's printer columns in
    order, or Name and Age when it declares none (upstream appends nothing else)."""
    return [dict(c) for c in custom_printer(additional_printer_columns or ()).columns]


def custom_row_cells(additional_printer_columns: Sequence[Mapping[str, Any]] | None,
                     obj: Obj, *, now: datetime) -> list[Any]:
    """A custom resource's cells: each column's jsonPath evaluated and typed; None where
    nothing (or nothing of the column's type) is found."""
    return custom_printer(additional_printer_columns or ()).cells(obj, epoch(now))


def include_object_option(value: str | None) -> str:
    """The ``includeObject`` query parameter, ``Metadata`` when absent; 400 otherwise."""
    if not value:
        return "Metadata"
    if value not in INCLUDE_OBJECT_VALUES:
        raise BadRequest(f'unrecognized includeObject value: "{value}"')
    return value


def build_table(*, columns: Sequence[Mapping[str, Any]] | None, objects: Sequence[Obj],
                cells: Sequence[list[Any]], include_object: str = "Metadata",
                resource_version: str = "", continue_token: str | None = None,
                remaining_item_count: int | None = None,
                conditions: Sequence[list[dict[str, Any]] | None] | None = None,
                table_version: str = "v1") -> dict[str, Any]:
    """Assemble a Table from rows already computed. ``columns=None`` sends no headers (JSON
    null, as upstream does). Each row's ``object`` is the object's metadata as a
    PartialObjectMetadata (``Metadata``), the object itself (``Object``) or null
    (``None``); metadata is shared with the object, never copied."""
    include = include_object_option(include_object)
    api_version = f"meta.k8s.io/{table_version}"
    rows: list[dict[str, Any]] = []
    for index, obj in enumerate(objects):
        row: dict[str, Any] = {"cells": cells[index]}
        row_conditions = conditions[index] if conditions is not None else None
        if row_conditions:
            row["conditions"] = row_conditions
        if include == "Metadata":
            row["object"] = {"kind": "PartialObjectMetadata", "apiVersion": api_version,
                             "metadata": obj.get("metadata") or {}}
        else:
            row["object"] = obj if include == "Object" else None
        rows.append(row)
    metadata: dict[str, Any] = {}
    if resource_version:
        metadata["resourceVersion"] = resource_version
    if continue_token:
        metadata["continue"] = continue_token
    if remaining_item_count is not None:
        metadata["remainingItemCount"] = remaining_item_count
    return {"kind": "Table", "apiVersion": api_version, "metadata": metadata,
            "columnDefinitions": None if columns is None else [dict(c) for c in columns],
            "rows": rows}


def table_for(group: str, kind: str, objects: Sequence[Obj], *, now: datetime,
                   printer_columns: Sequence[Mapping[str, Any]] | None = None,
                   include_object: str = "Metadata", resource_version: str = "",
                   continue_token: str | None = None, remaining_item_count: int | None = None,
                   no_headers: bool = False, table_version: str = "v1") -> dict[str, Any]:
    """A list of objects of one kind as a Table; ``resource_version``, ``continue_token`` and
    ``remaining_item_count`` are the list's own metadata."""
    printer = printer_for(group, kind, printer_columns=printer_columns)
    stamp = epoch(now)
    cells = [printer.cells(obj, stamp) for obj in objects]
    conditions = None if printer.conditions is None else [printer.conditions(o) for o in objects]
    headers = None if no_headers and printer.honours_no_headers else printer.columns
    return build_table(columns=headers, objects=objects, cells=cells,
                       include_object=include_object, resource_version=resource_version,
                       continue_token=continue_token, remaining_item_count=remaining_item_count,
                       conditions=conditions, table_version=table_version)


def table_for_object(group: str, kind: str, obj: Obj, *, now: datetime,
                     printer_columns: Sequence[Mapping[str, Any]] | None = None,
                     include_object: str = "Metadata", no_headers: bool = False,
                     table_version: str = "v1") -> dict[str, Any]:
    """One object as a one-row Table (a GET, or one watch event); its resourceVersion is the
    object's."""
    version = str((obj.get("metadata") or {}).get("resourceVersion") or "")
    return table_for(group, kind, [obj], now=now, printer_columns=printer_columns,
                          include_object=include_object, resource_version=version,
                          no_headers=no_headers, table_version=table_version)
