"""autoscaling HorizontalPodAutoscaler: REFERENCE, TARGETS (``cpu: 40%/80%``, at most two
metrics then ``+ N more...``), MINPODS, MAXPODS, REPLICAS. Reads the autoscaling/v2 shape, and
the v1 CPU target for objects stored as v1."""

from __future__ import annotations

from typing import Any

from k3py.api.printers._base import (
    EMPTY,
    Obj,
    Printer,
    age,
    age_col,
    col,
    name,
    name_col,
    num,
    printer,
    quantity,
    spec,
    status,
)

_SOURCE = {"Resource": "resource", "Pods": "pods", "Object": "object", "External": "external",
           "ContainerResource": "containerResource"}


def _ptr(value: Any) -> str:
    """``(*Quantity).String()``: ``<nil>`` for an absent quantity."""
    return "<nil>" if value is None else quantity(value)


def _metric(metric: Obj, current: Obj | None) -> str:
    kind = metric.get("type")
    field = _SOURCE.get(str(kind))
    if field is None:
        return "<unknown type>"
    source = metric.get(field) or EMPTY
    target = source.get("target") or EMPTY
    now = None if current is None else (current.get(field) or None)
    now_value = EMPTY if now is None else (now.get("current") or EMPTY)
    if kind == "Pods":
        shown = "<unknown>" if now is None else _ptr(now_value.get("averageValue"))
        return f"{shown}/{_ptr(target.get('averageValue'))}"
    if kind in ("Object", "External"):
        if target.get("averageValue") is not None:
            shown = ("<unknown>" if now is None or now_value.get("averageValue") is None
                     else quantity(now_value["averageValue"]))
            return f"{shown}/{quantity(target['averageValue'])} (avg)"
        shown = "<unknown>" if now is None else _ptr(now_value.get("value"))
        return f"{shown}/{_ptr(target.get('value'))}"
    resource = source.get("name") or ""
    if target.get("averageValue") is not None:
        shown = "<unknown>" if now is None else _ptr(now_value.get("averageValue"))
        return f"{resource}: {shown}/{quantity(target['averageValue'])}"
    utilization = None if now is None else now_value.get("averageUtilization")
    shown = "<unknown>" if utilization is None else f"{num(utilization)}%"
    wanted = target.get("averageUtilization")
    return f"{resource}: {shown}/{'<auto>' if wanted is None else f'{num(wanted)}%'}"


def _v1_metrics(hpa_spec: Obj, hpa_status: Obj) -> tuple[list[Obj], list[Obj]]:
    """The v2 metrics a v1 object converts to (only the CPU target exists in v1)."""
    wanted = hpa_spec.get("targetCPUUtilizationPercentage")
    if wanted is None:
        return [], []
    specs: list[Obj] = [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": wanted}}}]
    current = hpa_status.get("currentCPUUtilizationPercentage")
    statuses: list[Obj] = [] if current is None else [{"type": "Resource", "resource": {
        "name": "cpu", "current": {"averageUtilization": current}}}]
    return specs, statuses


def format_metrics(hpa_spec: Obj, hpa_status: Obj) -> str:
    specs = hpa_spec.get("metrics")
    statuses = hpa_status.get("currentMetrics") or []
    if specs is None:
        specs, statuses = _v1_metrics(hpa_spec, hpa_status)
    if not specs:
        return "<none>"
    shown = [_metric(m, statuses[i] if i < len(statuses) else None)
             for i, m in enumerate(specs[:2])]
    text = ", ".join(shown)
    return f"{text} + {len(specs) - 2} more..." if len(specs) > 2 else text


def hpa_cells(hpa: Obj, now: float) -> list[Any]:
    hpa_spec, hpa_status = spec(hpa), status(hpa)
    ref = hpa_spec.get("scaleTargetRef") or EMPTY
    return [name(hpa), f"{ref.get('kind') or ''}/{ref.get('name') or ''}",
            format_metrics(hpa_spec, hpa_status), str(num(hpa_spec.get("minReplicas"), 1)),
            num(hpa_spec.get("maxReplicas")), num(hpa_status.get("currentReplicas")),
            age(hpa, now)]


PRINTERS: dict[tuple[str, str], Printer] = {
    ("autoscaling", "HorizontalPodAutoscaler"): printer(
        (name_col(), col("Reference", desc="The workload being scaled."),
         col("Targets", desc="Current and target value of each metric."),
         col("MinPods", desc="Lower replica limit."), col("MaxPods", desc="Upper replica limit."),
         col("Replicas", desc="Replicas now."), age_col()),
        hpa_cells),
}
