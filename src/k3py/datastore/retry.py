"""Exponential backoff within a time budget, for a database that is away for a while."""

from __future__ import annotations

import asyncio


class Backoff:
    """Sleeps 0.05 s, 0.1 s, ... up to ``cap`` between tries, for ``budget`` seconds in all."""

    def __init__(self, *, budget: float, first: float = 0.05, cap: float = 2.0) -> None:
        self._deadline = asyncio.get_running_loop().time() + budget
        self._delay = first
        self._cap = cap

    async def wait(self) -> bool:
        """Sleep before the next try; False (without sleeping) once the budget is spent."""
        remaining = self._deadline - asyncio.get_running_loop().time()
        if remaining <= 0:
            return False
        await asyncio.sleep(min(self._delay, remaining))
        self._delay = min(self._delay * 2, self._cap)
        return True
