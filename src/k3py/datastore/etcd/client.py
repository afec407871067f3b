"""The one I/O seam to etcd: its v3 JSON gateway (grpc-gateway) over aiohttp.

Unary calls POST one JSON object and read one back. Streams (watch) POST a body that stays
open, so more requests can follow the first on the same stream. The gateway speaks proto3
JSON: snake_case fields, int64 as strings, bytes as base64, zero values left out.

Connection trouble moves to the next URL and retries with backoff for up to
``settings.retry_timeout``. A request that may already have reached etcd is retried only when
it is idempotent: a write's outcome is unknown then, and saying so beats applying it twice.
"""

from __future__ import annotations

import asyncio
import base64
import io
import logging
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, TypeVar

import aiohttp
import orjson

from k3py.datastore.endpoint import EtcdEndpoint, TlsFiles
from k3py.datastore.settings import DatastoreSettings
from k3py.datastore.types import KeyValue
from k3py.errors import DatastoreError, DatastoreUnavailable, EndpointError

logger = logging.getLogger(__name__)

Json = dict[str, Any]
T = TypeVar("T")

UNAVAILABLE = 14
"""gRPC status etcd reports for "no leader", "request timed out", "leader changed"..."""

_HEADERS = {"Content-Type": "application/json"}
_MAX_BACKOFF = 1.0
TLS_CLOSE_GRACE = 0.1
HTTP_CONNECTIONS_PER_SLOT = 4
_LARGE_BODY = 1 << 20
_GATEWAY_HINT = (
    " (with --client-cert-auth, etcd's JSON gateway connects to etcd using etcd's server "
    "certificate, which must then also allow client authentication)"
)


class EtcdApiError(DatastoreError):
    """An error etcd itself answered with: a gRPC status ``code`` and etcd's ``message``."""

    def __init__(self, *, code: int, message: str, url: str) -> None:
        super().__init__(f"etcd at {url} refused the request: {message}")
        self.code = code
        self.etcd_message = message


class _NotSent(Exception):
    """Connection trouble before the request left (internal marker): always safe to retry."""


class _MaybeSent(Exception):
    """Connection trouble after the request may have reached etcd (internal marker)."""


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def unb64(text: object) -> bytes:
    return base64.b64decode(text) if isinstance(text, str) else b""


def to_key(raw: bytes) -> str:
    """Keys written through k3py are UTF-8; anything else still round-trips, never crashes."""
    return raw.decode("utf-8", "surrogateescape")


def to_kv(obj: Json) -> KeyValue:
    """A KeyValue from etcd's JSON ``mvccpb.KeyValue``."""
    return KeyValue(
        key=to_key(unb64(obj.get("key"))),
        value=unb64(obj.get("value")),
        create_revision=int(obj.get("create_revision", 0)),
        mod_revision=int(obj.get("mod_revision", 0)),
        lease=int(obj.get("lease", 0)),
    )


def header_revision(obj: Json) -> int:
    header = obj.get("header")
    return int(header.get("revision", 0)) if isinstance(header, dict) else 0


def stream_result(obj: Json, url: str) -> Json:
    """The ``result`` of one streamed message, or the error the gateway put in its place."""
    result = obj.get("result")
    if isinstance(result, dict):
        return result
    error = obj.get("error")
    if isinstance(error, dict):
        raise EtcdApiError(code=int(error.get("grpc_code", 2)),
                           message=str(error.get("message", "unknown error")), url=url)
    raise DatastoreError(f"etcd at {url} sent a stream message without a result: {obj!r:.200}")


def _decode(url: str, path: str, status: int, raw: bytes) -> Json:
    try:
        obj = orjson.loads(raw)
    except orjson.JSONDecodeError:
        obj = None
    if status == 200 and isinstance(obj, dict):
        return obj
    if isinstance(obj, dict) and "code" in obj:
        message = str(obj.get("message") or obj.get("error") or f"HTTP {status}")
        raise EtcdApiError(code=int(obj["code"]), message=message, url=url)
    raise DatastoreError(
        f"etcd at {url} answered {path} with HTTP {status} and {raw[:120]!r}; k3py needs "
        "etcd 3.4 or newer with its /v3 JSON gateway"
    )


