"""CustomResourceDefinitions come alive: as soon as a CRD is stored its names are accepted
and it is marked Established, and its resources are served (discovery included) without a
restart; a deleted CRD first deletes every custom object it served, then goes.

This runs inside the API server, as kube-apiserver's apiextensions controllers do, and reads
CRDs from the watch cache, so every server in an HA cluster serves the same resources.
"""

from __future__ import annotations

import asyncio
import copy
import logging
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from k3py.api import crd as crd_rules
from k3py.api import meta
from k3py.api.resources import ResourceTable, builtin, resources_from_crd
from k3py.errors import ApiError, DatastoreError, NotFound
from k3py.storage import ObjectStore

logger = logging.getLogger(__name__)

CRDS = builtin("apiextensions.k8s.io", "customresourcedefinitions")
CLEANUP_FINALIZER = "customresourcecleanup.apiextensions.k8s.io"


def _established(crd: dict[str, Any]) -> bool:
    return any(c.get("type") == "Established" and c.get("status") == "True"
               for c in (crd.get("status") or {}).get("conditions") or ())


class CustomResources:
    """Keeps ``on_change`` supplied with the table of built-ins plus every established CRD's
    resources, and drives each CRD through its life."""

    def __init__(self, store: ObjectStore, base: ResourceTable,
                 on_change: Callable[[ResourceTable], None]) -> None:
        self._store = store
        self._base = base
        self._on_change = on_change

    def _rebuild(self) -> None:
        custom = []
        for _, crd in self._store.cache.items(CRDS.key_prefix()):
            if _established(crd) and not crd["metadata"].get("deletionTimestamp"):
                custom.extend(resources_from_crd(crd))
        self._on_change(self._base.with_custom(custom))

    async def run(self) -> None:
        """Until cancelled."""
        while True:
            watcher = None
            try:
                await self._store.cache.wait_ready()
                watcher = self._store.cache.subscribe(CRDS.key_prefix(),
                                                      self._store.cache.revision)
                pending = [crd for _, crd in self._store.cache.items(CRDS.key_prefix())]
                self._rebuild()
                for crd in pending:
                    await self._reconcile(crd)
                while watcher.closed is None or watcher.events:
                    await watcher.wait(60.0)
                    changed = False
                    while watcher.events:
                        event = watcher.events.popleft()
                        changed = True
                        if event.type != "DELETED":
                            await self._reconcile(event.obj)
                    if changed:
                        self._rebuild()
            except (ApiError, DatastoreError) as exc:
                logger.warning("custom resources: %s; retrying", exc)
                await asyncio.sleep(1.0)
            finally:
                if watcher is not None:
                    self._store.cache.unsubscribe(watcher)

    async def _reconcile(self, crd: dict[str, Any]) -> None:
        name = crd["metadata"]["name"]
        try:
            if crd["metadata"].get("deletionTimestamp"):
                await self._clean_up(crd)
            elif not _established(crd) or CLEANUP_FINALIZER not in (
                    crd["metadata"].get("finalizers") or ()):
                await self._establish(name)
        except NotFound:
            pass

    async def _establish(self, name: str) -> None:
        async def mutate(current: dict[str, Any] | None) -> dict[str, Any] | None:
            assert current is not None
            if current["metadata"].get("deletionTimestamp"):
                return None
            new = copy.deepcopy(current)
            finalizers = new["metadata"].setdefault("finalizers", [])
            if CLEANUP_FINALIZER not in finalizers:
                finalizers.append(CLEANUP_FINALIZER)
            if not _established(new):
                new["status"] = crd_rules.crd_status_after_accept(
                    new, now=meta.now_rfc3339(datetime.now(UTC)))
            return None if new == current else new

        await self._store.update(CRDS, None, name, mutate)
        logger.info("custom resource definition %s established", name)

    async def _clean_up(self, crd: dict[str, Any]) -> None:
        """Delete every object of the CRD's resource, then let the CRD go."""
        spec = crd.get("spec") or {}
        plural = ((crd.get("status") or {}).get("acceptedNames") or spec.get("names") or {}
                  ).get("plural", "")
        prefix = f"/registry/{spec.get('group', '')}/{plural}/"
        if plural:
            for key, _ in list(self._store.cache.items(prefix)):
                await self._store.backend.delete(key)
        name = crd["metadata"]["name"]

        async def mutate(current: dict[str, Any] | None) -> dict[str, Any] | None:
            assert current is not None
            finalizers = current["metadata"].get("finalizers") or []
            if CLEANUP_FINALIZER not in finalizers:
                return None
            new = copy.deepcopy(current)
            new["metadata"]["finalizers"] = [f for f in finalizers if f != CLEANUP_FINALIZER]
            return new

        await self._store.update(CRDS, None, name, mutate)
        logger.info("custom resource definition %s: instances deleted", name)
