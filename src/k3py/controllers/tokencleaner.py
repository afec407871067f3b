"""The token cleaner: expired bootstrap tokens (Secrets of type
``bootstrap.kubernetes.io/token`` in kube-system whose ``expiration`` has passed) are
deleted, as kube-controller-manager's tokencleaner does."""

from __future__ import annotations

import asyncio
import base64
import logging
from datetime import UTC, datetime

from k3py.client import ApiClient
from k3py.errors import ApiError, K3pyError, NotFound

logger = logging.getLogger(__name__)

INTERVAL = 5.0
PATH = "/api/v1/namespaces/kube-system/secrets"


def _expired(data: dict[str, str], now: datetime) -> bool:
    raw = data.get("expiration")
    if not raw:
        return False
    try:
        text = base64.b64decode(raw).decode()
        return datetime.fromisoformat(text.replace("Z", "+00:00")) <= now
    except (ValueError, UnicodeDecodeError):
        return True


class TokenCleaner:
    def __init__(self, client: ApiClient) -> None:
        self._client = client

    async def clean_once(self) -> int:
        listing = await self._client.get(PATH, fieldSelector="type=bootstrap.kubernetes.io/token")
        now = datetime.now(UTC)
        removed = 0
        for secret in listing.get("items", []):
            if _expired(secret.get("data") or {}, now):
                try:
                    await self._client.delete(f"{PATH}/{secret['metadata']['name']}")
                    removed += 1
                    logger.info("deleted expired bootstrap token %s", secret["metadata"]["name"])
                except NotFound:
                    pass
        return removed

    async def run(self) -> None:
        while True:
            try:
                await self.clean_once()
            except (ApiError, K3pyError, OSError) as exc:
                logger.warning("token cleaner: %s", exc)
            await asyncio.sleep(INTERVAL)
