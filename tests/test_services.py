"""The test servers of ``tests/services.py`` answer real clients, and the TLS ones refuse a
client without a certificate."""

from __future__ import annotations

import base64
import os
import ssl
import subprocess
import sys
import textwrap
from pathlib import Path

import aiohttp
import asyncmy
import asyncpg
import pytest

from k3py.datastore import parse_endpoint
from k3py.datastore.endpoint import (
    EtcdEndpoint,
    MysqlEndpoint,
    PostgresEndpoint,
    SqliteEndpoint,
    TlsFiles,
)
from tests.services import (
    DatastoreTarget,
    EtcdServer,
    MariadbServer,
    PostgresServer,
    ServerProcess,
    _group_members,
)

REPO = Path(__file__).resolve().parent.parent


# -- PostgreSQL -------------------------------------------------------------------------------


async def test_postgres_takes_the_password_user(postgres_server: PostgresServer) -> None:
    conn = await asyncpg.connect(postgres_server.endpoint("postgres"))
    try:
        assert (await conn.fetchval("SHOW server_version")).startswith("15.")
        assert await conn.fetchval("SHOW fsync") == "on"
        await conn.execute("CREATE DATABASE t_services_pg")
    finally:
        await conn.close()


async def test_postgres_refuses_a_wrong_password(postgres_server: PostgresServer) -> None:
    wrong = postgres_server.endpoint("postgres").replace(postgres_server.password, "nope")
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(wrong)


async def test_postgres_tls_takes_the_client_cert(postgres_tls: PostgresServer) -> None:
    # Exactly the DSN k3py's driver builds from --datastore-cafile/certfile/keyfile.
    tls = TlsFiles(postgres_tls.ca_file, postgres_tls.cert_file, postgres_tls.key_file)
    parsed = parse_endpoint(postgres_tls.endpoint_tls("postgres"), data_dir=Path("/"), tls=tls)
    assert isinstance(parsed, PostgresEndpoint)
    assert ("sslmode", "verify-full") in parsed.params
    conn = await asyncpg.connect(parsed.dsn())
    try:
        assert await conn.fetchval("SELECT ssl FROM pg_stat_ssl WHERE pid = pg_backend_pid()")
    finally:
        await conn.close()


async def test_postgres_tls_refuses_a_client_without_cert(postgres_tls: PostgresServer) -> None:
    kwargs = {"host": "127.0.0.1", "port": postgres_tls.port, "user": "k3py",
              "database": "postgres"}
    no_cert = postgres_tls.client_ssl_context(with_cert=False)
    with pytest.raises(asyncpg.InvalidAuthorizationSpecificationError):
        await asyncpg.connect(**kwargs, ssl=no_cert)
    with pytest.raises(asyncpg.InvalidAuthorizationSpecificationError):
        await asyncpg.connect(**kwargs, ssl=False)


# -- MariaDB ----------------------------------------------------------------------------------


async def _mariadb_query(server: MariadbServer, sql: str, *, ctx: ssl.SSLContext | None) -> str:
    conn = await asyncmy.connect(host="127.0.0.1", port=server.port, user="k3py",
                                 password=server.password, ssl=ctx)
    try:
        async with conn.cursor() as cur:
            await cur.execute(sql)
            row = await cur.fetchone()
            return str(row[-1]) if row else ""
    finally:
        # ensure_closed() waits for the socket to close; close() alone leaves a TLS socket
        # open past the end of the event loop (a ResourceWarning, an error here).
        await conn.ensure_closed()


async def test_mariadb_takes_the_password_user(mariadb_server: MariadbServer) -> None:
    assert "MariaDB" in await _mariadb_query(mariadb_server, "SELECT VERSION()", ctx=None)
    await _mariadb_query(mariadb_server, "CREATE DATABASE t_services_my", ctx=None)
    assert mariadb_server.endpoint("db").endswith(f"@tcp(127.0.0.1:{mariadb_server.port})/db")
    parsed = parse_endpoint(mariadb_server.endpoint("db"), data_dir=Path("/"))
    assert isinstance(parsed, MysqlEndpoint)
    assert (parsed.port, parsed.password) == (mariadb_server.port, mariadb_server.password)


async def test_mariadb_tls_takes_the_client_cert(mariadb_tls: MariadbServer) -> None:
    ctx = mariadb_tls.client_ssl_context()
    cipher = await _mariadb_query(mariadb_tls, "SHOW SESSION STATUS LIKE 'Ssl_cipher'", ctx=ctx)
    assert cipher