class JsonLines:
    """Newline-delimited JSON messages from a streamed response, read without line limits."""

    def __init__(self, response: aiohttp.ClientResponse, url: str) -> None:
        self._response = response
        self._url = url
        self._buffer = bytearray()
        self._scanned = 0

    async def next(self) -> Json | None:
        """The next message; None at the end of the stream."""
        while True:
            end = self._buffer.find(b"\n", self._scanned)
            if end >= 0:
                line = bytes(self._buffer[:end])
                del self._buffer[: end + 1]
                self._scanned = 0
                if not line.strip():
                    continue
                try:
                    obj = orjson.loads(line)
                except orjson.JSONDecodeError:
                    raise DatastoreError(f"etcd at {self._url} streamed invalid JSON: "
                                         f"{line[:120]!r}") from None
                if not isinstance(obj, dict):
                    raise DatastoreError(f"etcd at {self._url} streamed {line[:120]!r}")
                return obj
            self._scanned = len(self._buffer)
            try:
                chunk = await self._response.content.readany()
            except (aiohttp.ClientError, OSError) as err:
                raise DatastoreUnavailable(f"the stream from etcd at {self._url} broke: "
                                           f"{err or type(err).__name__}") from None
            if not chunk:
                return None
            self._buffer += chunk


class EtcdClient:
    """HTTP(S) sessions to the etcd URLs, the current URL, and the retry policy."""

    def __init__(self, endpoint: EtcdEndpoint, *, tls: TlsFiles,
                 settings: DatastoreSettings) -> None:
        self._urls = endpoint.urls
        self._tls = tls
        self._settings = settings
        self._index = 0
        self._down = False
        self._unary: aiohttp.ClientSession | None = None
        self._streams: aiohttp.ClientSession | None = None

    @property
    def url(self) -> str:
        return self._urls[self._index]

    def open(self) -> None:
        context = self._ssl_context()
        timeout = aiohttp.ClientTimeout(total=self._settings.retry_timeout,
                                        sock_connect=self._settings.connect_timeout)
        # HTTP/1.1 carries one request per connection at a time, and an idle connection
        # costs etcd little: allow more than an SQL pool, or concurrent callers queue here.
        limit = self._settings.max_connections * HTTP_CONNECTIONS_PER_SLOT
        self._unary = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=limit, ssl=context),
            timeout=timeout,
        )
        # Watches hold their connection for life: keep them out of the unary pool's limit.
        self._streams = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, force_close=True, ssl=context),
            timeout=aiohttp.ClientTimeout(sock_connect=self._settings.connect_timeout),
        )

    async def close(self) -> None:
        sessions, self._unary, self._streams = (self._unary, self._streams), None, None
        for session in sessions:
            if session is not None:
                try:
                    async with asyncio.timeout(5):
                        await session.close()
                except TimeoutError:
                    logger.warning("closing the connections to etcd took over 5s; left behind")
        if any(url.startswith("https:") for url in self._urls):
            # A TLS connection closes only after the close_notify exchange, a few loop
            # turns later; give it that (aiohttp's documented graceful shutdown).
            await asyncio.sleep(TLS_CLOSE_GRACE)

    def _ssl_context(self) -> ssl.SSLContext | bool:
        if not self._tls.enabled:
            return True  # https URLs then verify against the system's CAs
        try:
            context = ssl.create_default_context(cafile=self._tls.ca_file)
            if self._tls.cert_file:
                context.load_cert_chain(self._tls.cert_file, self._tls.key_file)
        except (OSError, ssl.SSLError, ValueError) as err:
            raise EndpointError(
                f"cannot load the datastore TLS files (ca {self._tls.ca_file!r}, cert "
                f"{self._tls.cert_file!r}, key {self._tls.key_file!r}): {err}"
            ) from None
        return context

    def _session(self, *, stream: bool) -> aiohttp.ClientSession:
        session = self._streams if stream else self._unary
        if session is None:
            raise DatastoreError("the etcd client is not open")
        return session

    async def call(self, path: str, body: Json, *, idempotent: bool) -> Json:
        """POST ``body`` to ``path`` and return etcd's answer; see the module doc for retries."""
        try:
            data = orjson.dumps(body)
        except orjson.JSONEncodeError as err:  # e.g. a lease id past int64
            raise DatastoreError(f"cannot send {path} to etcd: {err}") from None

        async def attempt(url: str) -> Json:
            # aiohttp wants bodies over 1 MiB as a file object (it warns about raw bytes).
            payload = io.BytesIO(data) if len(data) > _LARGE_BODY else data
            async with self._session(stream=False).post(url + path, data=payload,
                                                        headers=_HEADERS) as response:
                raw = await response.read()
                return _decode(url, path, response.status, raw)

        return await self._retrying(path, attempt, idempotent=idempotent)

    async def open_stream(
        self, path: str, body: Callable[[], AsyncIterator[bytes]]
    ) -> tuple[aiohttp.ClientResponse, str]:
        """Start a streaming POST whose request body keeps flowing; the caller closes it.

        ``Expect: 100-continue`` matters: etcd's Go HTTP/1.1 server otherwise drains up to
        256 KiB of an open request body before it sends the response headers.
        """

        async def attempt(url: str) -> tuple[aiohttp.ClientResponse, str]:
            response = await self._session(stream=True).post(
                url + path, data=body(), headers=_HEADERS, expect100=True)
            if response.status != 200:
                try:
                    raw = await response.read()
                finally:
                    response.close()
                _decode(url, path, response.status, raw)
            return response, url

        return await self._retrying(path, attempt, idempotent=True)

    async def _retrying(self, path: str, attempt: Callable[[str], Awaitable[T]], *,
                        idempotent: bool) -> T:
        loop = asyncio.get_running_loop()
        deadline: float | None = None
        delay = 0.05
        while True:
            url = self.url
            try:
                result = await self._classified(attempt, url)
            except _MaybeSent as err:
                if not idempotent:
                    raise DatastoreUnavailable(
                        f"lost the connection to etcd at {url} during {path}: {err}; the "
                        "write may or may not have been applied", outcome_unknown=True,
                    ) from None
                reason = str(err)
            except EtcdApiError as err:
                if err.code != UNAVAILABLE or not idempotent:
                    self._note_up(url)
                    raise
                reason = err.etcd_message
                if url.startswith("https:"):
                    reason += _GATEWAY_HINT
            except _NotSent as err:
                reason = str(err)
            else:
                self._note_up(url)
                return result
            self._note_down(url, reason)
            now = loop.time()
            deadline = deadline if deadline is not None else now + self._settings.retry_timeout
            if now >= deadline:
                raise DatastoreUnavailable(
                    f"etcd is unreachable at {', '.join(self._urls)} after "
                    f"{self._settings.retry_timeout:g}s of retries; last error from {url}: "
                    f"{reason}"
                )
            self._index = (self._index + 1) % len(self._urls)
            await asyncio.sleep(min(delay, deadline - now))
            delay = min(delay * 2, _MAX_BACKOFF)

    @staticmethod
    async def _classified(attempt: Callable[[str], Awaitable[T]], url: str) -> T:
        """Run one attempt, sorting aiohttp's errors by whether etcd may have seen the request."""
        try:
            return await attempt(url)
        except (aiohttp.ClientSSLError, aiohttp.ClientOSError) as err:
            # A refused certificate is configuration, not weather: do not retry it.
            if isinstance(err, aiohttp.ClientSSLError) or isinstance(err.__cause__,
                                                                    ssl.SSLError):
                raise DatastoreUnavailable(
                    f"TLS with etcd at {url} failed: {err}; check --datastore-cafile, "
                    "--datastore-certfile and --datastore-keyfile"
                ) from None
            if isinstance(err, aiohttp.ClientConnectorError):
                raise _NotSent(str(err) or type(err).__name__) from None
            raise _MaybeSent(str(err) or type(err).__name__) from None
        except aiohttp.ConnectionTimeoutError as err:
            raise _NotSent(str(err) or type(err).__name__) from None
        except (aiohttp.ClientError, OSError, TimeoutError) as err:
            raise _MaybeSent(str(err) or type(err).__name__) from None

    def _note_down(self, url: str, reason: str) -> None:
        if not self._down:
            self._down = True
            others = len(self._urls) - 1
            logger.warning("etcd at %s is unavailable (%s); retrying%s for up to %gs", url,
                           reason, f" on {others} other URL(s)" if others else "",
                           self._settings.retry_timeout)

    def _note_up(self, url: str) -> None:
        if self._down:
            self._down = False
            logger.warning("etcd is available again at %s", url)
