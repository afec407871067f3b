"""`k3py agent` joining a real server with the token: TLS bootstrap, its node Ready without
roles, labels and taints from flags, rejoining with the same password; and the refusals."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from ..server.support import SRC, Server, kubectl, start_server, stop_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("server"), "--node-name", "server-1",
                           agent=True)
    yield running
    assert stop_server(running) == 0, running.log.read_text()


def _token(server: Server) -> str:
    return (server.data_dir / "server" / "token").read_text().strip()


def start_agent(server: Server, data: Path, *args: str, token: str | None = None,
                url: str | None = None) -> subprocess.Popen[bytes]:
    data.mkdir(parents=True, exist_ok=True)
    with open(data.parent / f"{data.name}.log", "ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "k3py", "agent", "--server", url or server.url,
             "--token", token or _token(server), "--data-dir", str(data), *args],
            env=dict(os.environ, PYTHONPATH=str(SRC)), stdout=log, stderr=subprocess.STDOUT)


def refused(server: Server, data: Path, *args: str, token: str | None = None,
            url: str | None = None) -> str:
    agent = start_agent(server, data, *args, token=token, url=url)
    assert agent.wait(30) == 1
    return (data.parent / f"{data.name}.log").read_text()


def stop(agent: subprocess.Popen[bytes]) -> None:
    agent.send_signal(signal.SIGTERM)
    assert agent.wait(15) == 0


def _node_row(server: Server, name: str, cache: Path) -> list[str]:
    done = kubectl(server, "get", "node", name, "--no-headers", cache=cache)
    return done.stdout.split() if done.returncode == 0 else []


def _wait_ready(server: Server, name: str, cache: Path) -> list[str]:
    deadline = time.monotonic() + 20
    while True:
        row = _node_row(server, name, cache)
        if row and row[1] == "Ready":
            return row
        assert time.monotonic() < deadline, row
        time.sleep(0.2)


def test_an_agent_joins_and_its_node_is_ready_without_roles(server: Server,
                                                             tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    agent = start_agent(server, tmp_path / "agent-1", "--node-name", "agent-1",
                        "--node-label", "tier=edge",
                        "--node-taint", "CriticalAddonsOnly=true:NoExecute")
    try:
        row = _wait_ready(server, "agent-1", cache)
        assert row[2] == "<none>"
        assert _node_row(server, "server-1", cache)[2] == "control-plane,master"
        labels = kubectl(server, "get", "node", "agent-1", "-o",
                         "jsonpath={.metadata.labels.tier}", cache=cache).stdout
        assert labels == "edge"
        taints = kubectl(server, "get", "node", "agent-1", "-o",
                         "jsonpath={.spec.taints[0].key}={.spec.taints[0].value}:"
                         "{.spec.taints[0].effect}", cache=cache).stdout
        assert taints == "CriticalAddonsOnly=true:NoExecute"
        password = (tmp_path / "agent-1" / "agent" / "node-password").read_text()
        node_kubeconfig = tmp_path / "agent-1" / "agent" / "kubelet.kubeconfig"
        assert node_kubeconfig.stat().st_mode & 0o777 == 0o600
        whoami = kubectl(server, "auth", "whoami", "-o", "jsonpath={.status.userInfo.username}",
                         cache=cache, kubeconfig=node_kubeconfig)
        assert whoami.stdout == "system:node:agent-1"
    finally:
        stop(agent)
    again = start_agent(server, tmp_path / "agent-1", "--node-name", "agent-1")
    try:  # the same node, the same password
        log = tmp_path / "agent-1.log"
        deadline = time.monotonic() + 20
        while log.read_text().count("node agent-1 registered") < 2:
            assert again.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.1)
        _wait_ready(server, "agent-1", cache)
        assert (tmp_path / "agent-1" / "agent" / "node-password").read_text() == password
    finally:
        stop(again)
    log = refused(server, tmp_path / "impostor", "--node-name", "agent-1")
    assert "unable to verify password for node agent-1" in log


def test_refusals(server: Server, tmp_path: Path) -> None:
    token = _token(server)
    head, _, credentials = token.partition("::")
    other_cluster = "K10" + "0" * 64 + "::" + credentials
    log = refused(server, tmp_path / "hash", token=other_cluster)
    assert "token CA hash does not match the Cluster CA certificate hash" in log
    log = refused(server, tmp_path / "password", token=head + "::node:wrong-password")
    assert "did not accept the token" in log
    assert "wrong-password" not in log
    log = refused(server, tmp_path / "http", url=server.url.replace("https://", "http://"))
    assert "--server must be an https:// URL" in log


def test_a_stopped_agent_turns_not_ready_and_comes_back(server: Server,
                                                        tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    data = tmp_path / "agent-3"
    agent = start_agent(server, data, "--node-name", "agent-3")
    _wait_ready(server, "agent-3", cache)
    password = (data / "agent" / "node-password").read_text()
    stop(agent)
    stopped = time.monotonic()

    def taints() -> set[str]:
        done = kubectl(server, "get", "node", "agent-3", "-o",
                       "jsonpath={range .spec.taints[*]}{.key}:{.effect} {end}", cache=cache)
        return set(done.stdout.split())

    unreachable = {"node.kubernetes.io/unreachable:NoSchedule",
                   "node.kubernetes.io/unreachable:NoExecute"}
    while True:  # the node lifecycle controller's 40 s grace period, checked every 5 s
        row = _node_row(server, "agent-3", cache)
        if row[1] == "NotReady" and unreachable <= taints():
            break
        assert time.monotonic() - stopped < 50, (row, taints())
        time.sleep(1.0)
    again = start_agent(server, data, "--node-name", "agent-3")
    try:
        deadline = time.monotonic() + 30
        while _node_row(server, "agent-3", cache)[1] != "Ready" or taints() & unreachable:
            assert again.poll() is None and time.monotonic() < deadline, taints()
            time.sleep(0.5)
        assert (data / "agent" / "node-password").read_text() == password
    finally:
        stop(again)
