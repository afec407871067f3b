"""Fixtures shared by every test.

Database servers (session-scoped, started on first use, stopped at session end):
``postgres_server``, ``mariadb_server``, ``etcd_server`` and their TLS twins ``postgres_tls``,
``mariadb_tls``, ``etcd_tls`` (see ``tests/services.py``).

``datastore_endpoint`` runs a test once per driver (ids ``sqlite``, ``postgres``, ``mysql``,
``etcd``) and gives it a :class:`DatastoreTarget` with a fresh database; ``datastore_endpoint_tls``
does the same over client-certificate TLS (``postgres``, ``mysql``, ``etcd``).

Every async test fails if it leaves asyncio tasks pending (kopf's fixture, adapted).
"""

from __future__ import annotations

import asyncio
import os
import re
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import TypeVar

import pytest
from pytest_asyncio import is_async_test

from tests.services import (
    DatastoreTarget,
    EtcdServer,
    MariadbServer,
    MissingPackage,
    PostgresServer,
    ServerProcess,
)

__all__ = ["DatastoreTarget"]

S = TypeVar("S", bound=ServerProcess)


def _serve(server: S) -> Iterator[S]:
    try:
        try:
            server.start()
        except MissingPackage as exc:
            reason = f"needs the Debian package {exc.package} ({exc}); scripts/test.sh installs it"
            if os.environ.get("CI"):
                pytest.fail(reason)
            pytest.skip(reason)
        yield server
    finally:
        server.close()


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    yield from _serve(PostgresServer())


@pytest.fixture(scope="session")
def mariadb_server() -> Iterator[MariadbServer]:
    yield from _serve(MariadbServer())


@pytest.fixture(scope="session")
def etcd_server() -> Iterator[EtcdServer]:
    yield from _serve(EtcdServer())


@pytest.fixture(scope="session")
def postgres_tls() -> Iterator[PostgresServer]:
    yield from _serve(PostgresServer(tls=True))


@pytest.fixture(scope="session")
def mariadb_tls() -> Iterator[MariadbServer]:
    yield from _serve(MariadbServer(tls=True))


@pytest.fixture(scope="session")
def etcd_tls() -> Iterator[EtcdServer]:
    yield from _serve(EtcdServer(tls=True))


def _unique_name(request: pytest.FixtureRequest) -> str:
    """A database name unique to this test, readable in a server's log: ``t_<test>_<hex>``."""
    base = re.sub(r"[^a-z0-9]+", "_", request.node.name.lower()).strip("_")[:40]
    return f"t_{base}_{uuid.uuid4().hex[:8]}"


def _target(request: pytest.FixtureRequest, tmp_path: Path, *, tls: bool) -> DatastoreTarget:
    driver: str = request.param
    name = _unique_name(request)
    data_dir = tmp_path / "k3py"
    data_dir.mkdir()
    server: ServerProcess
    if driver == "sqlite":
        return DatastoreTarget(driver=driver, endpoint=f"sqlite://{tmp_path}/state.db",
                               data_dir=data_dir, key_prefix=f"/{name}/")
    if driver == "postgres":
        server = request.getfixturevalue("postgres_tls" if tls else "postgres_server")
        assert isinstance(server, PostgresServer)
        endpoint = server.endpoint_tls(name) if tls else server.endpoint(name)
    elif driver == "mysql":
        server = request.getfixturevalue("mariadb_tls" if tls else "mariadb_server")
        assert isinstance(server, MariadbServer)
        endpoint = server.endpoint(name)
    else:
        server = request.getfixturevalue("etcd_tls" if tls else "etcd_server")
        assert isinstance(server, EtcdServer)
        endpoint = server.endpoint()
    return DatastoreTarget(driver=driver, endpoint=endpoint, data_dir=data_dir,
                           key_prefix=f"/{name}/", ca_file=server.ca_file,
                           cert_file=server.cert_file, key_file=server.key_file)


@pytest.fixture(params=["sqlite", "postgres", "mysql", "etcd"])
def datastore_endpoint(request: pytest.FixtureRequest, tmp_path: Path) -> DatastoreTarget:
    return _target(request, tmp_path, tls=False)


@pytest.fixture(params=["postgres", "mysql", "etcd"])
def datastore_endpoint_tls(request: pytest.FixtureRequest, tmp_path: Path) -> DatastoreTarget:
    return _target(request, tmp_path, tls=True)


# -- leaked asyncio tasks ---------------------------------------------------------------------


@pytest.fixture(autouse=True)
def _no_leaked_asyncio_tasks(request: pytest.FixtureRequest) -> None:
    """Fail an async test that leaves tasks pending once it and its fixtures are done."""
    if is_async_test(request.node):
        request.getfixturevalue("_asyncio_task_leak_check")


@pytest.fixture
async def _asyncio_task_leak_check() -> AsyncIterator[None]:
    before = asyncio.all_tasks()
    yield
    for _ in range(10):  # let tasks cancelled at teardown run their finally blocks
        await asyncio.sleep(0)
    this = asyncio.current_task()
    leaked = [t for t in asyncio.all_tasks() if t not in before and t is not this]
    if not leaked:
        return
    for task in leaked:
        task.cancel()
    await asyncio.wait(leaked, timeout=5)
    names = ", ".join(repr(t.get_coro()) for t in leaked)
    pytest.fail(f"the test left {len(leaked)} asyncio task(s) pending: {names}")
