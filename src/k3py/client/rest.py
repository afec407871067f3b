"""One HTTPS connection pool to the API server and typed errors from its Status replies."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import aiohttp
import orjson

from k3py import errors

logger = logging.getLogger(__name__)

JSON = "application/json"
MERGE_PATCH = "application/merge-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"

_BY_CODE: dict[int, type[errors.ApiError]] = {
    400: errors.BadRequest, 403: errors.Forbidden, 404: errors.NotFound,
    405: errors.MethodNotAllowed, 409: errors.Conflict, 410: errors.Gone,
    415: errors.UnsupportedMediaType, 422: errors.Invalid, 429: errors.TooManyRequests,
    500: errors.InternalError, 503: errors.ServiceUnavailable, 504: errors.Timeout,
}


@dataclass(frozen=True, slots=True)
class ClientTls:
    """The cluster CA to trust and the client certificate to present."""

    ca_file: Path
    cert_file: Path
    key_file: Path

    def context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.ca_file))
        context.load_cert_chain(self.cert_file, self.key_file)
        return context


def error_from(status: int, body: bytes) -> errors.ApiError:
    """The typed error for a failed reply (a Status body when the server sent one)."""
    try:
        data = orjson.loads(body)
    except orjson.JSONDecodeError:
        data = None
    if not isinstance(data, dict) or data.get("kind") != "Status":
        data = {"message": body.decode(errors="replace")[:200] or f"HTTP {status}"}
    reason = data.get("reason") or None
    cls = errors.AlreadyExists if reason == "AlreadyExists" else _BY_CODE.get(status,
                                                                               errors.ApiError)
    return cls(str(data.get("message", "")), details=data.get("details"), reason=reason)


class ApiClient:
    """``async with ApiClient(server=..., tls=...) as api``; paths are absolute API paths.

    Client-side load balancing, as a K3s agent does it: ``set_servers`` gives it every API
    server; a request that cannot reach the current one moves on to the next (the one it
    was given first stays last in line, as the fallback)."""

    def __init__(self, *, server: str, tls: ClientTls, timeout: float = 30.0) -> None:
        self._server = server.rstrip("/")
        self._fallback = self._server
        self._servers = [self._server]
        self._tls = tls
        self._timeout = timeout
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        context = await asyncio.to_thread(self._tls.context)
        self._session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(ssl=context, limit=16),
            timeout=aiohttp.ClientTimeout(total=None, sock_connect=10))
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None,
                        exc: BaseException | None, tb: TracebackType | None) -> None:
        if self._session is not None:
            await self._session.close()
            await asyncio.sleep(0.05)  # let TLS transports finish closing
            self._session = None

    def _require(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("use ApiClient as an async context manager")
        return self._session

    @property
    def server(self) -> str:
        return self._server

    @property
    def servers(self) -> list[str]:
        return list(self._servers)

    def set_servers(self, urls: list[str]) -> None:
        """Every server this client may use (``https://host:port``); keeps the current one
        when it is still listed."""
        known = [u.rstrip("/") for u in urls if u]
        ordered = [*dict.fromkeys([*known, self._fallback])]
        self._servers = ordered
        if self._server not in ordered:
            self._server = ordered[0]

    def _next_server(self, failed: str) -> None:
        if len(self._servers) > 1 and self._server == failed:
            index = self._servers.index(failed) if failed in self._servers else -1
            self._server = self._servers[(index + 1) % len(self._servers)]
            logger.warning("API server %s unreachable; using %s", failed, self._server)

    async def request(self, method: str, path: str, *, body: Any = None,
                      content_type: str = JSON,
                      params: Mapping[str, str] | None = None) -> dict[str, Any]:
        for _ in range(len(self._servers)):
            current = self._server
            try:
                return await self._request(current, method, path, body=body,
                                           content_type=content_type, params=params)
            except (TimeoutError, aiohttp.ClientConnectionError) as exc:
                last = exc
                self._next_server(current)
        raise last

    async def _request(self, server: str, method: str, path: str, *, body: Any,
                       content_type: str,
                       params: Mapping[str, str] | None) -> dict[str, Any]:
        data = None if body is None else orjson.dumps(body)
        headers = {"Accept": JSON, "Content-Type": content_type}
        async with self._require().request(
                method, server + path, data=data, headers=headers, params=params,
                timeout=aiohttp.ClientTimeout(total=self._timeout)) as response:
            raw = await response.read()
            if response.status >= 400:
                raise error_from(response.status, raw)
            result: dict[str, Any] = orjson.loads(raw) if raw else {}
            return result

    async def get(self, path: str, **params: str) -> dict[str, Any]:
        return await self.request("GET", path, params=params or None)

    async def create(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self.request("POST", path, body=body)

    async def replace(self, path: str, body: dict[str, Any]) -> dict[str, Any]:
        return await self.request("PUT", path, body=body)

    async def patch(self, path: str, body: Any, *,
                    content_type: str = MERGE_PATCH) -> dict[str, Any]:
        return await self.request("PATCH", path, body=body, content_type=content_type)

    async def delete(self, path: str) -> dict[str, Any]:
        return await self.request("DELETE", path)

    async def watch(self, path: str, *, resource_version: str,
                    **params: str) -> AsyncIterator[dict[str, Any]]:
        """Events of one watch request until the server ends it."""
        query = {"watch": "true", "resourceVersion": resource_version,
                 "allowWatchBookmarks": "true", **params}
        async with self._require().get(self._server + path, params=query,
                                       headers={"Accept": JSON}) as response:
            if response.status >= 400:
                raise error_from(response.status, await response.read())
            async for line in response.content:
                if line.strip():
                    yield orjson.loads(line)
