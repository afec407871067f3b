"""Real database servers for tests: PostgreSQL 15, MariaDB and etcd 3.4 from the machine's
Debian packages, each in its own temp directory on free 127.0.0.1 ports.

Every server runs in its own process group and gets SIGKILL if the process that started it
dies (start servers from the main thread: the kernel ties this to the starting thread).
``close()`` (also ``with``, the fixtures' finalizers and an ``atexit`` hook) stops the whole
group and removes the directory. ``kill()`` is a crash: SIGKILL to every process of the
server, data left as it was, ``start()`` again runs recovery on the same port.

``tls=True`` gives a server that only takes clients with a certificate from its own test CA;
the client's files are ``ca_file``, ``cert_file`` and ``key_file``.
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import json
import os
import pwd
import shutil
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, ClassVar, Self

from tests.certs import CertAuthority

if TYPE_CHECKING:
    from k3py.datastore import Backend, DatastoreSettings

START_TIMEOUT = 30.0
STOP_TIMEOUT = 20.0
USER = "k3py"  # the database user of every server, and the CN of every client certificate


class ServiceError(RuntimeError):
    """A test server did not start or stop; the message carries its log tail."""


class MissingPackage(ServiceError):
    """A server's program is not installed; ``package`` is the Debian package to install."""

    def __init__(self, program: str, package: str) -> None:
        super().__init__(f"{program} not found: install the Debian package {package}")
        self.package = package


