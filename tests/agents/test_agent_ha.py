"""An agent joined through one server keeps its node alive through another when that
server dies: it learned every server's address and moves on by itself."""

from __future__ import annotations

import json
import time
import uuid
from pathlib import Path

from ..server.support import kubectl, start_server, stop_server
from ..services import PostgresServer
from .test_agent import start_agent, stop

TOKEN = "agent-ha-token"


def test_the_agent_moves_to_a_live_server(tmp_path: Path,
                                          postgres_server: PostgresServer) -> None:
    endpoint = postgres_server.endpoint("agents_" + uuid.uuid4().hex[:10])
    servers = [start_server(tmp_path / name, "--datastore-endpoint", endpoint, "--token",
                            TOKEN, "--node-name", name) for name in ("server-a", "server-b")]
    first, second = servers
    cache = tmp_path / "cache"
    agent = start_agent(first, tmp_path / "agent", "--node-name", "agent-1",
                        token=(first.data_dir / "server" / "token").read_text().strip())
    try:
        known = tmp_path / "agent" / "agent" / "apiservers.json"
        deadline = time.monotonic() + 30
        while not known.exists() or len(json.loads(known.read_text())) < 2:
            assert agent.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)

        def renewed() -> str:
            done = kubectl(second, "-n", "kube-node-lease", "get", "lease", "agent-1", "-o",
                           "jsonpath={.spec.renewTime}", cache=cache)
            return done.stdout

        first.process.kill()
        first.process.wait(10)
        before = renewed()
        deadline = time.monotonic() + 25
        while renewed() == before:  # the next heartbeats arrive through server-b
            assert agent.poll() is None and time.monotonic() < deadline, before
            time.sleep(0.5)
        row = kubectl(second, "get", "node", "agent-1", "--no-headers", cache=cache).stdout
        assert row.split()[1] == "Ready"
    finally:
        stop(agent)
        for server in servers:
            if server.process.poll() is None:
                assert stop_server(server) == 0, server.log.read_text()
