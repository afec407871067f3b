"""SQLite: the embedded default. stdlib ``sqlite3`` in WAL mode, one writer thread and one
reader thread, every write in ``BEGIN IMMEDIATE`` so several processes may share the file."""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import os
import sqlite3
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from k3py.datastore.endpoint import SqliteEndpoint
from k3py.datastore.settings import DatastoreSettings
from k3py.datastore.sql.dialect import Dialect
from k3py.datastore.sql.drive import TxKind, drive_sync, persist_statements
from k3py.datastore.sql.log import SqlLogBackend
from k3py.datastore.sql.steps import Execute, ExecuteMany, Fetch, Persist, Request, Step
from k3py.errors import DatastoreError, DatastoreUnavailable, ValueTooLargeError

logger = logging.getLogger(__name__)
T = TypeVar("T")

CHECKPOINT_INTERVAL = 1.0
WAL_BACKSTOP_PAGES = 20_000

SQLITE = Dialect(key_type="BLOB", value_type="BLOB", float_type="REAL", lock_suffix="",
                 log_rev_type="INTEGER", keyed_table_options=" WITHOUT ROWID")


class SqliteBackend(SqlLogBackend):
    name = "sqlite"
    dialect = SQLITE
    default_poll_interval = 0.05

    def __init__(self, endpoint: SqliteEndpoint, *, settings: DatastoreSettings) -> None:
        super().__init__(where=endpoint.redacted(), settings=settings)
        self.endpoint = endpoint
        self._local = threading.local()
        self._connections: list[sqlite3.Connection] = []
        self._lock = threading.Lock()
        self._writer_thread = concurrent.futures.ThreadPoolExecutor(1, "k3py-sqlite-writer")
        self._reader_thread = concurrent.futures.ThreadPoolExecutor(1, "k3py-sqlite-reader")
        self._maintenance_thread = concurrent.futures.ThreadPoolExecutor(1, "k3py-sqlite-wal")

    async def _open(self) -> None:
        path = self.endpoint.path
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        # The database holds every Secret: 0600 from its first byte (SQLite gives its -wal
        # and -shm files the database file's mode).
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
        os.chmod(path, 0o600)
        await self._in_thread(self._writer_thread, self._create_schema)

    def _connection(self) -> sqlite3.Connection:
        conn: sqlite3.Connection | None = getattr(self._local, "conn", None)
        if conn is None:
            conn = sqlite3.connect(self.endpoint.path, isolation_level=None,
                                   check_same_thread=False,
                                   timeout=self.endpoint.busy_timeout_ms / 1000)
            conn.execute(f"PRAGMA busy_timeout = {int(self.endpoint.busy_timeout_ms)}")
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute(f"PRAGMA synchronous = {self.endpoint.synchronous}")
            # Checkpoints run on their own thread (see _checkpointer), off the write path;
            # this only bounds the WAL should that thread fall behind.
            conn.execute(f"PRAGMA wal_autocheckpoint = {WAL_BACKSTOP_PAGES}")
            self._local.conn = conn
            with self._lock:
                self._connections.append(conn)
        return conn

    def _create_schema(self) -> None:
        conn = self._connection()
        conn.execute("BEGIN IMMEDIATE")
        try:
            for statement in self.dialect.schema():
                conn.execute(statement)
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    async def _shutdown(self) -> None:
        for executor in (self._writer_thread, self._reader_thread, self._maintenance_thread):
            await asyncio.to_thread(executor.shutdown, wait=True)
        with self._lock:
            for conn in self._connections:
                conn.close()
            self._connections.clear()

    async def _in_thread(self, executor: concurrent.futures.Executor, fn: Any, *args: Any) -> Any:
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)
        except sqlite3.Error as exc:
            raise _translate(exc) from None

    async def _run(self, step: Step[T], kind: TxKind) -> T:
        writes = kind in (TxKind.WRITE, TxKind.MAINTAIN)
        executor = self._writer_thread if writes else self._reader_thread
        result: T = await self._in_thread(executor, self._run_here, step, kind)
        return result

    def _run_here(self, step: Step[T], kind: TxKind) -> T:
        conn = self._connection()
        if kind is TxKind.SINGLE:
            return drive_sync(step, lambda r: _answer(conn, r))
        # BEGIN IMMEDIATE takes the database's one write lock: that is the revision lock.
        conn.execute("BEGIN" if kind is TxKind.SNAPSHOT else "BEGIN IMMEDIATE")
        try:
            result = drive_sync(step, lambda r: _answer(conn, r))
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        try:
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise DatastoreUnavailable(f"sqlite commit failed: {exc}",
                                       outcome_unknown=kind is not TxKind.SNAPSHOT) from None
        return result

    async def _after_compact(self) -> None:
        await self._checkpoint()

    def _extra_loops(self) -> list[Callable[[], Awaitable[None]]]:
        return [self._checkpointer]

    async def _checkpointer(self) -> None:
        """Copy the WAL back into the database file on a thread of its own, so that commits
        never pay for it (SQLite would otherwise checkpoint inside a writer's COMMIT)."""
        checkpointed = self.written
        while True:
            await asyncio.sleep(CHECKPOINT_INTERVAL)
            if self.written != checkpointed:
                checkpointed = self.written
                await self._checkpoint()

    async def _checkpoint(self) -> None:
        def checkpoint() -> None:
            self._connection().execute("PRAGMA wal_checkpoint(PASSIVE)")

        await self._in_thread(self._maintenance_thread, checkpoint)


def _answer(conn: sqlite3.Connection, request: Request) -> Any:
    if isinstance(request, Persist):
        for statement in persist_statements(SQLITE, request):
            _answer(conn, statement)
        return None
    if isinstance(request, Fetch):
        return conn.execute(request.sql, request.args).fetchall()
    if isinstance(request, Execute):
        return conn.execute(request.sql, request.args).rowcount
    assert isinstance(request, ExecuteMany)
    return conn.executemany(request.sql, request.rows).rowcount


def _translate(exc: sqlite3.Error) -> DatastoreError:
    message = str(exc)
    if "too big" in message:
        return ValueTooLargeError(f"sqlite refused the value: {message}")
    if isinstance(exc, sqlite3.OperationalError) and (
        "locked" in message or "busy" in message or "unable to open" in message
        or "disk I/O" in message
    ):
        return DatastoreUnavailable(f"sqlite: {message}")
    return DatastoreError(f"sqlite error: {message}")