def free_ports(count: int) -> list[int]:
    """``count`` distinct free TCP ports on 127.0.0.1 (held open together while chosen)."""
    socks = [socket.socket() for _ in range(count)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def _require(program: str, package: str) -> str:
    if not Path(program).exists():
        raise MissingPackage(program, package)
    return program


_libc = ctypes.CDLL(None, use_errno=True)
_PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:  # runs in the child between fork and exec
    _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _group_members(pgid: int) -> list[int]:
    """Live (non-zombie) processes of process group ``pgid``."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # state ppid pgrp ...
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.append(int(entry.name))
    return members


_LIVE: set[ServerProcess] = set()


@atexit.register
def _close_all() -> None:
    for server in list(_LIVE):
        server.close()


class ServerProcess:
    """One database server process: prepare once, start, wait until it answers, stop, clean.

    A subclass sets ``program``/``package``/``run_as`` and implements ``_prepare`` (make the
    data directory), ``_command`` and ``_ready`` (one quick probe; ``OSError`` means not yet).
    """

    kind: ClassVar[str]
    package: ClassVar[str]
    run_as: ClassVar[str | None] = None  # system user to run as when we are root
    stop_signal: ClassVar[signal.Signals] = signal.SIGTERM

    def __init__(self, *, tls: bool = False) -> None:
        self.tls = tls
        self.dir = Path(tempfile.mkdtemp(prefix=f"k3py-{self.kind}-"))
        self.log_file = self.dir / "server.log"
        self.ca_file: str | None = None
        self.cert_file: str | None = None
        self.key_file: str | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self._prepared = False
        self.start_seconds = 0.0  # how long the last start() took, preparation included

    # -- lifecycle ------------------------------------------------------------------------

    def start(self) -> Self:
        if self.running:
            return self
        began = time.monotonic()
        if not self._prepared:
            if self.tls:
                self._make_certs()
            self._prepare()
            self._chown()
            self._prepared = True
        self._log = open(self.log_file, "ab")  # noqa: SIM115 - closed in _reap
        self._proc = self._popen(self._command(), stdout=self._log)
        _LIVE.add(self)
        deadline = began + START_TIMEOUT
        while True:
            if self._proc.poll() is not None:
                code = self._proc.returncode
                self._reap()
                raise ServiceError(f"{self.kind} exited with {code} on start\n{self.log_tail()}")
            try:
                if self._ready():
                    self.start_seconds = time.monotonic() - began
                    return self
            except OSError:
                pass
            if time.monotonic() > deadline:
                self.kill()
                raise ServiceError(
                    f"{self.kind} did not answer within {START_TIMEOUT:.0f}s\n{self.log_tail()}"
                )
            time.sleep(0.05)

    def stop(self) -> None:
        """Clean shutdown; SIGKILL to the whole group if it takes longer than STOP_TIMEOUT."""
        if self._proc is None:
            return
        if self._proc.poll() is None:
            self._proc.send_signal(self.stop_signal)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(STOP_TIMEOUT)
        self._reap()

    def kill(self) -> None:
        """Crash the server: SIGKILL to every process in its group, data left as it is."""
        self._reap()

    def close(self) -> None:
        """Stop the server and remove its directory."""
        try:
            self.stop()
        finally:
            _LIVE.discard(self)
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def log_tail(self, lines: int = 40) -> str:
        try:
            text = self.log_file.read_text(errors="replace")
        except OSError:
            return f"(no log at {self.log_file})"
        return "\n".join(text.splitlines()[-lines:])

    # -- shared process handling ----------------------------------------------------------

    def _reap(self) -> None:
        """SIGKILL whatever is left of the process group, wait until it is gone."""
        proc, self._proc = self._proc, None
        if proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            deadline = time.monotonic() + 10
            while _group_members(proc.pid) and time.monotonic() < deadline:
                time.sleep(0.02)
        if self._log is not None:
            self._log.close()
            self._log = None

    def _popen(self, cmd: list[str], *, stdout: IO[bytes] | int) -> subprocess.Popen[bytes]:
        as_user: dict[str, Any] = {}
        if self.run_as and os.geteuid() == 0:
            entry = pwd.getpwnam(self.run_as)
            as_user = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
        env = {"PATH": os.environ.get("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"),
               "LANG": "C.UTF-8", "TZ": "UTC", "HOME": str(self.dir)}
        # preexec_fn only calls prctl(); servers are started from the main thread.
        return subprocess.Popen(
            cmd, stdin=subprocess.DEVNULL, stdout=stdout, stderr=subprocess.STDOUT,
            cwd=self.dir, env=env, start_new_session=True,
            preexec_fn=die_with_parent,  # noqa: PLW1509
            **as_user,
        )

    def _run(self, cmd: list[str]) -> None:
        """Run a setup command (initdb, install-db) as the server's user; raise with its output."""
        proc = self._popen(cmd, stdout=subprocess.PIPE)
        try:
            out, _ = proc.communicate(timeout=START_TIMEOUT)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
        if proc.returncode != 0:
            text = out.decode(errors="replace")[-4000:]
            raise ServiceError(f"{Path(cmd[0]).name} failed ({proc.returncode}):\n{text}")

    def _chown(self) -> None:
        if not self.run_as or os.geteuid() != 0:
            return
        entry = pwd.getpwnam(self.run_as)
        for root, dirs, files in os.walk(self.dir):
            for name in (root, *(os.path.join(root, n) for n in dirs + files)):
                os.chown(name, entry.pw_uid, entry.pw_gid)

    def _make_certs(self) -> None:
        ca = CertAuthority(self.dir / "tls")
        self.server_pair = ca.issue("server", common_name="127.0.0.1", server=True)
        client = ca.issue("client", common_name=USER, server=False)
        self.ca_file = str(ca.ca_file)
        self.cert_file, self.key_file = str(client.cert_file), str(client.key_file)

    def client_ssl_context(self, *, with_cert: bool = True) -> ssl.SSLContext:
        """A client context trusting this server's CA, with the client certificate or not."""
        if self.ca_file is None:
            raise ServiceError(f"this {self.kind} server was started without tls=True")
        ctx = ssl.create_default_context(cafile=self.ca_file)
        if with_cert:
            assert self.cert_file and self.key_file
            ctx.load_cert_chain(self.cert_file, self.key_file)
        return ctx

    # -- per server -----------------------------------------------------------------------

    def _prepare(self) -> None:
        raise NotImplementedError

    def _command(self) -> list[str]:
        raise NotImplementedError

    def _ready(self) -> bool:
        raise NotImplementedError


class PostgresServer(ServerProcess):
    """PostgreSQL 15 as the ``postgres`` system user; superuser ``k3py`` with a password
    (scram-sha-256 over TCP), or, with ``tls=True``, only by client certificate (``cert``)."""

    kind, package, run_as, stop_signal = "postgres", "postgresql-15", "postgres", signal.SIGINT
    BIN = "/usr/lib/postgresql/15/bin"

    def _prepare(self) -> None:
        initdb = _require(f"{self.BIN}/initdb", self.package)
        _require(f"{self.BIN}/postgres", self.package)
        (self.port,) = free_ports(1)
        self.password = os.urandom(12).hex()
        self.data = self.dir / "data"
        socket_dir = self.dir / "sock"
        socket_dir.mkdir()
        pwfile = self.dir / "pwfile"
        pwfile.write_text(self.password + "\n")
        self._chown()
        self._run([initdb, "-D", str(self.data), "-U", USER, f"--pwfile={pwfile}",
                   "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8",
                   "--locale=C", "--no-sync", "--no-instructions"])
        pwfile.unlink()
        conf = ["listen_addresses = '127.0.0.1'", f"port = {self.port}",
                f"unix_socket_directories = '{socket_dir}'", "fsync = on",
                "synchronous_commit = on", "max_connections = 300", "logging_collector = off"]
        hba = ["local all all trust"]
        if self.tls:
            pair = self.server_pair
            conf += ["ssl = on", f"ssl_cert_file = '{pair.cert_file}'",
                     f"ssl_key_file = '{pair.key_file}'", f"ssl_ca_file = '{self.ca_file}'"]
            hba.append(f"hostssl all {USER} 127.0.0.1/32 cert")
        else:
            hba.append("host all all 127.0.0.1/32 scram-sha-256")
        with open(self.data / "postgresql.conf", "a") as f:
            f.write("\n".join(conf) + "\n")
        (self.data / "pg_hba.conf").write_text("\n".join(hba) + "\n")

    def _command(self) -> list[str]:
        return [f"{self.BIN}/postgres", "-D", str(self.data)]

    def _ready(self) -> bool:
        lines = (self.data / "postmaster.pid").read_text().splitlines()
        if len(lines) < 8 or lines[7].strip() != "ready":
            return False
        socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        return True

    def endpoint(self, database: str) -> str:
        """``postgres://k3py:<password>@127.0.0.1:<port>/<database>`` (plain server)."""
        return f"postgres://{USER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def endpoint_tls(self, database: str) -> str:
        """``postgres://k3py@127.0.0.1:<port>/<database>``: pair it with the client files."""
        return f"postgres://{USER}@127.0.0.1:{self.port}/{database}"


class MariadbServer(ServerProcess):
    """MariaDB as the ``mysql`` system user; user ``k3py`` with a password and all privileges,
    which with ``tls=True`` must also present a client certificate (``REQUIRE X509``)."""

    kind, package, run_as = "mariadb", "mariadb-server", "mysql"

    def _prepare(self) -> None:
        install_db = _require("/usr/bin/mariadb-install-db", self.package)
        _require("/usr/sbin/mariadbd", self.package)
        self.client = _require("/usr/bin/mariadb", "mariadb-client")
        (self.port,) = free_ports(1)
        self.password = os.urandom(12).hex()
        self.data = self.dir / "data"
        require = " REQUIRE X509" if self.tls else ""
        (self.dir / "init.sql").write_text(
            f"CREATE USER IF NOT EXISTS '{USER}'@'%' IDENTIFIED BY '{self.password}'{require};\n"
            f"GRANT ALL PRIVILEGES ON *.* TO '{USER}'@'%' WITH GRANT OPTION;\n"
        )
        self._chown()
        self._run([install_db, "--no-defaults", f"--datadir={self.data}", "--skip-test-db",
                   "--auth-root-authentication-method=socket", "--skip-name-resolve"])

    def _command(self) -> list[str]:
        cmd = ["/usr/sbin/mariadbd", "--no-defaults", f"--datadir={self.data}",
               f"--port={self.port}", f"--socket={self.dir}/mysqld.sock",
               f"--pid-file={self.dir}/mysqld.pid", f"--tmpdir={self.dir}",
               "--bind-address=127.0.0.1", "--skip-networking=0", "--skip-name-resolve",
               f"--init-file={self.dir}/init.sql", "--max-connections=500",
               "--innodb-flush-log-at-trx-commit=1", "--character-set-server=utf8mb4"]
        if self.tls:
            pair = self.server_pair
            cmd += [f"--ssl-ca={self.ca_file}", f"--ssl-cert={pair.cert_file}",
                    f"--ssl-key={pair.key_file}"]
        return cmd

    def _ready(self) -> bool:
        cmd = [self.client, "--no-defaults", "--protocol=TCP", "-h", "127.0.0.1",
               "-P", str(self.port), "-u", USER, f"--password={self.password}",
               "--connect-timeout=1", "-e", "SELECT 1"]
        if self.tls:
            cmd += [f"--ssl-ca={self.ca_file}", f"--ssl-cert={self.cert_file}",
                    f"--ssl-key={self.key_file}", "--ssl-verify-server-cert"]
        done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, check=False)
        return done.returncode == 0

    def endpoint(self, database: str) -> str:
        """``mysql://k3py:<password>@tcp(127.0.0.1:<port>)/<database>`` (TLS: add the files)."""
        return f"mysql://{USER}:{self.password}@tcp(127.0.0.1:{self.port})/{database}"

    endpoint_tls = endpoint


