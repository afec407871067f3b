"""Values the datastore hands out: key-values, events, results. Immutable and driver-neutral."""

from __future__ import annotations

import enum
from dataclasses import dataclass

MAX_KEY_BYTES = 2048
"""The longest key (UTF-8 bytes) every driver can index; MySQL's index limit sets it."""


@dataclass(frozen=True, slots=True)
class KeyValue:
    """One version of one key.

    ``mod_revision`` is the revision that wrote this version; ``create_revision`` the one that
    created the key (since its last deletion); ``lease`` the lease id it is attached to, or 0.
    """

    key: str
    value: bytes
    create_revision: int
    mod_revision: int
    lease: int = 0


@dataclass(frozen=True, slots=True)
class ListResult:
    """One page of a range read, all of it as of ``revision``.

    Pass ``revision`` back with ``start_key`` set past the last key to read the next page of
    the same snapshot. ``more`` says keys remain past this page.
    """

    kvs: tuple[KeyValue, ...]
    revision: int
    more: bool


@dataclass(frozen=True, slots=True)
class TxnResult:
    """The outcome of a conditional write.

    ``succeeded`` false means the condition did not hold and nothing was written. ``revision``
    is the store revision the answer was given at (on success: the revision of this write).
    ``kv`` is the key as written on success (None for a delete); on failure the key's current
    version, or None when it does not exist.
    """

    succeeded: bool
    revision: int
    kv: KeyValue | None


class EventType(enum.Enum):
    PUT = "PUT"
    DELETE = "DELETE"
    PROGRESS = "PROGRESS"


@dataclass(frozen=True, slots=True)
class Event:
    """A change, in revision order; or a progress mark.

    For PUT, ``kv`` is the new version and ``prev_kv`` the version it replaced (None on a
    create). For DELETE, ``kv`` carries the key, an empty value and the deleting revision as
    ``mod_revision``; ``prev_kv`` is the deleted version. For PROGRESS, ``kv`` and ``prev_kv``
    are None and every event up to ``revision`` has already been delivered on this watch.
    """

    type: EventType
    revision: int
    kv: KeyValue | None
    prev_kv: KeyValue | None = None


@dataclass(frozen=True, slots=True)
class Lease:
    """A TTL lease: keys written with its id vanish when it expires or is revoked."""

    id: int
    ttl: int


def prefix_range_end(prefix: bytes) -> bytes | None:
    """The first key past every key that starts with ``prefix``; None means no upper bound."""
    end = bytearray(prefix)
    while end:
        if end[-1] < 0xFF:
            end[-1] += 1
            return bytes(end)
        end.pop()
    return None
