"""Running `k3py server` as a real process for tests, and driving it with the real kubectl."""

from __future__ import annotations

import os
import signal
import ssl
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from ..services import free_ports

SRC = Path(__file__).resolve().parents[2] / "src"
KUBECTL = "/usr/bin/kubectl"


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    data_dir: Path
    kubeconfig: Path
    port: int
    started_in: float
    log: Path

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"


def start_server(tmp: Path, *extra: str, port: int | None = None,
                 agent: bool = False) -> Server:
    port = port or free_ports(1)[0]
    tmp.mkdir(parents=True, exist_ok=True)
    data_dir, kubeconfig, log = tmp / "data", tmp / "kubeconfig.yaml", tmp / "server.log"
    env = dict(os.environ, PYTHONPATH=str(SRC))
    began = time.monotonic()
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "k3py", "server", "--data-dir", str(data_dir),
             "--https-listen-port", str(port), "--bind-address", "127.0.0.1",
             "--write-kubeconfig", str(kubeconfig),
             *([] if agent else ["--disable-agent"]), *extra],
            env=env, stdout=out, stderr=subprocess.STDOUT)
    server = Server(process, data_dir, kubeconfig, port, 0.0, log)
    deadline = began + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"k3py server exited {process.returncode}:\n{log.read_text()}")
        if kubeconfig.exists() and _ready(server):
            server.started_in = time.monotonic() - began
            return server
        time.sleep(0.02)
    process.kill()
    raise AssertionError(f"k3py server not ready in 30 s:\n{log.read_text()}")


def client_context(server: Server, *, with_cert: bool = True) -> ssl.SSLContext:
    tls = server.data_dir / "server" / "tls"
    context = ssl.create_default_context(cafile=str(tls / "server-ca.crt"))
    if with_cert:
        context.load_cert_chain(tls / "client-admin.crt", tls / "client-admin.key")
    return context


def _ready(server: Server) -> bool:
    try:
        with urllib.request.urlopen(f"{server.url}/readyz", timeout=2,
                                    context=client_context(server)) as answer:
            return bool(answer.read() == b"ok")
    except (OSError, urllib.error.URLError):
        return False


def stop_server(server: Server) -> int:
    server.process.send_signal(signal.SIGTERM)
    try:
        return server.process.wait(15)
    except subprocess.TimeoutExpired:
        server.process.kill()
        raise


def kubectl(server: Server, *args: str, cache: Path, kubeconfig: Path | None = None
            ) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, KUBECACHEDIR=str(cache))
    return subprocess.run(
        [KUBECTL, "--kubeconfig", str(kubeconfig or server.kubeconfig), *args],
        env=env, capture_output=True, text=True, timeout=60, check=False)


