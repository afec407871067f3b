"""The watch cache: every object under ``/registry/`` in memory, kept current by one
datastore watch, with a window of recent events that watches replay from.

Lists and watches are served from here, never from the database. Reads that must be
consistent call :meth:`WatchCache.sync` first: it learns the datastore's current revision and
waits until the cache has applied everything up to it, so a client reads its own writes
through any server. Cached objects are shared between readers and must never be mutated.

One task applies events in revision order and hands each to the watchers of its resource
without awaiting in between, so a watcher that subscribes (also without awaiting) sees the
window's replay and then live events with nothing skipped or repeated.
"""

from __future__ import annotations

import asyncio
import collections
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from k3py.datastore import Backend, Event, EventType
from k3py.errors import (
    CompactedError,
    DatastoreError,
    Gone,
    ServiceUnavailable,
    WatchCancelled,
)
from k3py.storage.codec import decode_kv, with_revision
from k3py.storage.encryption import SecretsCipher

logger = logging.getLogger(__name__)

ROOT = "/registry/"
HISTORY = 20_000          # events kept for watches that resume from a recent revision
WATCHER_QUEUE = 10_000    # events a watcher may fall behind before it is cut off
SYNC_TIMEOUT = 5.0
LOAD_PAGE = 2_000


def bucket_of(key: str) -> str:
    """``/registry/<group>/<plural>/`` of a key or of a longer prefix."""
    parts = key.split("/", 4)
    return "/".join(parts[:4]) + "/"


@dataclass(frozen=True, slots=True)
class CacheEvent:
    """A change to one object. ``obj`` is the new state (for DELETED: the last state, with the
    deleting revision as its resourceVersion); ``prev`` the state it replaced."""

    type: str  # ADDED | MODIFIED | DELETED
    key: str
    obj: dict[str, Any]
    prev: dict[str, Any] | None
    revision: int


class Watcher:
    """One subscriber's queue of events under a prefix. ``closed`` carries why it ended: a
    watcher that falls too far behind is cut off, and its client resumes from its last
    revision, as with kube-apiserver."""

    __slots__ = ("_wakeup", "closed", "events", "prefix")

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.events: collections.deque[CacheEvent] = collections.deque()
        self.closed: str | None = None
        self._wakeup = asyncio.Event()

    def push(self, event: CacheEvent) -> None:
        if self.closed is None:
            if len(self.events) >= WATCHER_QUEUE:
                self.close("the watcher fell too far behind")
                return
            self.events.append(event)
            self._wakeup.set()

    def close(self, reason: str) -> None:
        if self.closed is None:
            self.closed = reason
            self._wakeup.set()

    async def wait(self, seconds: float) -> None:
        """Until an event is queued, the watcher is closed, or ``seconds`` pass."""
        if self.events or self.closed is not None:
            return
        self._wakeup.clear()
        try:
            async with asyncio.timeout(seconds):
                await self._wakeup.wait()
        except TimeoutError:
            pass


