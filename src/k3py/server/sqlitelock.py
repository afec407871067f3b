"""One server per SQLite datastore. SQLite serves a single server (it has no network and
cannot be shared between hosts), so a second `k3py server` on the same file is refused with
the reason, instead of two servers quietly fighting over one cluster."""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from k3py.errors import ConfigError


class SqliteServerLock:
    """An exclusive lock held on ``<database>.server-lock`` while the server runs."""

    def __init__(self, database: Path) -> None:
        self._path = database.with_name(database.name + ".server-lock")
        self._fd: int | None = None

    def acquire(self) -> None:
        self._path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            raise ConfigError(
                f"another k3py server is already running on the SQLite datastore "
                f"{self._path.with_name(self._path.name.removesuffix('.server-lock'))}: an "
                "embedded SQLite datastore serves exactly one server. For several servers "
                "(high availability), point every server at one PostgreSQL, MySQL/MariaDB or "
                "etcd with --datastore-endpoint and the same --token") from None
        self._fd = fd

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
