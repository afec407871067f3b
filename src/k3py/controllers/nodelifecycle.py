"""The node lifecycle controller, as kube-controller-manager's ``nodelifecycle`` runs it: a node
whose kubelet stops heartbeating (neither its Lease in ``kube-node-lease`` nor its Ready
condition moves) for the grace period gets its conditions set to ``Unknown`` and the
``node.kubernetes.io/unreachable`` taints; a node whose kubelet reports Ready again loses them.

Staleness is judged on *this* process's monotonic clock, from the moment the controller last
saw a heartbeat change, never by comparing the timestamps the kubelet wrote with our own
clock: the kubelet's host and this server need not agree on the time (leader election works
the same way). A controller that just became leader therefore gives every node a full grace
period before judging it.

The decision for one node is a pure function (:func:`observe`, :func:`decide`) returning a
:class:`Decision` whose sentence is logged and asserted by tests; :class:`NodeLifecycleController`
only lists, writes and remembers."""

from __future__ import annotations

import asyncio
import copy
import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any

from k3py.client import ApiClient
from k3py.errors import ApiError, Conflict, K3pyError, NotFound

logger = logging.getLogger(__name__)

GRACE_PERIOD = 40.0          # kube-controller-manager --node-monitor-grace-period
STARTUP_GRACE_PERIOD = 60.0  # --node-startup-grace-period: for nodes never reporting Ready
INTERVAL = 5.0               # --node-monitor-period
GRACE_ENV = "K3PY_NODE_MONITOR_GRACE_PERIOD"
INTERVAL_ENV = "K3PY_NODE_MONITOR_PERIOD"

LEASES = "/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases"
NODES = "/api/v1/nodes"

WATCHED_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")
UNREACHABLE = "node.kubernetes.io/unreachable"
NOT_READY = "node.kubernetes.io/not-ready"
EFFECTS = ("NoSchedule", "NoExecute")
# The taints this controller owns, by the Ready status that calls for them.
WANTED_TAINTS = {"Unknown": UNREACHABLE, "False": NOT_READY}
OWNED_KEYS = frozenset({UNREACHABLE, NOT_READY})


@dataclass(frozen=True, slots=True)
class Health:
    """What the controller remembers of one node between checks: the heartbeat it last saw
    (Ready's lastHeartbeatTime, the Lease's renewTime) and when, on the local clock, that
    last changed."""

    heartbeat: tuple[str, str]
    probed_at: float


@dataclass(frozen=True, slots=True)
class Decision:
    """One check of one node: the conditions and taints to write (None: leave as they are)
    and the sentence saying why."""

    node: str
    sentence: str
    conditions: list[dict[str, Any]] | None = None
    taints: list[dict[str, Any]] | None = None

    @property
    def changes(self) -> bool:
        return self.conditions is not None or self.taints is not None


def _condition(node: dict[str, Any], kind: str) -> dict[str, Any] | None:
    for condition in (node.get("status") or {}).get("conditions") or []:
        if condition.get("type") == kind:
            result: dict[str, Any] = condition
            return result
    return None


def heartbeat_of(node: dict[str, Any], lease: dict[str, Any] | None) -> tuple[str, str]:
    """The two signs of life a kubelet gives, as the strings it wrote: comparing them only
    for change keeps the kubelet's clock out of the judgement."""
    ready = _condition(node, "Ready") or {}
    renewed = ((lease or {}).get("spec") or {}).get("renewTime") or ""
    return str(ready.get("lastHeartbeatTime") or ""), str(renewed)


def observe(previous: Health | None, *, node: dict[str, Any], lease: dict[str, Any] | None,
            now: float) -> Health:
    """The node's health after this look: probed now when first seen or when either
    heartbeat moved, else as before."""
    heartbeat = heartbeat_of(node, lease)
    if previous is None or heartbeat != previous.heartbeat:
        return Health(heartbeat, now)
    return previous


def _stale_conditions(node: dict[str, Any], wall: str) -> tuple[list[dict[str, Any]], list[str]]:
    """Every watched condition made Unknown (lastHeartbeatTime kept: it is the last time the
    kubelet spoke); the changed condition types."""
    conditions = [dict(c) for c in (node.get("status") or {}).get("conditions") or []]
    changed = []
    for kind in WATCHED_CONDITIONS:
        current = next((c for c in conditions if c.get("type") == kind), None)
        if current is None:
            created = (node.get("metadata") or {}).get("creationTimestamp") or wall
            conditions.append({"type": kind, "status": "Unknown",
                               "reason": "NodeStatusNeverUpdated",
                               "message": "Kubelet never posted node status.",
                               "lastHeartbeatTime": created, "lastTransitionTime": wall})
            changed.append(kind)
        elif current.get("status") != "Unknown":
            current.update(status="Unknown", reason="NodeStatusUnknown",
                           message="Kubelet stopped posting node status.",
                           lastTransitionTime=wall)
            changed.append(kind)
    return conditions, changed


def _taints_for(node: dict[str, Any], ready: str | None,
                wall: str) -> tuple[list[dict[str, Any]] | None, list[str]]:
    """The node's taints with ours matching its Ready status: unreachable for Unknown,
    not-ready for False, neither for True (other taints, and ours already present, kept as
    they are). None when nothing changes, or when there is no Ready status to go by."""
    if ready is None:
        return None, []
    current = list((node.get("spec") or {}).get("taints") or [])
    wanted_key = WANTED_TAINTS.get(ready)
    kept, notes = [], []
    for taint in current:
        key = taint.get("key")
        if key in OWNED_KEYS and key != wanted_key and taint.get("effect") in EFFECTS:
            notes.append(f"-{key}:{taint.get('effect')}")
        else:
            kept.append(taint)
    if wanted_key is not None:
        for effect in EFFECTS:
            if not any(t.get("key") == wanted_key and t.get("effect") == effect for t in kept):
                kept.append({"key": wanted_key, "effect": effect, "timeAdded": wall})
                notes.append(f"+{wanted_key}:{effect}")
    return (kept if notes else None), notes


