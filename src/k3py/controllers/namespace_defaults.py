"""What every namespace gets, as kube-controller-manager gives it: the ``default``
ServiceAccount and the ``kube-root-ca.crt`` ConfigMap (the cluster CA, for pods that talk to
the API server)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from k3py.client import ApiClient
from k3py.errors import AlreadyExists, ApiError, K3pyError, NotFound

logger = logging.getLogger(__name__)

ROOT_CA_CONFIGMAP = "kube-root-ca.crt"
RETRY = 1.0


class NamespaceDefaults:
    def __init__(self, client: ApiClient, *, ca_pem: str) -> None:
        self._client = client
        self._ca_pem = ca_pem

    async def _ensure(self, path: str, name: str, body: dict[str, Any]) -> None:
        try:
            current = await self._client.get(f"{path}/{name}")
        except NotFound:
            with contextlib.suppress(AlreadyExists):
                await self._client.create(path, body)
            return
        if body.get("data") is not None and current.get("data") != body["data"]:
            current["data"] = body["data"]
            await self._client.replace(f"{path}/{name}", current)

    async def reconcile(self, namespace: dict[str, Any]) -> None:
        meta = namespace.get("metadata") or {}
        if meta.get("deletionTimestamp"):
            return
        ns = meta["name"]
        await self._ensure(f"/api/v1/namespaces/{ns}/serviceaccounts", "default", {
            "apiVersion": "v1", "kind": "ServiceAccount",
            "metadata": {"name": "default", "namespace": ns}})
        await self._ensure(f"/api/v1/namespaces/{ns}/configmaps", ROOT_CA_CONFIGMAP, {
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": ROOT_CA_CONFIGMAP, "namespace": ns, "annotations": {
                "kubernetes.io/description": "Contains a CA bundle that can be used to verify "
                "the kube-apiserver when using internal endpoints such as the internal "
                "service IP or kubernetes.default.svc. No other usage is guaranteed across "
                "distributions of Kubernetes clusters."}},
            "data": {"ca.crt": self._ca_pem}})

    async def run(self) -> None:
        """Until cancelled: every namespace now, then each new or changed one."""
        while True:
            try:
                listing = await self._client.get("/api/v1/namespaces")
                for namespace in listing.get("items", []):
                    await self.reconcile(namespace)
                async for event in self._client.watch(
                        "/api/v1/namespaces",
                        resource_version=listing["metadata"]["resourceVersion"]):
                    if event.get("type") == "ERROR":
                        break
                    if event.get("type") in ("ADDED", "MODIFIED"):
                        await self.reconcile(event["object"])
            except (ApiError, K3pyError, OSError) as exc:
                logger.warning("namespace defaults: %s; retrying", exc)
                await asyncio.sleep(RETRY)
            except Exception:
                logger.exception("namespace defaults failed; restarting")
                await asyncio.sleep(RETRY)