class EtcdServer(ServerProcess):
    """A single-member etcd 3.4 (``/usr/bin/etcd``); ``tls=True`` serves https and demands
    a client certificate."""

    kind, package = "etcd", "etcd-server"

    def _prepare(self) -> None:
        _require("/usr/bin/etcd", self.package)
        self.port, self.peer_port = free_ports(2)

    def _command(self) -> list[str]:
        peer = f"http://127.0.0.1:{self.peer_port}"
        cmd = ["/usr/bin/etcd", "--name=test", f"--data-dir={self.dir}/data",
               f"--listen-client-urls={self.endpoint()}",
               f"--advertise-client-urls={self.endpoint()}",
               f"--listen-peer-urls={peer}", f"--initial-advertise-peer-urls={peer}",
               f"--initial-cluster=test={peer}", "--initial-cluster-state=new",
               "--max-request-bytes=10485760", "--logger=zap", "--log-outputs=stderr"]
        if self.tls:
            pair = self.server_pair
            cmd += [f"--cert-file={pair.cert_file}", f"--key-file={pair.key_file}",
                    "--client-cert-auth", f"--trusted-ca-file={self.ca_file}"]
        return cmd

    def _ready(self) -> bool:
        handlers: list[urllib.request.BaseHandler] = [urllib.request.ProxyHandler({})]
        if self.tls:
            handlers.append(urllib.request.HTTPSHandler(context=self.client_ssl_context()))
        opener = urllib.request.build_opener(*handlers)
        with opener.open(f"{self.endpoint()}/health", timeout=1) as response:
            return b'"true"' in response.read()

    def endpoint(self) -> str:
        """``http://127.0.0.1:<port>``, or ``https://`` with ``tls=True``."""
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    endpoint_tls = endpoint


