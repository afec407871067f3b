"""The datastore contract: one revisioned, watchable key-value log with etcd v3 semantics.

Public methods carry the policy every driver shares (argument checks, the closed state,
revision rules); each calls one private hook that a driver implements. A hook's docstring
states the atomicity it must give. Lost compare-and-swaps are results, never exceptions.
"""

from __future__ import annotations

import abc
import asyncio
import logging
from types import TracebackType
from typing import Self

from k3py.datastore.settings import DatastoreSettings
from k3py.datastore.types import MAX_KEY_BYTES, KeyValue, Lease, ListResult, TxnResult
from k3py.datastore.watch import Watch
from k3py.errors import DatastoreClosed, DatastoreError, KeyTooLargeError

logger = logging.getLogger(__name__)


def check_key(key: str) -> bytes:
    """The key as bytes, or :class:`KeyTooLargeError` / :class:`ValueError` for bad keys."""
    if not isinstance(key, str) or not key:
        raise ValueError(f"a datastore key must be a non-empty string, not {key!r}")
    raw = key.encode()
    if len(raw) > MAX_KEY_BYTES:
        raise KeyTooLargeError(
            f"key of {len(raw)} bytes is longer than the {MAX_KEY_BYTES} bytes allowed: "
            f"{key[:64]!r}..."
        )
    return raw


def _check_revision(name: str, revision: int) -> None:
    if not isinstance(revision, int) or revision < 0:
        raise ValueError(f"{name} must be a revision >= 0, not {revision!r}")


