"""apps/v1: deployments (READY ready/desired), replica sets, stateful sets, daemon sets and
controller revisions. A missing ``spec.replicas`` reads as 1, the API default."""

from __future__ import annotations

from typing import Any

from k3py.api.printers._base import (
    Obj,
    Printer,
    age,
    age_col,
    col,
    container_cells,
    format_labels,
    format_selector,
    meta,
    name,
    name_col,
    num,
    printer,
    spec,
    status,
    template_columns,
    template_containers,
)
from k3py.api.selectors import format_label_selector

_WIDE = template_columns(selector="Labels of the pods it manages.")


def deployment_cells(obj: Obj, now: float) -> list[Any]:
    obj_spec, obj_status = spec(obj), status(obj)
    names, images = container_cells(template_containers(obj))
    ready, desired = num(obj_status.get("readyReplicas")), num(obj_spec.get("replicas"), 1)
    # printDeployment renders the selector itself: empty, not <none>, when it has none
    return [name(obj), f"{ready}/{desired}", num(obj_status.get("updatedReplicas")),
            num(obj_status.get("availableReplicas")), age(obj, now), names, images,
            format_label_selector(obj_spec.get("selector"))]


def replica_set_cells(obj: Obj, now: float) -> list[Any]:
    obj_spec, obj_status = spec(obj), status(obj)
    names, images = container_cells(template_containers(obj))
    return [name(obj), num(obj_spec.get("replicas"), 1), num(obj_status.get("replicas")),
            num(obj_status.get("readyReplicas")), age(obj, now), names, images,
            format_selector(obj_spec.get("selector"))]


def stateful_set_cells(obj: Obj, now: float) -> list[Any]:
    names, images = container_cells(template_containers(obj))
    ready, desired = num(status(obj).get("readyReplicas")), num(spec(obj).get("replicas"), 1)
    return [name(obj), f"{ready}/{desired}", age(obj, now), names, images]


def daemon_set_cells(obj: Obj, now: float) -> list[Any]:
    obj_spec, obj_status = spec(obj), status(obj)
    names, images = container_cells(template_containers(obj))
    node_selector = spec(obj_spec.get("template") or {}).get("nodeSelector")
    return [name(obj), num(obj_status.get("desiredNumberScheduled")),
            num(obj_status.get("currentNumberScheduled")), num(obj_status.get("numberReady")),
            num(obj_status.get("updatedNumberScheduled")),
            num(obj_status.get("numberAvailable")), format_labels(node_selector), age(obj, now),
            names, images, format_selector(obj_spec.get("selector"))]


def controller_of(obj: Obj) -> str:
    """``<kind>.<group>/<name>`` of the controlling owner, lower-cased; ``<none>``."""
    for ref in meta(obj).get("ownerReferences") or ():
        if ref.get("controller"):
            api_version = str(ref.get("apiVersion") or "")
            group = api_version.rpartition("/")[0]
            kind = str(ref.get("kind") or "")
            qualified = f"{kind}.{group}" if group else kind
            return f"{qualified.lower()}/{ref.get('name') or ''}" if qualified else \
                str(ref.get("name") or "")
    return "<none>"


PRINTERS: dict[tuple[str, str], Printer] = {
    ("apps", "Deployment"): printer(
        (name_col(), col("Ready", desc="Ready replicas out of desired replicas."),
         col("Up-to-date", desc="Replicas running the current template."),
         col("Available", desc="Replicas available to serve."), age_col(), *_WIDE),
        deployment_cells),
    ("apps", "ReplicaSet"): printer(
        (name_col(), col("Desired", "integer", desc="Wanted replicas."),
         col("Current", "integer", desc="Replicas that exist."),
         col("Ready", "integer", desc="Replicas that are ready."), age_col(), *_WIDE),
        replica_set_cells),
    ("apps", "StatefulSet"): printer(
        (name_col(), col("Ready", desc="Ready replicas out of desired replicas."), age_col(),
         *template_columns()),
        stateful_set_cells),
    ("apps", "DaemonSet"): printer(
        (name_col(), col("Desired", "integer", desc="Nodes that should run the pod."),
         col("Current", "integer", desc="Nodes that run the pod."),
         col("Ready", "integer", desc="Nodes whose pod is ready."),
         col("Up-to-date", "integer", desc="Nodes running the current template."),
         col("Available", "integer", desc="Nodes whose pod is available."),
         col("Node Selector", desc="Labels a node needs to run the pod."), age_col(),
         *_WIDE),
        daemon_set_cells),
    ("apps", "ControllerRevision"): printer(
        (name_col(), col("Controller", desc="The object that owns this revision."),
         col("Revision", desc="Revision number."), age_col()),
        lambda o, now: [name(o), controller_of(o), num(o.get("revision")), age(o, now)]),
}
