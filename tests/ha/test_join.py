"""Several `k3py server` processes over one PostgreSQL database, joined by the token: one
cluster (one CA), every server's node Ready, writes through one server read and watched
through another; and the refusals, each with its message."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..conftest import _serve
from ..server.support import SRC, Server, kubectl, start_server, stop_server
from ..services import EtcdServer, MariadbServer, PostgresServer

TOKEN = "correct-horse-battery-staple"


@pytest.fixture
def endpoint(postgres_server: PostgresServer) -> str:
    return postgres_server.endpoint("ha_" + uuid.uuid4().hex[:12])


@pytest.fixture(params=["mysql", "etcd"])
def other_endpoint(request: pytest.FixtureRequest) -> Iterator[str]:
    """A fresh MariaDB database, or an etcd of its own (etcd has no databases to keep
    clusters apart)."""
    if request.param == "mysql":
        mariadb: MariadbServer = request.getfixturevalue("mariadb_server")
        yield mariadb.endpoint("ha_" + uuid.uuid4().hex[:12])
        return
    yield from (etcd.endpoint() for etcd in _serve(EtcdServer()))


@pytest.fixture
def first(tmp_path: Path, endpoint: str) -> Iterator[Server]:
    server = start_server(tmp_path / "a", "--datastore-endpoint", endpoint, "--token", TOKEN,
                          "--node-name", "server-a", agent=True)
    yield server
    if server.process.poll() is None:
        assert stop_server(server) == 0, server.log.read_text()


def refused(tmp_path: Path, endpoint: str, *args: str) -> tuple[int, str, Path]:
    """Run a server expected to refuse: its exit code, its log, its data dir."""
    data = tmp_path / "data"
    done = subprocess.run(
        [sys.executable, "-m", "k3py", "server", "--data-dir", str(data),
         "--https-listen-port", "1", "--bind-address", "127.0.0.1",
         "--write-kubeconfig", str(tmp_path / "kc.yaml"), "--disable-agent",
         "--datastore-endpoint", endpoint, *args],
        env=dict(os.environ, PYTHONPATH=str(SRC)), capture_output=True, text=True,
        timeout=60, check=False)
    return done.returncode, done.stdout + done.stderr, data


def endpoint_ports(server: Server, cache: Path) -> list[int]:
    """The ports of the API servers the kubernetes Endpoints list now."""
    done = kubectl(server, "get", "endpoints", "kubernetes", "-o", "json", cache=cache)
    subsets = json.loads(done.stdout).get("subsets") or []
    return sorted(p["port"] for s in subsets for p in s["ports"])


def _ready_nodes(server: Server, cache: Path) -> set[str]:
    done = kubectl(server, "get", "nodes", "--no-headers", cache=cache)
    return {line.split()[0] for line in done.stdout.splitlines()
            if len(line.split()) > 2 and line.split()[1] == "Ready"}


def test_two_servers_are_one_cluster(tmp_path: Path, endpoint: str, first: Server) -> None:
    second = start_server(tmp_path / "b", "--datastore-endpoint", endpoint, "--token", TOKEN,
                          "--node-name", "server-b", agent=True)
    try:
        tls_a, tls_b = (s.data_dir / "server" / "tls" for s in (first, second))
        for name in ("server-ca.crt", "client-ca.crt", "service.key"):
            assert (tls_a / name).read_bytes() == (tls_b / name).read_bytes()
        cache = tmp_path / "cache"
        deadline = time.monotonic() + 15
        while _ready_nodes(second, cache) != {"server-a", "server-b"} or \
                _ready_nodes(first, cache) != {"server-a", "server-b"}:
            assert time.monotonic() < deadline, kubectl(second, "get", "nodes",
                                                        cache=cache).stdout
            time.sleep(0.2)
        roles = kubectl(first, "get", "node", "server-b", "--no-headers", cache=cache).stdout
        assert roles.split()[2] == "control-plane,master"
        # One server's admin kubeconfig works against the other: both serving certs come
        # from one server CA, both accept certificates of one client CA.
        other = kubectl(second, "--server", second.url, "get", "ns", "default", "-o", "name",
                        cache=cache, kubeconfig=first.kubeconfig)
        assert other.returncode == 0, other.stderr
        assert other.stdout.strip() == "namespace/default"
        env = dict(os.environ, KUBECACHEDIR=str(tmp_path / "watch-cache"))
        watcher = subprocess.Popen(
            ["/usr/bin/kubectl", "--kubeconfig", str(second.kubeconfig), "get", "configmaps",
             "--watch-only", "-o", "name", "--request-timeout=10s"],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        time.sleep(1.5)
        made = kubectl(first, "create", "configmap", "through-a", "--from-literal=k=v",
                       cache=cache)
        assert made.returncode == 0, made.stderr
        read = kubectl(second, "get", "configmap", "through-a", "-o", "json", cache=cache)
        assert json.loads(read.stdout)["data"] == {"k": "v"}
        time.sleep(1.0)
        watcher.terminate()
        seen = watcher.communicate(timeout=10)[0]
        assert seen.split() == ["configmap/through-a"]
    finally:
        assert stop_server(second) == 0, second.log.read_text()


def test_first_server_without_a_token_makes_one(tmp_path: Path, endpoint: str) -> None:
    server = start_server(tmp_path / "a", "--datastore-endpoint", endpoint)
    try:
        token_file = server.data_dir / "server" / "token"
        token = token_file.read_text().strip()
        assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
        head, _, credentials = token.partition("::")
        assert head.startswith("K10") and len(head) == 3 + 64
        user, _, password = credentials.partition(":")
        assert user == "server" and len(password) == 32
        assert (server.data_dir / "server" / "node-token").read_text().strip() == token
        joined = start_server(tmp_path / "b", "--datastore-endpoint", endpoint,
                              "--token", token)  # the full form, CA hash checked
        assert stop_server(joined) == 0
        code, log, data = refused(tmp_path / "c", endpoint)
        assert code == 1
        assert "this datastore already holds a cluster" in log
        assert not (data / "server" / "tls").exists()
    finally:
        assert stop_server(server) == 0, server.log.read_text()


def test_a_wrong_token_is_refused_and_leaves_nothing_behind(tmp_path: Path, endpoint: str,
                                                             first: Server) -> None:
    code, log, data = refused(tmp_path / "w", endpoint, "--token", "not-the-token")
    assert code == 1
    assert "bootstrap data already found and encrypted with different token" in log
    assert TOKEN not in log and "not-the-token" not in log
    assert not (data / "server" / "tls").exists()
    again = start_server(tmp_path / "w", "--datastore-endpoint", endpoint, "--token", TOKEN,
                         "--node-name", "retry")
    assert stop_server(again) == 0


def test_a_token_for_another_cluster_ca_is_refused(tmp_path: Path, endpoint: str,
                                                   first: Server) -> None:
    foreign = "K10" + "0" * 64 + "::server:" + TOKEN
    code, log, _ = refused(tmp_path / "f", endpoint, "--token", foreign)
    assert code == 1
    assert "CA hash does not match" in log


def test_a_differing_critical_setting_is_refused(tmp_path: Path, endpoint: str,
                                                 first: Server) -> None:
    code, log, _ = refused(tmp_path / "s", endpoint, "--token", TOKEN,
                           "--cluster-cidr", "10.99.0.0/16", "--disable", "traefik")
    assert code == 1
    assert "critical configuration value mismatch" in log
    assert "cluster-cidr: this server has '10.99.0.0/16', the cluster has '10.42.0.0/16'" in log
    assert "disable: this server has 'traefik', the cluster has ''" in log


def test_kubernetes_endpoints_list_every_live_server(tmp_path: Path, endpoint: str,
                                                     first: Server) -> None:
    second = start_server(tmp_path / "b", "--datastore-endpoint", endpoint, "--token", TOKEN,
                          "--node-name", "server-b")
    cache = tmp_path / "cache"

    def ports() -> list[int]:
        return endpoint_ports(first, cache)

    try:
        deadline = time.monotonic() + 15
        while ports() != sorted([first.port, second.port]):
            assert time.monotonic() < deadline, ports()
            time.sleep(0.2)
    finally:
        assert stop_server(second) == 0, second.log.read_text()
    deadline = time.monotonic() + 10
    while ports() != [first.port]:  # a clean stop drops out at once
        assert time.monotonic() < deadline, ports()
        time.sleep(0.2)


def test_a_killed_server_drops_out_of_the_endpoints(tmp_path: Path, endpoint: str,
                                                     first: Server) -> None:
    second = start_server(tmp_path / "b", "--datastore-endpoint", endpoint, "--token", TOKEN,
                          "--node-name", "server-b")
    cache = tmp_path / "cache"

    def ports() -> list[int]:
        return endpoint_ports(first, cache)

    deadline = time.monotonic() + 15
    while ports() != sorted([first.port, second.port]):
        assert time.monotonic() < deadline, ports()
        time.sleep(0.2)
    second.process.kill()
    second.process.wait(10)
    killed = time.monotonic()
    while ports() != [first.port]:  # its lease (15 s) runs out, the next pass drops it
        assert time.monotonic() - killed < 30, ports()
        time.sleep(0.5)


def test_controllers_run_on_one_server_and_move_when_it_dies(tmp_path: Path, endpoint: str,
                                                              first: Server) -> None:
    second = start_server(tmp_path / "b", "--datastore-endpoint", endpoint, "--token", TOKEN,
                          "--node-name", "server-b")
    cache = tmp_path / "cache"
    servers = {"server-a": first, "server-b": second}

    def holder(via: Server) -> str:
        done = kubectl(via, "-n", "kube-system", "get", "lease", "k3py-controllers", "-o",
                       "jsonpath={.spec.holderIdentity}", cache=cache)
        return done.stdout.split("_")[0] if done.returncode == 0 else ""

    try:
        deadline = time.monotonic() + 15
        while holder(second) not in servers:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        leader_name = holder(second)
        leader = servers.pop(leader_name)
        survivor = next(iter(servers.values()))
        leader.process.kill()
        leader.process.wait(10)
        killed = time.monotonic()
        assert kubectl(survivor, "create", "namespace", "after-failover",
                       cache=cache).returncode == 0
        assert kubectl(survivor, "delete", "namespace", "after-failover", "--wait=false",
                       cache=cache).returncode == 0
        while kubectl(survivor, "get", "namespace", "after-failover",
                      cache=cache).returncode == 0:  # only a running controller finalizes it
            assert time.monotonic() - killed < 15, holder(survivor)
            time.sleep(0.2)
        assert holder(survivor) not in ("", leader_name)
    finally:
        for server in (first, second):
            if server.process.poll() is None:
                assert stop_server(server) == 0, server.log.read_text()


def test_two_servers_share_one_cluster_on_mariadb_and_etcd(tmp_path: Path,
                                                         other_endpoint: str) -> None:
    servers = [start_server(tmp_path / name, "--datastore-endpoint", other_endpoint,
                            "--token", TOKEN, "--node-name", name, agent=True)
               for name in ("server-a", "server-b")]
    cache = tmp_path / "cache"
    try:
        deadline = time.monotonic() + 15
        while _ready_nodes(servers[1], cache) != {"server-a", "server-b"}:
            assert time.monotonic() < deadline
            time.sleep(0.2)
        assert kubectl(servers[0], "create", "configmap", "shared", cache=cache).returncode == 0
        read = kubectl(servers[1], "get", "configmap", "shared", "-o", "name", cache=cache)
        assert read.stdout.strip() == "configmap/shared"
    finally:
        for server in servers:
            assert stop_server(server) == 0, server.log.read_text()


def test_a_second_server_on_one_sqlite_file_is_refused(tmp_path: Path) -> None:
    database = tmp_path / "shared" / "state.db"
    server = start_server(tmp_path / "a", "--datastore-endpoint", f"sqlite://{database}")
    try:
        code, log, _ = refused(tmp_path / "b", f"sqlite://{database}")
        assert code == 1
        assert "embedded SQLite datastore serves exactly one server" in log
        assert "--datastore-endpoint" in log
    finally:
        assert stop_server(server) == 0, server.log.read_text()


def test_token_rotation_moves_the_cluster_to_the_new_token(tmp_path: Path, endpoint: str,
                                                            first: Server) -> None:
    new_token = "a-brand-new-token"
    done = subprocess.run(
        [sys.executable, "-m", "k3py", "token", "rotate", "--token", TOKEN,
         "--new-token", new_token, "--data-dir", str(first.data_dir),
         "--datastore-endpoint", endpoint],
        env=dict(os.environ, PYTHONPATH=str(SRC)), capture_output=True, text=True,
        timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "Token rotated" in done.stdout
    token_file = (first.data_dir / "server" / "token").read_text().strip()
    assert token_file.endswith("::server:" + new_token)
    cache = tmp_path / "cache"
    assert kubectl(first, "get", "ns", "default", cache=cache).returncode == 0  # still serving
    code, log, data = refused(tmp_path / "old", endpoint, "--token", TOKEN)
    assert code == 1 and "encrypted with different token" in log
    assert not (data / "server" / "tls").exists()
    joined = start_server(tmp_path / "new", "--datastore-endpoint", endpoint,
                          "--token", new_token, "--node-name", "joined-after-rotation")
    assert stop_server(joined) == 0


def test_a_malformed_endpoint_is_refused_without_echoing_secrets(tmp_path: Path) -> None:
    code, log, data = refused(tmp_path, "mysql://k3py:hunter2@127.0.0.1:3306/db",
                              "--token", TOKEN)
    assert code == 1
    assert "tcp(" in log  # names the format K3s expects: mysql://user:pass@tcp(host:port)/db
    assert "hunter2" not in log and TOKEN not in log
    assert not (data / "server" / "tls").exists()


def test_bootstrap_tokens_create_list_authenticate_and_delete(tmp_path: Path) -> None:
    server = start_server(tmp_path / "a")
    try:
        base = [sys.executable, "-m", "k3py", "token"]
        flags = ["--data-dir", str(server.data_dir), "--https-listen-port", str(server.port),
                 "--bind-address", "127.0.0.1"]
        env = dict(os.environ, PYTHONPATH=str(SRC))

        def token_cli(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([*base, *args], env=env, capture_output=True, text=True,
                                  timeout=60, check=False)

        generated = token_cli("generate").stdout.strip()
        assert len(generated) == 23 and generated[6] == "."
        made = token_cli("create", *flags, "--description", "for agents", "--ttl", "1h")
        assert made.returncode == 0, made.stderr
        full = made.stdout.strip()
        head, _, bootstrap = full.partition("::")
        assert head.startswith("K10") and len(head) == 67 and len(bootstrap) == 23
        listed = token_cli("list", *flags)
        assert bootstrap.split(".")[0] in listed.stdout and "for agents" in listed.stdout
        again = token_cli("create", *flags, bootstrap)
        assert again.returncode == 1 and "already exists" in again.stderr
        tls = server.data_dir / "server" / "tls"
        kubeconfig = tmp_path / "bootstrap.yaml"
        kubeconfig.write_text(json.dumps({
            "apiVersion": "v1", "kind": "Config", "current-context": "b",
            "clusters": [{"name": "c", "cluster": {
                "server": server.url, "certificate-authority": str(tls / "server-ca.crt")}}],
            "users": [{"name": "b", "user": {"token": bootstrap}}],
            "contexts": [{"name": "b", "context": {"cluster": "c", "user": "b"}}]}))
        cache = tmp_path / "cache"
        who = kubectl(server, "auth", "whoami", "-o", "json", cache=cache,
                      kubeconfig=kubeconfig)
        assert who.returncode == 0, who.stderr
        info = json.loads(who.stdout)["status"]["userInfo"]
        assert info["username"] == "system:bootstrap:" + bootstrap.split(".")[0]
        assert "system:bootstrappers" in info["groups"]
        short = token_cli("create", *flags, "--ttl", "1s")
        short_id = short.stdout.strip().partition("::")[2].split(".")[0]
        deadline = time.monotonic() + 20
        while short_id in token_cli("list", *flags).stdout:  # the token cleaner removes it
            assert time.monotonic() < deadline
            time.sleep(0.5)
        deleted = token_cli("delete", *flags, bootstrap.split(".")[0])
        assert deleted.returncode == 0, deleted.stderr
        gone = kubectl(server, "auth", "whoami", cache=cache, kubeconfig=kubeconfig)
        assert "Unauthorized" in gone.stderr
    finally:
        assert stop_server(server) == 0, server.log.read_text()


def test_encrypted_secrets_are_readable_through_every_server(tmp_path: Path,
                                                             endpoint: str) -> None:
    servers = [start_server(tmp_path / name, "--datastore-endpoint", endpoint, "--token",
                            TOKEN, "--node-name", name, "--secrets-encryption")
               for name in ("server-a", "server-b")]
    cache = tmp_path / "cache"
    try:
        made = kubectl(servers[0], "create", "secret", "generic", "shared",
                       "--from-literal=k=v", cache=cache)
        assert made.returncode == 0, made.stderr
        read = kubectl(servers[1], "get", "secret", "shared", "-o", "jsonpath={.data.k}",
                       cache=cache)
        assert read.stdout == "dg=="  # base64 of "v"
        configs = [(s.data_dir / "server" / "cred" / "encryption-config.json").read_bytes()
                   for s in servers]
        assert configs[0] == configs[1]
    finally:
        for server in servers:
            assert stop_server(server) == 0, server.log.read_text()
