"""The Backend over an SQL log: a batching writer, one poller feeding the watch hub, a
compactor and a lease reaper, all owned by one TaskGroup. Drivers supply connections.

Writes from every caller in the process queue up for ONE writer task, which applies them in
batches: a batch is one transaction holding the revision lock, so commit order is revision
order, the log has no gaps, and one fsync serves many writers (group commit).
"""

from __future__ import annotations

import abc
import asyncio
import contextlib
import functools
import logging
import secrets
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from k3py.datastore.backend import Backend
from k3py.datastore.retry import Backoff
from k3py.datastore.settings import DatastoreSettings
from k3py.datastore.sql import steps
from k3py.datastore.sql.dialect import Dialect
from k3py.datastore.sql.drive import TxKind
from k3py.datastore.sql.sqlwatch import SqlWatch
from k3py.datastore.sql.steps import OpKind, Step, WriteOp
from k3py.datastore.types import Event, KeyValue, Lease, ListResult, TxnResult
from k3py.datastore.types import prefix_range_end as _range_end
from k3py.datastore.watch import Watch, WatchHub
from k3py.errors import (
    DatastoreClosed,
    DatastoreError,
    DatastoreUnavailable,
    FutureRevisionError,
    LeaseNotFoundError,
    WatchCancelled,
)

logger = logging.getLogger(__name__)
T = TypeVar("T")

BATCH_BYTES = 8 * 1024 * 1024
"""A write batch stops growing once its values reach this size."""
SHUTDOWN_TIMEOUT = 10.0


class Health:
    """Logs the database going away and coming back, once per change, never credentials."""

    def __init__(self, where: str) -> None:
        self._where = where
        self._down = False

    def down(self, error: BaseException) -> None:
        if not self._down:
            self._down = True
            logger.warning("datastore %s unreachable: %s; retrying with backoff", self._where,
                           error)

    def up(self) -> None:
        if self._down:
            self._down = False
            logger.info("datastore %s reachable again", self._where)