@dataclass(frozen=True, slots=True)
class DatastoreTarget:
    """Where one test's datastore lives: pass these to ``k3py.datastore.open_backend`` (or
    call :meth:`open_backend`). ``key_prefix`` is unique per test: prefix every key with it,
    as etcd's keyspace and revision counter are shared by all tests of a session."""

    driver: str
    endpoint: str
    data_dir: Path
    key_prefix: str
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None

    def open_backend(self, *, settings: DatastoreSettings | None = None) -> Backend:
        from k3py.datastore import open_backend

        return open_backend(self.endpoint, data_dir=self.data_dir, ca_file=self.ca_file,
                            cert_file=self.cert_file, key_file=self.key_file,
                            settings=settings)


class EtcdMember(ServerProcess):
    """One member of an :class:`EtcdCluster`; ready once its client port takes connections
    (a member answers ``/health`` only when the cluster has a quorum, so the cluster waits
    for that after starting every member)."""

    kind, package = "etcd", "etcd-server"

    def __init__(self, *, name: str, cluster: EtcdCluster) -> None:
        super().__init__()
        self.name, self.cluster = name, cluster
        self.port, self.peer_port = free_ports(2)

    def _prepare(self) -> None:
        _require("/usr/bin/etcd", self.package)

    @property
    def peer_url(self) -> str:
        return f"http://127.0.0.1:{self.peer_port}"

    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def _command(self) -> list[str]:
        return ["/usr/bin/etcd", f"--name={self.name}", f"--data-dir={self.dir}/data",
                f"--listen-client-urls={self.endpoint()}",
                f"--advertise-client-urls={self.endpoint()}",
                f"--listen-peer-urls={self.peer_url}",
                f"--initial-advertise-peer-urls={self.peer_url}",
                f"--initial-cluster={self.cluster.initial_cluster}",
                "--initial-cluster-state=new", f"--initial-cluster-token={self.cluster.token}",
                "--max-request-bytes=10485760", "--logger=zap", "--log-outputs=stderr"]

    def _ready(self) -> bool:
        socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
        return True

    def healthy(self) -> bool:
        """Whether this member answers ``/health`` with true (it sees a leader)."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        try:
            with opener.open(f"{self.endpoint()}/health", timeout=1) as response:
                return b'"true"' in response.read()
        except OSError:
            return False

    def is_leader(self) -> bool:
        """Whether this member is the raft leader now (``/v3/maintenance/status``)."""
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        request = urllib.request.Request(f"{self.endpoint()}/v3/maintenance/status",
                                         data=b"{}", method="POST")
        try:
            with opener.open(request, timeout=1) as response:
                status = json.loads(response.read())
        except OSError:
            return False
        return bool(status["header"]["member_id"] == status["leader"])


class EtcdCluster:
    """Three etcd 3.4 members (``/usr/bin/etcd``) on loopback, plain http, one raft cluster.

    ``endpoint()`` is the comma list of their client URLs, as ``--datastore-endpoint`` takes
    it. ``members[i].kill()`` crashes one member (``start()`` on it again rejoins);
    ``close()`` (also ``with``) stops every member and removes their directories.
    """

    def __init__(self, size: int = 3) -> None:
        self.token = "k3py-test-" + os.urandom(4).hex()
        self.members = [EtcdMember(name=f"m{i}", cluster=self) for i in range(size)]
        self.initial_cluster = ",".join(f"{m.name}={m.peer_url}" for m in self.members)

    def start(self) -> Self:
        try:
            for member in self.members:
                member.start()
            deadline = time.monotonic() + START_TIMEOUT
            while not all(member.healthy() for member in self.members):
                if time.monotonic() > deadline:
                    tails = "\n".join(f"-- {m.name}:\n{m.log_tail(15)}" for m in self.members)
                    raise ServiceError(f"etcd cluster not healthy within {START_TIMEOUT:.0f}s"
                                       f"\n{tails}")
                time.sleep(0.05)
        except BaseException:
            self.close()
            raise
        return self

    def endpoint(self, *, first: EtcdMember | None = None) -> str:
        """``http://127.0.0.1:<p1>,http://127.0.0.1:<p2>,http://127.0.0.1:<p3>``, with
        ``first``'s URL first if given (a client starts with the first URL)."""
        first = first or self.members[0]
        rest = [member for member in self.members if member is not first]
        return ",".join(member.endpoint() for member in (first, *rest))

    def leader(self) -> EtcdMember:
        """The member that is raft leader now."""
        return next(member for member in self.members if member.is_leader())

    def close(self) -> None:
        """Stop every member (even if one fails to stop) and remove their directories."""
        errors = []
        for member in self.members:
            try:
                member.close()
            except Exception as exc:  # stop the others, then re-raise
                errors.append(exc)
        if errors:
            raise errors[0]

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()
