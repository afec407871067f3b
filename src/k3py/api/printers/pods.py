"""Pods and pod templates: the STATUS reason kubectl shows (``Init:1/2``,
``CrashLoopBackOff``, ``Completed``, ``Terminating``...), READY n/m counting sidecars, and
RESTARTS with the time of the last restart. Follows kube-apiserver 1.33's ``printPod``.
"""

from __future__ import annotations

from typing import Any

from k3py.api.printers._base import (
    EMPTY,
    IMAGES_DESC,
    Obj,
    Printer,
    age,
    age_col,
    col,
    condition_true,
    container_cells,
    format_labels,
    human_duration,
    meta,
    name,
    name_col,
    num,
    printer,
    spec,
    status,
    timestamp,
)

_NEVER = float("-inf")  # Go's zero time: before every real one

POD_COLUMNS = (
    name_col(),
    col("Ready", desc="Ready containers out of all containers (sidecars included)."),
    col("Status", desc="Phase of the pod, or why its containers are not running."),
    col("Restarts", desc="Container restarts, and how long ago the last one happened."),
    age_col(),
    col("IP", priority=1, desc="The pod's first IP address."),
    col("Node", priority=1, desc="Node the pod is bound to."),
    col("Nominated Node", priority=1, desc="Node chosen for the pod by preemption."),
    col("Readiness Gates", priority=1, desc="Readiness gates whose condition is True."),
)

_SUCCEEDED = [{"type": "Completed", "status": "True", "reason": "Succeeded",
               "message": "The pod has completed successfully."}]
_FAILED = [{"type": "Completed", "status": "True", "reason": "Failed",
            "message": "The pod failed."}]


def _last_finish(container: Obj) -> float:
    terminated = (container.get("lastState") or EMPTY).get("terminated")
    if terminated is None:
        return _NEVER
    moment = timestamp(terminated.get("finishedAt"))
    return _NEVER if moment is None else moment


def _terminated_reason(terminated: Obj, prefix: str) -> str:
    reason = terminated.get("reason")
    if reason:
        return f"{prefix}{reason}"
    signal = num(terminated.get("signal"))
    if signal:
        return f"{prefix}Signal:{signal}"
    return f"{prefix}ExitCode:{num(terminated.get('exitCode'))}"


def _init_containers(pod_status: Obj, init_specs: Any, sidecars: set[Any],
                     ) -> tuple[str | None, int, int, float, int, float]:
    """Walk init containers up to the first unfinished one: its ``Init:`` reason (None once
    all are done), ready sidecars, and restarts and last restart time of all of them and of
    the sidecars alone."""
    ready = restarts = sidecar_restarts = 0
    last = sidecar_last = _NEVER
    for index, container in enumerate(pod_status.get("initContainerStatuses") or ()):
        count, finished = num(container.get("restartCount")), _last_finish(container)
        restarts += count
        last = max(last, finished)
        sidecar = container.get("name") in sidecars
        if sidecar:
            sidecar_restarts += count
            sidecar_last = max(sidecar_last, finished)
        state = container.get("state") or EMPTY
        terminated, waiting = state.get("terminated"), state.get("waiting")
        if terminated is not None and num(terminated.get("exitCode")) == 0:
            continue
        if sidecar and container.get("started"):
            ready += 1 if container.get("ready") else 0
            continue
        if terminated is not None:
            reason = _terminated_reason(terminated, "Init:")
        elif waiting is not None and waiting.get("reason") not in (None, "", "PodInitializing"):
            reason = f"Init:{waiting['reason']}"
        else:
            reason = f"Init:{index}/{len(init_specs)}"
        return reason, ready, restarts, last, sidecar_restarts, sidecar_last
    return None, ready, restarts, last, sidecar_restarts, sidecar_last


