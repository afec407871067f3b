"""The agent's list of API servers: learned from the cluster (the ``default/kubernetes``
Endpoints), kept on disk so a restart can reach any of them, and handed to the client, which
moves to another server when its current one dies (``--server`` stays the last resort)."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import orjson

from k3py.client import ApiClient
from k3py.errors import K3pyError
from k3py.pki import write_private

logger = logging.getLogger(__name__)

REFRESH = 15.0


def load(path: Path) -> list[str]:
    try:
        servers = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return []
    return [str(s) for s in servers] if isinstance(servers, list) else []


def _urls(endpoints: dict[str, object]) -> list[str]:
    urls = []
    for subset in endpoints.get("subsets") or []:  # type: ignore[attr-defined]
        for port in subset.get("ports") or []:
            for address in subset.get("addresses") or []:
                host = address["ip"]
                host = f"[{host}]" if ":" in host else host
                urls.append(f"https://{host}:{port['port']}")
    return sorted(set(urls))


async def follow(client: ApiClient, path: Path) -> None:
    """Until cancelled: keep the client's server list and the file current."""
    while True:
        try:
            endpoints = await client.get("/api/v1/namespaces/default/endpoints/kubernetes")
            urls = _urls(endpoints)
            if urls:
                client.set_servers(urls)
                if urls != load(path):
                    await asyncio.to_thread(write_private, path, orjson.dumps(urls))
                    logger.info("API servers: %s", ", ".join(urls))
        except (K3pyError, OSError) as exc:
            logger.debug("refreshing the API server list: %s", exc)
        await asyncio.sleep(REFRESH)
