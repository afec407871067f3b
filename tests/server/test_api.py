"""The Kubernetes API of a real `k3py server` process, driven by the real kubectl and the
`kubernetes` Python client: discovery, the node's self-registration, CRUD, patches,
selectors, paging, watch, namespaces, and Status errors as kubectl prints them."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from kubernetes import client as k8s
from kubernetes import config as k8s_config
from kubernetes import watch as k8s_watch

from .support import Server, kubectl, start_server, stop_server


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server (with its node agent) for the whole module: tests use their own names."""
    running = start_server(tmp_path_factory.mktemp("cluster"), "--node-name", "k3py-node-1",
                           agent=True)
    yield running
    if running.process.poll() is None:
        assert stop_server(running) == 0, running.log.read_text()


@pytest.fixture
def cache(tmp_path: Path) -> Path:
    return tmp_path / "kubecache"


@pytest.fixture(scope="module")
def api(cluster: Server) -> Iterator[k8s.ApiClient]:
    configuration = k8s.Configuration()
    k8s_config.load_kube_config(config_file=str(cluster.kubeconfig),
                                client_configuration=configuration)
    with k8s.ApiClient(configuration) as client:
        yield client


def ok(done: object) -> str:
    assert getattr(done, "returncode", 1) == 0, getattr(done, "stderr", "")
    return str(getattr(done, "stdout", ""))


# -- the node -------------------------------------------------------------------------------

def test_node_is_ready_with_control_plane_roles_within_5_seconds(tmp_path: Path) -> None:
    server = start_server(tmp_path, "--node-name", "fresh-node", agent=True)
    try:
        began = time.monotonic() - server.started_in
        cache = tmp_path / "cache"
        while True:
            done = kubectl(server, "get", "nodes", cache=cache)
            lines = done.stdout.splitlines()
            if done.returncode == 0 and len(lines) == 2 and " Ready " in lines[1]:
                break
            assert time.monotonic() - began < 5, (done.stdout, done.stderr)
            time.sleep(0.05)
        ready_after = time.monotonic() - began
        header, row = lines
        assert header.split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
        name, status, roles, _age, version = row.split()
        assert (name, status, roles) == ("fresh-node", "Ready", "control-plane,master")
        assert version.startswith("v1.33.")
        assert ready_after < 5
    finally:
        assert stop_server(server) == 0, server.log.read_text()


def test_node_object_carries_k3s_labels_capacity_and_node_info(cluster: Server,
                                                                cache: Path) -> None:
    node = json.loads(ok(kubectl(cluster, "get", "node", "k3py-node-1", "-o", "json",
                                 cache=cache)))
    labels = node["metadata"]["labels"]
    assert labels["node-role.kubernetes.io/control-plane"] == "true"
    assert labels["node-role.kubernetes.io/master"] == "true"
    assert labels["kubernetes.io/hostname"] == "k3py-node-1"
    assert labels["kubernetes.io/os"] == "linux"
    assert int(node["status"]["capacity"]["cpu"]) >= 1
    assert node["status"]["capacity"]["memory"].endswith("Ki")
    info = node["status"]["nodeInfo"]
    assert info["kubeletVersion"].startswith("v1.33.")
    assert info["operatingSystem"] == "linux"
    wide = ok(kubectl(cluster, "get", "nodes", "-o", "wide", cache=cache)).splitlines()
    assert "INTERNAL-IP" in wide[0] and "OS-IMAGE" in wide[0]


def test_node_lease_is_renewed(cluster: Server, api: k8s.ApiClient) -> None:
    leases = k8s.CoordinationV1Api(api)
    deadline = time.monotonic() + 10
    while True:
        try:
            lease = leases.read_namespaced_lease("k3py-node-1", "kube-node-lease")
            break
        except k8s.ApiException:
            assert time.monotonic() < deadline
            time.sleep(0.2)
    assert lease.spec.holder_identity == "k3py-node-1"
    assert lease.spec.lease_duration_seconds == 40
    first = lease.spec.renew_time
    time.sleep(11)
    later = leases.read_namespaced_lease("k3py-node-1", "kube-node-lease")
    assert later.spec.renew_time > first


# -- discovery ------------------------------------------------------------------------------

def test_api_resources_and_versions(cluster: Server, cache: Path) -> None:
    resources = ok(kubectl(cluster, "api-resources", cache=cache))
    rows = {line.split()[0]: line.split() for line in resources.splitlines()[1:]}
    assert rows["pods"][1] == "po"
    assert rows["deployments"][1:4] == ["deploy", "apps/v1", "true"]
    assert rows["nodes"][1:4] == ["no", "v1", "false"]
    assert "customresourcedefinitions" in rows
    versions = ok(kubectl(cluster, "api-versions", cache=cache)).split()
    for expected in ("v1", "apps/v1", "batch/v1", "rbac.authorization.k8s.io/v1",
                     "coordination.k8s.io/v1", "autoscaling/v2"):
        assert expected in versions


def test_python_client_discovers_legacy_documents(api: k8s.ApiClient) -> None:
    core = k8s.CoreV1Api(api).get_api_resources()
    names = {r.name for r in core.resources}
    assert {"pods", "pods/status", "pods/eviction", "namespaces", "nodes"} <= names
    groups = {g.name for g in k8s.ApisApi(api).get_api_versions().groups}
    assert {"apps", "batch", "rbac.authorization.k8s.io"} <= groups


# -- CRUD, patches, errors -----------------------------------------------------------------

