"""The ``default/kubernetes`` Endpoints and EndpointSlice list every live API server.

Each server keeps a key ``/k3py/apiservers/<address>:<port>`` alive on a 15 s datastore lease
(kube-apiserver's "lease" endpoint reconciler does the same with its master leases), and
every few seconds writes the set of live keys into the Endpoints and the EndpointSlice when
it changed. A server that dies stops renewing; its key expires and it drops out.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from typing import Any

from k3py.api.resources import builtin
from k3py.errors import DatastoreError, K3pyError, LeaseNotFoundError, NotFound
from k3py.storage import ObjectStore

logger = logging.getLogger(__name__)

PREFIX = "/k3py/apiservers/"
LEASE_SECONDS = 15
INTERVAL = 5.0
ENDPOINTS = builtin("", "endpoints")
ENDPOINT_SLICES = builtin("discovery.k8s.io", "endpointslices")


class ApiServerEndpoints:
    def __init__(self, store: ObjectStore, *, address: str, port: int) -> None:
        self._store = store
        self._address = address
        self._port = port
        self._lease = 0

    async def _keep_alive(self) -> None:
        backend = self._store.backend
        try:
            if self._lease:
                await backend.keepalive_lease(self._lease)
                return
        except LeaseNotFoundError:
            self._lease = 0
        lease = await backend.grant_lease(LEASE_SECONDS)
        self._lease = lease.id
        key = f"{PREFIX}{self._address}:{self._port}"
        current = await backend.get(key)
        if current is None:
            await backend.create(key, b"", lease=lease.id)
        else:
            await backend.update(key, b"", lease=lease.id,
                                 expected_mod_revision=current.mod_revision)

    async def live_servers(self) -> dict[int, list[str]]:
        """Port → the addresses of the live servers listening on it."""
        page = await self._store.backend.list(PREFIX)
        by_port: dict[int, list[str]] = {}
        for kv in page.kvs:
            address, _, port = kv.key[len(PREFIX):].rpartition(":")
            by_port.setdefault(int(port), []).append(address)
        return {port: sorted(set(addresses)) for port, addresses in sorted(by_port.items())}

    async def reconcile(self) -> None:
        servers = await self.live_servers()
        if not servers:
            return
        addresses = sorted({a for found in servers.values() for a in found})

        async def endpoints(current: dict[str, Any] | None) -> dict[str, Any] | None:
            assert current is not None
            subsets = [{"addresses": [{"ip": a} for a in found],
                        "ports": [{"name": "https", "port": port, "protocol": "TCP"}]}
                       for port, found in servers.items()]
            if current.get("subsets") == subsets:
                return None
            new = copy.deepcopy(current)
            new["subsets"] = subsets
            return new

        async def slice_(current: dict[str, Any] | None) -> dict[str, Any] | None:
            assert current is not None
            wanted = [{"addresses": [a], "conditions": {"ready": True}} for a in addresses]
            if current.get("endpoints") == wanted:
                return None
            new = copy.deepcopy(current)
            new["endpoints"] = wanted
            return new

        try:
            await self._store.update(ENDPOINTS, "default", "kubernetes", endpoints)
            await self._store.update(ENDPOINT_SLICES, "default", "kubernetes", slice_)
        except NotFound:
            pass  # made at start; deleted by someone: the next start makes it again

    async def release(self) -> None:
        """Drop out at once on a clean stop (the lease's expiry is for a crash)."""
        if self._lease:
            try:
                await self._store.backend.revoke_lease(self._lease)
            except DatastoreError as exc:
                logger.warning("could not release this server's endpoint lease: %s", exc)
            self._lease = 0

    async def run(self) -> None:
        """Until cancelled: renew this server's key and keep the lists current."""
        while True:
            try:
                await self._keep_alive()
                await self.reconcile()
            except (K3pyError, DatastoreError) as exc:
                logger.warning("API server endpoints: %s", exc)
            await asyncio.sleep(INTERVAL)
