"""The supervisor's HTTP surface, mounted on the API server's aiohttp app (one port, as
K3s serves both on 6443).

Unauthenticated: ``GET /cacerts`` (the server CA file's bytes, which a full token's CA hash
is taken over) and ``GET /ping``. Everything under ``/v1-k3s/`` authenticates the caller
itself (:mod:`~k3py.supervisor.auth`) and wants one of the agent groups; the API server's
middleware must let these paths through (:meth:`Supervisor.authenticates` says which).
Like K3s, at most 20 reads and 10 writes run at once; more get 429 and agents retry.
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from aiohttp import web

from k3py.api.resources import builtin
from k3py.config.server import ServerConfig
from k3py.errors import (
    BadRequest,
    Forbidden,
    MethodNotAllowed,
    NotFound,
    RequestTooLarge,
    ServiceUnavailable,
    TooManyRequests,
)
from k3py.pki import CertKey
from k3py.storage import ObjectStore
from k3py.supervisor import certs
from k3py.supervisor.agentconfig import agent_config
from k3py.supervisor.auth import Authenticator, BearerAuthenticator, Identity, PasswdFile
from k3py.supervisor.nodepassword import NodePasswords
from k3py.supervisor.status import Unauthorized, guarded

logger = logging.getLogger(__name__)

PREFIX = "/v1-k3s"
PUBLIC = ("/cacerts", "/ping")
AGENT_GROUPS = frozenset({
    "k3s:agent", "system:nodes", "system:bootstrappers",
    "system:bootstrappers:k3s:default-node-token",
    # Joining servers authenticate as "server" (k3s:server); K3s's own server-side agent
    # uses the node user, but accepting the server password here costs nothing.
    "k3s:server",
})
MAX_READS, MAX_WRITES = 20, 10
MAX_CSR_BYTES = 64 * 1024
APISERVERS_TIMEOUT = 5.0
ENDPOINT_SLICES = builtin("discovery.k8s.io", "endpointslices")
NODE_PREFIX = "system:node:"
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")

AuthedHandler = Callable[[web.Request, Identity], Awaitable[web.StreamResponse]]


class _InFlight:
    """K3s's MaxInFlight: bounded concurrent reads and writes, the rest refused."""

    def __init__(self) -> None:
        self._running = {False: 0, True: 0}

    @contextmanager
    def slot(self, method: str) -> Iterator[None]:
        writing = method not in ("GET", "HEAD")
        if self._running[writing] >= (MAX_WRITES if writing else MAX_READS):
            raise TooManyRequests("Too many requests, please try again later.",
                                  details={"retryAfterSeconds": 1})
        self._running[writing] += 1
        try:
            yield
        finally:
            self._running[writing] -= 1


def _text(body: bytes) -> web.Response:
    return web.Response(body=body, content_type="text/plain")


def _host_port(address: str, port: int) -> str:
    return f"[{address}]:{port}" if ":" in address else f"{address}:{port}"


