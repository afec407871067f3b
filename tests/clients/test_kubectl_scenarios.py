"""The everyday kubectl workflow against a real `k3py server`, run with kubectl 1.32, 1.33 and
1.35: reading (get, describe, explain, discovery), writing (apply client- and server-side,
create, every `create` generator, replace, edit, patch, label, annotate, scale, rollout
restart, delete), the node (taint, cordon), waiting (get -w, wait, delete --wait), auth and
every output format. Each step checks what kubectl printed or what the server stored."""

from __future__ import annotations

import base64
import json
import os
import sys
from pathlib import Path

import yaml

from ..server.support import Server
from .conftest import NODE
from .support import Kubectl, node_kubeconfig, self_signed_pair


def rows(table: str) -> list[list[str]]:
    return [line.split() for line in table.splitlines()]


def by_name(table: str) -> dict[str, list[str]]:
    return {row[0]: row for row in rows(table)[1:]}


# -- reading: discovery, version, get, describe, explain ------------------------------------

def test_version_and_cluster_info(kubectl: Kubectl) -> None:
    versions = json.loads(kubectl.ok("version", "-o", "json", namespaced=False))
    assert versions["clientVersion"]["minor"] == kubectl.version.split(".")[1]
    server = versions["serverVersion"]
    assert (server["major"], server["minor"]) == ("1", "33")
    assert server["gitVersion"].startswith("v1.33.")
    text = kubectl.ok("version", namespaced=False)
    assert f"Server Version: {server['gitVersion']}" in text
    info = kubectl.ok("cluster-info", namespaced=False)
    assert f"Kubernetes control plane is running at {kubectl.server.url}" in info


def test_api_resources_and_api_versions(kubectl: Kubectl) -> None:
    resources = by_name(kubectl.ok("api-resources", namespaced=False))
    assert resources["pods"][1:5] == ["po", "v1", "true", "Pod"]
    assert resources["deployments"][1:5] == ["deploy", "apps/v1", "true", "Deployment"]
    assert resources["nodes"][1:5] == ["no", "v1", "false", "Node"]
    assert resources["clusterroles"][1:4] == ["rbac.authorization.k8s.io/v1", "false",
                                              "ClusterRole"]
    cluster_scoped = by_name(kubectl.ok("api-resources", "--namespaced=false",
                                        namespaced=False))
    assert "nodes" in cluster_scoped and "pods" not in cluster_scoped
    apps = kubectl.ok("api-resources", "--api-group=apps", "-o", "name", namespaced=False)
    assert {"deployments.apps", "replicasets.apps", "statefulsets.apps",
            "daemonsets.apps"} <= set(apps.split())
    versions = kubectl.ok("api-versions", namespaced=False).split()
    for expected in ("v1", "apps/v1", "batch/v1", "networking.k8s.io/v1", "policy/v1",
                     "rbac.authorization.k8s.io/v1", "scheduling.k8s.io/v1"):
        assert expected in versions


def test_get_nodes_and_describe_node(kubectl: Kubectl) -> None:
    table = rows(kubectl.ok("get", "nodes", namespaced=False))
    assert table[0] == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert table[1][:3] == [NODE, "Ready", "control-plane,master"]
    wide = rows(kubectl.ok("get", "nodes", "-o", "wide", namespaced=False))
    assert wide[0][:7] == ["NAME", "STATUS", "ROLES", "AGE", "VERSION", "INTERNAL-IP",
                           "EXTERNAL-IP"]
    described = kubectl.ok("describe", "node", NODE, namespaced=False)
    lines = described.splitlines()
    assert lines[0].split() == ["Name:", NODE]
    assert ["Roles:", "control-plane,master"] in rows(described)
    assert any(line.split()[:2] == ["Ready", "True"] for line in lines)
    assert "node-role.kubernetes.io/control-plane=true" in described
    assert "Kubelet Version:" in described and "Capacity:" in described


def test_describe_deployment_and_configmap(kubectl: Kubectl) -> None:
    kubectl.ok("create", "deployment", "described", "--image=nginx:1.27", "--replicas=2")
    kubectl.ok("create", "configmap", "described", "--from-literal=color=blue")
    text = kubectl.ok("describe", "deployment", "described")
    fields = {line.split(":", 1)[0]: line.split(":", 1)[1].strip()
              for line in text.splitlines() if ":" in line and not line.startswith(" ")}
    assert fields["Name"] == "described"
    assert fields["Namespace"] == kubectl.namespace
    assert fields["Selector"] == "app=described"
    assert fields["Replicas"].startswith("2 desired")
    assert fields["StrategyType"] == "RollingUpdate"
    assert "Image:" in text and "nginx:1.27" in text
    text = kubectl.ok("describe", "configmap", "described")
    lines = [line.strip() for line in text.splitlines()]
    assert lines[0].split() == ["Name:", "described"]
    data = lines.index("color:")
    assert lines[data + 1].startswith("----") and lines[data + 2] == "blue"


def test_explain(kubectl: Kubectl) -> None:
    text = kubectl.ok("explain", "deployment.spec.replicas", namespaced=False)
    assert "FIELD: replicas <integer>" in text
    assert "desired pods" in text
    kind = kubectl.ok("explain", "configmaps", namespaced=False)
    assert "KIND:       ConfigMap" in kind and "VERSION:    v1" in kind
    assert "data\t<map[string]string>" in kind


