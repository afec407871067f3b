"""How drivers run steps: the transaction kinds, driving a step generator synchronously
(SQLite) or with await, and the portable way to answer a :class:`Persist`."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from k3py.datastore.sql.dialect import Dialect
from k3py.datastore.sql.steps import Execute, ExecuteMany, Persist, Request, Step

T = TypeVar("T")


class TxKind(enum.Enum):
    """The transaction a driver wraps a step in."""

    WRITE = "write"
    """Read-write, holding the revision lock from its first statement (``Dialect.
    lock_revision``); committed after the step returns. Only write batches use it."""
    MAINTAIN = "maintain"
    """Read-write without the revision lock, so writers go on (compaction, leases)."""
    SNAPSHOT = "snapshot"
    """Read-only, every statement sees the same snapshot."""
    SINGLE = "single"
    """Autocommit: each statement is its own snapshot."""


def drive_sync(step: Step[T], answer: Callable[[Request], Any]) -> T:
    """Feed each request of ``step`` to ``answer`` and return the step's result."""
    reply: Any = None
    while True:
        try:
            request = step.send(reply)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        reply = answer(request)


async def drive_async(step: Step[T], answer: Callable[[Request], Awaitable[Any]]) -> T:
    """Like :func:`drive_sync`, awaiting each answer."""
    reply: Any = None
    while True:
        try:
            request = step.send(reply)
        except StopIteration as done:
            return done.value  # type: ignore[no-any-return]
        reply = await answer(request)


def persist_statements(d: Dialect, persist: Persist) -> list[Execute | ExecuteMany]:
    """A Persist as plain statements: log rows, live-key upserts and drops, revoked leases,
    the revision."""
    statements: list[Execute | ExecuteMany] = []
    if persist.log_rows:
        statements.append(ExecuteMany(d.insert_log, persist.log_rows))
    if persist.upserts:
        statements.append(ExecuteMany(d.upsert_current, persist.upserts))
    if persist.deletes:
        statements.append(ExecuteMany(d.delete_current, persist.deletes))
    statements += [Execute(d.delete_lease, (lease,)) for lease in persist.revoked_leases]
    if persist.log_rows:
        statements.append(Execute(d.set_revision, (persist.revision,)))
    return statements