class Supervisor:
    """Serves the join API for one server; :meth:`register` mounts it on ``app``."""

    def __init__(self, *, config: ServerConfig, store: ObjectStore,
                 bearer: BearerAuthenticator | None = None) -> None:
        self._config = config
        self._store = store
        self._tls = config.server_dir / "tls"
        self._auth = Authenticator(PasswdFile(config.server_dir / "cred" / "passwd"),
                                   bearer=bearer)
        self._passwords = NodePasswords(store)
        self._in_flight = _InFlight()

    @staticmethod
    def authenticates(path: str) -> bool:
        """Whether the supervisor, not the API server, authenticates ``path``."""
        return path in PUBLIC or path == PREFIX or path.startswith(PREFIX + "/")

    def register(self, app: web.Application) -> None:
        app.router.add_get("/cacerts", guarded(self._cacerts))
        app.router.add_get("/ping", guarded(self._ping))
        routes: dict[str, tuple[tuple[str, ...], AuthedHandler]] = {
            "readyz": (("GET",), self._readyz),
            "apiservers": (("GET",), self._apiservers),
            "config": (("GET",), self._agent_config),
            "client-ca.crt": (("GET",), self._file("client-ca.crt")),
            "server-ca.crt": (("GET",), self._file("server-ca.crt")),
            "serving-kubelet.crt": (("GET", "POST"), self._serving_kubelet),
            "client-kubelet.crt": (("GET", "POST"), self._client_kubelet),
        }
        for name, (methods, handler) in routes.items():
            app.router.add_route("*", f"{PREFIX}/{name}",
                                 guarded(self._authed(handler, methods)))
        app.router.add_route("*", PREFIX + "/{tail:.*}", guarded(self._authed(None, ())))

    # -- plumbing ----------------------------------------------------------------------

    def _authed(self, handler: AuthedHandler | None, methods: tuple[str, ...]
                ) -> Callable[[web.Request], Awaitable[web.StreamResponse]]:
        async def serve(request: web.Request) -> web.StreamResponse:
            identity = await self._auth.identify(request)
            if not AGENT_GROUPS.intersection(identity.groups):
                raise Forbidden("forbidden")
            if handler is None:
                raise NotFound("the server could not find the requested resource")
            if request.method not in methods:
                raise MethodNotAllowed("method not allowed")
            with self._in_flight.slot(request.method):
                return await handler(request, identity)

        return serve

    async def _read(self, name: str) -> bytes:
        return await asyncio.to_thread((self._tls / name).read_bytes)

    async def _ca(self, prefix: str) -> CertKey:
        return CertKey(cert_pem=await self._read(f"{prefix}.crt"),
                       key_pem=await self._read(f"{prefix}.key"))

    # -- handlers ----------------------------------------------------------------------

    async def _cacerts(self, _request: web.Request) -> web.Response:
        return _text(await self._read("server-ca.crt"))

    async def _ping(self, _request: web.Request) -> web.Response:
        return _text(b"pong")

    async def _readyz(self, _request: web.Request, _who: Identity) -> web.Response:
        try:
            await self._store.backend.current_revision()
        except Exception as exc:  # whatever the datastore raised: not ready
            logger.debug("supervisor readyz: datastore not ready: %s", type(exc).__name__)
            raise ServiceUnavailable("runtime core not ready") from None
        return _text(b"ok")

    def _file(self, name: str) -> AuthedHandler:
        async def serve(_request: web.Request, _who: Identity) -> web.Response:
            return _text(await self._read(name))

        return serve

    async def _agent_config(self, _request: web.Request, _who: Identity) -> web.Response:
        return web.Response(body=orjson.dumps(agent_config(self._config)),
                            content_type="application/json")

    async def _apiservers(self, _request: web.Request, _who: Identity) -> web.Response:
        """``host:port`` of every ready API server in the ``kubernetes`` Service's
        EndpointSlices (kept current by each server's endpoint lease); [] if that takes
        more than 5 s, as K3s answers."""
        found: set[str] = set()
        try:
            async with asyncio.timeout(APISERVERS_TIMEOUT):
                page = await self._store.list(ENDPOINT_SLICES, "default", predicate=_kubernetes)
        except TimeoutError:
            logger.warning("supervisor: listing API server addresses took over %.0f s",
                           APISERVERS_TIMEOUT)
        else:
            for item in page.items:
                found.update(_addresses(item))
        return web.Response(body=orjson.dumps(sorted(found)), content_type="application/json")

    async def _serving_kubelet(self, request: web.Request, who: Identity) -> web.Response:
        node = await self._node_allowed(request, who)
        ips = ("127.0.0.1", *certs.parse_node_ips(request.headers.get("k3s-Node-IP", "")))
        want = certs.NodeCertRequest(common_name=node, dns_names=(node, "localhost"),
                                     ips=ips, server=True)
        return await self._issue(request, "server-ca", want, node)

    async def _client_kubelet(self, request: web.Request, who: Identity) -> web.Response:
        node = await self._node_allowed(request, who)
        want = certs.NodeCertRequest(common_name=NODE_PREFIX + node,
                                     organizations=("system:nodes",))
        return await self._issue(request, "client-ca", want, node)

    async def _issue(self, request: web.Request, ca_name: str, want: certs.NodeCertRequest,
                     node: str) -> web.Response:
        if (request.content_length or 0) > MAX_CSR_BYTES:
            raise RequestTooLarge("the certificate signing request is too large")
        csr = await request.read() if request.method == "POST" else b""
        if len(csr) > MAX_CSR_BYTES:
            raise RequestTooLarge("the certificate signing request is too large")
        body = await asyncio.to_thread(certs.issue, await self._ca(ca_name), want, csr)
        logger.info("signed %s for node %s%s", request.path.rsplit("/", 1)[-1], node,
                    "" if csr.strip() else " (with a key made by the server)")
        return _text(body)

    async def _node_allowed(self, request: web.Request, who: Identity) -> str:
        """The node the request is for, once its identity and password check out
        (K3s's messages and codes)."""
        node = request.headers.get("k3s-Node-Name", "").lower()
        if not node:
            raise BadRequest("node name not set")
        password = request.headers.get("k3s-Node-Password", "")
        if not password:
            raise BadRequest("node password not set")
        if len(node) > 64 - len(NODE_PREFIX) or not _DNS_SUBDOMAIN.match(node):
            raise BadRequest(f"invalid node name {node!r}: it must be a lowercase DNS "
                             f"subdomain of at most {64 - len(NODE_PREFIX)} characters")
        if who.by_certificate and "system:nodes" in who.groups and \
                who.name.startswith(NODE_PREFIX):
            if who.name[len(NODE_PREFIX):] != node:
                raise BadRequest("header node name does not match auth node name")
            if not await self._passwords.node_exists(node):
                raise Unauthorized("unable to verify node identity")
        await self._passwords.ensure(node, password)
        return node


def _kubernetes(item: dict[str, Any]) -> bool:
    labels = (item.get("metadata") or {}).get("labels") or {}
    return bool(labels.get("kubernetes.io/service-name") == "kubernetes")


def _addresses(endpoint_slice: dict[str, Any]) -> Iterator[str]:
    """K3s's ``GetAddressesFromSlices``: every ready address on every port."""
    for port in endpoint_slice.get("ports") or ():
        number = port.get("port")
        if not isinstance(number, int):
            continue
        for endpoint in endpoint_slice.get("endpoints") or ():
            if (endpoint.get("conditions") or {}).get("ready") is False:
                continue
            for address in endpoint.get("addresses") or ():
                yield _host_port(address, number)