# -- writing: apply, create -f, replace, edit, patch -----------------------------------------

DEPLOYMENT = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: {name}
  labels: {{app: {name}}}
spec:
  replicas: 2
  selector: {{matchLabels: {{app: {name}}}}}
  template:
    metadata: {{labels: {{app: {name}}}}}
    spec:
      containers:
      - name: main
        image: nginx:1.27
        env: [{{name: MODE, value: "fast"}}]
      - name: side
        image: busybox:1.36
"""


def test_client_side_apply_create_reapply_and_prune(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "deploy.yaml"
    manifest.write_text(DEPLOYMENT.format(name="csa"))
    assert kubectl.ok("apply", "-f", str(manifest)).strip() == "deployment.apps/csa created"
    assert kubectl.ok("apply", "-f", str(manifest)).strip() == "deployment.apps/csa unchanged"
    manifest.write_text(DEPLOYMENT.format(name="csa").replace("nginx:1.27", "nginx:1.28")
                        .replace('        env: [{name: MODE, value: "fast"}]\n', ""))
    assert kubectl.ok("apply", "-f", str(manifest)).strip() == "deployment.apps/csa configured"
    live = kubectl.json("get", "deployment", "csa")
    main, side = live["spec"]["template"]["spec"]["containers"]
    assert (main["name"], main["image"]) == ("main", "nginx:1.28")
    assert "env" not in main
    assert (side["name"], side["image"]) == ("side", "busybox:1.36")
    assert live["metadata"]["generation"] == 2
    applied = json.loads(
        live["metadata"]["annotations"]["kubectl.kubernetes.io/last-applied-configuration"])
    assert "env" not in applied["spec"]["template"]["spec"]["containers"][0]


SSA_CONFIGMAP = """apiVersion: v1
kind: ConfigMap
metadata:
  name: {name}
  labels: {{keep: "yes", drop: "yes"}}
data:
  keep: "1"
  drop: "2"
