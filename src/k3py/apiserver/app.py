"""The HTTPS listener: TLS that asks for (but does not demand) a client certificate, the
middleware chain (authentication, then Status errors), version, health, and the resource API."""

from __future__ import annotations

import logging
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import orjson
from aiohttp import web

from k3py import __version__
from k3py.apiserver.auth import Handler, authenticate
from k3py.apiserver.dispatch import ResourceApi, api_errors

logger = logging.getLogger(__name__)

HealthCheck = Callable[[], Awaitable[object]]
"""Raises when the server is not healthy (e.g. the datastore is unreachable)."""


class Mount(Protocol):
    """Another API on this listener that authenticates its own paths (the supervisor)."""

    def register(self, app: web.Application) -> None: ...

    def authenticates(self, path: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class ApiServerTls:
    serving_cert: Path
    serving_key: Path
    client_ca: Path

    def context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.load_cert_chain(self.serving_cert, self.serving_key)
        context.load_verify_locations(cafile=str(self.client_ca))
        context.verify_mode = ssl.CERT_OPTIONAL  # no certificate: authenticated otherwise, or 401
        return context


def version_info(kubernetes: tuple[int, int, int]) -> dict[str, str]:
    major, minor, patch = kubernetes
    return {
        "major": str(major), "minor": str(minor),
        "gitVersion": f"v{major}.{minor}.{patch}+k3py{__version__}",
        "gitCommit": "0" * 40, "gitTreeState": "clean",
        "buildDate": "2026-11-27T00:00:00Z", "goVersion": "n/a (python)",
        "compiler": "cpython", "platform": "linux/amd64",
    }


class ApiServer:
    """Serves the API on ``host:port`` until ``stop()``."""

    def __init__(self, *, host: str, port: int, tls: ApiServerTls,
                 kubernetes: tuple[int, int, int], ready: HealthCheck,
                 resources: ResourceApi | None = None, mounts: Sequence[Mount] = ()) -> None:
        self._host, self._port = host, port
        self._mounts = tuple(mounts)
        self._tls = tls
        self._version = orjson.dumps(version_info(kubernetes))
        self._ready = ready
        self._resources = resources
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        mounts = self._mounts

        @web.middleware
        async def authenticate_unless_mounted(request: web.Request,
                                              handler: Handler) -> web.StreamResponse:
            if any(mount.authenticates(request.path) for mount in mounts):
                return await handler(request)  # the mount authenticates its own paths
            return await authenticate(request, handler)

        app = web.Application(middlewares=[authenticate_unless_mounted, api_errors],
                              client_max_size=3 * 1024 * 1024 + 1)
        for mount in mounts:
            mount.register(app)
        if self._resources is not None:
            self._resources.register(app)
        app.router.add_get("/version", self._get_version)
        app.router.add_get("/version/", self._get_version)
        for path in ("/healthz", "/livez", "/readyz"):
            app.router.add_get(path, self._health)
            app.router.add_get(path + "/{check:.*}", self._health)
        return app

    async def start(self) -> None:
        # Watches never finish by themselves: give open requests 2 s, then close them
        # (clients re-watch from their last resourceVersion).
        self._runner = web.AppRunner(self.app(), access_log=None, handle_signals=False,
                                     shutdown_timeout=2.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port,
                           ssl_context=self._tls.context(), reuse_address=True)
        await site.start()
        logger.info("serving the Kubernetes API on https://%s:%d", self._host, self._port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    async def _get_version(self, _request: web.Request) -> web.Response:
        return web.Response(body=self._version, content_type="application/json")

    async def _health(self, request: web.Request) -> web.Response:
        checks = ["ping"]
        if request.path.startswith("/readyz"):
            checks.append("datastore")
            try:
                await self._ready()
            except Exception as exc:  # any failure means: not ready, and say why
                logger.debug("readyz: datastore not ready: %s", exc)
                text = "[-]datastore failed: reason withheld\nreadyz check failed"
                return web.Response(status=500, text=text)
        if "verbose" in request.query:
            lines = [f"[+]{check} ok" for check in checks]
            return web.Response(text="\n".join([*lines, f"{request.path[1:]} check passed"]))
        return web.Response(text="ok")
