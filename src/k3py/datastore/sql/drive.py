"""Run a step generator against a connection: synchronously (SQLite) or with await."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from k3py.datastore.sql.steps import Request, Step

T = TypeVar("T")


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
