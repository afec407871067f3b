"""Endpoint strings parse exactly as K3s takes them, and errors never echo passwords."""

from __future__ import annotations

from pathlib import Path

import pytest

from k3py.datastore.endpoint import (
    EtcdEndpoint,
    MysqlEndpoint,
    PostgresEndpoint,
    SqliteEndpoint,
    TlsFiles,
    parse_endpoint,
)
from k3py.errors import EndpointError

DATA = Path("/var/lib/k3py")


def parse(endpoint: str, tls: TlsFiles = TlsFiles()) -> object:
    return parse_endpoint(endpoint, data_dir=DATA, tls=tls)


def test_empty_endpoint_is_embedded_sqlite_under_the_data_dir() -> None:
    assert parse("") == SqliteEndpoint(path=DATA / "server/db/state.db")


def test_sqlite_paths_and_kine_parameters() -> None:
    assert parse("sqlite:///abs/state.db") == SqliteEndpoint(path=Path("/abs/state.db"))
    relative = parse("sqlite://./db/other.db?_journal_mode=WAL&cache=shared&_synchronous=FULL")
    assert relative == SqliteEndpoint(path=DATA / "server/db/other.db", synchronous="FULL")
    with pytest.raises(EndpointError, match="unknown sqlite parameter 'bogus'"):
        parse("sqlite:///x.db?bogus=1")


def test_postgres_defaults_like_k3s() -> None:
    ep = parse("postgres://")
    assert isinstance(ep, PostgresEndpoint)
    assert (ep.user, ep.password, ep.host, ep.port, ep.database) == (
        "postgres", "postgres", "localhost", 5432, "kubernetes")
    ep = parse("postgresql://u:p%40ss@db.example:6543/MyDB?sslmode=disable")
    assert isinstance(ep, PostgresEndpoint)
    assert (ep.user, ep.password, ep.host, ep.port, ep.database) == (
        "u", "p@ss", "db.example", 6543, "mydb")
    assert ("sslmode", "disable") in ep.params


def test_postgres_tls_files_become_libpq_parameters() -> None:
    ep = parse("postgres://u:p@h/db", TlsFiles("/ca.pem", "/c.pem", "/k.pem"))
    assert isinstance(ep, PostgresEndpoint)
    assert dict(ep.params) == {"sslrootcert": "/ca.pem", "sslcert": "/c.pem",
                               "sslkey": "/k.pem", "sslmode": "verify-full"}


def test_mysql_go_dsn_forms() -> None:
    ep = parse("mysql://user:pa:ss@w0rd@tcp(10.0.0.5:3307)/k3s")
    assert ep == MysqlEndpoint(user="user", password="pa:ss@w0rd", database="k3s",
                               host="10.0.0.5", port=3307)
    assert parse("mysql://") == MysqlEndpoint(
        user="root", password="", database="kubernetes",
        unix_socket="/var/run/mysqld/mysqld.sock")
    assert parse("mysql://", TlsFiles(ca_file="/ca")) == MysqlEndpoint(
        user="root", password="", database="kubernetes", host="127.0.0.1", port=3306)
    ep = parse("mysql://u:p@tcp(db)/")
    assert isinstance(ep, MysqlEndpoint) and (ep.host, ep.port, ep.database) == (
        "db", 3306, "kubernetes")


def test_etcd_comma_lists() -> None:
    assert parse("https://e1:2379,https://e2:2379") == EtcdEndpoint(
        urls=("https://e1:2379", "https://e2:2379"))


@pytest.mark.parametrize(("endpoint", "complaint"), [
    ("localhost:5432", "has no '<scheme>://'"),
    ("redis://h:6379", "unknown driver 'redis'"),
    ("mysql://u:hunter2@tcp(h:notaport)/db", "port is not a number"),
    ("mysql://u:hunter2@udp(h)/db", "unknown mysql network 'udp'"),
    ("mysql://u:hunter2@tcp(h:3306)/db?tls=skip-verify", "not tls="),
    ("postgres://u:hunter2@h:99999/db", "host or port does not parse"),
    ("https://u:hunter2@e1:2379", "may not carry credentials"),
])
def test_malformed_endpoints_name_the_format_and_hide_the_password(
    endpoint: str, complaint: str
) -> None:
    with pytest.raises(EndpointError) as caught:
        parse(endpoint)
    message = str(caught.value)
    assert complaint in message
    assert "mysql://<user>:<password>@tcp(<host>:<port>)/<database>" in message
    assert "hunter2" not in message


def test_reprs_and_redacted_forms_hide_the_password() -> None:
    for endpoint in ("postgres://u:hunter2@h/db", "mysql://u:hunter2@tcp(h:1)/db"):
        ep = parse(endpoint)
        assert "hunter2" not in repr(ep)
        assert "hunter2" not in ep.redacted()  # type: ignore[attr-defined]