def _app_containers(pod_status: Obj, reason: str) -> tuple[str, int, int, float, bool]:
    """Walk app containers last to first: the reason the last non-running one gives, ready
    and running counts, restarts and the last restart time."""
    ready = restarts = 0
    last = _NEVER
    running = False
    for container in reversed(pod_status.get("containerStatuses") or ()):
        restarts += num(container.get("restartCount"))
        last = max(last, _last_finish(container))
        state = container.get("state") or EMPTY
        waiting, terminated = state.get("waiting"), state.get("terminated")
        if waiting is not None and waiting.get("reason"):
            reason = waiting["reason"]
        elif terminated is not None:
            reason = _terminated_reason(terminated, "")
        elif container.get("ready") and state.get("running") is not None:
            running = True
            ready += 1
    return reason, ready, restarts, last, running


def pod_cells(pod: Obj, now: float) -> list[Any]:
    """NAME READY STATUS RESTARTS AGE | IP NODE NOMINATED-NODE READINESS-GATES."""
    pod_spec, pod_status = spec(pod), status(pod)
    conditions = pod_status.get("conditions") or ()
    init_specs = pod_spec.get("initContainers") or ()
    sidecars = {c.get("name") for c in init_specs if c.get("restartPolicy") == "Always"}
    total = len(pod_spec.get("containers") or ()) + len(sidecars)
    phase = pod_status.get("phase") or ""
    reason = pod_status.get("reason") or phase
    for cond in conditions:
        if cond.get("type") == "PodScheduled" and cond.get("reason") == "SchedulingGated":
            reason = "SchedulingGated"

    init_reason, ready, restarts, last, sidecar_restarts, sidecar_last = _init_containers(
        pod_status, init_specs, sidecars)
    if init_reason is not None:
        reason = init_reason
    if init_reason is None or condition_true(conditions, "Initialized"):
        reason, app_ready, app_restarts, app_last, running = _app_containers(pod_status, reason)
        ready += app_ready
        restarts = sidecar_restarts + app_restarts
        last = max(sidecar_last, app_last)
        if reason == "Completed" and running:
            ready_cond = any(c.get("type") == "Ready" and c.get("status") == "True"
                             for c in conditions)
            reason = "Running" if ready_cond else "NotReady"

    if meta(pod).get("deletionTimestamp"):
        if pod_status.get("reason") == "NodeLost":
            reason = "Unknown"
        elif phase not in ("Succeeded", "Failed"):
            reason = "Terminating"

    restarts_text = str(restarts)
    if restarts and last != _NEVER:
        restarts_text = f"{restarts} ({human_duration(now - last)} ago)"
    return [name(pod), f"{ready}/{total}", reason, restarts_text, age(pod, now),
            _pod_ip(pod_status), pod_spec.get("nodeName") or "<none>",
            pod_status.get("nominatedNodeName") or "<none>", _gates(pod_spec, conditions)]


def _pod_ip(pod_status: Obj) -> str:
    ips = pod_status.get("podIPs")
    # v1 -> internal conversion fills podIPs from a lone podIP
    ip = (ips[0].get("ip") if ips else pod_status.get("podIP")) or ""
    return ip or "<none>"


def _gates(pod_spec: Obj, conditions: Any) -> str:
    gates = pod_spec.get("readinessGates") or ()
    if not gates:
        return "<none>"
    true = 0
    for gate in gates:
        kind = gate.get("conditionType")
        for cond in conditions:
            if cond.get("type") == kind:
                true += cond.get("status") == "True"
                break
    return f"{true}/{len(gates)}"


def pod_conditions(pod: Obj) -> list[dict[str, Any]] | None:
    """Row conditions marking finished pods, as the real server sends them."""
    phase = status(pod).get("phase")
    if phase == "Succeeded":
        return _SUCCEEDED
    if phase == "Failed":
        return _FAILED
    return None


def pod_template_cells(obj: Obj, now: float) -> list[Any]:
    template = obj.get("template") or EMPTY
    names, images = container_cells(spec(template).get("containers"))
    return [name(obj), names, images, format_labels(meta(template).get("labels"))]


PRINTERS: dict[tuple[str, str], Printer] = {
    ("", "Pod"): printer(POD_COLUMNS, pod_cells, conditions=pod_conditions),
    ("", "PodTemplate"): printer(
        (name_col(), col("Containers", desc="Names of the containers in the template."),
         col("Images", desc=IMAGES_DESC), col("Pod Labels", desc="Labels of the pod template.")),
        pod_template_cells),
}