def test_mariadb_tls_refuses_a_client_without_cert(mariadb_tls: MariadbServer) -> None:
    # With the mariadb client: asyncmy 0.2 leaves the TLS transport of a refused connection
    # unclosed, a ResourceWarning that fails whichever test the garbage collector runs in.
    base = [mariadb_tls.client, "--no-defaults", "--protocol=TCP", "-h", "127.0.0.1",
            "-P", str(mariadb_tls.port), "-u", "k3py", f"--password={mariadb_tls.password}",
            "-e", "SELECT 1"]
    for tls in ([f"--ssl-ca={mariadb_tls.ca_file}", "--ssl-verify-server-cert"], ["--skip-ssl"]):
        done = subprocess.run(base + tls, stdin=subprocess.DEVNULL, capture_output=True,
                              text=True, check=False, timeout=30)
        assert done.returncode != 0
        assert "ERROR 1045" in done.stderr, done.stderr  # access denied


# -- etcd -------------------------------------------------------------------------------------


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def _etcd_roundtrip(server: EtcdServer, ctx: ssl.SSLContext | None) -> bytes:
    key = f"/test-services/{os.urandom(4).hex()}"
    async with aiohttp.ClientSession(base_url=server.endpoint()) as session:
        put = {"key": _b64(key), "value": _b64("hello")}
        async with session.post("/v3/kv/put", json=put, ssl=ctx or False) as resp:
            assert resp.status == 200, await resp.text()
        async with session.post("/v3/kv/range", json={"key": _b64(key)}, ssl=ctx or False) as r:
            body = await r.json()
    return base64.b64decode(body["kvs"][0]["value"])


async def test_etcd_puts_and_ranges(etcd_server: EtcdServer) -> None:
    assert etcd_server.endpoint().startswith("http://127.0.0.1:")
    assert await _etcd_roundtrip(etcd_server, None) == b"hello"


async def test_etcd_tls_takes_the_client_cert(etcd_tls: EtcdServer) -> None:
    assert etcd_tls.endpoint().startswith("https://127.0.0.1:")
    assert await _etcd_roundtrip(etcd_tls, etcd_tls.client_ssl_context()) == b"hello"


async def test_etcd_tls_refuses_a_client_without_cert(etcd_tls: EtcdServer) -> None:
    with pytest.raises(aiohttp.ClientError):
        await _etcd_roundtrip(etcd_tls, etcd_tls.client_ssl_context(with_cert=False))


# -- lifecycle, fixtures ----------------------------------------------------------------------


@pytest.mark.parametrize("kind", [PostgresServer, MariadbServer, EtcdServer])
def test_a_server_survives_a_crash_and_leaves_nothing(kind: type[ServerProcess]) -> None:
    server = kind()
    with server:
        first_pid = server.pid
        server.kill()
        assert not server.running
        server.start()  # recovery on the same data and port
        assert server.running
        assert server.pid != first_pid
        pid = server.pid
    assert pid is not None
    assert not _group_members(pid)
    assert not server.dir.exists()


def test_datastore_endpoint_gives_a_fresh_target(datastore_endpoint: DatastoreTarget) -> None:
    target = datastore_endpoint
    parsed = parse_endpoint(target.endpoint, data_dir=target.data_dir)
    expected = {"sqlite": SqliteEndpoint, "postgres": PostgresEndpoint, "mysql": MysqlEndpoint,
                "etcd": EtcdEndpoint}[target.driver]
    assert isinstance(parsed, expected)
    assert target.data_dir.is_dir()
    assert target.key_prefix.startswith("/t_") and target.key_prefix.endswith("/")
    if isinstance(parsed, PostgresEndpoint | MysqlEndpoint):
        assert parsed.database == target.key_prefix.strip("/")


def test_datastore_endpoint_tls_carries_the_client_files(
    datastore_endpoint_tls: DatastoreTarget,
) -> None:
    target = datastore_endpoint_tls
    for path in (target.ca_file, target.cert_file, target.key_file):
        assert path and Path(path).is_file()
    assert target.key_file and os.stat(target.key_file).st_mode & 0o077 == 0


def test_a_leaked_asyncio_task_fails_the_test(tmp_path: Path) -> None:
    (tmp_path / "conftest.py").write_text(
        "from tests.conftest import _asyncio_task_leak_check, _no_leaked_asyncio_tasks\n"
    )
    (tmp_path / "test_leak.py").write_text(textwrap.dedent("""
        import asyncio

        async def test_leaks():
            asyncio.get_running_loop().create_task(asyncio.sleep(30))

        async def test_cleans_up():
            task = asyncio.get_running_loop().create_task(asyncio.sleep(30))
            task.cancel()
    """))
    (tmp_path / "pytest.ini").write_text("[pytest]\nasyncio_mode = auto\n")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": str(REPO)}, capture_output=True,
        text=True, check=False, timeout=120,
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 passed, 1 error" in done.stdout, done.stdout
    assert "left 1 asyncio task(s) pending" in done.stdout, done.stdout
