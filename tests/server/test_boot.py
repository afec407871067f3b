"""`k3py server` as a real process: certificates, the admin kubeconfig, HTTPS with client
certificates, /version and health, driven by the real kubectl."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from k3py.pki import cert_sans

from .support import SRC, Server, client_context, kubectl, start_server, stop_server


@pytest.fixture
def server(tmp_path: Path) -> Iterator[Server]:
    running = start_server(tmp_path, "--tls-san", "k3py.example.test,192.0.2.10")
    yield running
    if running.process.poll() is None:
        assert stop_server(running) == 0, running.log.read_text()


def test_kubectl_version_reports_kubernetes_1_33(server: Server, tmp_path: Path) -> None:
    done = kubectl(server, "version", "-o", "json", cache=tmp_path / "cache")
    assert done.returncode == 0, done.stderr
    versions = json.loads(done.stdout)
    assert versions["serverVersion"]["minor"] == "33"
    assert versions["serverVersion"]["gitVersion"].startswith("v1.33.")
    # The dispatcher in /usr/bin/kubectl ran the kubectl matching the server's minor.
    assert versions["clientVersion"]["minor"] == "33"


def test_health_endpoints_answer_ok_through_kubectl(server: Server, tmp_path: Path) -> None:
    for path in ("/healthz", "/livez", "/readyz"):
        done = kubectl(server, "get", "--raw", path, cache=tmp_path / "cache")
        assert (done.returncode, done.stdout) == (0, "ok"), done.stderr
    verbose = kubectl(server, "get", "--raw", "/readyz?verbose", cache=tmp_path / "cache")
    assert "[+]datastore ok" in verbose.stdout


def test_k3py_kubectl_uses_the_admin_kubeconfig(server: Server) -> None:
    env = dict(os.environ, PYTHONPATH=str(SRC), KUBECONFIG=str(server.kubeconfig),
               KUBECACHEDIR=str(server.data_dir / "kubecache"))
    done = subprocess.run([sys.executable, "-m", "k3py", "kubectl", "get", "--raw", "/livez"],
                          env=env, capture_output=True, text=True, timeout=60, check=False)
    assert (done.returncode, done.stdout) == (0, "ok"), done.stderr


def test_anonymous_requests_get_401(server: Server, tmp_path: Path) -> None:
    request = urllib.request.Request(f"{server.url}/version")
    with pytest.raises(urllib.error.HTTPError) as caught:
        urllib.request.urlopen(request, timeout=5,
                               context=client_context(server, with_cert=False))
    assert caught.value.code == 401
    status = json.loads(caught.value.read())
    assert (status["kind"], status["reason"], status["code"]) == ("Status", "Unauthorized", 401)
    # kubectl with credentials the server does not accept renders it as for a real cluster.
    lines = []
    for line in server.kubeconfig.read_text().splitlines():
        if "client-certificate-data" in line:
            lines.append(line.split("client-certificate-data")[0] + "token: not-a-known-token")
        elif "client-key-data" not in line:
            lines.append(line)
    stranger = tmp_path / "stranger.yaml"
    stranger.write_text("\n".join(lines) + "\n")
    done = kubectl(server, "get", "--raw", "/version", cache=tmp_path / "c2",
                   kubeconfig=stranger)
    assert done.returncode != 0
    assert "You must be logged in to the server (Unauthorized)" in done.stderr


def test_files_are_private_and_certificates_carry_the_sans(server: Server) -> None:
    assert server.kubeconfig.stat().st_mode & 0o777 == 0o600
    tls = server.data_dir / "server" / "tls"
    assert tls.stat().st_mode & 0o777 == 0o700
    for key in tls.glob("*.key"):
        assert key.stat().st_mode & 0o777 == 0o600, key
    dns, ips = cert_sans((tls / "serving-kube-apiserver.crt").read_bytes())
    assert {"kubernetes", "kubernetes.default", "kubernetes.default.svc",
            "kubernetes.default.svc.cluster.local", "localhost",
            "k3py.example.test"} <= dns
    assert {"127.0.0.1", "10.43.0.1", "192.0.2.10"} <= ips


def test_a_restart_keeps_the_cluster_ca_and_old_kubeconfigs_work(tmp_path: Path) -> None:
    first = start_server(tmp_path)
    ca = (first.data_dir / "server" / "tls" / "server-ca.crt").read_bytes()
    saved = tmp_path / "saved.yaml"
    saved.write_bytes(first.kubeconfig.read_bytes())
    assert stop_server(first) == 0
    second = start_server(tmp_path, port=first.port)
    try:
        assert (second.data_dir / "server" / "tls" / "server-ca.crt").read_bytes() == ca
        done = kubectl(second, "get", "--raw", "/readyz", cache=tmp_path / "cache",
                       kubeconfig=saved)
        assert (done.returncode, done.stdout) == (0, "ok"), done.stderr
    finally:
        assert stop_server(second) == 0


def test_start_to_ready_is_quick(server: Server) -> None:
    print(f"k3py server ready in {server.started_in:.2f}s")
    assert server.started_in < 10


def test_bad_flags_are_all_named_at_once(tmp_path: Path) -> None:
    env = dict(os.environ, PYTHONPATH=str(SRC))
    done = subprocess.run(
        [sys.executable, "-m", "k3py", "server", "--data-dir", str(tmp_path),
         "--https-listen-port", "70000", "--write-kubeconfig-mode", "rw",
         "--bind-address", "not-an-ip"],
        env=env, capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 1
    for complaint in ("--https-listen-port", "--write-kubeconfig-mode", "--bind-address"):
        assert complaint in done.stderr


def test_config_file_settings_apply(tmp_path: Path) -> None:
    config = tmp_path / "config.yaml"
    config.write_text("tls-san:\n  - from-config.example.test\nwrite-kubeconfig-mode: '0640'\n")
    running = start_server(tmp_path, "--config", str(config))
    try:
        serving = running.data_dir / "server" / "tls" / "serving-kube-apiserver.crt"
        dns, _ = cert_sans(serving.read_bytes())
        assert "from-config.example.test" in dns
        assert running.kubeconfig.stat().st_mode & 0o777 == 0o640
    finally:
        assert stop_server(running) == 0, running.log.read_text()


def test_events_expire_after_the_event_ttl(tmp_path: Path) -> None:
    running = start_server(tmp_path, "--kube-apiserver-arg", "event-ttl=3s")
    try:
        cache = tmp_path / "cache"
        event = tmp_path / "event.json"
        event.write_text(json.dumps({
            "apiVersion": "v1", "kind": "Event", "metadata": {"name": "short-lived"},
            "involvedObject": {"kind": "Namespace", "name": "default"},
            "reason": "Test", "message": "gone soon", "type": "Normal"}))
        done = kubectl(running, "create", "-f", str(event), cache=cache)
        assert done.returncode == 0, done.stderr
        cm = kubectl(running, "create", "configmap", "stays", cache=cache)
        assert cm.returncode == 0, cm.stderr
        deadline = time.monotonic() + 15
        while kubectl(running, "get", "event", "short-lived", cache=cache).returncode == 0:
            assert time.monotonic() < deadline, "the event outlived its TTL"
            time.sleep(0.5)
        assert time.monotonic() > deadline - 15 + 2.5  # not before its TTL
        assert kubectl(running, "get", "configmap", "stays", cache=cache).returncode == 0
    finally:
        assert stop_server(running) == 0, running.log.read_text()


def test_secrets_encryption_keeps_secrets_unreadable_in_the_datastore(tmp_path: Path) -> None:
    import asyncio

    from k3py.datastore import open_backend

    running = start_server(tmp_path, "--secrets-encryption")
    try:
        cache = tmp_path / "cache"
        made = kubectl(running, "create", "secret", "generic", "vault",
                       "--from-literal=password=open-sesame", cache=cache)
        assert made.returncode == 0, made.stderr
        shown = kubectl(running, "get", "secret", "vault", "-o",
                        "jsonpath={.data.password}", cache=cache)
        assert base64.b64decode(shown.stdout) == b"open-sesame"
        config = running.data_dir / "server" / "cred" / "encryption-config.json"
        assert config.stat().st_mode & 0o777 == 0o600
    finally:
        assert stop_server(running) == 0, running.log.read_text()

    async def raw() -> bytes:
        async with open_backend("", data_dir=running.data_dir) as store:
            kv = await store.get("/registry/core/secrets/default/vault")
            assert kv is not None
            return kv.value

    stored = asyncio.run(raw())
    assert stored.startswith(b"k8s:enc:aescbc:v1:aescbckey:")
    assert b"open-sesame" not in stored and base64.b64encode(b"open-sesame") not in stored
