"""A revisioned, watchable key-value store with etcd v3 semantics over SQLite, PostgreSQL,
MySQL/MariaDB or etcd. It knows nothing about Kubernetes.

Entry point: :func:`open_backend`, which picks the driver from the endpoint string exactly as
K3s's ``--datastore-endpoint`` does.
"""

from __future__ import annotations

from pathlib import Path

from k3py.datastore.backend import Backend
from k3py.datastore.endpoint import (
    Endpoint,
    EtcdEndpoint,
    MysqlEndpoint,
    PostgresEndpoint,
    SqliteEndpoint,
    TlsFiles,
    parse_endpoint,
)
from k3py.datastore.settings import DatastoreSettings
from k3py.datastore.types import Event, EventType, KeyValue, Lease, ListResult, TxnResult
from k3py.datastore.watch import Watch

__all__ = [
    "Backend",
    "DatastoreSettings",
    "Endpoint",
    "Event",
    "EventType",
    "KeyValue",
    "Lease",
    "ListResult",
    "TxnResult",
    "Watch",
    "open_backend",
    "parse_endpoint",
]


def open_backend(
    endpoint: str = "",
    *,
    data_dir: str | Path = "/var/lib/k3py",
    ca_file: str | None = None,
    cert_file: str | None = None,
    key_file: str | None = None,
    settings: DatastoreSettings | None = None,
) -> Backend:
    """The backend for ``endpoint``, not yet connected: use ``async with`` or ``start()``.

    Raises :class:`k3py.errors.EndpointError` for an endpoint that does not parse.
    """
    tls = TlsFiles(ca_file=ca_file, cert_file=cert_file, key_file=key_file)
    parsed = parse_endpoint(endpoint, data_dir=Path(data_dir), tls=tls)
    settings = settings or DatastoreSettings()
    if isinstance(parsed, SqliteEndpoint):
        from k3py.datastore.sql.sqlite import SqliteBackend

        return SqliteBackend(parsed, settings=settings)
    if isinstance(parsed, PostgresEndpoint):
        from k3py.datastore.sql.postgres import PostgresBackend

        return PostgresBackend(parsed, settings=settings)
    if isinstance(parsed, MysqlEndpoint):
        from k3py.datastore.sql.mysql import MysqlBackend

        return MysqlBackend(parsed, tls=tls, settings=settings)
    assert isinstance(parsed, EtcdEndpoint)
    from k3py.datastore.etcd import EtcdBackend

    return EtcdBackend(parsed, tls=tls, settings=settings)
