"""One etcd watch stream per :class:`EtcdWatch`, mapped onto the driver-neutral events.

Progress. etcd answers a ``progress_request`` on the stream with the store's revision. Before
3.4.31 / 3.5.13 that answer could overtake events still queued for the stream (etcd issues
15220 and 17507), so it proves nothing. Against those versions the watch follows the whole
keyspace and filters by prefix on this side: a progress request then reads the current
revision R and waits for the stream itself to pass R. Every revision after 1 carries at least
one event somewhere in the keyspace, so that always happens, and needs no write.

Start revisions. etcd fails a watch that starts *below* its compacted revision; the contract
fails one that starts *at or below* it. So the stream starts one revision early and drops the
events of that revision.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any, Self

import orjson

from k3py.datastore.etcd.client import (
    EtcdClient,
    Json,
    JsonLines,
    b64,
    header_revision,
    stream_result,
    to_key,
    to_kv,
    unb64,
)
from k3py.datastore.types import Event, EventType, KeyValue, prefix_range_end
from k3py.datastore.watch import Watch
from k3py.errors import CompactedError, DatastoreError, WatchCancelled

logger = logging.getLogger(__name__)

_PROGRESS_REQUEST = b'{"progress_request":{}}\n'
_ALL_KEYS = b64(b"\0")
_CLOSE_TIMEOUT = 5.0


class EtcdWatch(Watch):
    """Events under one prefix from one etcd watch stream; started on first use."""

    def __init__(
        self,
        client: EtcdClient,
        *,
        prefix: bytes,
        start_revision: int,
        ordered_progress: bool,
        compacted: int,
        current_revision: Callable[[], Awaitable[int]],
        note_compacted: Callable[[int], None],
        queue_limit: int,
    ) -> None:
        self._client = client
        self._prefix = prefix
        self._end = prefix_range_end(prefix)
        self._start = start_revision
        self._ordered = ordered_progress
        self._compacted = compacted
        self._current_revision = current_revision
        self._note_compacted = note_compacted
        self._limit = queue_limit
        self._seen = max(start_revision - 1, 0)
        """Every event of this watch up to here is queued (set from etcd when starting at 0)."""
        self._target = 0
        self._events: collections.deque[Event] = collections.deque()
        self._readable = asyncio.Event()
        self._writable = asyncio.Event()
        self._ready = asyncio.Event()
        self._progress_wanted = asyncio.Event()
        self._outbox: asyncio.Queue[bytes] = asyncio.Queue()
        self._error: DatastoreError | None = None
        self._closed = False
        self._task: asyncio.Task[None] | None = None
        self._url = client.url

    # -- consumer side --------------------------------------------------------------------

    async def __aenter__(self) -> Self:
        """Establish the stream, so that a start at 0 means "after this point"."""
        self._ensure_started()
        await self._ready.wait()
        return self

    async def __anext__(self) -> Event:
        self._ensure_started()
        while True:
            if self._closed:
                raise StopAsyncIteration
            if self._events:
                event = self._events.popleft()
                self._writable.set()
                return event
            if self._error is not None:
                raise self._error
            self._readable.clear()
            await self._readable.wait()

    def request_progress(self) -> None:
        if self._closed or self._error is not None:
            return
        if self._ordered:
            self._outbox.put_nowait(_PROGRESS_REQUEST)
        else:
            self._progress_wanted.set()

    async def close(self) -> None:
        self._closed = True
        self._readable.set()
        self._writable.set()
        await self._stop_stream()

    async def cancel(self, error: DatastoreError) -> None:
        """End the watch from the backend's side: the consumer sees ``error``."""
        self._fail(error)
        await self._stop_stream()

    async def _stop_stream(self) -> None:
        task, self._task = self._task, None
        if task is not None and not task.done():
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                async with asyncio.timeout(_CLOSE_TIMEOUT):
                    await task

    def _ensure_started(self) -> None:
        if self._task is None and not self._closed and self._error is None:
            self._task = asyncio.create_task(self._run(), name=f"etcd-watch {self._prefix!r}")

    def _fail(self, error: DatastoreError) -> None:
        if self._error is None:
            self._error = error
        self._ready.set()
        self._readable.set()

    async def _push(self, event: Event) -> None:
        """Queue an event, waiting while the consumer is ``queue_limit`` behind (backpressure
        reaches etcd through TCP; etcd then buffers for this slow watcher, losing nothing)."""
        while len(self._events) >= self._limit and not self._closed:
            self._writable.clear()
            await self._writable.wait()
        self._events.append(event)
        self._readable.set()

    # -- the stream -----------------------------------------------------------------------

    def _create_request(self) -> bytes:
        wide = not self._ordered
        start = self._start - 1 if self._start > 1 else self._start
        request: Json = {
            "key": _ALL_KEYS if wide or not self._prefix else b64(self._prefix),
            "range_end": _ALL_KEYS if wide or self._end is None else b64(self._end),
            "start_revision": start,
            "prev_kv": True,
        }
        return orjson.dumps({"create_request": request}) + b"\n"

    async def _body(self) -> AsyncIterator[bytes]:
        yield self._create_request()
        while True:
            yield await self._outbox.get()

    async def _run(self) -> None:
        try:
            if self._start == 1 and self._compacted >= 1:
                raise CompactedError(1, self._compacted)
            response, self._url = await self._client.open_stream("/v3/watch", self._body)
        except DatastoreError as err:
            self._fail(err)
            return
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._read(JsonLines(response, self._url)))
                if not self._ordered:
                    group.create_task(self._legacy_progress())
        except* WatchCancelled as failed:
            self._fail(_first(failed))
        except* DatastoreError as failed:
            error = _first(failed)
            if isinstance(error, CompactedError):
                self._fail(error)
            else:
                self._fail(WatchCancelled(f"the etcd watch stream from {self._url} failed "
                                          f"({error}); resume from revision {self._seen + 1}"))
        except* Exception as failed:  # a message of a shape this code does not expect
            logger.error("etcd watch from %s failed", self._url, exc_info=failed)
            self._fail(WatchCancelled(f"etcd at {self._url} sent a watch message k3py cannot "
                                      f"read ({_first(failed)!r}); resume from revision "
                                      f"{self._seen + 1}"))
        finally:
            response.close()

    async def _read(self, lines: JsonLines) -> None:
        while True:
            message = await lines.next()
            if message is None:
                raise WatchCancelled(f"etcd at {self._url} ended the watch stream; resume "
                                     f"from revision {self._seen + 1}")
            await self._handle(stream_result(message, self._url))
            if self._target and self._seen >= self._target:
                self._target = 0
                await self._push(Event(EventType.PROGRESS, self._seen, None))

    async def _handle(self, result: Json) -> None:
        revision = header_revision(result)
        if result.get("created"):
            if result.get("canceled"):
                reason = result.get("cancel_reason") or "no reason given"
                raise DatastoreError(f"etcd refused to start the watch: {reason}")
            if self._start == 0:
                self._seen = revision
            self._ready.set()
            return
        if result.get("canceled"):
            compacted = int(result.get("compact_revision", 0))
            if compacted:
                self._note_compacted(compacted)
                raise CompactedError(max(self._start, self._seen + 1), compacted)
            reason = result.get("cancel_reason") or "no reason given"
            raise WatchCancelled(f"etcd canceled the watch ({reason}); resume from revision "
                                 f"{self._seen + 1}")
        events = result.get("events") or ()
        if not events:
            if self._ordered and str(result.get("watch_id")) == "-1":
                self._seen = max(self._seen, revision)
                await self._push(Event(EventType.PROGRESS, self._seen, None))
            return
        newest = self._seen
        for raw in events:
            if int((raw.get("kv") or {}).get("mod_revision", 0)) < self._start:
                continue  # the extra revision asked for, see the module doc
            event = self._event(raw)
            newest = max(newest, event.revision)
            key = event.kv.key.encode("utf-8", "surrogateescape") if event.kv else b""
            if key >= self._prefix and (self._end is None or key < self._end):
                await self._push(event)
        self._seen = newest

    def _event(self, raw: Json) -> Event:
        kv = raw.get("kv") or {}
        prev = raw.get("prev_kv")
        if raw.get("type") == "DELETE":
            revision = int(kv.get("mod_revision", 0))
            deleted = KeyValue(key=to_key(unb64(kv.get("key"))), value=b"", create_revision=0,
                               mod_revision=revision)
            if prev is None:
                raise self._prev_compacted(revision)
            return Event(EventType.DELETE, revision, deleted, to_kv(prev))
        current = to_kv(kv)
        if prev is None and current.create_revision != current.mod_revision:
            raise self._prev_compacted(current.mod_revision)
        return Event(EventType.PUT, current.mod_revision, current,
                     to_kv(prev) if prev is not None else None)

    def _prev_compacted(self, revision: int) -> CompactedError:
        """etcd leaves out prev_kv only when it was compacted before the event was sent."""
        return CompactedError(revision - 1, max(self._compacted, revision))

    async def _legacy_progress(self) -> None:
        """Progress for old etcd: wait for the (whole-keyspace) stream to pass the current
        revision; no event exists at revision 1, so at most 1 is passed at once."""
        while True:
            await self._progress_wanted.wait()
            self._progress_wanted.clear()
            target = await self._current_revision()
            if target <= max(self._seen, 1):
                await self._push(Event(EventType.PROGRESS, max(self._seen, target), None))
            else:
                self._target = max(self._target, target)


def _first(group: BaseExceptionGroup[Any]) -> DatastoreError:
    error = group.exceptions[0]
    while isinstance(error, BaseExceptionGroup):
        error = error.exceptions[0]
    if isinstance(error, DatastoreError):
        return error
    return DatastoreError(repr(error))
