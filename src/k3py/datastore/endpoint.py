"""Parse ``--datastore-endpoint`` strings exactly as K3s does, into one frozen value per driver.

Formats (K3s's): empty (embedded SQLite at ``<data-dir>/server/db/state.db``),
``sqlite://<path>[?params]``, ``postgres://`` or ``postgresql://user:pass@host:port/db[?params]``,
``mysql://user:pass@tcp(host:port)/db[?params]`` (MySQL and MariaDB), and a comma list of
``http(s)://host:port`` URLs for etcd 3.4+. Passwords never appear in ``repr`` or in errors.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from k3py.errors import EndpointError

DEFAULT_DATABASE = "kubernetes"

FORMATS = (
    "sqlite://<path>",
    "postgres://<user>:<password>@<host>:<port>/<database>",
    "mysql://<user>:<password>@tcp(<host>:<port>)/<database>",
    "https://<etcd-host>:2379[,https://<etcd-host>:2379...]",
)


@dataclass(frozen=True, slots=True)
class TlsFiles:
    """Client-side TLS for the datastore connection (``--datastore-cafile/certfile/keyfile``)."""

    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None

    @property
    def enabled(self) -> bool:
        return bool(self.ca_file or self.cert_file or self.key_file)


@dataclass(frozen=True, slots=True)
class SqliteEndpoint:
    path: Path
    synchronous: str = "NORMAL"
    busy_timeout_ms: int = 30_000

    def redacted(self) -> str:
        return f"sqlite://{self.path}"


@dataclass(frozen=True, slots=True)
class PostgresEndpoint:
    host: str
    port: int
    user: str
    password: str = field(repr=False)
    database: str
    params: tuple[tuple[str, str], ...] = ()

    def redacted(self) -> str:
        auth = f"{self.user}:***@" if self.password else f"{self.user}@"
        return f"postgres://{auth}{self.host}:{self.port}/{self.database}"

    def dsn(self, *, database: str | None = None) -> str:
        """A libpq-style URL for asyncpg; it carries the password, so never log it."""
        auth = quote(self.user, safe="")
        if self.password:
            auth += ":" + quote(self.password, safe="")
        query = "&".join(f"{k}={quote(v, safe='/')}" for k, v in self.params)
        host = f"[{self.host}]" if ":" in self.host else self.host
        url = f"postgresql://{auth}@{host}:{self.port}/{quote(database or self.database)}"
        return f"{url}?{query}" if query else url


@dataclass(frozen=True, slots=True)
class MysqlEndpoint:
    user: str
    password: str = field(repr=False)
    database: str
    host: str | None = None
    port: int = 3306
    unix_socket: str | None = None
    params: tuple[tuple[str, str], ...] = ()

    def redacted(self) -> str:
        auth = f"{self.user}:***@" if self.password else f"{self.user}@"
        where = f"unix({self.unix_socket})" if self.unix_socket else f"tcp({self.host}:{self.port})"
        return f"mysql://{auth}{where}/{self.database}"


@dataclass(frozen=True, slots=True)
class EtcdEndpoint:
    urls: tuple[str, ...]

    def redacted(self) -> str:
        return ",".join(self.urls)


Endpoint = SqliteEndpoint | PostgresEndpoint | MysqlEndpoint | EtcdEndpoint


def _error(what: str) -> EndpointError:
    return EndpointError(
        f"invalid datastore endpoint: {what}; expected one of: " + ", ".join(FORMATS)
    )


def parse_endpoint(endpoint: str, *, data_dir: Path, tls: TlsFiles = TlsFiles()) -> Endpoint:
    """Turn an endpoint string into a driver's endpoint value, or raise :class:`EndpointError`.

    ``data_dir`` anchors the default SQLite file and relative SQLite paths, as K3s runs
    from ``<data-dir>/server``.
    """
    endpoint = endpoint.strip()
    server_dir = data_dir / "server"
    if not endpoint:
        return SqliteEndpoint(path=server_dir / "db" / "state.db")
    if "://" not in endpoint:
        raise _error("the endpoint has no '<scheme>://'")
    scheme, rest = endpoint.split("://", 1)
    scheme = scheme.lower()
    if scheme == "sqlite":
        return _parse_sqlite(rest, server_dir)
    if scheme in ("postgres", "postgresql"):
        return _parse_postgres(rest, tls)
    if scheme == "mysql":
        return _parse_mysql(rest, tls)
    if scheme in ("http", "https"):
        return _parse_etcd(endpoint)
    raise _error(f"unknown driver {scheme!r}")


_SQLITE_IGNORED = {"_journal_mode", "_txlock", "_stmt_cache_size", "cache", "mode"}


def _parse_sqlite(rest: str, server_dir: Path) -> SqliteEndpoint:
    path_part, _, query = rest.partition("?")
    path = Path(unquote(path_part or "./db/state.db"))
    if not path.is_absolute():
        path = server_dir / path
    synchronous, busy_ms = "NORMAL", 30_000
    for key, value in parse_qsl(query, keep_blank_values=True):
        if key == "_synchronous":
            synchronous = value.upper()
            if synchronous not in ("NORMAL", "FULL", "EXTRA"):
                raise _error(f"sqlite _synchronous must be NORMAL, FULL or EXTRA, not {value!r}")
        elif key == "_busy_timeout":
            if not value.isdigit():
                raise _error(f"sqlite _busy_timeout must be milliseconds, not {value!r}")
            busy_ms = int(value)
        elif key == "_journal_mode" and value.upper() != "WAL":
            raise _error(f"sqlite _journal_mode must be WAL, not {value!r}")
        elif key not in _SQLITE_IGNORED:
            raise _error(f"unknown sqlite parameter {key!r}")
    return SqliteEndpoint(path=path, synchronous=synchronous, busy_timeout_ms=busy_ms)


def _parse_postgres(rest: str, tls: TlsFiles) -> PostgresEndpoint:
    if not rest:
        rest = "postgres:postgres@localhost/"
    try:
        url = urlsplit("postgres://" + rest)
        port = url.port or 5432
    except ValueError:
        raise _error("the postgres host or port does not parse") from None
    if not url.hostname:
        raise _error("the postgres endpoint names no host")
    database = unquote(url.path.lstrip("/")).lower() or DEFAULT_DATABASE
    if "/" in database:
        raise _error("the postgres database name contains '/'")
    params = dict(parse_qsl(url.query, keep_blank_values=True))
    if tls.enabled:
        for name, value in (("sslrootcert", tls.ca_file), ("sslcert", tls.cert_file),
                            ("sslkey", tls.key_file)):
            if value and name not in params:
                params[name] = value
        params.setdefault("sslmode", "verify-full")
    return PostgresEndpoint(
        host=url.hostname,
        port=port,
        user=unquote(url.username or "postgres"),
        password=unquote(url.password or ""),
        database=database,
        params=tuple(params.items()),
    )


_MYSQL_ADDRESS = re.compile(r"^(?P<net>[a-z0-9]+)(?:\((?P<addr>[^)]*)\))?$")


def _parse_mysql(rest: str, tls: TlsFiles) -> MysqlEndpoint:
    if not rest:
        rest = "root@tcp(127.0.0.1)/" if tls.enabled else "root@unix(/var/run/mysqld/mysqld.sock)/"
    # go-sql-driver: [user[:password]@][net[(addr)]]/dbname[?params]; the last '/' splits.
    head, slash, tail = rest.rpartition("/")
    if not slash:
        raise _error("the mysql endpoint has no '/<database>'")
    database, _, query = tail.partition("?")
    auth, at, address = head.rpartition("@")
    if not at:
        auth, address = "", head
    user, _, password = auth.partition(":")
    match = _MYSQL_ADDRESS.match(address or "tcp(127.0.0.1:3306)")
    if not match:
        raise _error("the mysql address must look like tcp(<host>:<port>) or unix(<socket>)")
    net, addr = match["net"], match["addr"] or ""
    params = tuple(parse_qsl(query, keep_blank_values=True))
    if any(k == "tls" for k, _ in params):
        raise _error("set datastore TLS with --datastore-cafile/certfile/keyfile, not tls=")
    endpoint = MysqlEndpoint(user=user or "root", password=password,
                             database=database or DEFAULT_DATABASE, params=params)
    if net == "unix":
        return dataclasses.replace(endpoint, unix_socket=addr or "/var/run/mysqld/mysqld.sock")
    if net != "tcp":
        raise _error(f"unknown mysql network {net!r}")
    host, port = addr or "127.0.0.1", 3306
    if addr.rfind(":") > addr.rfind("]"):
        host, _, port_text = addr.rpartition(":")
        if not port_text.isdigit():
            raise _error("the mysql port is not a number")
        port = int(port_text)
    return dataclasses.replace(endpoint, host=host.strip("[]"), port=port)


def _parse_etcd(endpoint: str) -> EtcdEndpoint:
    urls = []
    for raw in endpoint.split(","):
        url = raw.strip()
        try:
            parts = urlsplit(url)
            _ = parts.port
        except ValueError:
            raise _error("an etcd URL's host or port does not parse") from None
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise _error("every etcd URL must be http(s)://<host>:<port>")
        if parts.password or parts.username:
            raise _error("etcd URLs may not carry credentials; use client certificates")
        urls.append(f"{parts.scheme}://{parts.netloc}")
    return EtcdEndpoint(urls=tuple(urls))
