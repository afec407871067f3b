"""The node lifecycle controller's decisions, as pure functions: when a node counts as silent
(on the local clock, from the last heartbeat change seen), which conditions go Unknown, and
which taints follow the Ready status."""

from __future__ import annotations

from typing import Any

import pytest

from k3py.controllers.nodelifecycle import Health, decide, heartbeat_of, observe

WALL = "2030-01-01T00:00:00Z"
OLD = "2020-01-01T00:00:00Z"


def node(ready: str | None = "True", *, taints: list[dict[str, Any]] | None = None,
         heartbeat: str = OLD) -> dict[str, Any]:
    conditions = [{"type": kind, "status": "False", "reason": "Fine", "message": "",
                   "lastHeartbeatTime": heartbeat, "lastTransitionTime": OLD}
                  for kind in ("MemoryPressure", "DiskPressure", "PIDPressure")]
    if ready is not None:
        conditions.append({"type": "Ready", "status": ready, "reason": "KubeletReady",
                           "message": "", "lastHeartbeatTime": heartbeat,
                           "lastTransitionTime": OLD})
    spec: dict[str, Any] = {"taints": taints} if taints is not None else {}
    return {"metadata": {"name": "n1", "creationTimestamp": OLD}, "spec": spec,
            "status": {"conditions": conditions if ready is not None else []}}


def lease(renewed: str) -> dict[str, Any]:
    return {"metadata": {"name": "n1"}, "spec": {"renewTime": renewed}}


def check(obj: dict[str, Any], *, silent: float, grace: float = 40.0) -> Any:
    return decide(obj, Health(heartbeat_of(obj, None), 100.0), now=100.0 + silent, wall=WALL,
                  grace_period=grace, startup_grace_period=60.0)


def keys(taints: list[dict[str, Any]] | None) -> set[str]:
    return {f"{t['key']}:{t['effect']}" for t in taints or []}


# -- observing heartbeats --------------------------------------------------------------------

def test_first_sight_starts_the_grace_period_now_whatever_the_timestamps_say() -> None:
    health = observe(None, node=node(), lease=lease(OLD), now=7.0)
    assert health == Health((OLD, OLD), 7.0)


def test_a_renewed_lease_is_a_heartbeat() -> None:
    before = observe(None, node=node(), lease=lease(OLD), now=1.0)
    after = observe(before, node=node(), lease=lease("2020-01-01T00:00:10.000000Z"), now=50.0)
    assert after.probed_at == 50.0


def test_a_new_ready_heartbeat_is_a_heartbeat() -> None:
    before = observe(None, node=node(), lease=None, now=1.0)
    after = observe(before, node=node(heartbeat="2020-01-01T00:01:00Z"), lease=None, now=50.0)
    assert after.probed_at == 50.0


def test_nothing_moving_keeps_the_old_probe_time() -> None:
    before = observe(None, node=node(), lease=lease(OLD), now=1.0)
    assert observe(before, node=node(), lease=lease(OLD), now=50.0) is before


# -- deciding --------------------------------------------------------------------------------

def test_a_node_heard_within_the_grace_period_is_left_alone() -> None:
    decision = check(node(), silent=39.0)
    assert not decision.changes
    assert decision.sentence == "node n1: heartbeat 39.0s ago, Ready True: nothing to do"


def test_a_silent_node_goes_unknown_and_gets_both_unreachable_taints() -> None:
    other = {"key": "dedicated", "value": "db", "effect": "NoSchedule"}
    decision = check(node(taints=[other]), silent=41.0)
    assert decision.conditions is not None
    by_type = {c["type"]: c for c in decision.conditions}
    assert set(by_type) == {"Ready", "MemoryPressure", "DiskPressure", "PIDPressure"}
    for condition in by_type.values():
        assert (condition["status"], condition["reason"], condition["message"]) == \
            ("Unknown", "NodeStatusUnknown", "Kubelet stopped posting node status.")
        assert condition["lastTransitionTime"] == WALL
        assert condition["lastHeartbeatTime"] == OLD
    assert keys(decision.taints) == {"dedicated:NoSchedule",
                                     "node.kubernetes.io/unreachable:NoSchedule",
                                     "node.kubernetes.io/unreachable:NoExecute"}
    assert all(t["timeAdded"] == WALL for t in decision.taints or [] if t["key"] != "dedicated")
    assert decision.sentence == (
        "node n1: no heartbeat for 41.0s (grace 40s), Ready Unknown: Ready, MemoryPressure, "
        "DiskPressure, PIDPressure -> Unknown; taints +node.kubernetes.io/unreachable:NoSchedule"
        " +node.kubernetes.io/unreachable:NoExecute")


def test_an_already_unknown_tainted_node_needs_nothing_more() -> None:
    first = check(node(), silent=41.0)
    marked = node(taints=first.taints)
    marked["status"]["conditions"] = first.conditions
    assert not check(marked, silent=500.0).changes


def test_the_grace_period_is_a_parameter() -> None:
    assert not check(node(), silent=5.0, grace=6.0).changes
    assert check(node(), silent=6.5, grace=6.0).changes


def test_missing_conditions_are_added_as_never_updated() -> None:
    obj = node()
    obj["status"]["conditions"] = [c for c in obj["status"]["conditions"]
                                   if c["type"] != "PIDPressure"]
    decision = check(obj, silent=41.0)
    pid = next(c for c in decision.conditions or [] if c["type"] == "PIDPressure")
    assert (pid["status"], pid["reason"], pid["lastHeartbeatTime"]) == \
        ("Unknown", "NodeStatusNeverUpdated", OLD)


def test_a_node_that_never_reported_gets_the_startup_grace_period() -> None:
    assert not check(node(ready=None), silent=50.0).changes
    decision = check(node(ready=None), silent=61.0)
    ready = next(c for c in decision.conditions or [] if c["type"] == "Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == \
        ("Unknown", "NodeStatusNeverUpdated", "Kubelet never posted node status.")
    assert "node.kubernetes.io/unreachable:NoExecute" in keys(decision.taints)


@pytest.mark.parametrize("ours", ["node.kubernetes.io/unreachable",
                                  "node.kubernetes.io/not-ready"])
def test_ready_again_removes_our_taints_and_keeps_the_others(ours: str) -> None:
    taints = [{"key": ours, "effect": "NoSchedule", "timeAdded": OLD},
              {"key": ours, "effect": "NoExecute", "timeAdded": OLD},
              {"key": "dedicated", "value": "db", "effect": "NoExecute"}]
    decision = check(node("True", taints=taints), silent=1.0)
    assert decision.conditions is None
    assert keys(decision.taints) == {"dedicated:NoExecute"}
    assert decision.sentence == (f"node n1: heartbeat 1.0s ago, Ready True: taints "
                                 f"-{ours}:NoSchedule -{ours}:NoExecute")


def test_a_kubelet_reporting_not_ready_gets_the_not_ready_taints() -> None:
    taints = [{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}]
    decision = check(node("False", taints=taints), silent=1.0)
    assert decision.conditions is None
    assert keys(decision.taints) == {"node.kubernetes.io/not-ready:NoSchedule",
                                     "node.kubernetes.io/not-ready:NoExecute"}


def test_taints_already_in_place_keep_their_time_added() -> None:
    taints = [{"key": "node.kubernetes.io/unreachable", "effect": "NoSchedule",
               "timeAdded": OLD}]
    decision = check(node("Unknown", taints=taints), silent=1.0)
    assert decision.taints is not None
    assert decision.taints[0] == taints[0]
    assert decision.sentence.endswith("taints +node.kubernetes.io/unreachable:NoExecute")
