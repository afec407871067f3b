"""Faults: an unreachable database is retried and then reported, without credentials."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import pytest

from k3py.datastore import DatastoreSettings, open_backend
from k3py.errors import DatastoreError, DatastoreUnavailable

from ..services import free_ports


@pytest.mark.parametrize("scheme", [
    "postgres://k3py:hunter2@127.0.0.1:{port}/db",
    "mysql://k3py:hunter2@tcp(127.0.0.1:{port})/db",
    "http://127.0.0.1:{port}",
])
async def test_unreachable_database_is_retried_then_reported_without_password(
    scheme: str, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    (port,) = free_ports(1)
    backend = open_backend(scheme.format(port=port), data_dir=tmp_path,
                           settings=DatastoreSettings(retry_timeout=1.5, connect_timeout=1))
    began = time.monotonic()
    with caplog.at_level(logging.INFO), pytest.raises(DatastoreUnavailable) as caught:
        await backend.start()
    await backend.close()
    assert time.monotonic() - began >= 1.0, "it retried before giving up"
    assert "hunter2" not in str(caught.value)
    assert "hunter2" not in caplog.text
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) <= 1, "logged once per state change, not once per retry"


async def test_wrong_password_is_a_clear_error_not_a_retry_loop(
    postgres_server: object, tmp_path: Path
) -> None:
    endpoint = postgres_server.endpoint("nopass")  # type: ignore[attr-defined]
    wrong = endpoint.replace("k3py:", "k3py:wrong", 1) if "k3py:" in endpoint else endpoint
    backend = open_backend(wrong, data_dir=tmp_path,
                           settings=DatastoreSettings(retry_timeout=30))
    began = time.monotonic()
    with pytest.raises(DatastoreError, match="password authentication failed") as caught:
        await backend.start()
    await backend.close()
    assert time.monotonic() - began < 10
    assert "wrong" not in str(caught.value).replace("wrong password", "")


async def test_closed_backend_refuses_calls(tmp_path: Path) -> None:
    async with open_backend("", data_dir=tmp_path) as store:
        await store.create("/k", b"v")
    with pytest.raises(DatastoreError, match="closed"):
        await store.get("/k")


async def test_sqlite_files_are_private(tmp_path: Path) -> None:
    async with open_backend("", data_dir=tmp_path) as store:
        await store.create("/secret", b"x")
        db = tmp_path / "server" / "db"
        modes = {p.name: p.stat().st_mode & 0o777 for p in db.iterdir()}
    assert (db.stat().st_mode & 0o777) == 0o700
    assert modes["state.db"] == 0o600
    assert all(mode == 0o600 for mode in modes.values()), modes
