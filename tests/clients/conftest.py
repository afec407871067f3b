"""Fixtures for the client suites: one `k3py server` (with its node agent) per test module,
and kubectl 1.32, 1.33 and 1.35 against it, each version in its own namespace.

``kubectl`` runs a test once per version (ids ``kubectl-1.32``, ``kubectl-1.33``,
``kubectl-1.35``); every test gets a fresh discovery cache (KUBECACHEDIR), so no answer
cached from another server on the same port is ever reused."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from ..server.support import Server, start_server, stop_server
from .support import KUBECTLS, Kubectl, need_binary

NODE = "k3py-node-1"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server (with its node agent) for the whole module: tests use their own names."""
    running = start_server(tmp_path_factory.mktemp("cluster"), "--node-name", NODE,
                           agent=True)
    yield running
    if running.process.poll() is None:
        assert stop_server(running) == 0, running.log.read_text()


@pytest.fixture(scope="module")
def _namespaces() -> set[str]:
    """Namespaces already created in this module's cluster."""
    return set()


@pytest.fixture(params=sorted(KUBECTLS), ids=lambda v: f"kubectl-{v}")
def kubectl(request: pytest.FixtureRequest, cluster: Server, tmp_path: Path,
            _namespaces: set[str]) -> Kubectl:
    version: str = request.param
    binary, source = KUBECTLS[version]
    need_binary(binary, source)
    ctl = Kubectl(version=version, binary=binary, server=cluster,
                  cache=tmp_path / "kubecache", namespace="k" + version.replace(".", ""))
    if ctl.namespace not in _namespaces:
        ctl.ok("create", "namespace", ctl.namespace, namespaced=False)
        _namespaces.add(ctl.namespace)
    return ctl
