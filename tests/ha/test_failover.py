"""Two servers behind a real TCP load balancer (HAProxy, on loopback) with a fixed
registration address: a client writing steadily through it while one server is killed
(-9) gets through again within 5 s and loses no acknowledged write; the killed server
restarts and rejoins."""

from __future__ import annotations

import json
import shutil
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from ..server.support import Server, kubectl, start_server, stop_server
from ..services import PostgresServer, free_ports

TOKEN = "fixed-registration-token"
LB_NAME = "k3py-lb.test"


class Balancer:
    """HAProxy in TCP mode in front of the servers, health-checking them."""

    def __init__(self, tmp: Path, backends: list[int]) -> None:
        self.port = free_ports(1)[0]
        config = tmp / "haproxy.cfg"
        lines = ["global", "  maxconn 256", "defaults", "  mode tcp", "  timeout connect 1s",
                 "  timeout client 60s", "  timeout server 60s", "  retries 3",
                 "  option redispatch", "frontend api", f"  bind 127.0.0.1:{self.port}",
                 "  default_backend servers", "backend servers", "  balance roundrobin"]
        lines += [f"  server s{i} 127.0.0.1:{port} check inter 300ms fall 2 rise 1"
                  for i, port in enumerate(backends)]
        config.write_text("\n".join(lines) + "\n")
        self.process = subprocess.Popen(["haproxy", "-db", "-f", str(config)],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture
def endpoint(postgres_server: PostgresServer) -> str:
    return postgres_server.endpoint("lb_" + uuid.uuid4().hex[:12])


@pytest.fixture
def cluster(tmp_path: Path, endpoint: str) -> Iterator[list[Server]]:
    if shutil.which("haproxy") is None:
        pytest.skip("needs the Debian package haproxy; scripts/test.sh installs it")
    servers = [start_server(tmp_path / name, "--datastore-endpoint", endpoint, "--token",
                            TOKEN, "--node-name", name, "--tls-san", LB_NAME, agent=True)
               for name in ("server-a", "server-b")]
    yield servers
    for server in servers:
        if server.process.poll() is None:
            assert stop_server(server) == 0, server.log.read_text()


def _context(server: Server) -> ssl.SSLContext:
    tls = server.data_dir / "server" / "tls"
    context = ssl.create_default_context(cafile=str(tls / "server-ca.crt"))
    context.load_cert_chain(tls / "client-admin.crt", tls / "client-admin.key")
    return context


def _lb_kubeconfig(tmp: Path, server: Server, balancer: Balancer) -> Path:
    """The admin kubeconfig pointed at the balancer, verifying the fixed name."""
    config = yaml.safe_load(server.kubeconfig.read_text())
    cluster = config["clusters"][0]["cluster"]
    cluster["server"] = f"https://127.0.0.1:{balancer.port}"
    cluster["tls-server-name"] = LB_NAME
    path = tmp / "lb.yaml"
    path.write_text(json.dumps(config))
    return path


class SteadyWriter:
    """Creates a ConfigMap every 20 ms through the balancer, noting which were acknowledged
    and when requests failed."""

    def __init__(self, url: str, context: ssl.SSLContext) -> None:
        self.url, self.context = url, context
        self.acknowledged: list[str] = []
        self.failures: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._write)

    def _write(self) -> None:
        i = 0
        while not self._stop.is_set():
            name = f"w-{i:05d}"
            request = urllib.request.Request(
                self.url, data=json.dumps({"metadata": {"name": name}}).encode(),
                method="POST", headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=2, context=self.context) as answer:
                    if answer.status == 201:
                        self.acknowledged.append(name)
                        i += 1
            except urllib.error.HTTPError as error:
                self.failures.append(time.monotonic())
                if error.code == 409:  # a timed-out attempt was applied after all: move on
                    i += 1
            except (urllib.error.URLError, OSError):
                self.failures.append(time.monotonic())
            time.sleep(0.02)

    def __enter__(self) -> SteadyWriter:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(10)


def _wait_ready(server: Server, cache: Path, kubeconfig: Path, names: set[str]) -> None:
    deadline = time.monotonic() + 20
    while True:
        done = kubectl(server, "get", "nodes", "--no-headers", cache=cache,
                       kubeconfig=kubeconfig)
        rows = {line.split()[0]: line.split() for line in done.stdout.splitlines()}
        if set(rows) == names and all(r[1] == "Ready" and r[2] == "control-plane,master"
                                      for r in rows.values()):
            return
        assert time.monotonic() < deadline, (done.stdout, done.stderr)
        time.sleep(0.2)


def test_writes_survive_a_killed_server_and_it_rejoins(tmp_path: Path, endpoint: str,
                                                       cluster: list[Server]) -> None:
    first, second = cluster
    balancer = Balancer(tmp_path, [s.port for s in cluster])
    cache = tmp_path / "cache"
    try:
        kubeconfig = _lb_kubeconfig(tmp_path, first, balancer)
        _wait_ready(first, cache, kubeconfig, {"server-a", "server-b"})
        url = f"https://127.0.0.1:{balancer.port}/api/v1/namespaces/default/configmaps"
        with SteadyWriter(url, _context(first)) as writer:
            time.sleep(1.0)
            before = len(writer.acknowledged)
            second.process.kill()
            killed = time.monotonic()
            second.process.wait(10)
            time.sleep(6.0)
        assert len(writer.acknowledged) > before, "no write got through after the kill"
        recovered = max((t for t in writer.failures if t > killed), default=killed) - killed
        assert recovered < 5, f"writes failed for {recovered:.1f} s after the kill"
        listed = json.loads(kubectl(first, "get", "configmaps", "-o", "json", cache=cache,
                                    kubeconfig=kubeconfig).stdout)
        stored = {item["metadata"]["name"] for item in listed["items"]}
        missing = [n for n in writer.acknowledged if n not in stored]
        assert not missing, f"{len(missing)} acknowledged writes lost: {missing[:5]}"

        cluster[1] = start_server(tmp_path / "server-b", "--datastore-endpoint", endpoint,
                                  "--token", TOKEN, "--node-name", "server-b",
                                  "--tls-san", LB_NAME, agent=True, port=second.port)
        rejoined = cluster[1]
        assert kubectl(rejoined, "get", "--raw", "/readyz", cache=cache).stdout == "ok"
        deadline = time.monotonic() + 15
        while True:  # it serves again: listed among the API servers
            done = kubectl(first, "get", "endpoints", "kubernetes", "-o", "json", cache=cache)
            ports = {p["port"] for s in json.loads(done.stdout).get("subsets") or []
                     for p in s["ports"]}
            if ports == {first.port, rejoined.port}:
                break
            assert time.monotonic() < deadline, ports
            time.sleep(0.3)
        made = kubectl(rejoined, "create", "configmap", "after-rejoin", cache=cache)
        assert made.returncode == 0, made.stderr
    finally:
        balancer.close()
