"""Tunables of a datastore backend, with the defaults K3s users get."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, kw_only=True)
class DatastoreSettings:
    """How a backend polls, compacts, batches and retries.

    ``poll_interval`` bounds how late a write made by *another* process reaches this
    process's watchers (PostgreSQL is woken sooner by LISTEN/NOTIFY; local writes wake the
    poller at once). ``poll_interval=None`` takes the driver's own default.
    """

    poll_interval: float | None = None
    poll_batch: int = 500
    compact_interval: float = 300.0
    compact_retain: int = 1000
    compact_batch: int = 1000
    lease_check_interval: float = 0.5
    write_batch: int = 256
    watch_queue: int = 10_000
    max_connections: int = 10
    retry_timeout: float = 30.0
    connect_timeout: float = 10.0
