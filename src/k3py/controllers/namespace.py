"""The namespace controller: a namespace being deleted is emptied of every namespaced object
(found through discovery, so custom resources too), then its ``kubernetes`` finalizer is
removed through ``/finalize`` and the API server lets it go."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from k3py.client import ApiClient
from k3py.errors import ApiError, Conflict, K3pyError, NotFound

logger = logging.getLogger(__name__)

FINALIZER = "kubernetes"
RETRY = 1.0


async def namespaced_resources(client: ApiClient) -> dict[tuple[str, str], str]:
    """(group, plural) → collection path template of every namespaced resource that can be
    deleted as a collection, e.g. ``/apis/apps/v1/namespaces/{ns}/deployments``."""
    paths = {}
    core = await client.get("/api/v1")
    group_versions = [("", "/api/v1", core)]
    for group in (await client.get("/apis")).get("groups", []):
        version = group["preferredVersion"]["groupVersion"]
        group_versions.append((group["name"], f"/apis/{version}",
                               await client.get(f"/apis/{version}")))
    for group_name, base, listing in group_versions:
        for resource in listing.get("resources", []):
            if resource.get("namespaced") and "/" not in resource["name"] and \
                    "deletecollection" in resource.get("verbs", ()):
                paths[group_name, resource["name"]] = \
                    f"{base}/namespaces/{{ns}}/{resource['name']}"
    return paths


class NamespaceController:
    def __init__(self, client: ApiClient) -> None:
        self._client = client

    async def empty(self, namespace: str) -> bool:
        """Delete everything in ``namespace``; True once nothing is left."""
        left = 0
        for template in (await namespaced_resources(self._client)).values():
            path = template.format(ns=namespace)
            listing = await self._client.get(path)
            if not listing.get("items"):
                continue
            await self._client.request("DELETE", path,
                                       body={"propagationPolicy": "Background"})
            left += len((await self._client.get(path)).get("items", []))
        return left == 0

    async def finalize(self, namespace: dict[str, Any]) -> bool:
        """One step for a namespace being deleted; True when it needs no more work."""
        name = namespace["metadata"]["name"]
        finalizers = (namespace.get("spec") or {}).get("finalizers") or []
        if FINALIZER not in finalizers:
            return True
        if not await self.empty(name):
            logger.info("namespace %s: waiting for objects to finish deleting", name)
            return False
        namespace = await self._client.get(f"/api/v1/namespaces/{name}")
        spec = namespace.setdefault("spec", {})
        spec["finalizers"] = [f for f in spec.get("finalizers") or [] if f != FINALIZER]
        await self._client.replace(f"/api/v1/namespaces/{name}/finalize", namespace)
        logger.info("namespace %s: emptied and finalized", name)
        return True

    async def _reconcile_all(self) -> tuple[bool, str]:
        listing = await self._client.get("/api/v1/namespaces")
        done = True
        for namespace in listing.get("items", []):
            if (namespace.get("metadata") or {}).get("deletionTimestamp"):
                try:
                    done = await self.finalize(namespace) and done
                except (NotFound, Conflict):
                    done = False
        return done, listing["metadata"]["resourceVersion"]

    async def run(self) -> None:
        """Until cancelled: reconcile every namespace, then on each change (or every second
        while some namespace is still waiting for its objects to go)."""
        while True:
            try:
                done, version = await self._reconcile_all()
                timeout = {} if done else {"timeoutSeconds": str(int(RETRY))}
                async for event in self._client.watch("/api/v1/namespaces",
                                                      resource_version=version, **timeout):
                    if event.get("type") == "ERROR":
                        break
                    obj = event.get("object") or {}
                    if event.get("type") in ("ADDED", "MODIFIED") and \
                            (obj.get("metadata") or {}).get("deletionTimestamp"):
                        break
            except (ApiError, K3pyError, OSError) as exc:
                logger.warning("namespace controller: %s; retrying", exc)
                await asyncio.sleep(RETRY)
            except Exception:
                logger.exception("namespace controller failed; restarting")
                await asyncio.sleep(RETRY)
