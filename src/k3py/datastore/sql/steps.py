"""Every SQL conversation the backend has, as I/O-free generators, written once.

A step yields :class:`Fetch`, :class:`Execute` or :class:`ExecuteMany` requests and receives
their answers (rows, or an affected-row count); its return value is the result. A driver runs
a step inside the transaction kind it is given (see ``log.TxKind``): SQLite synchronously on
its own thread, PostgreSQL and MySQL with ``await``. So the algorithm, and its atomicity,
lives here and nowhere else.
"""

from __future__ import annotations

import enum
from collections.abc import Generator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from k3py.datastore.sql.dialect import KEY_SENTINEL_END, Dialect
from k3py.datastore.types import Event, EventType, KeyValue, ListResult, TxnResult
from k3py.errors import CompactedError, FutureRevisionError, LeaseNotFoundError

T = TypeVar("T")
Row = Sequence[Any]


@dataclass(frozen=True, slots=True)
class Fetch:
    sql: str
    args: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class Execute:
    sql: str
    args: tuple[Any, ...] = ()


@dataclass(frozen=True, slots=True)
class ExecuteMany:
    sql: str
    rows: list[tuple[Any, ...]]


@dataclass(frozen=True, slots=True)
class Persist:
    """A write batch's changes: new log rows, live keys to upsert or drop, revoked leases
    and the revision reached. Always a write step's LAST request, so a driver may send it in
    as few round trips as it can, COMMIT included."""

    log_rows: list[tuple[Any, ...]]
    upserts: list[tuple[Any, ...]]
    deletes: list[tuple[Any, ...]]
    revoked_leases: list[int]
    revision: int


Request = Fetch | Execute | ExecuteMany | Persist
Step = Generator[Request, Any, T]

CHUNK = 500
"""The most parameters' worth of keys or revisions put in one ``IN (...)`` list."""


def _chunks(items: Sequence[Any], size: int = CHUNK) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


def _bytes(value: Any) -> bytes:
    return value if isinstance(value, bytes) else bytes(value)


def _kv(name: Any, value: Any, create_rev: int, rev: int, lease: int) -> KeyValue:
    return KeyValue(key=_bytes(name).decode(), value=_bytes(value) if value is not None else b"",
                    create_revision=int(create_rev), mod_revision=int(rev), lease=int(lease))


# -- writes -----------------------------------------------------------------------------


class OpKind(enum.Enum):
    CREATE = "create"
    UPDATE = "update"
    DELETE = "delete"
    REVOKE = "revoke"


@dataclass(frozen=True, slots=True)
class WriteOp:
    kind: OpKind
    key: bytes = b""
    value: bytes = b""
    expected: int = 0
    lease: int = 0


@dataclass(frozen=True, slots=True)
class _Current:
    """A live key's newest version, as the batch sees it."""

    rev: int
    create_rev: int
    lease: int
    value: bytes

    def kv(self, key: bytes) -> KeyValue:
        return KeyValue(key.decode(), self.value, self.create_rev, self.rev, self.lease)


Outcome = TxnResult | LeaseNotFoundError


@dataclass(frozen=True, slots=True)
class BatchResult:
    """Each op's outcome, and the events the batch wrote (revisions after ``start``)."""

    outcomes: list[Outcome]
    start: int
    events: list[Event]


