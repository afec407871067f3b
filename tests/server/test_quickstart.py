"""The README's quick start, literally: `bash scripts/server.sh` (which installs what is
missing, then runs `k3py server`) brings `k3py kubectl get nodes` to show the node Ready with
roles control-plane,master within 5 s of the server starting."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

from ..services import free_ports

ROOT = Path(__file__).resolve().parents[2]
K3PY = ROOT / ".venv" / "bin" / "k3py"


def test_readme_server_command_gets_a_ready_node_within_5_seconds(tmp_path: Path) -> None:
    port = free_ports(1)[0]
    kubeconfig = tmp_path / "k3py.yaml"
    log = tmp_path / "server.log"
    env = dict(os.environ, KUBECACHEDIR=str(tmp_path / "cache"), KUBECONFIG=str(kubeconfig))
    with open(log, "wb") as out:
        process = subprocess.Popen(
            ["bash", str(ROOT / "scripts" / "server.sh"), "--data-dir", str(tmp_path / "data"),
             "--https-listen-port", str(port), "--bind-address", "127.0.0.1",
             "--write-kubeconfig", str(kubeconfig), "--node-name", "quickstart"],
            stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        started = None
        deadline = time.monotonic() + 300  # installs, when something is missing
        while True:
            assert process.poll() is None, log.read_text()
            assert time.monotonic() < deadline, log.read_text()
            if started is None and b"==> k3py server" in log.read_bytes():
                started = time.monotonic()  # the installs are done; the server starts now
            if started is not None and kubeconfig.exists():
                done = subprocess.run([str(K3PY), "kubectl", "get", "nodes"], env=env,
                                      capture_output=True, text=True, timeout=30, check=False)
                rows = [line.split() for line in done.stdout.splitlines()]
                if len(rows) == 2 and rows[1][1] == "Ready":
                    break
            time.sleep(0.05)
        assert started is not None
        assert time.monotonic() - started < 5, log.read_text()
        assert rows[1][:3] == ["quickstart", "Ready", "control-plane,master"]
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        assert process.wait(20) == 0, log.read_text()