def test_configmap_lifecycle_with_kubectl(cluster: Server, cache: Path, tmp_path: Path) -> None:
    manifest = tmp_path / "cm.json"
    manifest.write_text(json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                                    "metadata": {"name": "settings", "labels": {"app": "web"}},
                                    "data": {"color": "blue"}}))
    created = ok(kubectl(cluster, "create", "-f", str(manifest),
                         cache=cache))
    assert created.strip() == "configmap/settings created"
    again = kubectl(cluster, "create", "-f", str(manifest), cache=cache)
    assert again.returncode == 1
    assert 'configmaps "settings" already exists' in again.stderr
    table = ok(kubectl(cluster, "get", "configmaps", cache=cache)).splitlines()
    assert table[0].split() == ["NAME", "DATA", "AGE"]
    assert any(line.split()[:2] == ["settings", "1"] for line in table[1:])

    ok(kubectl(cluster, "label", "configmap", "settings", "tier=front", cache=cache))
    ok(kubectl(cluster, "annotate", "configmap", "settings", "owner=team-a", cache=cache))
    ok(kubectl(cluster, "patch", "configmap", "settings", "--type=merge",
               "-p", '{"data":{"size":"L"}}', cache=cache))
    ok(kubectl(cluster, "patch", "configmap", "settings", "--type=json",
               "-p", '[{"op":"replace","path":"/data/color","value":"green"}]', cache=cache))
    ok(kubectl(cluster, "patch", "configmap", "settings",
               "-p", '{"data":{"shape":"round"}}', cache=cache))
    obj = json.loads(ok(kubectl(cluster, "get", "cm", "settings", "-o", "json", cache=cache)))
    assert obj["data"] == {"color": "green", "size": "L", "shape": "round"}
    assert obj["metadata"]["labels"] == {"app": "web", "tier": "front"}
    assert obj["metadata"]["annotations"]["owner"] == "team-a"
    assert obj["metadata"]["uid"] and obj["metadata"]["creationTimestamp"]

    shown = ok(kubectl(cluster, "get", "cm", "-l", "tier=front", "--show-labels",
                       cache=cache)).splitlines()
    assert shown[0].split()[-1] == "LABELS" and "app=web,tier=front" in shown[1]
    assert "No resources found" in kubectl(cluster, "get", "cm", "-l", "tier=back",
                                           cache=cache).stderr
    jsonpath = ok(kubectl(cluster, "get", "cm", "settings", "-o",
                          "jsonpath={.data.color}", cache=cache))
    assert jsonpath == "green"

    stale = dict(obj)
    stale["metadata"] = {**obj["metadata"], "resourceVersion": "1"}
    stale_file = tmp_path / "stale.json"
    stale_file.write_text(json.dumps(stale))
    replaced = kubectl(cluster, "replace", "-f", str(stale_file),
                       cache=cache)
    assert replaced.returncode == 1
    assert "the object has been modified" in replaced.stderr

    deleted = ok(kubectl(cluster, "delete", "configmap", "settings", cache=cache))
    assert deleted.strip() == 'configmap "settings" deleted'
    missing = kubectl(cluster, "get", "configmap", "settings", cache=cache)
    assert missing.returncode == 1
    assert missing.stderr.strip() == \
        'Error from server (NotFound): configmaps "settings" not found'


def test_create_into_missing_namespace_is_refused(cluster: Server, cache: Path) -> None:
    done = kubectl(cluster, "-n", "nowhere", "create", "configmap", "x",
                   "--from-literal=a=b", cache=cache)
    assert done.returncode == 1
    assert 'namespaces "nowhere" not found' in done.stderr


def test_invalid_name_is_a_422_with_the_field(api: k8s.ApiClient) -> None:
    core = k8s.CoreV1Api(api)
    with pytest.raises(k8s.ApiException) as raised:
        core.create_namespaced_config_map("default", {"metadata": {"name": "Bad_Name"}})
    assert raised.value.status == 422
    status = json.loads(raised.value.body)
    assert status["reason"] == "Invalid"
    assert status["details"]["causes"][0]["field"] == "metadata.name"


def test_generate_name_and_list_paging(api: k8s.ApiClient) -> None:
    core = k8s.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": "paging"}})
    names = {core.create_namespaced_config_map(
        "paging", {"metadata": {"generateName": "item-"}, "data": {"i": str(i)}}).metadata.name
        for i in range(25)}
    assert len(names) == 25 and all(n.startswith("item-") and len(n) == 10 for n in names)
    seen: list[str] = []
    token = None
    pages = 0
    while True:
        page = core.list_namespaced_config_map("paging", limit=10, _continue=token)
        seen.extend(item.metadata.name for item in page.items
                    if item.metadata.name != "kube-root-ca.crt")
        pages += 1
        token = page.metadata._continue
        if not token:
            break
    assert pages == 3
    assert sorted(seen) == sorted(names) and len(seen) == 25


