"""Shared TTL leases for objects that expire (Events live one hour, as kube-apiserver's
``--event-ttl`` default): one datastore lease serves every such write for a minute, so a burst
of events costs one lease grant, not one each."""

from __future__ import annotations

import asyncio
import time

from k3py.datastore import Backend

REUSE_SECONDS = 60


class LeaseReuse:
    def __init__(self, backend: Backend, *, reuse_seconds: int = REUSE_SECONDS) -> None:
        self._backend = backend
        self._reuse = reuse_seconds
        self._current: dict[int, tuple[int, float]] = {}  # ttl -> (lease id, granted at)
        self._lock = asyncio.Lock()

    async def lease_for(self, ttl: int) -> int:
        """A lease that outlives ``ttl`` seconds from now (by at most the reuse window)."""
        async with self._lock:
            now = time.monotonic()
            found = self._current.get(ttl)
            reuse = min(self._reuse, ttl // 10)  # short TTLs (tests) reuse briefly
            if found is not None and now - found[1] < reuse:
                return found[0]
            lease = await self._backend.grant_lease(ttl + reuse)
            self._current[ttl] = (lease.id, now)
            return lease.id
