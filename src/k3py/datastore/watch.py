"""Watches: the consumer-facing iterator, and the in-process hub that fans events out.

A driver that polls a log (the SQL drivers) runs one poller per process which publishes to a
:class:`WatchHub`; each watch subscribes, catches up from the database for the revisions the
hub had already passed, then reads live events. The hub never blocks on a slow watcher: a
watcher whose queue overflows is cut off and told so (:class:`WatchCancelled`), and resumes
from the last revision it saw.
"""

from __future__ import annotations

import abc
import asyncio
import collections
from collections.abc import Sequence
from types import TracebackType
from typing import Self

from k3py.datastore.types import Event, EventType
from k3py.errors import DatastoreError, WatchCancelled


class Watch(abc.ABC):
    """An ordered stream of events under one prefix: ``async with`` it, ``async for`` it."""

    def __aiter__(self) -> Self:
        return self

    @abc.abstractmethod
    async def __anext__(self) -> Event:
        """The next event; raises StopAsyncIteration once closed."""

    @abc.abstractmethod
    def request_progress(self) -> None:
        """Ask for a PROGRESS event: it arrives after every event up to its revision."""

    @abc.abstractmethod
    async def close(self) -> None:
        """Stop the watch; further iteration ends."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()


class Subscription:
    """One watch's place in the hub: a bounded queue of events under a key range."""

    __slots__ = ("_wakeup", "end", "error", "events", "limit", "registered_at", "start")

    def __init__(self, *, start: bytes, end: bytes | None, registered_at: int, limit: int) -> None:
        self.start = start
        self.end = end
        self.registered_at = registered_at
        self.limit = limit
        self.events: collections.deque[Event] = collections.deque()
        self.error: DatastoreError | None = None
        self._wakeup = asyncio.Event()

    def matches(self, key: bytes) -> bool:
        return key >= self.start and (self.end is None or key < self.end)

    def push(self, event: Event) -> bool:
        """Queue an event; False (and the subscription is failed) when the queue is full."""
        if len(self.events) >= self.limit:
            self.fail(WatchCancelled(
                f"watch fell more than {self.limit} events behind; resume it from the last "
                "revision received"
            ))
            return False
        self.events.append(event)
        self._wakeup.set()
        return True

    def fail(self, error: DatastoreError) -> None:
        if self.error is None:
            self.error = error
        self._wakeup.set()

    async def next(self) -> Event:
        """The next queued event; raises the failure once the queue is drained."""
        while not self.events:
            if self.error is not None:
                raise self.error
            self._wakeup.clear()
            await self._wakeup.wait()
        return self.events.popleft()


class WatchHub:
    """Fans out the poller's events, in revision order, to every matching subscription.

    ``position`` is the newest revision published: every event at or below it has been
    handed to every subscription that existed when it was published.
    """

    def __init__(self, *, queue_limit: int) -> None:
        self.position = 0
        self._queue_limit = queue_limit
        self._subs: set[Subscription] = set()

    def subscribe(self, *, start: bytes, end: bytes | None) -> Subscription:
        sub = Subscription(start=start, end=end, registered_at=self.position,
                           limit=self._queue_limit)
        self._subs.add(sub)
        return sub

    def unsubscribe(self, sub: Subscription) -> None:
        self._subs.discard(sub)

    def publish(self, events: Sequence[Event], position: int) -> None:
        """Hand out ``events`` (revisions above ``self.position``, in order) and advance."""
        keyed = [(event, event.kv.key.encode()) for event in events if event.kv is not None]
        dropped = []
        for sub in self._subs:
            for event, key in keyed:
                if sub.matches(key) and not sub.push(event):
                    dropped.append(sub)
                    break
        for sub in dropped:
            self._subs.discard(sub)
        self.position = max(self.position, position)

    def progress(self, sub: Subscription) -> None:
        """Queue a PROGRESS mark at the hub's position for one subscription."""
        if sub in self._subs and not sub.push(Event(EventType.PROGRESS, self.position, None)):
            self._subs.discard(sub)

    def fail_all(self, error: DatastoreError) -> None:
        for sub in self._subs:
            sub.fail(error)
        self._subs.clear()