def test_watch_sees_every_change_in_order(api: k8s.ApiClient) -> None:
    core = k8s.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": "watched"}})
    start = core.list_namespaced_config_map("watched").metadata.resource_version
    events: list[tuple[str, str, str]] = []

    def follow() -> None:
        stream = k8s_watch.Watch()
        for event in stream.stream(core.list_namespaced_config_map, "watched",
                                   resource_version=start, timeout_seconds=10,
                                   label_selector="test=watch"):
            obj = event["object"]
            events.append((event["type"], obj.metadata.name, obj.metadata.resource_version))
            if len(events) == 4:
                stream.stop()

    reader = threading.Thread(target=follow)
    reader.start()
    labels = {"test": "watch"}
    created = core.create_namespaced_config_map("watched", {"metadata": {
        "name": "w", "labels": labels}})
    patched = core.patch_namespaced_config_map("w", "watched", {"data": {"k": "v"}})
    other = core.create_namespaced_config_map("watched", {"metadata": {
        "name": "w2", "labels": labels}})
    core.delete_namespaced_config_map("w", "watched")
    reader.join(15)
    assert [(t, n) for t, n, _ in events] == [("ADDED", "w"), ("MODIFIED", "w"),
                                              ("ADDED", "w2"), ("DELETED", "w")]
    revisions = [int(rv) for _, _, rv in events]
    assert revisions == sorted(revisions)
    assert events[0][2] == created.metadata.resource_version
    assert events[1][2] == patched.metadata.resource_version
    assert events[2][2] == other.metadata.resource_version


def test_kubectl_get_watch_prints_new_objects(cluster: Server, cache: Path) -> None:
    ok(kubectl(cluster, "create", "namespace", "getw", cache=cache))
    import os
    import subprocess
    env = dict(os.environ, KUBECACHEDIR=str(cache))
    watcher = subprocess.Popen(
        ["/usr/bin/kubectl", "--kubeconfig", str(cluster.kubeconfig), "-n", "getw", "get",
         "configmaps", "-w", "--request-timeout=8s"],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(1.5)
    ok(kubectl(cluster, "-n", "getw", "create", "configmap", "late", "--from-literal=a=1",
               cache=cache))
    time.sleep(1.0)
    watcher.terminate()
    out, _ = watcher.communicate(timeout=10)
    rows = [line.split() for line in out.splitlines()]
    assert rows[0][:2] == ["NAME", "DATA"]
    assert any(row[:2] == ["late", "1"] for row in rows[1:])


def test_a_deleted_namespace_empties_waits_for_finalizers_and_goes(
        cluster: Server, cache: Path, api: k8s.ApiClient) -> None:
    core = k8s.CoreV1Api(api)
    ok(kubectl(cluster, "create", "namespace", "doomed", cache=cache))
    core.create_namespaced_config_map("doomed", {"metadata": {"name": "plain"}})
    core.create_namespaced_config_map("doomed", {"metadata": {
        "name": "held", "finalizers": ["example.com/hold"]}})
    ok(kubectl(cluster, "delete", "namespace", "doomed", "--wait=false", cache=cache))
    phase = ok(kubectl(cluster, "get", "namespace", "doomed", "-o",
                       "jsonpath={.status.phase}", cache=cache))
    assert phase == "Terminating"
    refused = kubectl(cluster, "-n", "doomed", "create", "configmap", "late",
                      "--from-literal=a=b", cache=cache)
    assert refused.returncode == 1
    assert "because it is being terminated" in refused.stderr
    deadline = time.monotonic() + 10
    while [c.metadata.name for c in core.list_namespaced_config_map("doomed").items] != ["held"]:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    held = core.read_namespaced_config_map("held", "doomed")
    assert held.metadata.deletion_timestamp is not None
    core.patch_namespaced_config_map("held", "doomed", {"metadata": {"finalizers": None}})
    ok(kubectl(cluster, "wait", "--for=delete", "namespace/doomed", "--timeout=15s",
               cache=cache))


def test_a_node_identity_may_not_read_secrets(cluster: Server, cache: Path,
                                              tmp_path: Path) -> None:
    tls = cluster.data_dir / "server" / "tls"
    kubeconfig = tmp_path / "node.yaml"
    kubeconfig.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "node",
        "clusters": [{"name": "c", "cluster": {
            "server": cluster.url, "certificate-authority": str(tls / "server-ca.crt")}}],
        "users": [{"name": "node", "user": {
            "client-certificate": str(tls / "client-kubelet.crt"),
            "client-key": str(tls / "client-kubelet.key")}}],
        "contexts": [{"name": "node", "context": {"cluster": "c", "user": "node"}}]}))
    done = kubectl(cluster, "get", "secrets", "-n", "kube-system", cache=cache,
                   kubeconfig=kubeconfig)
    assert done.returncode == 1
    assert done.stderr.strip() == (
        'Error from server (Forbidden): secrets is forbidden: User "system:node:k3py-node-1" '
        'cannot list resource "secrets" in API group "" in the namespace "kube-system"')
    nodes = ok(kubectl(cluster, "get", "nodes", cache=cache, kubeconfig=kubeconfig))
    assert "k3py-node-1" in nodes


# -- services, generators (protobuf bodies), scale, auth ------------------------------------

def test_kubernetes_service_has_the_first_cluster_ip(cluster: Server, cache: Path) -> None:
    rows = ok(kubectl(cluster, "get", "svc", "kubernetes", cache=cache)).splitlines()
    assert rows[0].split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert rows[1].split()[:5] == ["kubernetes", "ClusterIP", "10.43.0.1", "<none>", "443/TCP"]
    endpoints = json.loads(ok(kubectl(cluster, "get", "endpoints", "kubernetes", "-o", "json",
                                      cache=cache)))
    assert endpoints["subsets"][0]["ports"][0]["port"] == cluster.port


def test_kubectl_create_generators_and_scale(cluster: Server, cache: Path) -> None:
    ok(kubectl(cluster, "create", "namespace", "gen", cache=cache))
    created = ok(kubectl(cluster, "-n", "gen", "create", "deployment", "web", "--image=nginx",
                         "--replicas=2", cache=cache))
    assert created.strip() == "deployment.apps/web created"
    ok(kubectl(cluster, "-n", "gen", "create", "service", "nodeport", "web", "--tcp=80:8080",
               cache=cache))
    ok(kubectl(cluster, "-n", "gen", "create", "configmap", "cfg", "--from-literal=a=1",
               "--from-literal=b=2", cache=cache))
    ok(kubectl(cluster, "-n", "gen", "create", "secret", "generic", "pw",
               "--from-literal=password=s3cret", cache=cache))
    svc = json.loads(ok(kubectl(cluster, "-n", "gen", "get", "svc", "web", "-o", "json",
                                cache=cache)))
    assert svc["spec"]["type"] == "NodePort"
    assert svc["spec"]["clusterIP"].startswith("10.43.")
    assert 30000 <= svc["spec"]["ports"][0]["nodePort"] <= 32767
    row = ok(kubectl(cluster, "-n", "gen", "get", "svc", "web", cache=cache)).splitlines()[1]
    assert f"80:{svc['spec']['ports'][0]['nodePort']}/TCP" in row.split()
    secret = json.loads(ok(kubectl(cluster, "-n", "gen", "get", "secret", "pw", "-o", "json",
                                   cache=cache)))
    assert secret["type"] == "Opaque" and secret["data"]["password"] == "czNjcmV0"

    scaled = ok(kubectl(cluster, "-n", "gen", "scale", "deployment", "web", "--replicas=5",
                        cache=cache))
    assert scaled.strip() == "deployment.apps/web scaled"
    deployment = json.loads(ok(kubectl(cluster, "-n", "gen", "get", "deploy", "web", "-o",
                                       "json", cache=cache)))
    assert deployment["spec"]["replicas"] == 5
    assert deployment["metadata"]["generation"] == 2
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx"


def test_auth_can_i_and_whoami(cluster: Server, cache: Path) -> None:
    can = kubectl(cluster, "auth", "can-i", "delete", "pods", cache=cache)
    assert (can.returncode, can.stdout.strip()) == (0, "yes")
    who = ok(kubectl(cluster, "auth", "whoami", "-o", "json", cache=cache))
    info = json.loads(who)["status"]["userInfo"]
    assert info["username"] == "system:admin"
    assert "system:masters" in info["groups"]