@dataclass(slots=True)
class _Plan:
    """What a batch will write, worked out in memory from the state it loaded."""

    revision: int
    current: dict[bytes, _Current | None]
    live_leases: set[int]
    log_rows: list[tuple[Any, ...]] = field(default_factory=list)
    touched: set[bytes] = field(default_factory=set)
    revoked: list[int] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    events: list[Event] = field(default_factory=list)

    def apply(self, op: WriteOp) -> None:
        if op.kind is OpKind.REVOKE:
            self._revoke(op.lease)
            return
        if op.lease and op.lease not in self.live_leases:
            self.outcomes.append(LeaseNotFoundError(op.lease))
            return
        cur = self.current.get(op.key)
        if op.kind is OpKind.CREATE:
            ok = cur is None
        elif op.kind is OpKind.UPDATE:
            ok = cur is not None and cur.rev == op.expected
        else:
            ok = cur is not None and op.expected in (0, cur.rev)
        if not ok:
            kv = cur.kv(op.key) if cur is not None else None
            self.outcomes.append(TxnResult(succeeded=False, revision=self.revision, kv=kv))
        elif op.kind is OpKind.DELETE:
            assert cur is not None
            self._tombstone(op.key, cur)
            self.outcomes.append(TxnResult(succeeded=True, revision=self.revision, kv=None))
        else:
            self.revision += 1
            create_rev = self.revision if cur is None else cur.create_rev
            self.log_rows.append((self.revision, op.key, create_rev, cur.rev if cur else 0,
                                  op.lease, 0, op.value))
            new = _Current(self.revision, create_rev, op.lease, op.value)
            self.current[op.key] = new
            self.touched.add(op.key)
            kv = new.kv(op.key)
            self.outcomes.append(TxnResult(succeeded=True, revision=self.revision, kv=kv))
            self.events.append(Event(EventType.PUT, self.revision, kv,
                                     cur.kv(op.key) if cur else None))

    def _tombstone(self, key: bytes, cur: _Current) -> None:
        self.revision += 1
        self.log_rows.append((self.revision, key, 0, cur.rev, 0, 1, None))
        self.current[key] = None
        self.touched.add(key)
        self.events.append(Event(EventType.DELETE, self.revision,
                                 KeyValue(key.decode(), b"", 0, self.revision, 0), cur.kv(key)))

    def _revoke(self, lease_id: int) -> None:
        attached = sorted(k for k, c in self.current.items() if c and c.lease == lease_id)
        for key in attached:
            cur = self.current[key]
            assert cur is not None
            self._tombstone(key, cur)
        found = lease_id in self.live_leases
        if found:
            self.revoked.append(lease_id)
            self.live_leases.discard(lease_id)
        self.outcomes.append(TxnResult(succeeded=found, revision=self.revision, kv=None))


def write_batch(d: Dialect, ops: Sequence[WriteOp]) -> Step[BatchResult]:
    """Apply ``ops`` in order in ONE ``TxKind.WRITE`` transaction (it holds the revision
    lock, so what it reads stays true until it commits).

    Each op gets its own revision; a lost compare-and-swap writes nothing and does not
    consume one. Must run inside a write transaction: the driver commits after it returns.
    """
    keys = sorted({op.key for op in ops if op.kind is not OpKind.REVOKE})
    first, rest = keys[:CHUNK], keys[CHUNK:]
    rows = yield Fetch(d.select_revision_and_current(len(first)), tuple(first))
    revision, loaded = int(rows[0][0]), [r[1:] for r in rows if r[1] is not None]
    current = yield from _load_current(d, ops, loaded, rest)
    plan = _Plan(revision=revision, current=current,
                 live_leases=(yield from _load_leases(d, ops)))
    for op in ops:
        plan.apply(op)
    if plan.log_rows or plan.revoked:
        touched = sorted(plan.touched)
        yield Persist(
            log_rows=plan.log_rows,
            upserts=[(k, c.rev, c.create_rev, c.lease) for k in touched
                     if (c := plan.current[k]) is not None],
            deletes=[(k,) for k in touched if plan.current[k] is None],
            revoked_leases=plan.revoked,
            revision=plan.revision,
        )
    return BatchResult(plan.outcomes, revision, plan.events)


def _load_current(
    d: Dialect, ops: Sequence[WriteOp], rows: list[Row], more_keys: Sequence[bytes]
) -> Step[dict[bytes, _Current | None]]:
    """The current version of every key the batch names or revokes (``rows`` came with the
    revision lock; ``more_keys`` did not fit in that statement)."""
    rows = list(rows)
    for chunk in _chunks(more_keys):
        rows += yield Fetch(d.select_current(len(chunk)), tuple(chunk))
    for lease_id in sorted({op.lease for op in ops if op.kind is OpKind.REVOKE}):
        rows += yield Fetch(d.select_current_by_lease, (lease_id,))
    current: dict[bytes, _Current | None] = {}
    for name, rev, create_rev, lease, value in rows:
        current[_bytes(name)] = _Current(int(rev), int(create_rev), int(lease), _bytes(value))
    return current


def _load_leases(d: Dialect, ops: Sequence[WriteOp]) -> Step[set[int]]:
    """Which of the leases the batch names exist."""
    live: set[int] = set()
    lease_ids = sorted({op.lease for op in ops if op.lease})
    for chunk in _chunks(lease_ids):
        live.update(int(r[0]) for r in (yield Fetch(d.select_leases(len(chunk)), tuple(chunk))))
    return live


# -- reads ------------------------------------------------------------------------------


def _scalar(rows: Sequence[Row]) -> int:
    return int(rows[0][0])


def _check_readable(revision: int, *, current: int, compact: int) -> None:
    if revision > current:
        raise FutureRevisionError(revision, current)
    if revision < compact:
        raise CompactedError(revision, compact)


