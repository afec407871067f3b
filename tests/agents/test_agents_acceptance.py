"""The issue's agent scenario: two servers on PostgreSQL behind HAProxy, two agents joined
through it; four Ready nodes (agents without roles, servers control-plane,master, one server
tainted CriticalAddonsOnly); the server an agent came through dies and the agent stays
Ready."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

from ..ha.test_failover import Balancer
from ..server.support import kubectl, start_server, stop_server
from ..services import PostgresServer
from .test_agent import start_agent, stop

TOKEN = "agents-acceptance"


def _rows(server: object, cache: Path) -> dict[str, list[str]]:
    done = kubectl(server, "get", "nodes", "--no-headers", cache=cache)  # type: ignore[arg-type]
    return {line.split()[0]: line.split() for line in done.stdout.splitlines()}


def test_four_nodes_through_a_balancer_and_a_server_dies(
        tmp_path: Path, postgres_server: PostgresServer) -> None:
    endpoint = postgres_server.endpoint("agents_" + uuid.uuid4().hex[:10])
    first = start_server(tmp_path / "server-a", "--datastore-endpoint", endpoint, "--token",
                         TOKEN, "--node-name", "server-a", agent=True)
    second = start_server(tmp_path / "server-b", "--datastore-endpoint", endpoint, "--token",
                          TOKEN, "--node-name", "server-b", "--node-taint",
                          "CriticalAddonsOnly=true:NoExecute", agent=True)
    balancer = Balancer(tmp_path, [first.port, second.port])
    token = (first.data_dir / "server" / "token").read_text().strip()
    url = f"https://127.0.0.1:{balancer.port}"
    agents = [start_agent(first, tmp_path / name, "--node-name", name, token=token, url=url)
              for name in ("agent-1", "agent-2")]
    cache = tmp_path / "cache"
    try:
        deadline = time.monotonic() + 30
        while True:
            rows = _rows(first, cache)
            if len(rows) == 4 and all(r[1] == "Ready" for r in rows.values()):
                break
            assert time.monotonic() < deadline, rows
            time.sleep(0.3)
        assert rows["agent-1"][2] == rows["agent-2"][2] == "<none>"
        assert rows["server-a"][2] == rows["server-b"][2] == "control-plane,master"
        taint = kubectl(second, "get", "node", "server-b", "-o",
                        "jsonpath={.spec.taints[0].key}={.spec.taints[0].value}:"
                        "{.spec.taints[0].effect}", cache=cache).stdout
        assert taint == "CriticalAddonsOnly=true:NoExecute"

        def renewed(name: str) -> str:
            return kubectl(second, "-n", "kube-node-lease", "get", "lease", name, "-o",
                           "jsonpath={.spec.renewTime}", cache=cache).stdout

        first.process.kill()
        first.process.wait(10)
        before = {name: renewed(name) for name in ("agent-1", "agent-2")}
        deadline = time.monotonic() + 25
        while any(renewed(name) == before[name] for name in before):
            assert time.monotonic() < deadline, before
            time.sleep(0.5)
        rows = _rows(second, cache)
        assert rows["agent-1"][1] == rows["agent-2"][1] == "Ready"
    finally:
        for agent in agents:
            if agent.poll() is None:
                stop(agent)
        balancer.close()
        for server in (first, second):
            if server.process.poll() is None:
                assert stop_server(server) == 0, server.log.read_text()
