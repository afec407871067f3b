"""helm 4 against a real `k3py server`: the chart `helm create` writes, installed, listed,
upgraded, rolled back and uninstalled, each step checked in the objects it leaves behind and in
the release records (Secrets of type helm.sh/release.v1).

On the wire (seen through a logging proxy), helm 4.1 writes chart objects with server-side
apply by default: for every object a GET, then ``PATCH ...?fieldManager=helm&
fieldValidation=Strict&force=false`` with ``Content-Type: application/apply-patch+yaml`` (a
JSON body), on install, upgrade and rollback alike. Release records go as protobuf POST/PUT
of Secrets; uninstall DELETEs the objects and then each release Secret."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from ..server.support import Server
from .support import HELM, HELM_SOURCE, KUBECTLS, Kubectl, need_binary

RELEASE = "demo"
NAMESPACE = "helm"
# A chart's files go into every release record (a Secret), base64 of gzip: random bytes keep
# the record this big, so writing it takes many TCP reads on the server.
PAYLOAD = 192 * 1024


@dataclass
class Helm:
    binary: Path
    server: Server
    home: Path
    namespace: str

    def run(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = dict(os.environ, KUBECONFIG=str(self.server.kubeconfig),
                   KUBECACHEDIR=str(self.home / "kubecache"),
                   HELM_CACHE_HOME=str(self.home / "cache"),
                   HELM_CONFIG_HOME=str(self.home / "config"),
                   HELM_DATA_HOME=str(self.home / "data"))
        return subprocess.run([str(self.binary), "--namespace", self.namespace, *args],
                              env=env, cwd=self.home, capture_output=True, text=True,
                              timeout=120, check=False)

    def ok(self, *args: str) -> str:
        done = self.run(*args)
        assert done.returncode == 0, (f"helm {' '.join(args)} exited {done.returncode}:\n"
                                      f"{done.stderr}{done.stdout}")
        return done.stdout

    def releases(self) -> list[dict[str, Any]]:
        listed: list[dict[str, Any]] = json.loads(self.ok("list", "-o", "json"))
        return listed


@pytest.fixture(scope="module")
def chart(tmp_path_factory: pytest.TempPathFactory, cluster: Server) -> Iterator[Helm]:
    """`helm create demo` in a fresh helm home (./demo), and a copy of that chart carrying a
    192 KiB file (./demo-with-payload; still chart demo-0.1.0)."""
    binary = need_binary(HELM, HELM_SOURCE)
    helm = Helm(binary=binary, server=cluster, home=tmp_path_factory.mktemp("helm"),
                namespace=NAMESPACE)
    assert helm.ok("create", "demo").strip() == "Creating demo"
    assert (helm.home / "demo" / "Chart.yaml").is_file()
    shutil.copytree(helm.home / "demo", helm.home / "demo-with-payload")
    (helm.home / "demo-with-payload" / "payload.txt").write_bytes(
        base64.encodebytes(os.urandom(PAYLOAD)))
    yield helm


@pytest.fixture
def kubectl(cluster: Server, tmp_path: Path) -> Kubectl:
    binary, source = KUBECTLS["1.33"]
    need_binary(binary, source)
    ctl = Kubectl(version="1.33", binary=binary, server=cluster, cache=tmp_path / "kubecache",
                  namespace=NAMESPACE)
    if ctl.run("get", "namespace", NAMESPACE, namespaced=False).returncode != 0:
        ctl.ok("create", "namespace", NAMESPACE, namespaced=False)
    return ctl


CHART_LABELS = {"helm.sh/chart": "demo-0.1.0", "app.kubernetes.io/name": "demo",
                "app.kubernetes.io/instance": RELEASE, "app.kubernetes.io/version": "1.16.0",
                "app.kubernetes.io/managed-by": "Helm"}
RELEASE_ANNOTATIONS = {"meta.helm.sh/release-name": RELEASE,
                       "meta.helm.sh/release-namespace": NAMESPACE}
OBJECTS = ("deployment/demo", "service/demo", "serviceaccount/demo")


def _release_secrets(kubectl: Kubectl) -> dict[str, str]:
    """Release record name -> its status label."""
    listed = kubectl.json("get", "secrets", "-l", f"owner=helm,name={RELEASE}")
    return {item["metadata"]["name"]: item["metadata"]["labels"]["status"]
            for item in listed["items"]}


def _deployment(kubectl: Kubectl) -> dict[str, Any]:
    found: dict[str, Any] = kubectl.json("get", "deployment", RELEASE)
    return found


def test_install_list_upgrade_rollback_uninstall(chart: Helm, kubectl: Kubectl) -> None:
    installed = chart.ok("install", RELEASE, "./demo-with-payload")
    lines = installed.splitlines()
    assert f"NAME: {RELEASE}" in lines and f"NAMESPACE: {NAMESPACE}" in lines
    assert "STATUS: deployed" in lines and "REVISION: 1" in lines
    for ref in OBJECTS:
        obj = kubectl.json("get", ref)
        assert obj["metadata"]["labels"] == CHART_LABELS, ref
        assert obj["metadata"]["annotations"] == RELEASE_ANNOTATIONS, ref
    deployment = _deployment(kubectl)
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["selector"] == {"matchLabels": {
        "app.kubernetes.io/name": "demo", "app.kubernetes.io/instance": RELEASE}}
    pod = deployment["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "demo"
    assert pod["containers"][0]["image"] == "nginx:1.16.0"
    assert pod["containers"][0]["ports"] == [{"name": "http", "containerPort": 80,
                                              "protocol": "TCP"}]
    service = kubectl.json("get", "service", RELEASE)["spec"]
    assert service["ports"] == [{"name": "http", "port": 80, "protocol": "TCP",
                                 "targetPort": "http"}]
    assert _release_secrets(kubectl) == {f"sh.helm.release.v1.{RELEASE}.v1": "deployed"}

    [listed] = chart.releases()
    assert (listed["name"], listed["namespace"], listed["revision"], listed["status"],
            listed["chart"], listed["app_version"]) == (RELEASE, NAMESPACE, "1", "deployed",
                                                        "demo-0.1.0", "1.16.0")
    table = chart.ok("list").splitlines()
    assert table[0].split()[:3] == ["NAME", "NAMESPACE", "REVISION"]
    assert table[1].split()[:3] == [RELEASE, NAMESPACE, "1"]

    upgraded = chart.ok("upgrade", RELEASE, "./demo-with-payload", "--set", "replicaCount=3",
                        "--set", "image.tag=1.27.0")
    assert "REVISION: 2" in upgraded.splitlines()
    deployment = _deployment(kubectl)
    assert deployment["spec"]["replicas"] == 3
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.27.0"
    assert deployment["metadata"]["generation"] == 2
    [listed] = chart.releases()
    assert (listed["revision"], listed["status"]) == ("2", "deployed")
    assert _release_secrets(kubectl) == {f"sh.helm.release.v1.{RELEASE}.v1": "superseded",
                                         f"sh.helm.release.v1.{RELEASE}.v2": "deployed"}
    values = json.loads(chart.ok("get", "values", RELEASE, "-o", "json"))
    assert values == {"replicaCount": 3, "image": {"tag": "1.27.0"}}

    rolled = chart.ok("rollback", RELEASE, "1")
    assert rolled.strip() == "Rollback was a success! Happy Helming!"
    deployment = _deployment(kubectl)
    assert deployment["spec"]["replicas"] == 1
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.16.0"
    [listed] = chart.releases()
    assert (listed["revision"], listed["status"]) == ("3", "deployed")
    history = json.loads(chart.ok("history", RELEASE, "-o", "json"))
    assert [(h["revision"], h["status"], h["description"]) for h in history] == [
        (1, "superseded", "Install complete"), (2, "superseded", "Upgrade complete"),
        (3, "deployed", "Rollback to 1")]

    assert chart.ok("uninstall", RELEASE).strip() == f'release "{RELEASE}" uninstalled'
    for ref in OBJECTS:
        gone = kubectl.run("get", ref)
        assert gone.returncode == 1 and "(NotFound)" in gone.stderr, (ref, gone.stderr)
    assert _release_secrets(kubectl) == {}
    assert chart.releases() == []
    assert "not found" in chart.run("status", RELEASE).stderr


def test_installed_service_has_a_cluster_ip(chart: Helm, kubectl: Kubectl) -> None:
    chart.ok("install", "addressed", "./demo")
    try:
        spec = kubectl.json("get", "service", "addressed-demo")["spec"]
        assert spec["clusterIP"].startswith("10.43.")
        assert spec["clusterIPs"] == [spec["clusterIP"]]
    finally:
        chart.run("uninstall", "addressed")


def test_installed_objects_are_managed_by_helm_through_apply(chart: Helm,
                                                             kubectl: Kubectl) -> None:
    chart.ok("install", "managed", "./demo-with-payload")
    try:
        deployment = kubectl.json("get", "deployment", "managed-demo",
                                  "--show-managed-fields")
        managed = deployment["metadata"].get("managedFields") or []
        assert ("helm", "Apply") in [(m["manager"], m["operation"]) for m in managed]
    finally:
        chart.run("uninstall", "managed")