def get(d: Dialect, key: bytes, revision: int) -> Step[KeyValue | None]:
    """One key at a revision; run in a snapshot transaction."""
    if revision == 0:
        rows = yield Fetch(d.get_current, (key,))
        return _kv(*rows[0]) if rows else None
    current = _scalar((yield Fetch(d.get_revision)))
    compact = _scalar((yield Fetch(d.get_compact)))
    _check_readable(revision, current=current, compact=compact)
    rows = yield Fetch(d.get_at, (key, revision))
    if not rows or int(rows[0][5]):
        return None
    return _kv(*rows[0][:5])


def list_range(
    d: Dialect, *, start: bytes, end: bytes | None, revision: int, limit: int
) -> Step[ListResult]:
    """Keys in [start, end) at one revision; run in a snapshot transaction."""
    current = _scalar((yield Fetch(d.get_revision)))
    end_key = end if end is not None else KEY_SENTINEL_END
    fetch_limit = limit + 1 if limit else 2**62
    if revision in (0, current):
        rows = yield Fetch(d.list_current, (start, end_key, fetch_limit))
        revision = current
    else:
        compact = _scalar((yield Fetch(d.get_compact)))
        _check_readable(revision, current=current, compact=compact)
        rows = yield Fetch(d.list_at, (start, end_key, revision, revision, fetch_limit))
    more = bool(limit) and len(rows) > limit
    if more:
        rows = rows[:limit]
    return ListResult(kvs=tuple(_kv(*r) for r in rows), revision=revision, more=more)


def count(d: Dialect, *, start: bytes, end: bytes | None) -> Step[int]:
    rows = yield Fetch(d.count_current, (start, end if end is not None else KEY_SENTINEL_END))
    return _scalar(rows)


def scalar(sql: str) -> Step[int]:
    return _scalar((yield Fetch(sql)))


def event_from_row(row: Row) -> Event:
    """An event from one ``poll``/``events_in_range`` row (the log row joined to its prev)."""
    rev, name, value, create_rev, lease, deleted, prev_rev, p_value, p_create, p_lease = row
    key = _bytes(name).decode()
    prev = None
    if prev_rev:
        prev = KeyValue(key, _bytes(p_value) if p_value is not None else b"", int(p_create or 0),
                        int(prev_rev), int(p_lease or 0))
    if deleted:
        return Event(EventType.DELETE, int(rev), KeyValue(key, b"", 0, int(rev), 0), prev)
    return Event(EventType.PUT, int(rev), _kv(name, value, create_rev, rev, lease), prev)


def poll(d: Dialect, *, after: int, limit: int) -> Step[list[Row]]:
    rows: list[Row] = yield Fetch(d.poll, (after, limit))
    return rows


def events_in_range(
    d: Dialect, *, first: int, last: int, start: bytes, end: bytes | None, limit: int
) -> Step[tuple[list[Event], int]]:
    """Events with first <= revision <= last under [start, end), and the compact revision
    read after them (so a concurrent compaction is noticed)."""
    rows = yield Fetch(d.events_in_range,
                       (first, last, start, end if end is not None else KEY_SENTINEL_END, limit))
    compact = _scalar((yield Fetch(d.get_compact)))
    return [event_from_row(r) for r in rows], compact


# -- compaction -------------------------------------------------------------------------


def compact_batch(d: Dialect, *, target: int) -> Step[int]:
    """Compact up to ``target`` in one transaction holding the compact lock (not the revision
    lock, so writers go on). Returns the compact revision stored afterwards."""
    stored = _scalar((yield Fetch(d.lock_compact)))
    if stored >= target:
        return stored
    superseded = yield Fetch(d.compact_superseded, (stored, target))
    tombstones = yield Fetch(d.compact_tombstones, (stored, target))
    doomed = sorted({int(r[0]) for r in superseded} | {int(r[0]) for r in tombstones})
    for chunk in _chunks(doomed):
        yield Execute(d.delete_log_rows(len(chunk)), tuple(chunk))
    yield Execute(d.set_compact, (target,))
    return target


# -- leases -----------------------------------------------------------------------------


def grant_lease(d: Dialect, *, lease_id: int, ttl: int, expires_at: float) -> Step[None]:
    yield Execute(d.insert_lease, (lease_id, ttl, expires_at))


def keepalive_lease(d: Dialect, *, lease_id: int, now: float) -> Step[int | None]:
    """The lease's ttl after renewing it, or None when it does not exist."""
    rows = yield Fetch(d.get_lease, (lease_id,))
    if not rows:
        return None
    ttl = int(rows[0][0])
    yield Execute(d.renew_lease, (now + ttl, lease_id))
    return ttl


def expired_leases(d: Dialect, *, now: float, limit: int) -> Step[list[int]]:
    rows = yield Fetch(d.expired_leases, (now, limit))
    return [int(r[0]) for r in rows]