class SqlLogBackend(Backend):
    """Everything an SQL driver shares. A driver implements ``_open``, ``_shutdown``, ``_run``."""

    dialect: Dialect
    default_poll_interval: float = 0.1

    def __init__(self, *, where: str, settings: DatastoreSettings,
                 clock: Callable[[], float] = time.time) -> None:
        super().__init__(settings=settings)
        self.clock = clock
        self.health = Health(where)
        self.hub = WatchHub(queue_limit=settings.watch_queue)
        self._queue: asyncio.Queue[tuple[WriteOp, asyncio.Future[steps.Outcome]]] = (
            asyncio.Queue())
        self.wake = asyncio.Event()
        self._runner: asyncio.Task[None] | None = None
        self.written = 0
        """Revisions this process has written; drivers use it to schedule housekeeping."""
        self.known = 0
        """The newest revision known to exist (from local writes or notifications)."""

    # -- driver hooks ----------------------------------------------------------------------

    @abc.abstractmethod
    async def _open(self) -> None:
        """Connect (retrying with backoff), create the database and schema when missing."""

    @abc.abstractmethod
    async def _shutdown(self) -> None:
        """Close every connection."""

    @abc.abstractmethod
    async def _run(self, step: Step[T], kind: TxKind) -> T:
        """Run ``step`` inside a ``kind`` transaction. Translate native errors: connection
        trouble -> DatastoreUnavailable (outcome_unknown when it broke during COMMIT),
        anything else -> a DatastoreError subclass. Roll back on any failure."""

    async def _wait_for_change(self, interval: float) -> bool:
        """Wait until ``wake`` is set (True) or ``interval`` seconds pass (False)."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(interval):
                await self.wake.wait()
                return True
        return False

    def announce(self, revision: int) -> None:
        """Revision ``revision`` exists in the database: have the poller fetch it unless it
        has been published already."""
        if revision > self.hub.position:
            self.known = max(self.known, revision)
            self.wake.set()

    # -- lifecycle ---------------------------------------------------------------------------

    async def _start(self) -> None:
        await self._open()
        self.hub.position = await self.retrying(
            lambda: steps.scalar(self.dialect.get_revision), TxKind.SINGLE)
        self._runner = asyncio.create_task(self._supervise(), name=f"k3py-{self.name}-backend")

    async def _supervise(self) -> None:
        loops = [self._writer, self._poller, self.compact_periodically, self._reaper,
                 *self._extra_loops()]
        async with asyncio.TaskGroup() as tg:
            for loop in loops:
                tg.create_task(self._keep_running(loop), name=f"datastore{loop.__name__}")

    def _extra_loops(self) -> list[Callable[[], Awaitable[None]]]:
        """Driver-specific background loops, run and kept alive like the others."""
        return []

    @staticmethod
    async def _keep_running(loop: Callable[[], Awaitable[None]]) -> None:
        """Run a background loop; a bug that escapes it is logged and the loop restarted,
        so one failure never takes the writer or the watches down with it."""
        while True:
            try:
                await loop()
            except Exception:
                logger.exception("datastore background task %s failed; restarting it",
                                 loop.__name__)
                await asyncio.sleep(1.0)

    async def _close(self) -> None:
        if self._runner is not None:
            self._runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                async with asyncio.timeout(SHUTDOWN_TIMEOUT):
                    await self._runner
        closed = DatastoreClosed(f"the {self.name} datastore backend is closed")
        while not self._queue.empty():
            _, future = self._queue.get_nowait()
            if not future.done():
                future.set_exception(closed)
        self.hub.fail_all(closed)
        async with asyncio.timeout(SHUTDOWN_TIMEOUT):
            await self._shutdown()

    async def retrying(self, make_step: Callable[[], Step[T]], kind: TxKind) -> T:
        """Run a step, retrying with backoff while the database is unreachable, for at most
        ``settings.retry_timeout``. A write whose outcome is unknown is never retried."""
        backoff = Backoff(budget=self.settings.retry_timeout)
        while True:
            try:
                result = await self._run(make_step(), kind)
            except DatastoreUnavailable as exc:
                self.health.down(exc)
                if exc.outcome_unknown or self._closed or not await backoff.wait():
                    raise
                continue
            self.health.up()
            return result

    async def connect_retrying(self, connect: Callable[[], Awaitable[None]]) -> None:
        """Call ``connect`` until it stops raising DatastoreUnavailable or the budget ends."""
        backoff = Backoff(budget=self.settings.retry_timeout, first=0.1)
        while True:
            try:
                await connect()
            except DatastoreUnavailable as exc:
                self.health.down(exc)
                if not await backoff.wait():
                    raise
                continue
            self.health.up()
            return

    # -- reads -------------------------------------------------------------------------------

    async def _get(self, key: bytes, revision: int) -> KeyValue | None:
        kind = TxKind.SINGLE if revision == 0 else TxKind.SNAPSHOT
        return await self.retrying(lambda: steps.get(self.dialect, key, revision), kind)

    async def _list(self, prefix: bytes, start: bytes, revision: int, limit: int) -> ListResult:
        end = _range_end(prefix)
        return await self.retrying(
            lambda: steps.list_range(self.dialect, start=start, end=end, revision=revision,
                                     limit=limit), TxKind.SNAPSHOT)

    async def _count(self, prefix: bytes) -> int:
        end = _range_end(prefix)
        return await self.retrying(lambda: steps.count(self.dialect, start=prefix, end=end),
                                   TxKind.SINGLE)

    async def _current_revision(self) -> int:
        return await self.retrying(lambda: steps.scalar(self.dialect.get_revision), TxKind.SINGLE)

    async def _compact_revision(self) -> int:
        return await self.retrying(lambda: steps.scalar(self.dialect.get_compact), TxKind.SINGLE)

    # -- writes ------------------------------------------------------------------------------

    async def submit(self, op: WriteOp) -> TxnResult:
        """Queue one write for the writer task and wait for its outcome."""
        future: asyncio.Future[steps.Outcome] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((op, future))
        outcome = await future
        if isinstance(outcome, LeaseNotFoundError):
            raise outcome
        return outcome

    async def _create(self, key: bytes, value: bytes, lease: int) -> TxnResult:
        return await self.submit(WriteOp(OpKind.CREATE, key, value, lease=lease))

    async def _update(self, key: bytes, value: bytes, expected: int, lease: int) -> TxnResult:
        return await self.submit(WriteOp(OpKind.UPDATE, key, value, expected, lease))

    async def _delete(self, key: bytes, expected: int) -> TxnResult:
        return await self.submit(WriteOp(OpKind.DELETE, key, expected=expected))

    async def _writer(self) -> None:
        limit = self.settings.write_batch
        while True:
            batch = [await self._queue.get()]
            size = len(batch[0][0].value)
            while len(batch) < limit and size < BATCH_BYTES and not self._queue.empty():
                batch.append(self._queue.get_nowait())
                size += len(batch[-1][0].value)
            batch = [(op, fut) for op, fut in batch if not fut.done()]
            try:
                await self._apply(batch)
            except BaseException as exc:
                error = (DatastoreClosed("the datastore backend is closing")
                         if isinstance(exc, asyncio.CancelledError)
                         else DatastoreError(f"internal datastore error: {exc!r}"))
                for _, future in batch:
                    if not future.done():
                        future.set_exception(error)
                raise

    async def _apply(self, batch: list[tuple[WriteOp, asyncio.Future[steps.Outcome]]]) -> None:
        ops = [op for op, _ in batch]
        try:
            done = await self.retrying(lambda: steps.write_batch(self.dialect, ops),
                                       TxKind.WRITE)
        except DatastoreUnavailable as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc)
            return
        except DatastoreError as exc:
            if len(batch) > 1:  # one op spoiled the batch: find it by applying them singly
                for item in batch:
                    await self._apply([item])
                return
            if not batch[0][1].done():
                batch[0][1].set_exception(exc)
            return
        self.written += len(done.events)
        if done.events and self.hub.position == done.start:
            # Nothing is missing before our revisions: hand them to watchers directly.
            self.hub.publish(done.events, done.events[-1].revision)
        elif done.events:
            self.announce(done.events[-1].revision)
        for (_, future), outcome in zip(batch, done.outcomes, strict=True):
            if not future.done():
                future.set_result(outcome)

    # -- watch -------------------------------------------------------------------------------

    def _watch(self, prefix: bytes, start_revision: int) -> Watch:
        return SqlWatch(self, prefix=prefix, start_revision=start_revision)

    async def _poller(self) -> None:
        interval = self.settings.poll_interval or self.default_poll_interval
        while True:
            woken = await self._wait_for_change(interval)
            self.wake.clear()
            if woken:
                await asyncio.sleep(0.001)  # a local writer may be about to publish it itself
                if self.known <= self.hub.position:
                    continue
            try:
                await self._poll_once()
            except DatastoreError as exc:
                self.health.down(exc)
                await asyncio.sleep(min(interval * 4, 2.0))

    async def _poll_once(self) -> None:
        """Publish every committed revision past the hub's position, in order, gap-free."""
        batch = self.settings.poll_batch
        while True:
            rows = await self.retrying(
                functools.partial(steps.poll, self.dialect, after=self.hub.position,
                                  limit=batch), TxKind.SINGLE)
            # The writer may have published some of these while we queried: skip them.
            expected = self.hub.position + 1
            fresh = [row for row in rows if int(row[0]) >= expected]
            events: list[Event] = []
            for row in fresh:
                if int(row[0]) != expected:
                    break
                events.append(steps.event_from_row(row))
                expected += 1
            if events:
                self.hub.publish(events, expected - 1)
            if len(events) < len(fresh):
                await self._handle_gap(missing=expected, seen=int(fresh[len(events)][0]))
                return
            if len(rows) < batch:
                return

    async def _handle_gap(self, *, missing: int, seen: int) -> None:
        """A revision below one we can see is absent. If compaction removed it (this process
        fell that far behind), watchers cannot be served: cancel them and skip ahead.
        Otherwise it is not visible yet: poll again soon, never skip it."""
        compact = await self._compact_revision()
        if compact >= missing:
            logger.warning("watch poller fell behind compaction (%d < %d); cancelling watches",
                           missing, compact)
            self.hub.fail_all(WatchCancelled(
                f"revisions up to {compact} were compacted before this server read them"))
            self.hub.publish([], min(compact, seen - 1))
        else:
            logger.debug("revision %d not visible yet (saw %d); polling again", missing, seen)
        self.announce(seen)
        await asyncio.sleep(0.005)

    # -- compaction --------------------------------------------------------------------------

    async def _compact(self, revision: int) -> None:
        current = await self._current_revision()
        if revision > current:
            raise FutureRevisionError(revision, current)
        stored = await self._compact_revision()
        while stored < revision:
            target = min(stored + self.settings.compact_batch, revision)
            stored = await self.retrying(
                functools.partial(steps.compact_batch, self.dialect, target=target),
                TxKind.MAINTAIN)
        await self._after_compact()

    async def _after_compact(self) -> None:
        """Database housekeeping after a compaction (SQLite checkpoints its WAL)."""

    # -- leases ------------------------------------------------------------------------------

    async def _grant_lease(self, ttl: int) -> Lease:
        lease_id = secrets.randbits(62) or 1
        expires = self.clock() + ttl
        await self.retrying(lambda: steps.grant_lease(self.dialect, lease_id=lease_id, ttl=ttl,
                                                      expires_at=expires), TxKind.MAINTAIN)
        return Lease(id=lease_id, ttl=ttl)

    async def _keepalive_lease(self, lease_id: int) -> Lease:
        ttl = await self.retrying(
            lambda: steps.keepalive_lease(self.dialect, lease_id=lease_id, now=self.clock()),
            TxKind.MAINTAIN)
        if ttl is None:
            raise LeaseNotFoundError(lease_id)
        return Lease(id=lease_id, ttl=ttl)

    async def _revoke_lease(self, lease_id: int) -> None:
        await self.submit(WriteOp(OpKind.REVOKE, lease=lease_id))

    async def _reaper(self) -> None:
        """Revoke expired leases. Every server may do it: revocation is a CAS-safe write."""
        while True:
            await asyncio.sleep(self.settings.lease_check_interval)
            try:
                expired = await self.retrying(
                    lambda: steps.expired_leases(self.dialect, now=self.clock(), limit=100),
                    TxKind.SINGLE)
                for lease_id in expired:
                    await self.submit(WriteOp(OpKind.REVOKE, lease=lease_id))
            except DatastoreError as exc:
                logger.warning("lease expiry check failed, will retry: %s", exc)
