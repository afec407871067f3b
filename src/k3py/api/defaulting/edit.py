"""``Edit``: copy-on-write changes to one dict, so defaulting copies only the path it changes.

Go distinguishes "unset" by type: a pointer is unset when nil, a string when empty, a number
when zero. JSON ``null`` decodes to nil, so ``None`` counts as unset everywhere.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Obj = dict[str, Any]
Fn = Callable[[Obj], Obj]


class Edit:
    """Reads see earlier writes; the first write copies the source dict (shallowly)."""

    __slots__ = ("_out", "_src")

    def __init__(self, src: Obj) -> None:
        self._src = src
        self._out: Obj | None = None

    @property
    def cur(self) -> Obj:
        return self._out if self._out is not None else self._src

    def get(self, key: str) -> Any:
        return self.cur.get(key)

    def set(self, key: str, value: Any) -> None:
        if self._out is None:
            self._out = dict(self._src)
        self._out[key] = value

    def pop(self, key: str) -> None:
        if key in self.cur:
            if self._out is None:
                self._out = dict(self._src)
            del self._out[key]

    def default(self, key: str, value: Any) -> None:
        """Set ``key`` when it is missing or null (Go pointer semantics)."""
        if self.cur.get(key) is None:
            self.set(key, value)

    def default_str(self, key: str, value: str) -> None:
        """Set ``key`` when missing, null or ``""`` (Go string semantics)."""
        current = self.cur.get(key)
        if current is None or current == "":
            self.set(key, value)

    def default_int(self, key: str, value: int) -> None:
        """Set ``key`` when missing, null or 0 (Go integer semantics)."""
        current = self.cur.get(key)
        if current is None or (current == 0 and not isinstance(current, bool)):
            self.set(key, value)

    def sub(self, key: str, fn: Fn, *, create: bool = False) -> None:
        """Apply ``fn`` to the object at ``key`` (to ``{}`` when absent and ``create``)."""
        value = self.cur.get(key)
        if not isinstance(value, dict):
            if not create or value is not None:
                return
            self.set(key, fn({}))
            return
        new = fn(value)
        if new is not value:
            self.set(key, new)

    def each(self, key: str, fn: Fn) -> None:
        """Apply ``fn`` to every object in the list at ``key``."""
        items = self.cur.get(key)
        if not isinstance(items, list):
            return
        changed = None
        for i, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            new = fn(item)
            if new is not item:
                if changed is None:
                    changed = list(items)
                changed[i] = new
        if changed is not None:
            self.set(key, changed)

    def done(self) -> Obj:
        return self.cur


def at(obj: Obj, key: str, *, fn: Fn, create: bool = False) -> Obj:
    """``obj`` with ``fn`` applied to ``obj[key]`` (copying ``obj`` only if that changed)."""
    edit = Edit(obj)
    edit.sub(key, fn, create=create)
    return edit.done()


def each(obj: Obj, key: str, *, fn: Fn) -> Obj:
    edit = Edit(obj)
    edit.each(key, fn)
    return edit.done()


def dig(obj: Any, *keys: str) -> Any:
    """``obj[k1][k2]...``, or None as soon as a step is not an object."""
    for key in keys:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj
