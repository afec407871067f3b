"""The node lifecycle controller in a real `k3py server` (with its own node agent): a node
whose Lease stops being renewed turns Unknown and gets the unreachable taints while the
server's own, heartbeating node stays Ready; when it reports in again the taints go.

The grace period is shortened through $K3PY_NODE_MONITOR_GRACE_PERIOD. It must stay above the
node agent's 10 s Lease renewal, or the server's own node would go silent between two
renewals; 15 s with a 1 s check period keeps the whole test under half a minute."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from kubernetes import client as k8s
from kubernetes import config as k8s_config

from .support import Server, start_server, stop_server

GRACE = 15.0
REAL, GHOST = "lifecycle-real", "lifecycle-ghost"
UNREACHABLE = {"node.kubernetes.io/unreachable:NoSchedule",
               "node.kubernetes.io/unreachable:NoExecute"}
LEASE_NS = "kube-node-lease"


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    monkeypatch.setenv("K3PY_NODE_MONITOR_GRACE_PERIOD", str(GRACE))
    monkeypatch.setenv("K3PY_NODE_MONITOR_PERIOD", "1")
    running = start_server(tmp_path, "--node-name", REAL, agent=True)
    yield running
    if running.process.poll() is None:
        assert stop_server(running) == 0, running.log.read_text()


@pytest.fixture
def api(server: Server) -> Iterator[k8s.ApiClient]:
    configuration = k8s.Configuration()
    k8s_config.load_kube_config(config_file=str(server.kubeconfig),
                                client_configuration=configuration)
    with k8s.ApiClient(configuration) as client:
        yield client


def _now(micro: bool = False) -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ" if micro else
                                      "%Y-%m-%dT%H:%M:%SZ")


def _status(ready: str = "True") -> dict[str, Any]:
    now = _now()
    def condition(kind: str, status: str) -> dict[str, str]:
        return {"type": kind, "status": status, "reason": "Kubelet", "message": "",
                "lastHeartbeatTime": now, "lastTransitionTime": now}
    return {"conditions": [condition("MemoryPressure", "False"),
                           condition("DiskPressure", "False"),
                           condition("PIDPressure", "False"), condition("Ready", ready)]}


def _ready(node: k8s.V1Node) -> k8s.V1NodeCondition:
    return next(c for c in node.status.conditions or [] if c.type == "Ready")


def _taints(node: k8s.V1Node) -> set[str]:
    return {f"{t.key}:{t.effect}" for t in node.spec.taints or []}


def test_silent_node_becomes_unknown_and_unreachable_then_recovers(
        server: Server, api: k8s.ApiClient) -> None:
    core, coordination = k8s.CoreV1Api(api), k8s.CoordinationV1Api(api)
    deadline = time.monotonic() + 15
    while True:  # the server's own node registers itself
        try:
            if _ready(core.read_node(REAL)).status == "True":
                break
        except (k8s.ApiException, StopIteration):
            pass
        assert time.monotonic() < deadline, "the server's node never became Ready"
        time.sleep(0.1)

    other = {"key": "dedicated", "value": "ghosts", "effect": "NoSchedule"}
    created = core.create_node({"apiVersion": "v1", "kind": "Node",
                                "metadata": {"name": GHOST}, "spec": {"taints": [other]},
                                "status": _status()})
    core.patch_node_status(GHOST, {"status": _status()})
    coordination.create_namespaced_lease(LEASE_NS, {
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": GHOST, "ownerReferences": [
            {"apiVersion": "v1", "kind": "Node", "name": GHOST, "uid": created.metadata.uid}]},
        "spec": {"holderIdentity": GHOST, "leaseDurationSeconds": 40,
                 "renewTime": _now(micro=True)}})
    began = time.monotonic()

    while True:  # never renewed: Unknown and unreachable after the grace period
        ghost, real = core.read_node(GHOST), core.read_node(REAL)
        assert _ready(real).status == "True", _ready(real)
        assert not _taints(real), real.spec.taints
        if _ready(ghost).status == "Unknown" and _taints(ghost) >= UNREACHABLE:
            break
        assert time.monotonic() - began < GRACE + 8, (ghost.status.conditions, _taints(ghost))
        time.sleep(0.25)
    silent_for = time.monotonic() - began
    assert silent_for > GRACE - 2, f"marked after {silent_for:.1f}s, grace is {GRACE}s"
    for condition in ghost.status.conditions:
        assert (condition.status, condition.reason, condition.message) == \
            ("Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status."), condition
    assert _taints(ghost) == UNREACHABLE | {"dedicated:NoSchedule"}
    assert all(t.time_added is not None for t in ghost.spec.taints if t.key != "dedicated")

    # The kubelet comes back: renews its Lease, reports Ready.
    coordination.patch_namespaced_lease(GHOST, LEASE_NS,
                                        {"spec": {"renewTime": _now(micro=True)}})
    core.patch_node_status(GHOST, {"status": _status()})
    back = time.monotonic()
    while True:
        ghost = core.read_node(GHOST)
        if _ready(ghost).status == "True" and _taints(ghost) == {"dedicated:NoSchedule"}:
            break
        assert time.monotonic() - back < 6, (ghost.status.conditions, _taints(ghost))
        time.sleep(0.25)
    real = core.read_node(REAL)
    assert _ready(real).status == "True" and not _taints(real)
    assert "node lifecycle controller: grace period 15s" in server.log.read_text()
