"""The resource quota controller: every ResourceQuota's ``status`` shows its hard limits and
what the namespace really uses, recounted from the objects themselves. Admission charges
quotas as objects are created; this recount is what gives usage back when objects go."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

from k3py.api import quota
from k3py.client import ApiClient
from k3py.controllers.namespace import namespaced_resources
from k3py.errors import ApiError, Conflict, K3pyError, NotFound

logger = logging.getLogger(__name__)

RESYNC = 5.0
class ResourceQuotaController:
    def __init__(self, client: ApiClient) -> None:
        self._client = client

    async def sync(self, item: dict[str, Any], paths: dict[tuple[str, str], str]) -> None:
        hard = (item.get("spec") or {}).get("hard") or {}
        namespace = item["metadata"]["namespace"]
        objects: list[tuple[str, str, dict[str, Any]]] = []
        for group, plural in quota.counted_resources(hard):
            template = paths.get((group, plural))
            if template is None:
                continue
            listing = await self._client.get(template.format(ns=namespace))
            objects.extend((group, plural, obj) for obj in listing.get("items", []))
        status = {"hard": dict(hard), "used": quota.used_totals(item, objects)}
        if item.get("status") == status:
            return
        item["status"] = status
        name = item["metadata"]["name"]
        await self._client.replace(
            f"/api/v1/namespaces/{namespace}/resourcequotas/{name}/status", item)

    async def run(self) -> None:
        """Until cancelled: recount every quota every few seconds."""
        while True:
            try:
                quotas = (await self._client.get("/api/v1/resourcequotas")).get("items", [])
                if quotas:
                    paths = await namespaced_resources(self._client)
                    for item in quotas:
                        try:
                            await self.sync(item, paths)
                        except (Conflict, NotFound):
                            continue
            except (ApiError, K3pyError, OSError) as exc:
                logger.warning("resource quota controller: %s; retrying", exc)
            except Exception:
                logger.exception("resource quota controller failed; continuing")
            await asyncio.sleep(RESYNC)