def decide(node: dict[str, Any], health: Health, *, now: float, wall: str,
           grace_period: float, startup_grace_period: float) -> Decision:
    """What to do about one node: past its grace period without a heartbeat, its conditions
    go Unknown; then its taints follow its Ready status. ``now`` is the local monotonic
    clock, ``wall`` the timestamp to write."""
    name = str((node.get("metadata") or {}).get("name", ""))
    ready = _condition(node, "Ready")
    # A node that never reported Ready is still starting: it gets the longer grace.
    grace = grace_period if ready is not None else startup_grace_period
    silent = now - health.probed_at
    parts = []
    conditions = None
    if silent > grace:
        new, changed = _stale_conditions(node, wall)
        if changed:
            conditions = new
            parts.append(f"{', '.join(changed)} -> Unknown")
        ready = next(c for c in new if c.get("type") == "Ready")
    status = None if ready is None else str(ready.get("status"))
    taints, notes = _taints_for(node, status, wall)
    if notes:
        parts.append("taints " + " ".join(notes))
    heard = f"no heartbeat for {silent:.1f}s (grace {grace:g}s)" if silent > grace else \
        f"heartbeat {silent:.1f}s ago"
    sentence = f"node {name}: {heard}, Ready {status}: " + \
        ("; ".join(parts) if parts else "nothing to do")
    return Decision(name, sentence, conditions, taints)


def _seconds_from_env(name: str, default: float) -> float:
    raw = os.environ.get(name)
    if not raw:
        return default
    try:
        value = float(raw)
        if value <= 0:
            raise ValueError(raw)
    except ValueError:
        logger.warning("%s=%r is not a positive number of seconds; using %g", name, raw,
                       default)
        return default
    return value


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class NodeLifecycleController:
    """Checks every node each ``interval`` seconds. ``grace_period`` and ``interval`` default
    to $K3PY_NODE_MONITOR_GRACE_PERIOD / $K3PY_NODE_MONITOR_PERIOD (seconds) when set, so an
    integration test can shorten them on a real server; else 40 s and 5 s as upstream."""

    def __init__(self, client: ApiClient, *, grace_period: float | None = None,
                 startup_grace_period: float = STARTUP_GRACE_PERIOD,
                 interval: float | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 wall_clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._client = client
        self._grace = grace_period if grace_period is not None else \
            _seconds_from_env(GRACE_ENV, GRACE_PERIOD)
        self._startup_grace = max(startup_grace_period, self._grace)
        self._interval = interval if interval is not None else \
            _seconds_from_env(INTERVAL_ENV, INTERVAL)
        self._clock = clock
        self._wall = wall_clock
        self._health: dict[str, Health] = {}

    async def check_once(self) -> list[Decision]:
        """One pass over every node; a node whose write fails is retried on the next pass."""
        nodes = (await self._client.get(NODES)).get("items", [])
        leases = {(lease.get("metadata") or {}).get("name"): lease
                  for lease in (await self._client.get(LEASES)).get("items", [])}
        now, wall = self._clock(), _timestamp(self._wall())
        decisions = []
        for node in nodes:
            name = node["metadata"]["name"]
            health = observe(self._health.get(name), node=node, lease=leases.get(name), now=now)
            self._health[name] = health
            decision = decide(node, health, now=now, wall=wall, grace_period=self._grace,
                              startup_grace_period=self._startup_grace)
            decisions.append(decision)
            if not decision.changes:
                logger.debug("%s", decision.sentence)
                continue
            logger.info("%s", decision.sentence)
            try:
                await self._apply(node, decision, lease=leases.get(name))
            except (Conflict, NotFound) as exc:
                logger.info("node %s changed while being updated (%s); next pass", name, exc)
        for gone in self._health.keys() - {n["metadata"]["name"] for n in nodes}:
            del self._health[gone]
        return decisions

    async def _apply(self, node: dict[str, Any], decision: Decision, *,
                     lease: dict[str, Any] | None) -> None:
        """Status first, then taints, each a PUT carrying the resourceVersion read: a kubelet
        that reports in meanwhile wins (409) and the next pass decides again."""
        name = decision.node
        if decision.conditions is not None:
            body = copy.deepcopy(node)
            body.setdefault("status", {})["conditions"] = decision.conditions
            node = await self._client.replace(f"{NODES}/{name}/status", body)
            # Our own write is no heartbeat: remember what it wrote, keep the probe time.
            self._health[name] = replace(self._health[name],
                                         heartbeat=heartbeat_of(node, lease))
        if decision.taints is not None:
            body = copy.deepcopy(node)
            spec = body.setdefault("spec", {})
            if decision.taints:
                spec["taints"] = decision.taints
            else:
                spec.pop("taints", None)
            await self._client.replace(f"{NODES}/{name}", body)

    async def run(self) -> None:
        """Until cancelled: check every node, then sleep ``interval``; failures are logged and
        the next pass tries again."""
        logger.info("node lifecycle controller: grace period %gs, checking every %gs",
                    self._grace, self._interval)
        while True:
            try:
                await self.check_once()
            except (ApiError, K3pyError, OSError) as exc:
                logger.warning("node lifecycle controller: %s; retrying", exc)
            except Exception:
                logger.exception("node lifecycle controller failed; retrying")
            await asyncio.sleep(self._interval)