class WatchCache:
    """Run :meth:`run` in a task group; :meth:`wait_ready` before serving."""

    def __init__(self, backend: Backend, *, cipher: SecretsCipher | None = None) -> None:
        self._backend = backend
        self._cipher = cipher
        self._buckets: dict[str, dict[str, dict[str, Any]]] = {}
        self._watchers: dict[str, set[Watcher]] = {}
        self._history: collections.deque[CacheEvent] = collections.deque()
        self._floor = 0           # watches may resume from any revision >= this
        self.revision = 0         # everything up to here is applied
        self._ready = asyncio.Event()
        self._advanced = asyncio.Condition()
        self._watch: Any = None

    # -- lifecycle ---------------------------------------------------------------------

    async def run(self) -> None:
        """Load, then follow the datastore; start over (watchers told to relist) whenever the
        datastore cannot continue the stream. Runs until cancelled."""
        delay = 0.1
        while True:
            try:
                await self._load()
                delay = 0.1
                await self._follow()
            except (CompactedError, WatchCancelled) as exc:
                logger.warning("watch cache: the datastore ended its watch (%s); reloading", exc)
            except DatastoreError as exc:
                logger.warning("watch cache: datastore error (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)

    async def wait_ready(self) -> None:
        await self._ready.wait()

    async def _load(self) -> None:
        buckets: dict[str, dict[str, dict[str, Any]]] = {}
        start, revision = None, 0
        while True:
            page = await self._backend.list(ROOT, revision, limit=LOAD_PAGE, start_key=start)
            revision = page.revision
            for kv in page.kvs:
                buckets.setdefault(bucket_of(kv.key), {})[kv.key] = decode_kv(kv, self._cipher)
            if not page.more or not page.kvs:
                break
            start = page.kvs[-1].key + "\x00"
        for watchers in self._watchers.values():
            for watcher in watchers:
                watcher.close("the watch cache was reloaded")
        self._watchers.clear()
        self._buckets, self._history = buckets, collections.deque()
        self._floor = self.revision = revision
        self._ready.set()
        logger.info("watch cache loaded %d objects at revision %d",
                    sum(map(len, buckets.values())), revision)

    async def _follow(self) -> None:
        async with self._backend.watch(ROOT, self.revision + 1) as watch:
            self._watch = watch
            try:
                async for event in watch:
                    self._apply(event)
                    self.revision = max(self.revision, event.revision)
                    async with self._advanced:
                        self._advanced.notify_all()
            finally:
                self._watch = None

    # -- applying events ---------------------------------------------------------------

    def _apply(self, event: Event) -> None:
        if event.type is EventType.PROGRESS or event.kv is None:
            return
        key = event.kv.key
        bucket_key = bucket_of(key)
        bucket = self._buckets.setdefault(bucket_key, {})
        prev = bucket.get(key)
        if event.type is EventType.PUT:
            obj = decode_kv(event.kv, self._cipher)
            bucket[key] = obj
            change = CacheEvent("MODIFIED" if prev is not None else "ADDED", key, obj, prev,
                                event.revision)
        else:
            if prev is None:
                if event.prev_kv is None:
                    return
                prev = decode_kv(event.prev_kv, self._cipher)
            bucket.pop(key, None)
            change = CacheEvent("DELETED", key, with_revision(prev, event.revision), prev,
                                event.revision)
        if len(self._history) >= HISTORY:
            self._floor = self._history.popleft().revision
        self._history.append(change)
        for watcher in self._watchers.get(bucket_key, ()):
            if key.startswith(watcher.prefix):
                watcher.push(change)

    # -- reads -------------------------------------------------------------------------

    async def sync(self) -> None:
        """Wait until everything committed before this call is in the cache."""
        await self._ready.wait()
        target = await self._backend.current_revision()
        if not await self.wait_for(target, within=SYNC_TIMEOUT):
            raise ServiceUnavailable(
                f"the watch cache is behind the datastore (at revision {self.revision}, "
                f"need {target}); retry shortly")

    async def wait_for(self, revision: int, *, within: float = 3.0) -> bool:
        """Wait until the cache has applied ``revision``; False when it did not in time.
        Asks the datastore watch for progress while waiting: with no writes coming, only a
        progress mark moves the cache's revision forward."""
        if self.revision >= revision:
            return True
        try:
            async with asyncio.timeout(within), self._advanced:
                while self.revision < revision:
                    if self._watch is not None:
                        self._watch.request_progress()
                    try:
                        async with asyncio.timeout(0.1):
                            await self._advanced.wait()
                    except TimeoutError:
                        pass
        except TimeoutError:
            return False
        return True

    def get(self, key: str) -> dict[str, Any] | None:
        return self._buckets.get(bucket_of(key), {}).get(key)

    def items(self, prefix: str) -> Iterator[tuple[str, dict[str, Any]]]:
        """Objects under ``prefix`` in key order (snapshot: safe across awaits by the caller
        only until it next awaits)."""
        bucket = self._buckets.get(bucket_of(prefix + "x"), {})
        keys = sorted(bucket) if len(prefix.split("/")) <= 5 else sorted(
            k for k in bucket if k.startswith(prefix))
        for key in keys:
            yield key, bucket[key]

    def count(self, prefix: str) -> int:
        bucket = self._buckets.get(bucket_of(prefix + "x"), {})
        return sum(1 for k in bucket if k.startswith(prefix))

    # -- watches -----------------------------------------------------------------------

    def subscribe(self, prefix: str, after: int) -> Watcher:
        """A watcher that gets every event under ``prefix`` after revision ``after`` (already
        applied ones replayed from the window first). Raises :class:`Gone` when the window
        no longer reaches back that far. Must be called without awaiting in between reading
        ``revision`` and using the watcher."""
        if after < self._floor:
            raise Gone(f"too old resource version: {after} ({self._floor})")
        watcher = Watcher(prefix)
        if after < self.revision:
            for change in self._history:
                if change.revision > after and change.key.startswith(prefix):
                    watcher.push(change)
        self._watchers.setdefault(bucket_of(prefix + "x"), set()).add(watcher)
        return watcher

    def unsubscribe(self, watcher: Watcher) -> None:
        watchers = self._watchers.get(bucket_of(watcher.prefix + "x"))
        if watchers is not None:
            watchers.discard(watcher)
        watcher.close("unsubscribed")