class Backend(abc.ABC):
    """An open datastore. Use ``async with`` (or ``start()`` / ``close()``).

    Every successful write gets the next revision, across all keys and all processes sharing
    the database (SQL drivers count from 1; etcd keeps its own counter, whose first write is
    2). Every read is a consistent snapshot at one revision.
    """

    name: str = "?"
    """The driver's name, as in the endpoint scheme."""

    def __init__(self, *, settings: DatastoreSettings) -> None:
        self.settings = settings
        self._started = False
        self._closed = False

    # -- lifecycle -----------------------------------------------------------------------

    async def start(self) -> None:
        """Connect, create the schema when missing, start background work."""
        if self._started:
            return
        self._check_open()
        await self._start()
        self._started = True

    async def close(self) -> None:
        """Stop background work, end every watch, close connections. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._started:
            await self._close()

    async def __aenter__(self) -> Self:
        await self.start()
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    def _check_open(self) -> None:
        if self._closed:
            raise DatastoreClosed(f"the {self.name} datastore backend is closed")

    # -- reads ---------------------------------------------------------------------------

    async def get(self, key: str, revision: int = 0) -> KeyValue | None:
        """The key's version as of ``revision`` (0: now), or None if it did not exist then."""
        self._check_open()
        _check_revision("revision", revision)
        return await self._get(check_key(key), revision)

    async def list(
        self, prefix: str, revision: int = 0, *, limit: int = 0, start_key: str | None = None
    ) -> ListResult:
        """Keys starting with ``prefix``, in byte order, as of one revision.

        ``revision`` 0 reads now. ``limit`` 0 means no limit. ``start_key`` (inclusive)
        continues a paged read: pass the last key returned plus ``"\\x00"`` and the result's
        ``revision``, and every page comes from the same snapshot.
        """
        self._check_open()
        _check_revision("revision", revision)
        if limit < 0:
            raise ValueError(f"limit must be >= 0, not {limit}")
        raw_prefix = prefix.encode()
        raw_start = raw_prefix if start_key is None else start_key.encode()
        raw_start = max(raw_start, raw_prefix)
        return await self._list(raw_prefix, raw_start, revision, limit)

    async def count(self, prefix: str) -> int:
        """How many keys start with ``prefix`` now."""
        self._check_open()
        return await self._count(prefix.encode())

    async def current_revision(self) -> int:
        """The revision of the newest write committed to the database."""
        self._check_open()
        return await self._current_revision()

    async def compact_revision(self) -> int:
        """The newest revision compacted away; reads below it fail with CompactedError."""
        self._check_open()
        return await self._compact_revision()

    # -- writes --------------------------------------------------------------------------

    async def create(self, key: str, value: bytes, *, lease: int = 0) -> TxnResult:
        """Write ``key`` only if it does not exist."""
        self._check_open()
        return await self._create(check_key(key), bytes(value), lease)

    async def update(
        self, key: str, value: bytes, *, expected_mod_revision: int, lease: int = 0
    ) -> TxnResult:
        """Replace ``key`` only if its current version has ``expected_mod_revision``."""
        self._check_open()
        _check_revision("expected_mod_revision", expected_mod_revision)
        if expected_mod_revision == 0:
            raise ValueError("update needs the expected_mod_revision of an existing key")
        return await self._update(check_key(key), bytes(value), expected_mod_revision, lease)

    async def delete(self, key: str, *, expected_mod_revision: int = 0) -> TxnResult:
        """Delete ``key`` if it exists and (unless 0) its version has ``expected_mod_revision``.

        Deleting a missing key fails (``succeeded`` false, ``kv`` None).
        """
        self._check_open()
        _check_revision("expected_mod_revision", expected_mod_revision)
        return await self._delete(check_key(key), expected_mod_revision)

    # -- watch, compaction, leases ------------------------------------------------------

    def watch(self, prefix: str, start_revision: int = 0) -> Watch:
        """Every change to keys under ``prefix`` from ``start_revision`` on, in order.

        ``start_revision`` 0 means "after the revision current when the stream starts" (on
        the first iteration). Use the result with ``async with`` and ``async for``. A start at
        or below the compacted revision raises :class:`CompactedError` from the iterator.
        """
        self._check_open()
        _check_revision("start_revision", start_revision)
        return self._watch(prefix.encode(), start_revision)

    async def compact(self, revision: int) -> None:
        """Forget every version superseded at or before ``revision``.

        Afterwards reads below ``revision`` and watches starting at or below it fail with
        :class:`CompactedError`. Compacting to an older revision than already done is a no-op.
        """
        self._check_open()
        _check_revision("revision", revision)
        await self._compact(revision)

    async def grant_lease(self, ttl: int) -> Lease:
        """A new lease that expires ``ttl`` seconds from now unless kept alive."""
        self._check_open()
        if not isinstance(ttl, int) or ttl <= 0:
            raise ValueError(f"a lease ttl must be a positive number of seconds, not {ttl!r}")
        return await self._grant_lease(ttl)

    async def keepalive_lease(self, lease_id: int) -> Lease:
        """Restart the lease's ttl; :class:`LeaseNotFoundError` if it is gone."""
        self._check_open()
        return await self._keepalive_lease(lease_id)

    async def revoke_lease(self, lease_id: int) -> None:
        """End the lease now, deleting every key attached to it. A lease already gone is
        not an error: the caller wanted it gone."""
        self._check_open()
        await self._revoke_lease(lease_id)

    async def compact_periodically(self) -> None:
        """Every ``compact_interval`` seconds keep only the newest ``compact_retain``
        revisions, as kube-apiserver's compactor does. Runs until cancelled; a failed round
        is logged and the next one tries again (kine once stopped compacting for good)."""
        while True:
            await asyncio.sleep(self.settings.compact_interval)
            try:
                current = await self._current_revision()
                target = current - self.settings.compact_retain
                if target > await self._compact_revision():
                    await self._compact(target)
                    logger.debug("compacted %s to revision %d", self.name, target)
            except DatastoreError as exc:
                logger.warning("background compaction of %s failed, will retry: %s",
                               self.name, exc)

    # -- hooks ----------------------------------------------------------------------------

    @abc.abstractmethod
    async def _start(self) -> None:
        """Connect (retrying while the database is unreachable), ensure the schema."""

    @abc.abstractmethod
    async def _close(self) -> None:
        """Stop every background task within a bounded time and release connections."""

    @abc.abstractmethod
    async def _get(self, key: bytes, revision: int) -> KeyValue | None:
        """One snapshot read. Raise CompactedError / FutureRevisionError for bad revisions."""

    @abc.abstractmethod
    async def _list(self, prefix: bytes, start: bytes, revision: int, limit: int) -> ListResult:
        """Keys in [start, end-of-prefix) from ONE snapshot, with that snapshot's revision."""

    @abc.abstractmethod
    async def _count(self, prefix: bytes) -> int:
        """Live keys under prefix, from one snapshot."""

    @abc.abstractmethod
    async def _current_revision(self) -> int:
        """The newest committed revision, read from the database (not a cache)."""

    @abc.abstractmethod
    async def _compact_revision(self) -> int:
        """The compacted revision as stored in the database."""

    @abc.abstractmethod
    async def _create(self, key: bytes, value: bytes, lease: int) -> TxnResult:
        """Atomically: if key absent, write it at the next revision. Acknowledge only after
        the write is durable in the database."""

    @abc.abstractmethod
    async def _update(self, key: bytes, value: bytes, expected: int, lease: int) -> TxnResult:
        """Atomically: if key's mod revision == expected, write it at the next revision."""

    @abc.abstractmethod
    async def _delete(self, key: bytes, expected: int) -> TxnResult:
        """Atomically: if key exists (and mod revision == expected unless 0), delete it."""

    @abc.abstractmethod
    def _watch(self, prefix: bytes, start_revision: int) -> Watch:
        """A watch that delivers each event once, in revision order, with prev values."""

    @abc.abstractmethod
    async def _compact(self, revision: int) -> None:
        """Compact in small transactions that never hold writers for long."""

    @abc.abstractmethod
    async def _grant_lease(self, ttl: int) -> Lease: ...

    @abc.abstractmethod
    async def _keepalive_lease(self, lease_id: int) -> Lease: ...

    @abc.abstractmethod
    async def _revoke_lease(self, lease_id: int) -> None:
        """Delete the lease and every key attached to it (SQL: each key at its own revision;
        etcd: all of them at one revision)."""
