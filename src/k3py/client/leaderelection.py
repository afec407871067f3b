"""Lease-based leader election, as client-go's leaderelection does it: one
coordination.k8s.io Lease names the holder; the holder renews it every ``retry`` seconds;
others take it over only after seeing it unrenewed for ``duration`` seconds (by their own
clock, so clocks need not agree). A leader that cannot renew within ``renew_deadline``
(shorter than ``duration``) stops its work first, so two leaders never act at once.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from k3py.client.rest import ApiClient
from k3py.errors import AlreadyExists, ApiError, Conflict, K3pyError, NotFound

logger = logging.getLogger(__name__)

Work = Callable[[], Coroutine[Any, Any, None]]


@dataclass(frozen=True, slots=True)
class ElectionSettings:
    namespace: str = "kube-system"
    name: str = "k3py-controllers"
    # Takeover within duration + retry (12 s) of a leader's death; a leader that cannot
    # renew stops after renew_deadline, before anyone may take over.
    duration: float = 10.0
    renew_deadline: float = 7.0
    retry: float = 2.0


def _micro_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class LeaderElector:
    def __init__(self, client: ApiClient, *, identity: str,
                 settings: ElectionSettings = ElectionSettings()) -> None:
        self._client = client
        self._identity = identity
        self._settings = settings
        self._seen: tuple[str, str] | None = None  # (holder, renewTime) last observed
        self._seen_at = 0.0
        self.leading = asyncio.Event()

    @property
    def _path(self) -> str:
        s = self._settings
        return f"/apis/coordination.k8s.io/v1/namespaces/{s.namespace}/leases"

    def _spec(self, *, transitions: int, acquired: str) -> dict[str, Any]:
        return {"holderIdentity": self._identity,
                "leaseDurationSeconds": int(self._settings.duration),
                "acquireTime": acquired, "renewTime": _micro_now(),
                "leaseTransitions": transitions}

    async def try_acquire_or_renew(self) -> bool:
        """One attempt; True when this candidate holds the lease afterwards."""
        name = self._settings.name
        try:
            lease = await self._client.get(f"{self._path}/{name}")
        except NotFound:
            try:
                await self._client.create(self._path, {
                    "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                    "metadata": {"name": name, "namespace": self._settings.namespace},
                    "spec": self._spec(transitions=0, acquired=_micro_now())})
            except AlreadyExists:
                return False
            return True
        spec = lease.get("spec") or {}
        holder = spec.get("holderIdentity") or ""
        observed = (holder, spec.get("renewTime") or "")
        now = time.monotonic()
        if observed != self._seen:
            self._seen, self._seen_at = observed, now
        mine = holder == self._identity
        if not mine and holder and now - self._seen_at < self._settings.duration:
            return False  # someone else holds it and renewed recently
        transitions = int(spec.get("leaseTransitions") or 0) + (0 if mine else 1)
        acquired = spec.get("acquireTime") if mine else _micro_now()
        lease["spec"] = self._spec(transitions=transitions, acquired=acquired or _micro_now())
        try:
            await self._client.replace(f"{self._path}/{name}", lease)
        except Conflict:
            return False
        if not mine:
            logger.info("%s took the %s lease from %r", self._identity, name, holder)
        return True

    async def run(self, work: Work) -> None:
        """Forever: campaign; while leading, run ``work`` and renew; stop ``work`` the moment
        renewal has failed for ``renew_deadline``."""
        settings = self._settings
        while True:
            try:
                acquired = await self.try_acquire_or_renew()
            except (ApiError, K3pyError, OSError) as exc:
                logger.debug("leader election: %s", exc)
                acquired = False
            if not acquired:
                await asyncio.sleep(settings.retry)
                continue
            logger.info("%s is now the leader (%s)", self._identity, settings.name)
            self.leading.set()
            task = asyncio.create_task(work(), name=f"leader:{settings.name}")
            try:
                await self._renew_while_leading(task)
            finally:
                self.leading.clear()
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
            logger.warning("%s lost the %s lease; its controllers stopped",
                           self._identity, settings.name)

    async def _renew_while_leading(self, task: asyncio.Task[None]) -> None:
        settings = self._settings
        last_renewed = time.monotonic()
        while not task.done():
            await asyncio.sleep(settings.retry)
            try:
                if await self.try_acquire_or_renew():
                    last_renewed = time.monotonic()
                    continue
                return  # someone else holds it now
            except (ApiError, K3pyError, OSError) as exc:
                logger.warning("leader election: renewing failed: %s", exc)
            if time.monotonic() - last_renewed >= settings.renew_deadline:
                return