# -- OpenAPI: apply, explain, strict field validation --------------------------------------

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  labels: {app: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: c
        image: nginx:1.27
        ports: [{containerPort: 80}]
        env: [{name: A, value: "1"}]
"""


def test_client_side_apply_create_reapply_and_prune(cluster: Server, cache: Path,
                                                     tmp_path: Path) -> None:
    ok(kubectl(cluster, "create", "namespace", "csa", cache=cache))
    manifest = tmp_path / "web.yaml"
    manifest.write_text(DEPLOYMENT)
    assert ok(kubectl(cluster, "-n", "csa", "apply", "-f", str(manifest),
                      cache=cache)).strip() == "deployment.apps/web created"
    manifest.write_text(DEPLOYMENT.replace("nginx:1.27", "nginx:1.28")
                        .replace('        env: [{name: A, value: "1"}]\n', ""))
    assert ok(kubectl(cluster, "-n", "csa", "apply", "-f", str(manifest),
                      cache=cache)).strip() == "deployment.apps/web configured"
    live = json.loads(ok(kubectl(cluster, "-n", "csa", "get", "deploy", "web", "-o", "json",
                                 cache=cache)))
    container = live["spec"]["template"]["spec"]["containers"][0]
    assert container["image"] == "nginx:1.28"
    assert "env" not in container
    assert live["metadata"]["generation"] == 2
    assert "kubectl.kubernetes.io/last-applied-configuration" in live["metadata"]["annotations"]
    assert ok(kubectl(cluster, "-n", "csa", "apply", "-f", str(manifest),
                      cache=cache)).strip() == "deployment.apps/web unchanged"


def test_strict_field_validation_refuses_unknown_fields(cluster: Server, cache: Path,
                                                        tmp_path: Path) -> None:
    manifest = tmp_path / "bad.yaml"
    manifest.write_text(DEPLOYMENT.replace("  replicas: 2", "  replicas: 2\n  replica: 3"))
    done = kubectl(cluster, "create", "-f", str(manifest), cache=cache)
    assert done.returncode == 1
    assert 'unknown field "spec.replica"' in done.stderr
    warned = kubectl(cluster, "create", "--validate=warn", "-f", str(manifest), cache=cache)
    assert warned.returncode == 0, warned.stderr
    assert 'unknown field "spec.replica"' in warned.stderr


def test_explain_renders_the_schema(cluster: Server, cache: Path) -> None:
    text = ok(kubectl(cluster, "explain", "deployment.spec.replicas", cache=cache))
    assert "FIELD: replicas <integer>" in text
    assert "desired pods" in text


# -- bearer tokens --------------------------------------------------------------------------

def test_service_account_tokens_authenticate_and_die_with_their_account(
        cluster: Server, cache: Path, tmp_path: Path) -> None:
    ok(kubectl(cluster, "create", "namespace", "tokens", cache=cache))
    deadline = time.monotonic() + 10
    while kubectl(cluster, "-n", "tokens", "get", "sa", "default", cache=cache).returncode:
        assert time.monotonic() < deadline, "the default ServiceAccount never appeared"
        time.sleep(0.1)
    root_ca = ok(kubectl(cluster, "-n", "tokens", "get", "configmap", "kube-root-ca.crt", "-o",
                         "jsonpath={.data.ca\\.crt}", cache=cache))
    assert root_ca.startswith("-----BEGIN CERTIFICATE-----")
    ok(kubectl(cluster, "-n", "tokens", "create", "serviceaccount", "robot", cache=cache))
    token = ok(kubectl(cluster, "-n", "tokens", "create", "token", "robot", "--duration=1h",
                       cache=cache)).strip()
    assert token.count(".") == 2
    tls = cluster.data_dir / "server" / "tls"
    kubeconfig = tmp_path / "robot.yaml"
    kubeconfig.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Config", "current-context": "robot",
        "clusters": [{"name": "c", "cluster": {
            "server": cluster.url, "certificate-authority": str(tls / "server-ca.crt")}}],
        "users": [{"name": "robot", "user": {"token": token}}],
        "contexts": [{"name": "robot", "context": {"cluster": "c", "user": "robot"}}]}))
    who = json.loads(ok(kubectl(cluster, "auth", "whoami", "-o", "json", cache=cache,
                                kubeconfig=kubeconfig)))
    assert who["status"]["userInfo"]["username"] == "system:serviceaccount:tokens:robot"
    assert "system:serviceaccounts:tokens" in who["status"]["userInfo"]["groups"]
    can = kubectl(cluster, "auth", "can-i", "get", "pods", cache=cache, kubeconfig=kubeconfig)
    assert (can.returncode, can.stdout.strip()) == (1, "no")
    denied = kubectl(cluster, "-n", "tokens", "get", "pods", cache=cache, kubeconfig=kubeconfig)
    assert 'User "system:serviceaccount:tokens:robot" cannot list resource "pods"' in \
        denied.stderr
    ok(kubectl(cluster, "-n", "tokens", "delete", "serviceaccount", "robot", cache=cache))
    gone = kubectl(cluster, "auth", "whoami", cache=cache, kubeconfig=kubeconfig)
    assert gone.returncode == 1
    assert "You must be logged in to the server (Unauthorized)" in gone.stderr


def test_server_side_apply_prunes_conflicts_and_forces(cluster: Server, cache: Path,
                                                       tmp_path: Path) -> None:
    ok(kubectl(cluster, "create", "namespace", "ssa", cache=cache))
    manifest = tmp_path / "web.yaml"
    manifest.write_text(DEPLOYMENT)
    applied = ok(kubectl(cluster, "-n", "ssa", "apply", "--server-side", "-f", str(manifest),
                         cache=cache))
    assert applied.strip() == "deployment.apps/web serverside-applied"
    manifest.write_text(DEPLOYMENT.replace('        env: [{name: A, value: "1"}]\n', ""))
    ok(kubectl(cluster, "-n", "ssa", "apply", "--server-side", "-f", str(manifest),
               cache=cache))
    live = json.loads(ok(kubectl(cluster, "-n", "ssa", "get", "deploy", "web", "-o", "json",
                                 "--show-managed-fields", cache=cache)))
    assert "env" not in live["spec"]["template"]["spec"]["containers"][0]
    managers = {(e["manager"], e["operation"]) for e in live["metadata"]["managedFields"]}
    assert ("kubectl", "Apply") in managers
    ok(kubectl(cluster, "-n", "ssa", "scale", "deploy", "web", "--replicas=4", cache=cache))
    clash = kubectl(cluster, "-n", "ssa", "apply", "--server-side", "-f", str(manifest),
                    cache=cache)
    assert clash.returncode == 1
    assert "conflict with" in clash.stderr and ".spec.replicas" in clash.stderr
    ok(kubectl(cluster, "-n", "ssa", "apply", "--server-side", "--force-conflicts", "-f",
               str(manifest), cache=cache))
    replicas = ok(kubectl(cluster, "-n", "ssa", "get", "deploy", "web", "-o",
                          "jsonpath={.spec.replicas}", cache=cache))
    assert replicas == "2"


# -- CustomResourceDefinitions ---------------------------------------------------------------

CRD = {
    "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
    "metadata": {"name": "crontabs.stable.example.com"},
    "spec": {
        "group": "stable.example.com", "scope": "Namespaced",
        "names": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab",
                  "shortNames": ["ct"]},
        "versions": [{
            "name": "v1", "served": True, "storage": True,
            "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                "spec": {"type": "object", "properties": {
                    "cronSpec": {"type": "string", "pattern": r"^(\S+ ){4}\S+$"},
                    "image": {"type": "string"},
                    "replicas": {"type": "integer", "minimum": 0, "maximum": 10,
                                 "default": 1}}},
                "status": {"type": "object", "properties": {
                    "replicas": {"type": "integer"},
                    "labelSelector": {"type": "string"}}}}}},
            "subresources": {"status": {}, "scale": {
                "specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas",
                "labelSelectorPath": ".status.labelSelector"}},
            "additionalPrinterColumns": [
                {"name": "Spec", "type": "string", "jsonPath": ".spec.cronSpec"},
                {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
                {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}]}]}}


def test_a_crd_is_served_at_once_with_schema_columns_and_subresources(
        cluster: Server, cache: Path, tmp_path: Path, api: k8s.ApiClient) -> None:
    manifest = tmp_path / "crd.json"
    manifest.write_text(json.dumps(CRD))
    ok(kubectl(cluster, "apply", "-f", str(manifest), cache=cache))
    ok(kubectl(cluster, "wait", "--for=condition=Established", "--timeout=10s",
               "crd/crontabs.stable.example.com", cache=cache))
    ok(kubectl(cluster, "create", "namespace", "crs", cache=cache))
    obj = tmp_path / "ct.json"
    obj.write_text(json.dumps({"apiVersion": "stable.example.com/v1", "kind": "CronTab",
                               "metadata": {"name": "nightly", "namespace": "crs"},
                               "spec": {"cronSpec": "0 3 * * *", "image": "backup:1"}}))
    ok(kubectl(cluster, "create", "-f", str(obj), cache=cache))
    rows = ok(kubectl(cluster, "-n", "crs", "get", "ct", cache=cache)).splitlines()
    assert rows[0].split() == ["NAME", "SPEC", "REPLICAS", "AGE"]
    assert rows[1].split()[:5] == ["nightly", "0", "3", "*", "*"]
    assert rows[1].split()[6] == "1"  # the schema's default
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"apiVersion": "stable.example.com/v1", "kind": "CronTab",
                               "metadata": {"name": "bad", "namespace": "crs"},
                               "spec": {"cronSpec": "nope", "replicas": 11}}))
    refused = kubectl(cluster, "create", "-f", str(bad), cache=cache)
    assert refused.returncode == 1
    assert "spec.replicas" in refused.stderr and "spec.cronSpec" in refused.stderr
    ok(kubectl(cluster, "-n", "crs", "scale", "ct", "nightly", "--replicas=3", cache=cache))
    assert ok(kubectl(cluster, "-n", "crs", "get", "ct", "nightly", "-o",
                      "jsonpath={.spec.replicas}", cache=cache)) == "3"
    ok(kubectl(cluster, "-n", "crs", "patch", "ct", "nightly", "--subresource=status",
               "--type=merge", "-p", '{"status":{"replicas":3}}', cache=cache))
    assert ok(kubectl(cluster, "-n", "crs", "get", "ct", "nightly", "-o",
                      "jsonpath={.status.replicas}", cache=cache)) == "3"
    explained = ok(kubectl(cluster, "explain", "crontabs.spec", cache=cache))
    assert "cronSpec" in explained

    from kubernetes import dynamic
    client = dynamic.DynamicClient(api)
    crontabs = client.resources.get(api_version="stable.example.com/v1", kind="CronTab")
    made = crontabs.create(namespace="crs", body={
        "apiVersion": "stable.example.com/v1", "kind": "CronTab",
        "metadata": {"name": "hourly"}, "spec": {"cronSpec": "0 * * * *", "image": "x"}})
    assert made.spec.replicas == 1
    names = sorted(item.metadata.name for item in crontabs.get(namespace="crs").items)
    assert names == ["hourly", "nightly"]
    crontabs.delete(name="hourly", namespace="crs")

    ok(kubectl(cluster, "delete", "crd", "crontabs.stable.example.com", "--timeout=20s",
               cache=cache))
    gone = kubectl(cluster, "-n", "crs", "get", "crontabs.stable.example.com", cache=cache)
    assert gone.returncode == 1


# -- watch: initial events, bookmarks, 410 after a restart ----------------------------------

def _watch_lines(cluster: Server, path: str) -> list[dict[str, object]]:
    import ssl
    import urllib.request
    tls = cluster.data_dir / "server" / "tls"
    context = ssl.create_default_context(cafile=str(tls / "server-ca.crt"))
    context.load_cert_chain(tls / "client-admin.crt", tls / "client-admin.key")
    with urllib.request.urlopen(cluster.url + path, context=context, timeout=10) as answer:
        return [json.loads(line) for line in answer.read().splitlines() if line.strip()]


def test_watch_list_sends_initial_events_then_the_end_bookmark(cluster: Server,
                                                                api: k8s.ApiClient) -> None:
    core = k8s.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": "bookmarks"}})
    for name in ("a", "b"):
        core.create_namespaced_config_map("bookmarks", {"metadata": {
            "name": name, "labels": {"set": "x"}}})
    events = _watch_lines(cluster, "/api/v1/namespaces/bookmarks/configmaps?watch=true"
                          "&sendInitialEvents=true&allowWatchBookmarks=true"
                          "&resourceVersionMatch=NotOlderThan&labelSelector=set%3Dx"
                          "&timeoutSeconds=1")
    kinds = [(e["type"], e["object"]["metadata"].get("name")) for e in events]  # type: ignore[index]
    assert kinds[:2] == [("ADDED", "a"), ("ADDED", "b")]
    bookmark = events[2]
    assert bookmark["type"] == "BOOKMARK"
    assert bookmark["object"]["metadata"]["annotations"] == {  # type: ignore[index]
        "k8s.io/initial-events-end": "true"}


def test_a_watch_from_before_a_restart_is_told_410_gone(tmp_path: Path) -> None:
    server = start_server(tmp_path)
    try:
        cache = tmp_path / "cache"
        ok(kubectl(server, "create", "configmap", "old", cache=cache))
        before = ok(kubectl(server, "get", "configmap", "old", "-o",
                            "jsonpath={.metadata.resourceVersion}", cache=cache))
        ok(kubectl(server, "create", "configmap", "newer", cache=cache))
    finally:
        assert stop_server(server) == 0
    server = start_server(tmp_path, port=server.port)
    try:
        events = _watch_lines(server, f"/api/v1/namespaces/default/configmaps?watch=true"
                              f"&resourceVersion={int(before) - 1}&timeoutSeconds=2")
        assert len(events) == 1 and events[0]["type"] == "ERROR"
        status = events[0]["object"]
        assert status["code"] == 410 and status["reason"] == "Expired"  # type: ignore[index]
        configuration = k8s.Configuration()
        k8s_config.load_kube_config(config_file=str(server.kubeconfig),
                                    client_configuration=configuration)
        with k8s.ApiClient(configuration) as client, pytest.raises(k8s.ApiException) as gone:
            core = k8s.CoreV1Api(client)
            for _ in k8s_watch.Watch().stream(core.list_namespaced_config_map, "default",
                                              resource_version=str(int(before) - 1),
                                              timeout_seconds=2):
                pass
        assert gone.value.status == 410
    finally:
        assert stop_server(server) == 0


def test_pod_logs_before_scheduling_and_debug_containers(cluster: Server, cache: Path) -> None:
    ok(kubectl(cluster, "create", "namespace", "pods", cache=cache))
    ok(kubectl(cluster, "-n", "pods", "run", "p", "--image=busybox:1.36", "--", "sleep", "1d",
               cache=cache))
    row = ok(kubectl(cluster, "-n", "pods", "get", "pod", "p", cache=cache)).splitlines()[1]
    assert row.split()[:3] == ["p", "0/1", "Pending"]
    logs = kubectl(cluster, "-n", "pods", "logs", "p", cache=cache)
    assert logs.returncode == 1
    assert 'container "p" in pod "p" is waiting to start: ContainerCreating' in logs.stderr
    debug = kubectl(cluster, "-n", "pods", "debug", "p", "--image=busybox:1.36",
                    "--container=dbg", cache=cache)
    assert debug.returncode == 0, debug.stderr
    pod = json.loads(ok(kubectl(cluster, "-n", "pods", "get", "pod", "p", "-o", "json",
                                cache=cache)))
    assert [c["name"] for c in pod["spec"]["ephemeralContainers"]] == ["dbg"]
    assert pod["spec"]["containers"][0]["image"] == "busybox:1.36"


def test_token_and_subject_access_reviews(cluster: Server, api: k8s.ApiClient) -> None:
    core = k8s.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": "reviews"}})
    core.create_namespaced_service_account("reviews", {"metadata": {"name": "bot"}})
    token = core.create_namespaced_service_account_token(
        "bot", "reviews", {"spec": {"expirationSeconds": 3600}}).status.token
    authn = k8s.AuthenticationV1Api(api)
    answer = authn.create_token_review({"spec": {"token": token}})
    assert answer.status.authenticated is True
    assert answer.status.user.username == "system:serviceaccount:reviews:bot"
    forged = authn.create_token_review({"spec": {"token": token[:-4] + "AAAA"}})
    assert forged.status.authenticated is False
    authz = k8s.AuthorizationV1Api(api)
    node_may = authz.create_subject_access_review({"spec": {
        "user": "system:node:k3py-node-1", "groups": ["system:nodes"],
        "resourceAttributes": {"verb": "update", "resource": "nodes",
                               "name": "k3py-node-1"}}})
    assert node_may.status.allowed is True
    bot_may_not = authz.create_namespaced_local_subject_access_review("reviews", {
        "metadata": {"namespace": "reviews"}, "spec": {
            "user": "system:serviceaccount:reviews:bot",
            "resourceAttributes": {"verb": "get", "resource": "secrets"}}})
    assert bot_may_not.status.allowed is False


def test_certificate_signing_requests_are_approved(cluster: Server, cache: Path,
                                                   tmp_path: Path) -> None:
    import base64

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID
    key = ec.generate_private_key(ec.SECP256R1())
    request = x509.CertificateSigningRequestBuilder().subject_name(x509.Name(
        [x509.NameAttribute(NameOID.COMMON_NAME, "jane")])).sign(key, hashes.SHA256())
    pem = request.public_bytes(serialization.Encoding.PEM)
    manifest = tmp_path / "csr.json"
    manifest.write_text(json.dumps({
        "apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
        "metadata": {"name": "jane"},
        "spec": {"request": base64.b64encode(pem).decode(),
                 "signerName": "kubernetes.io/kube-apiserver-client",
                 "usages": ["client auth"]}}))
    ok(kubectl(cluster, "create", "-f", str(manifest), cache=cache))
    row = ok(kubectl(cluster, "get", "csr", "jane", cache=cache)).splitlines()[1]
    assert row.split()[-1] == "Pending"
    ok(kubectl(cluster, "certificate", "approve", "jane", cache=cache))
    row = ok(kubectl(cluster, "get", "csr", "jane", cache=cache)).splitlines()[1]
    assert row.split()[-1] == "Approved"


# -- quotas and limit ranges ------------------------------------------------------------------

def test_quota_refuses_objects_past_its_limits_and_counts_usage(cluster: Server, cache: Path,
                                                               api: k8s.ApiClient) -> None:
    core = k8s.CoreV1Api(api)
    ok(kubectl(cluster, "create", "namespace", "quota", cache=cache))
    ok(kubectl(cluster, "-n", "quota", "create", "quota", "q",
               "--hard=configmaps=3,pods=1,requests.cpu=500m", cache=cache))
    # kube-root-ca.crt counts too: two more fit, the third does not.
    deadline = time.monotonic() + 10
    while kubectl(cluster, "-n", "quota", "get", "cm", "kube-root-ca.crt",
                  cache=cache).returncode:
        assert time.monotonic() < deadline
        time.sleep(0.1)
    ok(kubectl(cluster, "-n", "quota", "create", "configmap", "one", cache=cache))
    ok(kubectl(cluster, "-n", "quota", "create", "configmap", "two", cache=cache))
    refused = kubectl(cluster, "-n", "quota", "create", "configmap", "three", cache=cache)
    assert refused.returncode == 1
    assert ('configmaps "three" is forbidden: exceeded quota: q, requested: configmaps=1, '
            'used: configmaps=3, limited: configmaps=3') in refused.stderr
    big = {"metadata": {"name": "big"}, "spec": {"containers": [{
        "name": "c", "image": "busybox", "resources": {"requests": {"cpu": "600m"}}}]}}
    with pytest.raises(k8s.ApiException) as over:
        core.create_namespaced_pod("quota", big)
    assert over.value.status == 403 and "requests.cpu=600m" in over.value.body
    ok(kubectl(cluster, "-n", "quota", "delete", "configmap", "one", cache=cache))
    deadline = time.monotonic() + 15
    while True:  # the controller's recount gives the deleted one back
        used = core.read_namespaced_resource_quota("q", "quota").status.used or {}
        if used.get("configmaps") == "2":
            break
        assert time.monotonic() < deadline, used
        time.sleep(0.2)
    ok(kubectl(cluster, "-n", "quota", "create", "configmap", "three", cache=cache))
    described = ok(kubectl(cluster, "-n", "quota", "describe", "quota", "q", cache=cache))
    assert "configmaps" in described and "3" in described


def test_limit_range_defaults_and_bounds_pods(cluster: Server, api: k8s.ApiClient) -> None:
    core = k8s.CoreV1Api(api)
    core.create_namespace({"metadata": {"name": "limits"}})
    core.create_namespaced_limit_range("limits", {"metadata": {"name": "lr"}, "spec": {
        "limits": [{"type": "Container", "default": {"cpu": "200m", "memory": "64Mi"},
                    "defaultRequest": {"cpu": "100m"}, "max": {"cpu": "1"},
                    "min": {"cpu": "50m"}}]}})
    pod = core.create_namespaced_pod("limits", {"metadata": {"name": "p"}, "spec": {
        "containers": [{"name": "c", "image": "busybox"}]}})
    resources = pod.spec.containers[0].resources
    assert resources.limits == {"cpu": "200m", "memory": "64Mi"}
    assert resources.requests == {"cpu": "100m", "memory": "64Mi"}
    assert pod.status.qos_class == "Burstable"
    with pytest.raises(k8s.ApiException) as refused:
        core.create_namespaced_pod("limits", {"metadata": {"name": "greedy"}, "spec": {
            "containers": [{"name": "c", "image": "busybox",
                            "resources": {"limits": {"cpu": "2"}}}]}})
    assert refused.value.status == 403
    assert "maximum cpu usage per Container is 1, but limit is 2" in refused.value.body


def test_a_crd_serves_every_version_from_one_storage_version(
        cluster: Server, cache: Path, tmp_path: Path, api: k8s.ApiClient) -> None:
    schema = {"openAPIV3Schema": {"type": "object", "properties": {"spec": {
        "type": "object", "x-kubernetes-preserve-unknown-fields": True}}}}
    crd = {"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
           "metadata": {"name": "gadgets.example.com"},
           "spec": {"group": "example.com", "scope": "Namespaced",
                    "names": {"plural": "gadgets", "kind": "Gadget"},
                    "versions": [
                        {"name": "v1beta1", "served": True, "storage": False, "schema": schema},
                        {"name": "v1", "served": True, "storage": True, "schema": schema}]}}
    manifest = tmp_path / "crd.json"
    manifest.write_text(json.dumps(crd))
    ok(kubectl(cluster, "apply", "-f", str(manifest), cache=cache))
    ok(kubectl(cluster, "wait", "--for=condition=Established", "--timeout=10s",
               "crd/gadgets.example.com", cache=cache))
    versions = ok(kubectl(cluster, "api-versions", cache=cache)).split()
    assert "example.com/v1" in versions and "example.com/v1beta1" in versions
    custom = k8s.CustomObjectsApi(api)
    custom.create_namespaced_custom_object("example.com", "v1beta1", "default", "gadgets", {
        "apiVersion": "example.com/v1beta1", "kind": "Gadget",
        "metadata": {"name": "g"}, "spec": {"size": 3}})
    as_v1 = custom.get_namespaced_custom_object("example.com", "v1", "default", "gadgets", "g")
    assert as_v1["apiVersion"] == "example.com/v1" and as_v1["spec"] == {"size": 3}
    listed = custom.list_namespaced_custom_object("example.com", "v1beta1", "default",
                                                  "gadgets")
    assert [i["apiVersion"] for i in listed["items"]] == ["example.com/v1beta1"]
    preferred = ok(kubectl(cluster, "get", "gadgets", "g", "-o", "jsonpath={.apiVersion}",
                           cache=cache))
    assert preferred == "example.com/v1"


def test_server_dry_run_persists_nothing(cluster: Server, cache: Path) -> None:
    ok(kubectl(cluster, "create", "namespace", "dry", cache=cache))
    shown = ok(kubectl(cluster, "-n", "dry", "create", "configmap", "ghost",
                       "--from-literal=a=b", "--dry-run=server", "-o", "json", cache=cache))
    assert json.loads(shown)["data"] == {"a": "b"}
    assert kubectl(cluster, "-n", "dry", "get", "cm", "ghost", cache=cache).returncode == 1
    ok(kubectl(cluster, "-n", "dry", "create", "configmap", "real", cache=cache))
    ok(kubectl(cluster, "-n", "dry", "label", "cm", "real", "x=y", "--dry-run=server",
               cache=cache))
    ok(kubectl(cluster, "-n", "dry", "delete", "cm", "real", "--dry-run=server", cache=cache))
    labels = ok(kubectl(cluster, "-n", "dry", "get", "cm", "real", "-o",
                        "jsonpath={.metadata.labels}", cache=cache))
    assert labels == ""
