"""MySQL and MariaDB through asyncmy: ``VARBINARY`` keys (byte order, case-sensitive, unlike
kine's ascii_general_ci), READ COMMITTED sessions (no gap locks against writers), polling."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import ssl
from collections.abc import Sequence
from typing import Any, TypeVar

import asyncmy
from asyncmy import errors as mysql_errors

from k3py.datastore.endpoint import MysqlEndpoint, TlsFiles
from k3py.datastore.settings import DatastoreSettings
from k3py.datastore.sql.dialect import Dialect, format_placeholders
from k3py.datastore.sql.drive import TxKind, drive_async, persist_statements
from k3py.datastore.sql.log import SqlLogBackend
from k3py.datastore.sql.steps import ExecuteMany, Fetch, Persist, Request, Step
from k3py.errors import DatastoreError, DatastoreUnavailable, ValueTooLargeError

logger = logging.getLogger(__name__)
T = TypeVar("T")

UNKNOWN_DATABASE = 1049
RETRYABLE_CODES = {1020, 1040, 1053, 1205, 1213, 1927, 2002, 2003, 2006, 2013, 2055, 4031}
PACKET_TOO_LARGE = {1153, 1301}
TLS_CLOSE_GRACE = 0.1


class _MysqlDialect(Dialect):
    def schema(self) -> list[str]:
        engine = " ENGINE=InnoDB"
        return [
            "CREATE TABLE IF NOT EXISTS k3py_log (rev BIGINT NOT NULL PRIMARY KEY,"
            " name VARBINARY(2048) NOT NULL, create_rev BIGINT NOT NULL,"
            " prev_rev BIGINT NOT NULL, lease BIGINT NOT NULL, deleted SMALLINT NOT NULL,"
            " value LONGBLOB, INDEX k3py_log_name_rev (name, rev))" + engine,
            "CREATE TABLE IF NOT EXISTS k3py_current (name VARBINARY(2048) NOT NULL PRIMARY KEY,"
            " rev BIGINT NOT NULL, create_rev BIGINT NOT NULL, lease BIGINT NOT NULL,"
            " INDEX k3py_current_lease (lease))" + engine,
            "CREATE TABLE IF NOT EXISTS k3py_meta (name VARCHAR(32) NOT NULL PRIMARY KEY,"
            " value BIGINT NOT NULL)" + engine,
            "CREATE TABLE IF NOT EXISTS k3py_lease (id BIGINT NOT NULL PRIMARY KEY,"
            " ttl BIGINT NOT NULL, expires_at DOUBLE NOT NULL,"
            " INDEX k3py_lease_expires (expires_at))" + engine,
            *(f"INSERT INTO k3py_meta (name, value) VALUES ('{name}', 0)"
              " ON DUPLICATE KEY UPDATE value = value" for name in ("revision", "compact")),
        ]


MYSQL = _MysqlDialect(
    key_type="VARBINARY(2048)", value_type="LONGBLOB", float_type="DOUBLE",
    upsert_tail=(" ON DUPLICATE KEY UPDATE rev = VALUES(rev), create_rev = VALUES(create_rev),"
                 " lease = VALUES(lease)"),
)


@functools.lru_cache(maxsize=512)
def _sql(text: str) -> str:
    return format_placeholders(text)


def _code(exc: BaseException) -> int:
    args = getattr(exc, "args", ())
    return args[0] if args and isinstance(args[0], int) else 0


def _translate(exc: BaseException, *, outcome_unknown: bool = False) -> DatastoreError:
    code = _code(exc)
    text = str(exc)
    if code in PACKET_TOO_LARGE or "max_allowed_packet" in text:
        return ValueTooLargeError(f"mysql refused the value as too large: {text}")
    if (code in RETRYABLE_CODES or isinstance(exc, (OSError, TimeoutError,
                                                    mysql_errors.InterfaceError))
            or (isinstance(exc, mysql_errors.OperationalError) and code >= 2000)):
        return DatastoreUnavailable(f"mysql: {text}", outcome_unknown=outcome_unknown)
    return DatastoreError(f"mysql error: {text}")


_NATIVE = (mysql_errors.MySQLError, OSError, TimeoutError)


def _tls_context(tls: TlsFiles) -> ssl.SSLContext | None:
    if not tls.enabled:
        return None
    context = ssl.create_default_context(cafile=tls.ca_file)
    if not tls.ca_file:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    if tls.cert_file:
        context.load_cert_chain(tls.cert_file, tls.key_file)
    return context


class MysqlBackend(SqlLogBackend):
    name = "mysql"
    dialect = MYSQL
    default_poll_interval = 0.1

    def __init__(self, endpoint: MysqlEndpoint, *, tls: TlsFiles,
                 settings: DatastoreSettings) -> None:
        super().__init__(where=endpoint.redacted(), settings=settings)
        self.endpoint = endpoint
        self._ssl = _tls_context(tls)
        self._pool: Any = None

    def _connect_args(self, *, database: str | None) -> dict[str, Any]:
        e = self.endpoint
        args: dict[str, Any] = {
            "user": e.user, "password": e.password, "autocommit": True,
            "connect_timeout": self.settings.connect_timeout, "ssl": self._ssl,
            "init_command": "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
            "charset": "utf8mb4", "max_allowed_packet": 64 * 1024 * 1024,
        }
        if database:
            args["database"] = database
        if e.unix_socket:
            args["unix_socket"] = e.unix_socket
        else:
            args["host"], args["port"] = e.host, e.port
        return args

    async def _open(self) -> None:
        await self.connect_retrying(self._connect)

    async def _connect(self) -> None:
        try:
            try:
                pool = await self._create_pool()
            except mysql_errors.OperationalError as exc:
                if _code(exc) != UNKNOWN_DATABASE:
                    raise
                await self._create_database()
                pool = await self._create_pool()
            async with pool.acquire() as conn, conn.cursor() as cur:
                await cur.execute("SET SESSION sql_notes = 0")  # "already exists" is expected
                await cur.execute("SELECT GET_LOCK('k3py_schema', 30)")
                try:
                    for statement in self.dialect.schema():
                        await cur.execute(statement)
                finally:
                    await cur.execute("SELECT RELEASE_LOCK('k3py_schema')")
                    await cur.execute("SET SESSION sql_notes = 1")
        except _NATIVE as exc:
            if self._ssl is not None:  # a refused TLS connection finishes closing a bit later
                await asyncio.sleep(TLS_CLOSE_GRACE)
            raise _translate(exc) from None
        self._pool = pool

    async def _create_pool(self) -> Any:
        return await asyncmy.create_pool(
            minsize=1, maxsize=self.settings.max_connections, pool_recycle=120,
            **self._connect_args(database=self.endpoint.database))

    async def _create_database(self) -> None:
        """``CREATE DATABASE IF NOT EXISTS``, as K3s does (``kubernetes`` by default)."""
        name = self.endpoint.database.replace("`", "``")
        conn = await asyncmy.connect(**self._connect_args(database=None))
        try:
            async with conn.cursor() as cur:
                await cur.execute(f"CREATE DATABASE IF NOT EXISTS `{name}`")
            logger.info("created mysql database %s", self.endpoint.database)
        finally:
            await conn.ensure_closed()  # close() would leave a TLS socket open

    async def _shutdown(self) -> None:
        if self._pool is not None:
            self._pool.close()
            try:
                await asyncio.wait_for(self._pool.wait_closed(), 5)
            except TimeoutError:
                self._pool.terminate()

    async def _run(self, step: Step[T], kind: TxKind) -> T:
        pool = self._pool
        if pool is None:
            raise DatastoreUnavailable("mysql: not connected")
        try:
            conn = await pool.acquire()
        except _NATIVE as exc:
            raise _translate(exc) from None
        try:
            return await _in_transaction(conn, step, kind)
        finally:
            # After COMMIT the outcome is decided: trouble handing the connection back must
            # not turn an acknowledged write into an error.
            try:
                await pool.release(conn)
            except Exception as exc:
                logger.debug("dropping a broken mysql connection: %s", exc)
                with contextlib.suppress(Exception):
                    conn.close()


_BEGIN = {
    # Multi-statement text: the transaction and the revision lock in one round trip.
    TxKind.WRITE: f"START TRANSACTION; {MYSQL.lock_revision}",
    TxKind.MAINTAIN: "START TRANSACTION",
    TxKind.SNAPSHOT: "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ;"
                     " START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY",
}
PERSIST_INLINE_BYTES = 4 * 1024 * 1024
"""Batches whose values total less than this go in as one multi-statement round trip."""


async def _execute_all(cur: Any, sql: str, args: Sequence[Any] = ()) -> None:
    """Run a multi-statement text and read every result, so that errors surface here."""
    await cur.execute(sql, args or None)
    while await cur.nextset():
        pass


class _Tx:
    """A transaction's state: the BEGIN still to send (it rides with the first statement)
    and whether a Persist already committed."""

    __slots__ = ("begin", "committed")

    def __init__(self, begin: str | None) -> None:
        self.begin = begin
        self.committed = False

    def prefixed(self, sql: str) -> tuple[str, int]:
        """``sql`` behind the pending BEGIN, and how many results the BEGIN adds."""
        if self.begin is None:
            return sql, 0
        begin, self.begin = self.begin, None
        return f"{begin}; {sql}", len(begin.split(";"))


async def _in_transaction(conn: Any, step: Step[T], kind: TxKind) -> T:
    tx = _Tx(None if kind is TxKind.SINGLE else _BEGIN[kind])
    try:
        async with conn.cursor() as cur:
            if kind is TxKind.SINGLE:
                return await drive_async(step, lambda r: _answer(cur, r, tx))
            try:
                result = await drive_async(step, lambda r: _answer(cur, r, tx))
                if tx.begin is not None:  # the step sent nothing at all
                    await _execute_all(cur, *tx.prefixed("SELECT 1")[:1])
            except BaseException:
                if not tx.committed:
                    with contextlib.suppress(Exception):
                        await conn.rollback()
                raise
    except _NATIVE as exc:
        raise _translate(exc) from None
    if tx.committed:
        return result
    try:
        await conn.commit()
    except _NATIVE as exc:
        raise _translate(exc, outcome_unknown=kind is not TxKind.SNAPSHOT) from None
    return result


def _persist_inline(persist: Persist) -> tuple[str, list[Any]]:
    """A whole Persist as one multi-statement text and its arguments."""
    def rows(n: int, width: int) -> str:
        return ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * n)

    def marks(n: int) -> str:
        return ", ".join(["%s"] * n)

    parts: list[str] = []
    args: list[Any] = []
    if persist.log_rows:
        parts.append("INSERT INTO k3py_log (rev, name, create_rev, prev_rev, lease, deleted,"
                     f" value) VALUES {rows(len(persist.log_rows), 7)}")
        args += [v for row in persist.log_rows for v in row]
    if persist.upserts:
        parts.append("INSERT INTO k3py_current (name, rev, create_rev, lease)"
                     f" VALUES {rows(len(persist.upserts), 4)}{MYSQL.upsert_tail}")
        args += [v for row in persist.upserts for v in row]
    if persist.deletes:
        parts.append(f"DELETE FROM k3py_current WHERE name IN ({marks(len(persist.deletes))})")
        args += [row[0] for row in persist.deletes]
    if persist.revoked_leases:
        parts.append(f"DELETE FROM k3py_lease WHERE id IN ({marks(len(persist.revoked_leases))})")
        args += persist.revoked_leases
    if persist.log_rows:
        parts.append("UPDATE k3py_meta SET value = %s WHERE name = 'revision'")
        args.append(persist.revision)
    return "; ".join(parts), args


async def _answer(cur: Any, request: Request, tx: _Tx) -> Any:
    """Answer one request; a pending BEGIN travels in front of it in the same round trip,
    and a Persist small enough carries the COMMIT behind it."""
    if isinstance(request, Persist):
        size = sum(len(row[6] or b"") for row in request.log_rows)
        if size >= PERSIST_INLINE_BYTES:
            for statement in persist_statements(MYSQL, request):
                await _answer(cur, statement, tx)
            return None
        sql, args = _persist_inline(request)
        try:
            await _execute_all(cur, tx.prefixed(f"{sql}; COMMIT")[0], args)
        except _NATIVE as exc:
            # MySQL stops at a failing statement, so a reported error means no COMMIT; a
            # lost connection leaves its fate unknown.
            reported = isinstance(exc, mysql_errors.MySQLError) and 0 < _code(exc) < 2000
            raise _translate(exc, outcome_unknown=not reported) from None
        tx.committed = True
        return None
    if isinstance(request, ExecuteMany):
        if tx.begin is not None:
            await _execute_all(cur, tx.prefixed("SELECT 1")[0])
        return await cur.executemany(_sql(request.sql), request.rows)
    sql, skip = tx.prefixed(_sql(request.sql))
    count = await cur.execute(sql, request.args or None)
    for _ in range(skip):  # the BEGIN's own results come first
        await cur.nextset()
    if isinstance(request, Fetch):
        return list(await cur.fetchall())
    return count