"""


def test_server_side_apply_creates_and_reapplies(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(SSA_CONFIGMAP.format(name="ssa"))
    assert kubectl.ok("apply", "--server-side", "-f", str(manifest)).strip() == \
        "configmap/ssa serverside-applied"
    first = kubectl.json("get", "configmap", "ssa")
    assert first["data"] == {"keep": "1", "drop": "2"}
    assert first["metadata"]["labels"] == {"keep": "yes", "drop": "yes"}
    assert "kubectl.kubernetes.io/last-applied-configuration" not in \
        (first["metadata"].get("annotations") or {})
    assert kubectl.ok("apply", "--server-side", "-f", str(manifest)).strip() == \
        "configmap/ssa serverside-applied"
    again = kubectl.json("get", "configmap", "ssa")
    assert again["metadata"]["resourceVersion"] == first["metadata"]["resourceVersion"]
    manifest.write_text(SSA_CONFIGMAP.format(name="ssa").replace('keep: "1"', 'keep: "one"'))
    kubectl.ok("apply", "--server-side", "-f", str(manifest))
    assert kubectl.json("get", "configmap", "ssa")["data"]["keep"] == "one"


def test_server_side_apply_records_managed_fields(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(SSA_CONFIGMAP.format(name="ssa-managed"))
    kubectl.ok("apply", "--server-side", "-f", str(manifest))
    live = kubectl.json("get", "configmap", "ssa-managed", "--show-managed-fields")
    managed = live["metadata"].get("managedFields") or []
    assert [(m["manager"], m["operation"]) for m in managed] == [("kubectl", "Apply")]
    assert managed[0]["fieldsType"] == "FieldsV1"
    assert "f:keep" in managed[0]["fieldsV1"]["f:data"]


def test_server_side_apply_prunes_a_field_removed_from_the_manifest(
        kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(SSA_CONFIGMAP.format(name="ssa-prune"))
    kubectl.ok("apply", "--server-side", "-f", str(manifest))
    manifest.write_text(SSA_CONFIGMAP.format(name="ssa-prune")
                        .replace(', drop: "yes"', "").replace('  drop: "2"\n', ""))
    kubectl.ok("apply", "--server-side", "-f", str(manifest))
    live = kubectl.json("get", "configmap", "ssa-prune")
    assert live["data"] == {"keep": "1"}
    assert live["metadata"]["labels"] == {"keep": "yes"}


def test_server_side_apply_conflict_between_managers(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "cm.yaml"
    manifest.write_text(SSA_CONFIGMAP.format(name="ssa-conflict"))
    kubectl.ok("apply", "--server-side", "-f", str(manifest))
    manifest.write_text(SSA_CONFIGMAP.format(name="ssa-conflict").replace('keep: "1"',
                                                                          'keep: "other"'))
    refused = kubectl.fails("apply", "--server-side", "--field-manager=intruder", "-f",
                            str(manifest))
    assert "conflict" in refused and '"kubectl"' in refused and ".data.keep" in refused
    assert kubectl.json("get", "configmap", "ssa-conflict")["data"]["keep"] == "1"
    kubectl.ok("apply", "--server-side", "--field-manager=intruder", "--force-conflicts",
               "-f", str(manifest))
    assert kubectl.json("get", "configmap", "ssa-conflict")["data"]["keep"] == "other"


def test_server_side_apply_creates_a_service_with_a_cluster_ip(
        kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "svc.yaml"
    manifest.write_text(json.dumps({
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "ssa-svc"},
        "spec": {"selector": {"app": "x"}, "ports": [{"port": 80, "targetPort": 8080}]}}))
    kubectl.ok("apply", "--server-side", "-f", str(manifest))
    spec = kubectl.json("get", "service", "ssa-svc")["spec"]
    assert spec["clusterIP"].startswith("10.43.")
    assert spec["clusterIPs"] == [spec["clusterIP"]]


def test_create_from_a_multi_document_file(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "many.yaml"
    manifest.write_text(yaml.safe_dump_all([
        {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "from-file"},
         "data": {"a": "1"}},
        {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "from-file"},
         "spec": {"selector": {"app": "x"}, "ports": [{"port": 80}]}}]))
    assert kubectl.ok("create", "-f", str(manifest)).splitlines() == [
        "configmap/from-file created", "service/from-file created"]
    assert kubectl.json("get", "configmap", "from-file")["data"] == {"a": "1"}
    assert kubectl.json("get", "service", "from-file")["spec"]["clusterIP"].startswith("10.43.")
    again = kubectl.run("create", "-f", str(manifest))
    assert again.returncode == 1
    assert 'configmaps "from-file" already exists' in again.stderr
    assert 'services "from-file" already exists' in again.stderr


def test_create_a_large_object(kubectl: Kubectl, tmp_path: Path) -> None:
    content = base64.encodebytes(os.urandom(600 * 1024)).decode()
    (tmp_path / "blob.txt").write_text(content)
    assert kubectl.ok("create", "configmap", "large-proto",
                      f"--from-file={tmp_path / 'blob.txt'}").strip() == \
        "configmap/large-proto created"
    manifest = tmp_path / "large.json"
    manifest.write_text(json.dumps({"apiVersion": "v1", "kind": "ConfigMap",
                                    "metadata": {"name": "large-json"},
                                    "data": {"blob.txt": content}}))
    assert kubectl.ok("create", "-f", str(manifest)).strip() == "configmap/large-json created"
    for name in ("large-proto", "large-json"):
        assert kubectl.json("get", "configmap", name)["data"] == {"blob.txt": content}


def test_replace(kubectl: Kubectl, tmp_path: Path) -> None:
    kubectl.ok("create", "configmap", "replaced", "--from-literal=color=blue")
    live = kubectl.json("get", "configmap", "replaced")
    live["data"] = {"color": "green", "size": "L"}
    manifest = tmp_path / "replaced.json"
    manifest.write_text(json.dumps(live))
    assert kubectl.ok("replace", "-f", str(manifest)).strip() == "configmap/replaced replaced"
    after = kubectl.json("get", "configmap", "replaced")
    assert after["data"] == {"color": "green", "size": "L"}
    assert int(after["metadata"]["resourceVersion"]) > int(live["metadata"]["resourceVersion"])
    stale = kubectl.run("replace", "-f", str(manifest))  # the old resourceVersion
    assert stale.returncode == 1
    assert "the object has been modified" in stale.stderr


EDITOR = """import pathlib, sys
path = pathlib.Path(sys.argv[-1])
text = path.read_text()
assert "replicas: 1" in text, text
path.write_text(text.replace("replicas: 1", "replicas: 4"))
"""


def test_edit_with_an_editor_script(kubectl: Kubectl, tmp_path: Path) -> None:
    kubectl.ok("create", "deployment", "edited", "--image=nginx")
    editor = tmp_path / "editor.py"
    editor.write_text(EDITOR)
    out = kubectl.ok("edit", "deployment", "edited", KUBE_EDITOR=f"{sys.executable} {editor}")
    assert out.strip() == "deployment.apps/edited edited"
    live = kubectl.json("get", "deployment", "edited")
    assert live["spec"]["replicas"] == 4
    assert live["metadata"]["generation"] == 2


def test_patch_strategic_merge_and_json(kubectl: Kubectl, tmp_path: Path) -> None:
    manifest = tmp_path / "deploy.yaml"
    manifest.write_text(DEPLOYMENT.format(name="patched"))
    kubectl.ok("create", "-f", str(manifest))
    out = kubectl.ok("patch", "deployment", "patched", "-p",
                     '{"spec":{"template":{"spec":{"containers":'
                     '[{"name":"side","image":"busybox:1.37"}]}}}}')
    assert out.strip() == "deployment.apps/patched patched"
    containers = kubectl.json("get", "deployment", "patched")["spec"]["template"]["spec"][
        "containers"]
    assert [(c["name"], c["image"]) for c in containers] == [("main", "nginx:1.27"),
                                                             ("side", "busybox:1.37")]
    assert containers[0]["env"] == [{"name": "MODE", "value": "fast"}]
    kubectl.ok("patch", "deployment", "patched", "--type=merge",
               "-p", '{"spec":{"minReadySeconds":7,"paused":true}}')
    kubectl.ok("patch", "deployment", "patched", "--type=json", "-p",
               '[{"op":"replace","path":"/spec/replicas","value":3},'
               '{"op":"remove","path":"/spec/template/spec/containers/0/env"}]')
    live = kubectl.json("get", "deployment", "patched")
    assert (live["spec"]["minReadySeconds"], live["spec"]["paused"]) == (7, True)
    assert live["spec"]["replicas"] == 3
    assert "env" not in live["spec"]["template"]["spec"]["containers"][0]
    assert live["metadata"]["generation"] == 4
    bad = kubectl.run("patch", "deployment", "patched", "--type=json",
                      "-p", '[{"op":"remove","path":"/spec/nothing"}]')
    assert bad.returncode == 1 and "patched" not in bad.stdout


def test_label_and_annotate(kubectl: Kubectl) -> None:
    kubectl.ok("create", "configmap", "tagged")
    assert kubectl.ok("label", "configmap", "tagged", "tier=front", "team=a").strip() == \
        "configmap/tagged labeled"
    refused = kubectl.run("label", "configmap", "tagged", "tier=back")
    assert refused.returncode == 1
    assert "'tier' already has a value (front), and --overwrite is false" in refused.stderr
    kubectl.ok("label", "configmap", "tagged", "tier=back", "--overwrite")
    kubectl.ok("label", "configmap", "tagged", "team-")
    assert kubectl.ok("annotate", "configmap", "tagged", "owner=me",
                      "note=hello world").strip() == "configmap/tagged annotated"
    kubectl.ok("annotate", "configmap", "tagged", "note-")
    meta = kubectl.json("get", "configmap", "tagged")["metadata"]
    assert meta["labels"] == {"tier": "back"}
    assert meta["annotations"] == {"owner": "me"}


def test_run_get_and_delete_a_pod(kubectl: Kubectl) -> None:
    out = kubectl.ok("run", "runner", "--image=nginx:1.27", "--labels=app=runner,tier=x")
    assert out.strip() == "pod/runner created"
    pod = kubectl.json("get", "pod", "runner")
    assert pod["metadata"]["labels"] == {"app": "runner", "tier": "x"}
    assert pod["spec"]["containers"][0]["name"] == "runner"
    assert pod["spec"]["containers"][0]["image"] == "nginx:1.27"
    table = rows(kubectl.ok("get", "pods", "-l", "app=runner"))
    assert table[0] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert table[1][:2] == ["runner", "0/1"]
    wide = kubectl.ok("get", "pods", "-l", "app=runner", "-o", "wide").splitlines()
    assert wide[0].split() == ["NAME", "READY", "STATUS", "RESTARTS", "AGE", "IP", "NODE",
                               "NOMINATED", "NODE", "READINESS", "GATES"]
    described = kubectl.ok("describe", "pod", "runner")
    assert ["Node:", "<none>"] in rows(described) and "nginx:1.27" in described
    out = kubectl.ok("delete", "pod", "runner", "--wait")  # never scheduled: goes at once
    assert out.startswith('pod "runner" deleted')
    kubectl.fails("get", "pod", "runner")


def test_a_new_pod_is_pending(kubectl: Kubectl) -> None:
    kubectl.ok("run", "pending", "--image=nginx:1.27")
    status = kubectl.json("get", "pod", "pending")["status"]
    assert (status["phase"], status["qosClass"]) == ("Pending", "BestEffort")
    row = rows(kubectl.ok("get", "pod", "pending"))[1]
    assert row[:4] == ["pending", "0/1", "Pending", "0"]
    assert ["Status:", "Pending"] in rows(kubectl.ok("describe", "pod", "pending"))


# -- every `kubectl create` generator --------------------------------------------------------

def test_create_generators(kubectl: Kubectl, tmp_path: Path) -> None:  # noqa: PLR0915
    ns = kubectl.namespace

    def created(*args: str, namespaced: bool = True) -> str:
        return kubectl.ok("create", *args, namespaced=namespaced).strip()

    other = f"gen-{ns}"
    assert created("namespace", other, namespaced=False) == f"namespace/{other} created"
    assert kubectl.json("get", "namespace", other, namespaced=False)["status"]["phase"] == \
        "Active"
    assert created("configmap", "gen", "--from-literal=a=1", "--from-literal=b=2") == \
        "configmap/gen created"
    assert kubectl.json("get", "configmap", "gen")["data"] == {"a": "1", "b": "2"}
    assert created("secret", "generic", "gen", "--from-literal=password=s3cret") == \
        "secret/gen created"
    secret = kubectl.json("get", "secret", "gen")
    assert (secret["type"], secret["data"]) == ("Opaque", {"password": "czNjcmV0"})

    cert, key = self_signed_pair("gen.example.com")
    (tmp_path / "tls.crt").write_bytes(cert)
    (tmp_path / "tls.key").write_bytes(key)
    assert created("secret", "tls", "gen-tls", f"--cert={tmp_path / 'tls.crt'}",
                   f"--key={tmp_path / 'tls.key'}") == "secret/gen-tls created"
    tls = kubectl.json("get", "secret", "gen-tls")
    assert tls["type"] == "kubernetes.io/tls"
    assert base64.b64decode(tls["data"]["tls.crt"]) == cert
    assert base64.b64decode(tls["data"]["tls.key"]) == key

    assert created("deployment", "gen", "--image=nginx", "--replicas=2", "--port=80") == \
        "deployment.apps/gen created"
    deployment = kubectl.json("get", "deployment", "gen")
    assert deployment["spec"]["replicas"] == 2
    assert deployment["spec"]["selector"] == {"matchLabels": {"app": "gen"}}
    assert deployment["spec"]["template"]["spec"]["containers"][0]["ports"] == [
        {"containerPort": 80, "protocol": "TCP"}]

    assert created("service", "clusterip", "gen", "--tcp=80:8080") == "service/gen created"
    service = kubectl.json("get", "service", "gen")["spec"]
    assert service["type"] == "ClusterIP" and service["clusterIP"].startswith("10.43.")
    assert service["ports"][0]["targetPort"] == 8080
    assert created("service", "nodeport", "gen-np", "--tcp=80:8080") == \
        "service/gen-np created"
    node_port = kubectl.json("get", "service", "gen-np")["spec"]
    assert node_port["type"] == "NodePort"
    assert 30000 <= node_port["ports"][0]["nodePort"] <= 32767

    assert created("serviceaccount", "gen") == "serviceaccount/gen created"
    assert kubectl.json("get", "serviceaccount", "gen")["metadata"]["name"] == "gen"
    assert created("role", "gen", "--verb=get,list", "--resource=pods,configmaps") == \
        "role.rbac.authorization.k8s.io/gen created"
    rules = kubectl.json("get", "role", "gen")["rules"]
    assert rules == [{"apiGroups": [""], "resources": ["pods", "configmaps"],
                      "verbs": ["get", "list"]}]
    assert created("rolebinding", "gen", "--role=gen", f"--serviceaccount={ns}:gen") == \
        "rolebinding.rbac.authorization.k8s.io/gen created"
    binding = kubectl.json("get", "rolebinding", "gen")
    assert binding["roleRef"] == {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role",
                                  "name": "gen"}
    assert binding["subjects"] == [{"kind": "ServiceAccount", "name": "gen", "namespace": ns}]
    assert created("clusterrole", other, "--verb=get", "--resource=nodes",
                   namespaced=False) == f"clusterrole.rbac.authorization.k8s.io/{other} created"
    assert created("clusterrolebinding", other, f"--clusterrole={other}", "--user=alice",
                   namespaced=False) == \
        f"clusterrolebinding.rbac.authorization.k8s.io/{other} created"
    crb = kubectl.json("get", "clusterrolebinding", other, namespaced=False)
    assert crb["subjects"] == [{"apiGroup": "rbac.authorization.k8s.io", "kind": "User",
                                "name": "alice"}]

    assert created("job", "gen", "--image=busybox", "--", "echo", "hi") == \
        "job.batch/gen created"
    job = kubectl.json("get", "job", "gen")
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["echo", "hi"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"
    assert created("cronjob", "gen", "--image=busybox", "--schedule=*/5 * * * *", "--",
                   "date") == "cronjob.batch/gen created"
    assert kubectl.json("get", "cronjob", "gen")["spec"]["schedule"] == "*/5 * * * *"
    assert created("quota", "gen", "--hard=pods=10,cpu=2") == "resourcequota/gen created"
    assert kubectl.json("get", "resourcequota", "gen")["spec"]["hard"] == {"pods": "10",
                                                                           "cpu": "2"}
    assert created("priorityclass", other, "--value=1000", "--description=test",
                   namespaced=False) == f"priorityclass.scheduling.k8s.io/{other} created"
    assert kubectl.json("get", "priorityclass", other, namespaced=False)["value"] == 1000
    assert created("poddisruptionbudget", "gen", "--selector=app=gen",
                   "--min-available=1") == "poddisruptionbudget.policy/gen created"
    pdb = kubectl.json("get", "pdb", "gen")["spec"]
    assert pdb == {"minAvailable": 1, "selector": {"matchLabels": {"app": "gen"}}}
    assert created("ingress", "gen", "--rule=gen.example.com/api*=gen:80") == \
        "ingress.networking.k8s.io/gen created"
    rule = kubectl.json("get", "ingress", "gen")["spec"]["rules"][0]
    assert rule["host"] == "gen.example.com"
    assert rule["http"]["paths"][0]["path"] == "/api"
    assert rule["http"]["paths"][0]["pathType"] == "Prefix"
    assert rule["http"]["paths"][0]["backend"]["service"] == {"name": "gen",
                                                              "port": {"number": 80}}


def test_create_token(kubectl: Kubectl) -> None:
    kubectl.ok("create", "serviceaccount", "tokened")
    token = kubectl.ok("create", "token", "tokened", "--duration=10m").strip()
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    assert claims["sub"] == f"system:serviceaccount:{kubectl.namespace}:tokened"
    assert claims["exp"] - claims["iat"] == 600
    assert header and signature


# -- the node, scale, rollout ----------------------------------------------------------------

def test_taint_cordon_and_uncordon_the_node(kubectl: Kubectl) -> None:
    key = f"dedicated-{kubectl.namespace}"
    assert kubectl.ok("taint", "node", NODE, f"{key}=test:NoSchedule",
                      namespaced=False).strip() == f"node/{NODE} tainted"
    taints = kubectl.json("get", "node", NODE, namespaced=False)["spec"]["taints"]
    assert {"key": key, "value": "test", "effect": "NoSchedule"} in taints
    described = kubectl.ok("describe", "node", NODE, namespaced=False)
    assert f"{key}=test:NoSchedule" in described
    assert kubectl.ok("taint", "node", NODE, f"{key}:NoSchedule-",
                      namespaced=False).strip() == f"node/{NODE} untainted"
    taints = kubectl.json("get", "node", NODE, namespaced=False)["spec"].get("taints") or []
    assert all(t["key"] != key for t in taints)

    assert kubectl.ok("cordon", NODE, namespaced=False).strip() == f"node/{NODE} cordoned"
    node = kubectl.json("get", "node", NODE, namespaced=False)
    assert node["spec"]["unschedulable"] is True
    assert by_name(kubectl.ok("get", "nodes", namespaced=False))[NODE][1] == \
        "Ready,SchedulingDisabled"
    assert kubectl.ok("uncordon", NODE, namespaced=False).strip() == f"node/{NODE} uncordoned"
    node = kubectl.json("get", "node", NODE, namespaced=False)
    assert not node["spec"].get("unschedulable")
    assert by_name(kubectl.ok("get", "nodes", namespaced=False))[NODE][1] == "Ready"


def test_scale(kubectl: Kubectl) -> None:
    kubectl.ok("create", "deployment", "scaled", "--image=nginx", "--replicas=2")
    assert kubectl.ok("scale", "deployment", "scaled", "--replicas=5").strip() == \
        "deployment.apps/scaled scaled"
    assert kubectl.json("get", "deployment", "scaled")["spec"]["replicas"] == 5
    refused = kubectl.fails("scale", "deployment", "scaled", "--current-replicas=2",
                            "--replicas=1")
    assert "Expected replicas to be 2, was 5" in refused
    kubectl.ok("scale", "deployment", "scaled", "--current-replicas=5", "--replicas=3")
    kubectl.ok("scale", "deployment", "scaled", "--replicas=0")
    scale = json.loads(kubectl.ok("get", "--raw", f"/apis/apps/v1/namespaces/"
                                  f"{kubectl.namespace}/deployments/scaled/scale",
                                  namespaced=False))
    assert (scale["kind"], scale["spec"]["replicas"]) == ("Scale", 0)
    assert kubectl.json("get", "deployment", "scaled")["metadata"]["generation"] == 4


def test_scale_to_zero_with_a_precondition(kubectl: Kubectl) -> None:
    kubectl.ok("create", "deployment", "zeroed", "--image=nginx", "--replicas=2")
    out = kubectl.ok("scale", "deployment", "zeroed", "--current-replicas=2", "--replicas=0")
    assert out.strip() == "deployment.apps/zeroed scaled"
    assert kubectl.json("get", "deployment", "zeroed")["spec"]["replicas"] == 0


def test_rollout_restart(kubectl: Kubectl) -> None:
    kubectl.ok("create", "deployment", "restarted", "--image=nginx")
    assert kubectl.ok("rollout", "restart", "deployment", "restarted").strip() == \
        "deployment.apps/restarted restarted"
    live = kubectl.json("get", "deployment", "restarted")
    annotations = live["spec"]["template"]["metadata"]["annotations"]
    assert annotations["kubectl.kubernetes.io/restartedAt"].endswith("Z")
    assert live["metadata"]["generation"] == 2


# -- deleting and waiting --------------------------------------------------------------------

def test_delete_waits_for_finalizers(kubectl: Kubectl) -> None:
    kubectl.ok("create", "configmap", "plain")
    out = kubectl.ok("delete", "configmap", "plain", "--wait")
    assert out.startswith('configmap "plain" deleted')
    missing = kubectl.fails("get", "configmap", "plain")
    assert missing.strip() == 'Error from server (NotFound): configmaps "plain" not found'

    kubectl.ok("create", "-f", "-", stdin=json.dumps({
        "apiVersion": "v1", "kind": "ConfigMap",
        "metadata": {"name": "held", "finalizers": ["example.com/hold"]}}))
    deleting = kubectl.start("delete", "configmap", "held", "--wait", "--timeout=30s")
    try:
        deleting.wait_for('configmap "held" deleted')
        held = kubectl.json("get", "configmap", "held")
        assert held["metadata"]["deletionTimestamp"]
        assert deleting.process.poll() is None, "delete --wait returned before the object went"
        kubectl.ok("patch", "configmap", "held", "--type=json",
                   "-p", '[{"op":"remove","path":"/metadata/finalizers"}]')
        assert deleting.finish() == 0, deleting.stderr()
    finally:
        deleting.stop()
    kubectl.fails("get", "configmap", "held")


def test_get_watch_prints_new_rows(kubectl: Kubectl) -> None:
    kubectl.ok("create", "configmap", "watch-first", "--from-literal=a=1")
    watching = kubectl.start("get", "configmaps", "-w")
    try:
        header = watching.wait_for("NAME")
        assert header.split() == ["NAME", "DATA", "AGE"]
        assert watching.wait_for("watch-first").split()[:2] == ["watch-first", "1"]
        kubectl.ok("create", "configmap", "watch-late", "--from-literal=a=1",
                   "--from-literal=b=2")
        assert watching.wait_for("watch-late").split()[:2] == ["watch-late", "2"]
        kubectl.ok("create", "configmap", "watch-last")
        assert watching.wait_for("watch-last").split()[:2] == ["watch-last", "0"]
    finally:
        watching.stop()


STATUS_AVAILABLE = json.dumps({"status": {"conditions": [{
    "type": "Available", "status": "True", "reason": "MinimumReplicasAvailable",
    "message": "set by the test", "lastUpdateTime": "2026-01-01T00:00:00Z",
    "lastTransitionTime": "2026-01-01T00:00:00Z"}]}})


def test_wait_for_condition_set_through_the_status_subresource(kubectl: Kubectl) -> None:
    kubectl.ok("create", "deployment", "waited", "--image=nginx")
    timed_out = kubectl.run("wait", "--for=condition=Available", "deployment/waited",
                            "--timeout=1s")
    assert timed_out.returncode == 1
    assert "timed out waiting for the condition" in timed_out.stderr
    waiting = kubectl.start("wait", "--for=condition=Available=True", "deployment/waited",
                            "--timeout=30s", traced=True)
    try:
        waiting.wait_for("Caches populated")
        assert waiting.process.poll() is None
        out = kubectl.ok("patch", "deployment", "waited", "--subresource=status",
                         "--type=merge", "-p", STATUS_AVAILABLE)
        assert out.strip() == "deployment.apps/waited patched"
        assert waiting.wait_for("condition met") == "deployment.apps/waited condition met"
        assert waiting.finish() == 0
    finally:
        waiting.stop()
    live = kubectl.json("get", "deployment", "waited")
    assert live["status"]["conditions"][0]["type"] == "Available"
    assert live["metadata"]["generation"] == 1  # status writes do not bump the generation
    ignored = kubectl.ok("patch", "deployment", "waited", "--type=merge",
                         "-p", '{"status":{"replicas":9}}')
    assert ignored.strip() == "deployment.apps/waited patched (no change)"


def test_wait_for_delete(kubectl: Kubectl) -> None:
    kubectl.ok("create", "configmap", "doomed")
    waiting = kubectl.start("wait", "--for=delete", "configmap/doomed", "--timeout=30s",
                            traced=True)
    try:
        waiting.wait_for("Caches populated")
        kubectl.ok("delete", "configmap", "doomed", "--wait=false")
        assert waiting.wait_for("condition met") == "configmap/doomed condition met"
        assert waiting.finish() == 0
    finally:
        waiting.stop()
    gone = kubectl.ok("wait", "--for=delete", "configmap/doomed", "--timeout=5s")
    assert gone == ""


# -- auth ----------------------------------------------------------------------------------

def test_auth_as_admin(kubectl: Kubectl) -> None:
    for verb, resource in (("create", "deployments"), ("delete", "nodes"), ("*", "*")):
        can = kubectl.run("auth", "can-i", verb, resource)
        assert (can.returncode, can.stdout.strip()) == (0, "yes"), can.stderr
    who = json.loads(kubectl.ok("auth", "whoami", "-o", "json", namespaced=False))
    assert who["kind"] == "SelfSubjectReview"
    assert who["status"]["userInfo"]["username"] == "system:admin"
    assert "system:masters" in who["status"]["userInfo"]["groups"]
    table = rows(kubectl.ok("auth", "whoami", namespaced=False))
    assert table[0] == ["ATTRIBUTE", "VALUE"] and table[1] == ["Username", "system:admin"]


def _as_node(kubectl: Kubectl, cluster: Server, tmp_path: Path) -> Kubectl:
    return Kubectl(version=kubectl.version, binary=kubectl.binary, server=cluster,
                   cache=tmp_path / "node-cache", namespace="kube-system",
                   kubeconfig=node_kubeconfig(cluster, tmp_path / "node.yaml"))


def test_auth_as_a_node(kubectl: Kubectl, cluster: Server, tmp_path: Path) -> None:
    node = _as_node(kubectl, cluster, tmp_path)
    cannot = node.run("auth", "can-i", "list", "secrets")
    assert (cannot.returncode, cannot.stdout.strip(), cannot.stderr) == (1, "no", "")
    forbidden = node.fails("get", "secrets")
    assert f'User "system:node:{NODE}" cannot list resource "secrets"' in forbidden
    who = json.loads(node.ok("auth", "whoami", "-o", "json", namespaced=False))
    assert who["status"]["userInfo"]["username"] == f"system:node:{NODE}"
    assert "system:nodes" in who["status"]["userInfo"]["groups"]


def test_auth_can_i_agrees_with_what_a_node_may_do(kubectl: Kubectl, cluster: Server,
                                                   tmp_path: Path) -> None:
    node = _as_node(kubectl, cluster, tmp_path)
    assert NODE in node.ok("get", "nodes", namespaced=False)
    can = node.run("auth", "can-i", "get", "nodes", namespaced=False)
    assert (can.returncode, can.stdout.strip()) == (0, "yes"), can.stderr
    can = node.run("auth", "can-i", "update", f"nodes/{NODE}", namespaced=False)
    assert (can.returncode, can.stdout.strip()) == (0, "yes"), can.stderr
    cannot = node.run("auth", "can-i", "delete", "nodes/someone-else", namespaced=False)
    assert (cannot.returncode, cannot.stdout.strip()) == (1, "no"), cannot.stderr


# -- output formats and selectors --------------------------------------------------------

def test_output_formats_and_selectors(kubectl: Kubectl) -> None:  # noqa: PLR0915
    ns = kubectl.namespace
    for name, rank, tier in (("out-z", "1", "front"), ("out-a", "3", "back"),
                             ("out-m", "2", "front")):
        kubectl.ok("create", "configmap", name, f"--from-literal=rank={rank}")
        kubectl.ok("label", "configmap", name, f"tier={tier}", "group=out")
    kubectl.ok("create", "deployment", "out-web", "--image=nginx:1.27", "--replicas=2")

    wide = rows(kubectl.ok("get", "deployment", "out-web", "-o", "wide"))
    assert wide[0] == ["NAME", "READY", "UP-TO-DATE", "AVAILABLE", "AGE", "CONTAINERS",
                       "IMAGES", "SELECTOR"]
    assert wide[1][0] == "out-web" and wide[1][1] == "0/2"
    assert wide[1][5:] == ["nginx", "nginx:1.27", "app=out-web"]

    as_yaml = yaml.safe_load(kubectl.ok("get", "configmap", "out-a", "-o", "yaml"))
    assert (as_yaml["kind"], as_yaml["data"]) == ("ConfigMap", {"rank": "3"})
    as_list = yaml.safe_load(kubectl.ok("get", "configmaps", "-l", "group=out", "-o", "yaml"))
    assert as_list["kind"] == "List"
    assert sorted(i["metadata"]["name"] for i in as_list["items"]) == ["out-a", "out-m",
                                                                        "out-z"]
    as_json = kubectl.json("get", "configmap", "out-z")
    assert as_json["metadata"]["labels"] == {"tier": "front", "group": "out"}

    jsonpath = kubectl.ok("get", "configmaps", "-l", "group=out", "-o",
                          'jsonpath={range .items[*]}{.metadata.name}={.data.rank} {end}')
    assert sorted(jsonpath.split()) == ["out-a=3", "out-m=2", "out-z=1"]
    columns = rows(kubectl.ok("get", "configmaps", "-l", "group=out", "-o",
                              "custom-columns=NAME:.metadata.name,RANK:.data.rank,"
                              "TIER:.metadata.labels.tier"))
    assert columns[0] == ["NAME", "RANK", "TIER"]
    assert sorted(columns[1:]) == [["out-a", "3", "back"], ["out-m", "2", "front"],
                                   ["out-z", "1", "front"]]
    names = kubectl.ok("get", "configmaps", "-l", "group=out", "-o", "name").split()
    assert sorted(names) == ["configmap/out-a", "configmap/out-m", "configmap/out-z"]

    labelled = rows(kubectl.ok("get", "configmap", "out-m", "--show-labels"))
    assert labelled[0] == ["NAME", "DATA", "AGE", "LABELS"]
    assert labelled[1][0] == "out-m" and labelled[1][-1] == "group=out,tier=front"

    front = by_name(kubectl.ok("get", "configmaps", "-l", "group=out,tier=front"))
    assert sorted(front) == ["out-m", "out-z"]
    not_front = by_name(kubectl.ok("get", "configmaps", "-l", "group=out,tier!=front"))
    assert sorted(not_front) == ["out-a"]
    in_set = by_name(kubectl.ok("get", "configmaps", "-l", "tier in (back),group"))
    assert sorted(in_set) == ["out-a"]
    nothing = kubectl.run("get", "configmaps", "-l", "tier=nowhere")
    assert nothing.returncode == 0 and nothing.stdout == ""
    assert nothing.stderr.strip() == f"No resources found in {ns} namespace."

    by_field = by_name(kubectl.ok("get", "configmaps", "--field-selector",
                                  "metadata.name=out-m"))
    assert sorted(by_field) == ["out-m"]
    by_field = by_name(kubectl.ok("get", "configmaps", "-l", "group=out", "--field-selector",
                                  "metadata.name!=out-m"))
    assert sorted(by_field) == ["out-a", "out-z"]
    namespaces = by_name(kubectl.ok("get", "namespaces", "--field-selector",
                                    f"metadata.name={ns}", namespaced=False))
    assert list(namespaces) == [ns] and namespaces[ns][1] == "Active"
    bad = kubectl.run("get", "configmaps", "--field-selector", "data.rank=1")
    assert bad.returncode == 1
    assert '"data.rank" is not a known field selector' in bad.stderr

    ordered = rows(kubectl.ok("get", "configmaps", "-l", "group=out", "--sort-by=.data.rank"))
    assert [row[0] for row in ordered[1:]] == ["out-z", "out-m", "out-a"]
    newest_last = rows(kubectl.ok("get", "configmaps", "-l", "group=out",
                                  "--sort-by=.metadata.name"))
    assert [row[0] for row in newest_last[1:]] == ["out-a", "out-m", "out-z"]

    everywhere = rows(kubectl.ok("get", "configmaps", "-A", "-l", "group=out",
                                 namespaced=False))
    assert everywhere[0] == ["NAMESPACE", "NAME", "DATA", "AGE"]
    assert sorted((row[0], row[1]) for row in everywhere[1:] if row[0] == ns) == [
        (ns, "out-a"), (ns, "out-m"), (ns, "out-z")]
    all_deployments = rows(kubectl.ok("get", "deployments", "-A", namespaced=False))
    assert [ns, "out-web"] in [row[:2] for row in all_deployments[1:]]
    kinds = kubectl.ok("get", "all", "-l", "app=out-web")
    assert "deployment.apps/out-web" in kinds
