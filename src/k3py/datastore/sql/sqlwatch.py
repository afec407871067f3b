"""A watch over the SQL log: catch up from the database for the revisions the hub already
passed, then read live events from the hub, each once and in order."""

from __future__ import annotations

import collections
import functools
from typing import TYPE_CHECKING

from k3py.datastore.sql import steps
from k3py.datastore.sql.drive import TxKind
from k3py.datastore.types import Event, EventType
from k3py.datastore.types import prefix_range_end as _range_end
from k3py.datastore.watch import Subscription, Watch
from k3py.errors import CompactedError, DatastoreError, WatchCancelled

if TYPE_CHECKING:
    from k3py.datastore.sql.log import SqlLogBackend

CATCH_UP_PAGE = 1000


class SqlWatch(Watch):
    """Catches up from the log for revisions the hub already passed, then reads live ones."""

    def __init__(self, backend: SqlLogBackend, *, prefix: bytes, start_revision: int) -> None:
        self._backend = backend
        self._prefix = prefix
        self._end = _range_end(prefix)
        self._start = start_revision
        self._sub: Subscription | None = None
        self._backlog: collections.deque[Event] = collections.deque()
        self._catch_up: tuple[int, int] | None = None
        """Revisions still to read from the log, one page at a time, before live events."""
        self._progress_pending = False
        self._closed = False

    async def __anext__(self) -> Event:
        if self._closed:
            raise StopAsyncIteration
        try:
            if self._sub is None:
                await self._begin()
            while not self._backlog and self._catch_up is not None:
                await self._read_page(*self._catch_up)
            if self._backlog:
                return self._backlog.popleft()
            assert self._sub is not None
            while True:
                event = await self._sub.next()
                if event.type is EventType.PROGRESS:
                    return Event(EventType.PROGRESS, max(event.revision, self._start - 1), None)
                if event.revision >= self._start:
                    return event
        except DatastoreError:
            if self._closed:
                raise StopAsyncIteration from None
            await self.close()
            raise

    async def _begin(self) -> None:
        """Subscribe first, so that nothing published from now on is missed; what the hub
        published before that comes from the log."""
        backend = self._backend
        if self._start == 0:
            self._start = await backend.current_revision() + 1
        sub = backend.hub.subscribe(start=self._prefix, end=self._end)
        self._sub = sub
        compact = await backend.compact_revision()
        if compact >= self._start:
            raise CompactedError(self._start, compact)
        if self._start <= sub.registered_at:
            self._catch_up = (self._start, sub.registered_at)
        if self._progress_pending:
            backend.hub.progress(sub)

    async def _read_page(self, first: int, last: int) -> None:
        backend = self._backend
        events, compact = await backend.retrying(
            functools.partial(steps.events_in_range, backend.dialect, first=first, last=last,
                              start=self._prefix, end=self._end, limit=CATCH_UP_PAGE),
            TxKind.SINGLE)
        if compact >= self._start:  # compacted while we read: this page may have holes
            raise CompactedError(self._start, compact)
        self._backlog.extend(events)
        more = len(events) == CATCH_UP_PAGE
        self._catch_up = (events[-1].revision + 1, last) if more else None

    def request_progress(self) -> None:
        if self._sub is None:
            self._progress_pending = True
        else:
            self._backend.hub.progress(self._sub)

    async def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        if self._sub is not None:
            self._backend.hub.unsubscribe(self._sub)
            self._sub.fail(WatchCancelled("watch closed"))


