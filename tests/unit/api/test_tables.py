"""Server-side Tables carry the columns and cells kube-apiserver 1.33 sends for the same
objects: kubectl prints them verbatim, so every value here is what a user would see."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
import pytest

from k3py.api import tables
from k3py.api.gorender import go_float
from k3py.api.printers import BUILTIN
from k3py.api.printers.generic import go_text
from k3py.api.printers.jsonpath import JsonPathError, PathFailed, compile_path, evaluate
from k3py.errors import BadRequest

NOW = datetime(2025, 6, 1, 12, 0, 0, tzinfo=UTC)


def ago(seconds: float) -> str:
    return (NOW - timedelta(seconds=seconds)).strftime("%Y-%m-%dT%H:%M:%SZ")


def meta(name: str, *, age: float = 3600, **extra: Any) -> dict[str, Any]:
    return {"name": name, "namespace": "default", "uid": f"uid-{name}", "resourceVersion": "7",
            "creationTimestamp": ago(age), **extra}


def cells(group: str, kind: str, obj: dict[str, Any]) -> list[Any]:
    return tables.row_cells(group, kind, obj, now=NOW)


def names(group: str, kind: str) -> list[str]:
    return [c["name"] for c in tables.column_definitions(group, kind)]


# --------------------------------------------------------------- durations

@pytest.mark.parametrize(("seconds", "text"), [
    (-5, "<invalid>"), (-2, "<invalid>"), (-1.5, "0s"), (-0.5, "0s"), (0, "0s"),
    (45, "45s"), (119.9, "119s"), (120, "2m"), (310, "5m10s"), (599, "9m59s"),
    (600, "10m"), (179 * 60 + 59, "179m"), (3 * 3600, "3h"), (3 * 3600 + 90, "3h1m"),
    (7 * 3600 + 59 * 60, "7h59m"), (8 * 3600, "8h"), (47 * 3600, "47h"), (48 * 3600, "2d"),
    (52 * 3600, "2d4h"), (7 * 86400 + 23 * 3600, "7d23h"), (8 * 86400, "8d"),
    (695 * 86400, "695d"), (729 * 86400, "729d"), (730 * 86400, "2y"),
    (735 * 86400, "2y5d"), (8 * 365 * 86400, "8y"), (9 * 365 * 86400 + 40 * 86400, "9y"),
])
def test_human_duration_matches_kubernetes(seconds: float, text: str) -> None:
    assert tables.human_duration(seconds) == text


# ------------------------------------------------------------------- nodes

def node(**changes: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "kind": "Node", "apiVersion": "v1",
        "metadata": meta("server-1", age=2 * 86400 + 4 * 3600, labels={
            "node-role.kubernetes.io/control-plane": "true",
            "node-role.kubernetes.io/master": "true", "kubernetes.io/hostname": "server-1"}),
        "spec": {},
        "status": {"conditions": [{"type": "MemoryPressure", "status": "False"},
                                  {"type": "Ready", "status": "True"}],
                   "addresses": [{"type": "InternalIP", "address": "10.0.0.5"},
                                 {"type": "Hostname", "address": "server-1"}],
                   "nodeInfo": {"kubeletVersion": "v1.33.5+k3py1", "osImage": "Debian 12",
                                "kernelVersion": "6.1.0-18-amd64",
                                "containerRuntimeVersion": "containerd://1.7.27"}}}
    obj.update(changes)
    return obj


def test_node_columns_and_cells() -> None:
    assert names("", "Node") == ["Name", "Status", "Roles", "Age", "Version", "Internal-IP",
                                 "External-IP", "OS-Image", "Kernel-Version",
                                 "Container-Runtime"]
    priorities = [c["priority"] for c in tables.column_definitions("", "Node")]
    assert priorities == [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
    assert cells("", "Node", node()) == [
        "server-1", "Ready", "control-plane,master", "2d4h", "v1.33.5+k3py1", "10.0.0.5",
        "<none>", "Debian 12", "6.1.0-18-amd64", "containerd://1.7.27"]


def test_node_status_and_roles_variants() -> None:
    cordoned = node(spec={"unschedulable": True})
    assert cells("", "Node", cordoned)[1] == "Ready,SchedulingDisabled"
    unknown = node(status={"conditions": [{"type": "Ready", "status": "Unknown"}]})
    assert cells("", "Node", unknown)[1] == "NotReady"
    fresh = node(status={})
    assert cells("", "Node", fresh)[1:2] == ["Unknown"]
    assert cells("", "Node", fresh)[7:] == ["<unknown>", "<unknown>", "<unknown>"]
    worker = node(metadata=meta("agent-1", labels={"kubernetes.io/role": "worker",
                                                   "node-role.kubernetes.io/": "x"}))
    assert cells("", "Node", worker)[2] == "worker"
    bare = node(metadata=meta("agent-2"))
    assert cells("", "Node", bare)[2] == "<none>"


# -------------------------------------------------------------------- pods

def pod(*, phase: str = "Running", containers: int = 1, statuses: list[Any] | None = None,
        init: list[Any] | None = None, init_statuses: list[Any] | None = None,
        conditions: list[Any] | None = None, **extra: Any) -> dict[str, Any]:
    obj: dict[str, Any] = {
        "kind": "Pod", "apiVersion": "v1", "metadata": meta("web", age=300),
        "spec": {"nodeName": "server-1",
                 "containers": [{"name": f"c{i}", "image": "nginx"} for i in range(containers)]},
        "status": {"phase": phase, "podIP": "10.42.0.9", "podIPs": [{"ip": "10.42.0.9"}],
                   "conditions": conditions or [], "containerStatuses": statuses or []}}
    if init is not None:
        obj["spec"]["initContainers"] = init
    if init_statuses is not None:
        obj["status"]["initContainerStatuses"] = init_statuses
    obj.update(extra)
    return obj


def running(name: str = "c0", *, ready: bool = True, restarts: int = 0) -> dict[str, Any]:
    return {"name": name, "ready": ready, "restartCount": restarts,
            "state": {"running": {"startedAt": ago(100)}}}


def waiting(reason: str, name: str = "c0", **extra: Any) -> dict[str, Any]:
    return {"name": name, "ready": False, "restartCount": 0,
            "state": {"waiting": {"reason": reason}}, **extra}


def terminated(reason: str, code: int, name: str = "c0", **extra: Any) -> dict[str, Any]:
    return {"name": name, "ready": False, "restartCount": 0,
            "state": {"terminated": {"reason": reason, "exitCode": code}}, **extra}


READY = [{"type": "Initialized", "status": "True"}, {"type": "Ready", "status": "True"}]


def test_pod_columns() -> None:
    assert names("", "Pod") == ["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node",
                                "Nominated Node", "Readiness Gates"]
    assert tables.column_definitions("", "Pod")[0]["format"] == "name"


def test_running_pod_with_recent_restarts() -> None:
    crashed = running(restarts=3) | {"lastState": {"terminated": {
        "exitCode": 1, "finishedAt": ago(130)}}}
    assert cells("", "Pod", pod(statuses=[crashed], conditions=READY)) == [
        "web", "1/1", "Running", "3 (2m10s ago)", "5m", "10.42.0.9", "server-1", "<none>",
        "<none>"]


@pytest.mark.parametrize(("status", "expected"), [
    (waiting("ContainerCreating"), ["0/1", "ContainerCreating"]),
    (waiting("CrashLoopBackOff") | {"restartCount": 5}, ["0/1", "CrashLoopBackOff"]),
    (waiting("ImagePullBackOff"), ["0/1", "ImagePullBackOff"]),
    (terminated("Error", 1), ["0/1", "Error"]),
    (terminated("", 137) | {"state": {"terminated": {"exitCode": 137, "signal": 9}}},
     ["0/1", "Signal:9"]),
    (terminated("", 3), ["0/1", "ExitCode:3"]),
])
def test_container_reasons(status: dict[str, Any], expected: list[str]) -> None:
    assert cells("", "Pod", pod(statuses=[status]))[1:3] == expected


def test_restarts_without_a_finish_time_have_no_age() -> None:
    status = waiting("CrashLoopBackOff") | {"restartCount": 5}
    assert cells("", "Pod", pod(statuses=[status]))[3] == "5"


def test_completed_pod_and_its_row_condition() -> None:
    done = pod(phase="Succeeded", statuses=[terminated("Completed", 0)])
    assert cells("", "Pod", done)[1:4] == ["0/1", "Completed", "0"]
    table = tables.table_for_object("", "Pod", done, now=NOW)
    assert table["rows"][0]["conditions"] == [
        {"type": "Completed", "status": "True", "reason": "Succeeded",
         "message": "The pod has completed successfully."}]
    failed = tables.table_for_object("", "Pod", pod(phase="Failed"), now=NOW)
    assert failed["rows"][0]["conditions"][0]["reason"] == "Failed"
    live = tables.table_for_object("", "Pod", pod(), now=NOW)
    assert "conditions" not in live["rows"][0]


def test_completed_container_beside_a_running_one() -> None:
    statuses = [running("c0"), terminated("Completed", 0, name="c1")]
    assert cells("", "Pod", pod(containers=2, statuses=statuses, conditions=READY))[1:3] == [
        "1/2", "Running"]
    not_ready = [{"type": "Ready", "status": "False"}]
    assert cells("", "Pod", pod(containers=2, statuses=statuses,
                                conditions=not_ready))[2] == "NotReady"


def test_init_containers() -> None:
    init = [{"name": "i0", "image": "busybox"}, {"name": "i1", "image": "busybox"}]
    first = pod(phase="Pending", init=init,
                init_statuses=[waiting("PodInitializing", "i0"), waiting("", "i1")],
                statuses=[waiting("PodInitializing")])
    assert cells("", "Pod", first)[1:3] == ["0/1", "Init:0/2"]
    second = pod(phase="Pending", init=init,
                 init_statuses=[terminated("Completed", 0, "i0"), running("i1", ready=False)])
    assert cells("", "Pod", second)[2] == "Init:1/2"
    looping = pod(phase="Pending", init=init, init_statuses=[
        waiting("CrashLoopBackOff", "i0") | {"restartCount": 4, "lastState": {
            "terminated": {"exitCode": 1, "finishedAt": ago(30)}}}])
    assert cells("", "Pod", looping)[2:4] == ["Init:CrashLoopBackOff", "4 (30s ago)"]
    failed = pod(phase="Failed", init=init, init_statuses=[terminated("Error", 2, "i0")])
    assert cells("", "Pod", failed)[2] == "Init:Error"
    code = pod(phase="Failed", init=init, init_statuses=[terminated("", 2, "i0")])
    assert cells("", "Pod", code)[2] == "Init:ExitCode:2"


def test_sidecars_count_towards_ready() -> None:
    init = [{"name": "proxy", "image": "envoy", "restartPolicy": "Always"}]
    sidecar = running("proxy", restarts=1) | {"started": True, "lastState": {
        "terminated": {"exitCode": 1, "finishedAt": ago(200)}}}
    obj = pod(init=init, init_statuses=[sidecar], statuses=[running()], conditions=READY)
    assert cells("", "Pod", obj)[1:4] == ["2/2", "Running", "1 (3m20s ago)"]


def test_terminating_unknown_and_gated_pods() -> None:
    deleting = pod(statuses=[running()], conditions=READY)
    deleting["metadata"]["deletionTimestamp"] = ago(5)
    assert cells("", "Pod", deleting)[2] == "Terminating"
    lost = pod(statuses=[running()])
    lost["metadata"]["deletionTimestamp"] = ago(5)
    lost["status"]["reason"] = "NodeLost"
    assert cells("", "Pod", lost)[2] == "Unknown"
    finished = pod(phase="Succeeded", statuses=[terminated("Completed", 0)])
    finished["metadata"]["deletionTimestamp"] = ago(5)
    assert cells("", "Pod", finished)[2] == "Completed"
    gated = pod(phase="Pending", conditions=[
        {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}])
    gated["spec"].pop("nodeName")
    gated["status"] = {"phase": "Pending", "conditions": gated["status"]["conditions"]}
    assert cells("", "Pod", gated) == ["web", "0/1", "SchedulingGated", "0", "5m", "<none>",
                                       "<none>", "<none>", "<none>"]
    evicted = pod(phase="Failed")
    evicted["status"]["reason"] = "Evicted"
    assert cells("", "Pod", evicted)[2] == "Evicted"


def test_pod_wide_columns() -> None:
    obj = pod(statuses=[running()], conditions=[*READY, {"type": "www.example.com/gate",
                                                         "status": "True"}])
    obj["spec"]["readinessGates"] = [{"conditionType": "www.example.com/gate"},
                                     {"conditionType": "other"}]
    obj["status"]["nominatedNodeName"] = "server-2"
    assert cells("", "Pod", obj)[5:] == ["10.42.0.9", "server-1", "server-2", "1/2"]
    legacy = pod()
    del legacy["status"]["podIPs"]
    assert cells("", "Pod", legacy)[5] == "10.42.0.9"


# ---------------------------------------------------------------- services

def service(kind: str, **spec: Any) -> dict[str, Any]:
    return {"kind": "Service", "apiVersion": "v1", "metadata": meta("web", age=86400 * 3),
            "spec": {"type": kind, "clusterIP": "10.43.12.7", "clusterIPs": ["10.43.12.7"],
                     "selector": {"app": "web", "tier": "front"}, **spec}}


def test_service_cells() -> None:
    assert names("", "Service") == ["Name", "Type", "Cluster-IP", "External-IP", "Port(s)",
                                    "Age", "Selector"]
    node_port = service("NodePort", ports=[
        {"port": 80, "nodePort": 30080, "protocol": "TCP"}, {"port": 53, "protocol": "UDP"}])
    assert cells("", "Service", node_port) == [
        "web", "NodePort", "10.43.12.7", "<none>", "80:30080/TCP,53/UDP", "3d",
        "app=web,tier=front"]
    pending = service("LoadBalancer", ports=[{"port": 443, "nodePort": 31443}])
    assert cells("", "Service", pending)[3:5] == ["<pending>", "443:31443/TCP"]
    served = pending | {"status": {"loadBalancer": {"ingress": [
        {"ip": "192.168.1.20"}, {"ip": "192.168.1.10"}, {"hostname": "lb.example.com"}]}}}
    assert cells("", "Service", served)[3] == "192.168.1.10,192.168.1.20,lb.example.com"
    headless = service("ClusterIP", clusterIP="None", clusterIPs=["None"], selector={})
    assert cells("", "Service", headless)[2:] == ["None", "<none>", "<none>", "3d", "<none>"]
    external = service("ExternalName", externalName="db.example.com", clusterIPs=[])
    del external["spec"]["clusterIP"]
    assert cells("", "Service", external)[2:4] == ["<none>", "db.example.com"]


# --------------------------------------------------------------- workloads

def test_deployment_cells() -> None:
    assert names("apps", "Deployment") == ["Name", "Ready", "Up-to-date", "Available", "Age",
                                           "Containers", "Images", "Selector"]
    deploy = {"kind": "Deployment", "apiVersion": "apps/v1", "metadata": meta("web", age=90),
              "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                       "template": {"spec": {"containers": [
                           {"name": "nginx", "image": "nginx:1.27"},
                           {"name": "log", "image": "busybox"}]}}},
              "status": {"replicas": 3, "readyReplicas": 1, "updatedReplicas": 3,
                         "availableReplicas": 1}}
    assert cells("apps", "Deployment", deploy) == [
        "web", "1/3", 3, 1, "90s", "nginx,log", "nginx:1.27,busybox", "app=web"]
    fresh = deploy | {"status": {}, "spec": {"template": {}}}
    assert cells("apps", "Deployment", fresh)[1:4] == ["0/1", 0, 0]
    assert cells("apps", "Deployment", fresh)[5:] == ["", "", ""]


def test_replica_set_stateful_set_daemon_set() -> None:
    template = {"spec": {"containers": [{"name": "a", "image": "img"}],
                         "nodeSelector": {"kubernetes.io/os": "linux"}}}
    rs = {"metadata": meta("web-5d8f"), "spec": {"replicas": 2, "template": template},
          "status": {"replicas": 2, "readyReplicas": 2}}
    assert cells("apps", "ReplicaSet", rs) == ["web-5d8f", 2, 2, 2, "60m", "a", "img",
                                               "<none>"]
    sts = {"metadata": meta("db"), "spec": {"replicas": 3, "template": template},
           "status": {"readyReplicas": 2}}
    assert cells("apps", "StatefulSet", sts) == ["db", "2/3", "60m", "a", "img"]
    ds = {"metadata": meta("svclb"), "spec": {"template": template, "selector": {
        "matchLabels": {"app": "svclb"}}}, "status": {
        "desiredNumberScheduled": 2, "currentNumberScheduled": 2, "numberReady": 1,
        "updatedNumberScheduled": 2, "numberAvailable": 1}}
    assert cells("apps", "DaemonSet", ds) == ["svclb", 2, 2, 1, 2, 1, "kubernetes.io/os=linux",
                                              "60m", "a", "img", "app=svclb"]


def test_controller_revision_names_its_owner() -> None:
    rev = {"metadata": meta("svclb-7d4", ownerReferences=[
        {"apiVersion": "apps/v1", "kind": "DaemonSet", "name": "svclb", "controller": True}]),
        "revision": 2}
    assert cells("apps", "ControllerRevision", rev) == ["svclb-7d4", "daemonset.apps/svclb",
                                                        2, "60m"]
    orphan = {"metadata": meta("loose"), "revision": 1}
    assert cells("apps", "ControllerRevision", orphan)[1] == "<none>"


def test_job_cells() -> None:
    assert names("batch", "Job") == ["Name", "Status", "Completions", "Duration", "Age",
                                     "Containers", "Images", "Selector"]
    job = {"metadata": meta("pi", age=600),
           "spec": {"completions": 1, "parallelism": 1, "selector": {
               "matchLabels": {"batch.kubernetes.io/controller-uid": "u1"}},
               "template": {"spec": {"containers": [{"name": "pi", "image": "perl"}]}}},
           "status": {"succeeded": 1, "startTime": ago(590), "completionTime": ago(545),
                      "conditions": [{"type": "SuccessCriteriaMet", "status": "True"},
                                     {"type": "Complete", "status": "True"}]}}
    assert cells("batch", "Job", job) == ["pi", "Complete", "1/1", "45s", "10m", "pi", "perl",
                                          "batch.kubernetes.io/controller-uid=u1"]
    active = job | {"status": {"active": 1, "startTime": ago(65)}}
    assert cells("batch", "Job", active)[1:4] == ["Running", "0/1", "65s"]
    parallel = job | {"spec": {"parallelism": 3}, "status": {}}
    assert cells("batch", "Job", parallel)[1:4] == ["Running", "0/1 of 3", ""]
    failed = job | {"status": {"conditions": [{"type": "Failed", "status": "True"}]}}
    assert cells("batch", "Job", failed)[1] == "Failed"
    suspended = job | {"status": {"conditions": [{"type": "Suspended", "status": "True"}]}}
    assert cells("batch", "Job", suspended)[1] == "Suspended"


def test_cron_job_cells() -> None:
    assert names("batch", "CronJob") == ["Name", "Schedule", "Timezone", "Suspend", "Active",
                                         "Last Schedule", "Age", "Containers", "Images",
                                         "Selector"]
    cron = {"metadata": meta("backup", age=86400 * 10),
            "spec": {"schedule": "*/5 * * * *", "suspend": False, "jobTemplate": {"spec": {
                "template": {"spec": {"containers": [{"name": "b", "image": "restic"}]}}}}},
            "status": {"active": [{"name": "backup-1"}], "lastScheduleTime": ago(125)}}
    assert cells("batch", "CronJob", cron) == ["backup", "*/5 * * * *", "<none>", "False", 1,
                                               "2m5s", "10d", "b", "restic", "<none>"]
    never = cron | {"spec": {"schedule": "@daily", "timeZone": "Europe/Paris",
                             "suspend": True}, "status": {}}
    assert cells("batch", "CronJob", never)[1:6] == ["@daily", "Europe/Paris", "True", 0,
                                                     "<none>"]


def test_hpa_targets() -> None:
    hpa = {"metadata": meta("web"), "spec": {
        "scaleTargetRef": {"kind": "Deployment", "name": "web"}, "minReplicas": 2,
        "maxReplicas": 10, "metrics": [
            {"type": "Resource", "resource": {"name": "cpu", "target": {
                "type": "Utilization", "averageUtilization": 80}}},
            {"type": "Resource", "resource": {"name": "memory", "target": {
                "type": "AverageValue", "averageValue": "500Mi"}}},
            {"type": "Pods", "pods": {"metric": {"name": "qps"}, "target": {
                "type": "AverageValue", "averageValue": "1k"}}}]},
        "status": {"currentReplicas": 3, "currentMetrics": [
            {"type": "Resource", "resource": {"name": "cpu", "current": {
                "averageUtilization": 42, "averageValue": "210m"}}}]}}
    assert cells("autoscaling", "HorizontalPodAutoscaler", hpa) == [
        "web", "Deployment/web", "cpu: 42%/80%, memory: <unknown>/500Mi + 1 more...", "2",
        10, 3, "60m"]
    empty = hpa | {"spec": {"scaleTargetRef": {"kind": "Deployment", "name": "web"},
                            "maxReplicas": 3}}
    assert cells("autoscaling", "HorizontalPodAutoscaler", empty)[2:4] == ["<none>", "1"]


# ------------------------------------------------------------- core others

def test_secret_config_map_namespace_and_service_account() -> None:
    secret = {"metadata": meta("tls", age=45), "type": "kubernetes.io/tls",
              "data": {"tls.crt": "x", "tls.key": "y"}}
    assert cells("", "Secret", secret) == ["tls", "kubernetes.io/tls", 2, "45s"]
    assert cells("", "Secret", {"metadata": meta("empty")})[1:3] == ["Opaque", 0]
    config = {"metadata": meta("cfg"), "data": {"a": "1"}, "binaryData": {"b": "AA=="}}
    assert cells("", "ConfigMap", config) == ["cfg", 2, "60m"]
    namespace = {"metadata": meta("kube-system", age=86400 * 695), "status": {"phase": "Active"}}
    assert cells("", "Namespace", namespace) == ["kube-system", "Active", "695d"]
    account = {"metadata": meta("default")}
    assert names("", "ServiceAccount") == ["Name", "Secrets", "Age"]
    assert cells("", "ServiceAccount", account) == ["default", 0, "60m"]


def test_endpoints_and_slices() -> None:
    endpoints = {"metadata": meta("web"), "subsets": [
        {"addresses": [{"ip": "10.42.0.1"}, {"ip": "10.42.0.2"}],
         "ports": [{"port": 80}, {"port": 443}]}]}
    assert cells("", "Endpoints", endpoints)[1] == \
        "10.42.0.1:80,10.42.0.2:80,10.42.0.1:443 + 1 more..."
    assert cells("", "Endpoints", {"metadata": meta("none")})[1] == "<none>"
    headless = {"metadata": meta("db"), "subsets": [{"addresses": [{"ip": "fd00::1"}]}]}
    assert cells("", "Endpoints", headless)[1] == "fd00::1"
    v6 = {"metadata": meta("v6"), "subsets": [{"addresses": [{"ip": "fd00::1"}],
                                                "ports": [{"port": 80}]}]}
    assert cells("", "Endpoints", v6)[1] == "[fd00::1]:80"
    eps = {"metadata": meta("web-abc"), "addressType": "IPv4",
           "ports": [{"port": 80, "name": "http"}, {"name": "named"}, {}],
           "endpoints": [{"addresses": ["10.42.0.1"]}, {"addresses": ["10.42.0.2"]}]}
    assert cells("discovery.k8s.io", "EndpointSlice", eps) == [
        "web-abc", "IPv4", "80,named,*", "10.42.0.1,10.42.0.2", "60m"]
    bare = {"metadata": meta("bare"), "addressType": "IPv4"}
    assert cells("discovery.k8s.io", "EndpointSlice", bare)[2:4] == ["<unset>", "<unset>"]


def test_events_core_and_events_k8s_io() -> None:
    event = {"metadata": meta("web.17a"), "type": "Warning", "reason": "BackOff",
             "message": "Back-off restarting failed container\n",
             "involvedObject": {"kind": "Pod", "name": "web", "fieldPath": "spec.containers{c}"},
             "source": {"component": "kubelet", "host": "server-1"},
             "firstTimestamp": ago(600), "lastTimestamp": ago(30), "count": 12}
    assert names("", "Event") == ["Last Seen", "Type", "Reason", "Object", "Subobject",
                                  "Source", "Message", "First Seen", "Count", "Name"]
    assert cells("", "Event", event) == [
        "30s", "Warning", "BackOff", "pod/web", "spec.containers{c}", "kubelet, server-1",
        "Back-off restarting failed container", "10m", 12, "web.17a"]
    modern = {"metadata": meta("web.18b"), "type": "Normal", "reason": "Scheduled",
              "note": "Successfully assigned default/web to server-1",
              "regarding": {"kind": "Pod", "name": "web"},
              "eventTime": "2025-06-01T11:58:59.123456Z",
              "reportingController": "default-scheduler", "reportingInstance": "sched-1"}
    assert cells("events.k8s.io", "Event", modern) == [
        "60s", "Normal", "Scheduled", "pod/web", "", "default-scheduler, sched-1",
        "Successfully assigned default/web to server-1", "60s", 1, "web.18b"]
    series = modern | {"series": {"count": 4, "lastObservedTime": ago(10)}}
    assert cells("events.k8s.io", "Event", series)[0] == "10s"
    assert cells("events.k8s.io", "Event", series)[8] == 4


def test_volumes() -> None:
    pv = {"metadata": meta("pvc-1"), "spec": {
        "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce", "ReadOnlyMany"],
        "persistentVolumeReclaimPolicy": "Delete", "storageClassName": "local-path",
        "claimRef": {"namespace": "default", "name": "data"}, "volumeMode": "Filesystem"},
        "status": {"phase": "Bound"}}
    assert cells("", "PersistentVolume", pv) == [
        "pvc-1", "1Gi", "RWO,ROX", "Delete", "Bound", "default/data", "local-path", "<unset>",
        "", "60m", "Filesystem"]
    pvc = {"metadata": meta("data"), "spec": {
        "storageClassName": "local-path", "volumeName": "pvc-1",
        "resources": {"requests": {"storage": "1Gi"}}},
        "status": {"phase": "Bound", "accessModes": ["ReadWriteOnce"],
                   "capacity": {"storage": "1Gi"}}}
    assert cells("", "PersistentVolumeClaim", pvc) == [
        "data", "Bound", "pvc-1", "1Gi", "RWO", "local-path", "<unset>", "60m", "Filesystem"]
    pending = {"metadata": meta("new"), "spec": {"storageClassName": "local-path"},
               "status": {"phase": "Pending"}}
    assert cells("", "PersistentVolumeClaim", pending)[1:5] == ["Pending", "", "", ""]
    sc = {"metadata": meta("local-path", annotations={
        "storageclass.kubernetes.io/is-default-class": "true"}),
        "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete",
        "volumeBindingMode": "WaitForFirstConsumer"}
    assert cells("storage.k8s.io", "StorageClass", sc) == [
        "local-path (default)", "rancher.io/local-path", "Delete", "WaitForFirstConsumer",
        False, "60m"]
    driver = {"metadata": meta("csi.example.com"), "spec": {}}
    assert cells("storage.k8s.io", "CSIDriver", driver) == [
        "csi.example.com", True, False, False, "<unset>", False, "Persistent", "60m"]


def test_rbac_leases_and_cluster_kinds() -> None:
    binding = {"metadata": meta("admins"), "roleRef": {"kind": "ClusterRole",
                                                        "name": "cluster-admin"},
               "subjects": [{"kind": "User", "name": "alice"}, {"kind": "Group", "name": "ops"},
                            {"kind": "ServiceAccount", "namespace": "kube-system",
                             "name": "helm"}, {"kind": "User", "name": "bob"}]}
    assert cells("rbac.authorization.k8s.io", "ClusterRoleBinding", binding) == [
        "admins", "ClusterRole/cluster-admin", "60m", "alice, bob", "ops", "kube-system/helm"]
    lease = {"metadata": meta("server-1"), "spec": {"holderIdentity": "server-1"}}
    assert cells("coordination.k8s.io", "Lease", lease) == ["server-1", "server-1", "60m"]
    csr = {"metadata": meta("node-csr"), "spec": {
        "signerName": "kubernetes.io/kube-apiserver-client-kubelet", "username": "system:node:a",
        "expirationSeconds": 86400},
        "status": {"conditions": [{"type": "Approved", "status": "True"}], "certificate": "LS0"}}
    assert cells("certificates.k8s.io", "CertificateSigningRequest", csr) == [
        "node-csr", "60m", "kubernetes.io/kube-apiserver-client-kubelet", "system:node:a",
        "24h", "Approved,Issued"]
    pdb = {"metadata": meta("web"), "spec": {"minAvailable": "50%"},
           "status": {"disruptionsAllowed": 1}}
    assert cells("policy", "PodDisruptionBudget", pdb) == ["web", "50%", "N/A", 1, "60m"]
    priority = {"metadata": meta("system-node-critical"), "value": 2000001000}
    assert cells("scheduling.k8s.io", "PriorityClass", priority) == [
        "system-node-critical", 2000001000, False, "60m", "PreemptLowerPriority"]
    quota = {"metadata": meta("q"), "status": {
        "hard": {"pods": "10", "limits.cpu": "2", "requests.memory": "1Gi"},
        "used": {"pods": "3", "limits.cpu": "500m"}}}
    assert cells("", "ResourceQuota", quota) == [
        "q", "pods: 3/10, requests.memory: 0/1Gi", "limits.cpu: 500m/2", "60m"]
    hook = {"metadata": meta("hooks"), "webhooks": [{"name": "a"}, {"name": "b"}]}
    assert cells("admissionregistration.k8s.io", "ValidatingWebhookConfiguration", hook) == [
        "hooks", 2, "60m"]


def test_ingress_cells() -> None:
    ingress = {"metadata": meta("web"), "spec": {
        "ingressClassName": "traefik", "tls": [{"hosts": ["a.example.com"]}],
        "rules": [{}, {"host": "a.example.com"}, {"host": "b.example.com"},
                  {"host": "c.example.com"}, {"host": "d.example.com"}]},
        "status": {"loadBalancer": {"ingress": [{"ip": "192.168.1.10"}]}}}
    assert cells("networking.k8s.io", "Ingress", ingress) == [
        "web", "traefik", "a.example.com,b.example.com,c.example.com + 2 more...",
        "192.168.1.10", "80, 443", "60m"]
    catch_all = {"metadata": meta("all"), "spec": {"defaultBackend": {}}}
    assert cells("networking.k8s.io", "Ingress", catch_all)[1:5] == ["<none>", "*", "", "80"]
    klass = {"metadata": meta("traefik"), "spec": {"controller": "traefik.io/ingress-controller",
             "parameters": {"apiGroup": "k8s.example.com", "kind": "Params", "name": "p"}}}
    assert cells("networking.k8s.io", "IngressClass", klass)[1:3] == [
        "traefik.io/ingress-controller", "Params.k8s.example.com/p"]
    policy = {"metadata": meta("deny"), "spec": {"podSelector": {}}}
    assert cells("networking.k8s.io", "NetworkPolicy", policy) == ["deny", "<none>", "60m"]


def test_api_service_and_default_tables() -> None:
    local = {"metadata": meta("v1.apps"), "spec": {}, "status": {"conditions": [
        {"type": "Available", "status": "True", "reason": "Local"}]}}
    assert cells("apiregistration.k8s.io", "APIService", local) == [
        "v1.apps", "Local", "True", "60m"]
    missing = {"metadata": meta("v1beta1.metrics.k8s.io"), "spec": {"service": {
        "namespace": "kube-system", "name": "metrics-server"}}, "status": {"conditions": [
            {"type": "Available", "status": "False", "reason": "MissingEndpoints"}]}}
    assert cells("apiregistration.k8s.io", "APIService", missing)[1:3] == [
        "kube-system/metrics-server", "False (MissingEndpoints)"]
    role = {"metadata": meta("reader", creationTimestamp="2025-05-30T08:15:00Z")}
    for group, kind in [("rbac.authorization.k8s.io", "Role"),
                        ("rbac.authorization.k8s.io", "ClusterRole"), ("", "LimitRange"),
                        ("apiextensions.k8s.io", "CustomResourceDefinition"),
                        ("example.com", "Unknown")]:
        assert tables.column_definitions(group, kind) == [
            {"name": "Name", "type": "string", "format": "name", "priority": 0,
             "description": tables.column_definitions(group, kind)[0]["description"]},
            {"name": "Created At", "type": "date", "format": "", "priority": 0,
             "description": tables.column_definitions(group, kind)[1]["description"]}]
        assert cells(group, kind, role) == ["reader", "2025-05-30T08:15:00Z"]


def test_every_builtin_row_matches_its_columns() -> None:
    """Even an object with nothing but a name prints a full row of the right width."""
    for (group, kind), printer in BUILTIN.items():
        for obj in ({"metadata": {"name": "x"}}, {}):
            row = tables.row_cells(group, kind, obj, now=NOW)
            assert len(row) == len(printer.columns), (group, kind)
            orjson.dumps(row)


# --------------------------------------------------------- custom resources

CERT_COLUMNS = [
    {"name": "Ready", "type": "string",
     "jsonPath": '.status.conditions[?(@.type=="Ready")].status'},
    {"name": "Secret", "type": "string", "jsonPath": ".spec.secretName"},
    {"name": "Replicas", "type": "integer", "jsonPath": ".spec.replicas"},
    {"name": "Ratio", "type": "number", "jsonPath": ".spec.ratio", "priority": 1},
    {"name": "Paused", "type": "boolean", "jsonPath": ".spec.paused"},
    {"name": "Images", "type": "string", "jsonPath": ".spec.containers[*].image"},
    {"name": "Last", "type": "string", "jsonPath": ".status.conditions[-1:].type"},
    {"name": "Labels", "type": "string", "jsonPath": ".metadata.labels", "format": "x"},
    {"name": "Issuer", "type": "string", "jsonPath": ".spec.issuerRef['kind.name']"},
    {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp",
     "description": "Age of it."},
]


def certificate(**spec: Any) -> dict[str, Any]:
    return {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
            "metadata": meta("site", age=7200, labels={"b": "2", "a": "<1>"}),
            "spec": {"secretName": "site-tls", "replicas": 2.9, "ratio": 1,
                     "paused": True, "containers": [{"image": "one"}, {"image": "two"}],
                     "issuerRef": {"kind.name": "ClusterIssuer"}, **spec},
            "status": {"conditions": [{"type": "Issuing", "status": "False"},
                                      {"type": "Ready", "status": "True"}]}}


def test_custom_columns_follow_the_crd() -> None:
    columns = tables.custom_columns(CERT_COLUMNS)
    assert [c["name"] for c in columns] == ["Name", "Ready", "Secret", "Replicas", "Ratio",
                                            "Paused", "Images", "Last", "Labels", "Issuer",
                                            "Age"]
    assert columns[0] == {"name": "Name", "type": "string", "format": "name", "priority": 0,
                          "description": columns[0]["description"]}
    assert columns[4]["priority"] == 1 and columns[8]["format"] == "x"
    assert columns[10]["description"] == "Age of it."
    assert tables.custom_row_cells(CERT_COLUMNS, certificate(), now=NOW) == [
        "site", "True", "site-tls", 2, 1.0, True, "one", "Ready", '{"a":"\\u003c1\\u003e","b":"2"}',
        "ClusterIssuer", "120m"]


def test_custom_cells_missing_or_mistyped_values_are_null() -> None:
    broken = certificate(secretName=5, replicas="two", paused="yes", containers=[])
    broken["status"] = {"conditions": []}
    broken["metadata"]["creationTimestamp"] = "yesterday"
    assert tables.custom_row_cells(CERT_COLUMNS, broken, now=NOW) == [
        "site", None, "5", None, 1.0, None, None, None, '{"a":"\\u003c1\\u003e","b":"2"}',
        "ClusterIssuer", "<invalid>"]


def test_crd_without_columns_gets_name_and_age() -> None:
    assert [(c["name"], c["type"]) for c in tables.custom_columns([])] == [
        ("Name", "string"), ("Age", "date")]
    assert tables.custom_row_cells(None, certificate(), now=NOW) == ["site", "120m"]
    with_columns = tables.custom_columns([{"name": "S", "type": "string", "jsonPath": ".x"}])
    assert [c["name"] for c in with_columns] == ["Name", "S"]  # upstream adds no Age


def test_crd_column_with_a_bad_path_ends_the_columns() -> None:
    columns = [{"name": "A", "type": "string", "jsonPath": ".spec.secretName"},
               {"name": "B", "type": "string", "jsonPath": ".spec[?"},
               {"name": "C", "type": "string", "jsonPath": ".spec.replicas"}]
    assert [c["name"] for c in tables.custom_columns(columns)] == ["Name", "A"]
    assert tables.custom_row_cells(columns, certificate(), now=NOW) == ["site", "site-tls"]


def test_custom_table_for_a_list() -> None:
    table = tables.table_for("cert-manager.io", "Certificate", [certificate()], now=NOW,
                                  printer_columns=CERT_COLUMNS[:1], resource_version="12")
    assert table["columnDefinitions"][1]["name"] == "Ready"
    assert table["rows"][0]["cells"] == ["site", "True"]


@pytest.mark.parametrize(("path", "expected"), [
    (".a.b", [1]), ("{.a.b}", [1]), ("$.a.b", [1]), (".a['b']", [1]), ('.a["x.y"]', [2]),
    (".a.x\\.y", [2]), (".l[0].n", ["p"]), (".l[-1].n", ["r"]), (".l[1:].n", ["q", "r"]),
    (".l[0:3:2].n", ["p", "r"]), (".l[*].n", ["p", "q", "r"]), (".l.*.v", [1, 2, 3]),
    (".a.*", [1, 2]), ("..n", ["p", "q", "r"]), (".l[?(@.v > 1)].n", ["q", "r"]),
    (".l[?(@.n != 'q')].v", [1, 3]), (".l[?(@.on == true)].n", ["q"]),
    (".l[?(@.on)].n", ["q"]), (".l[?(@.v<=2)].n", ["p", "q"]), (".missing.x", []),
    (".l[?(@.n=='z')].v", []),
])
def test_jsonpath_subset(path: str, expected: list[Any]) -> None:
    doc = {"a": {"b": 1, "x.y": 2},
           "l": [{"n": "p", "v": 1}, {"n": "q", "v": 2, "on": True}, {"n": "r", "v": 3}]}
    assert evaluate(compile_path(path), doc) == expected


def test_jsonpath_errors() -> None:
    for bad in (".a[", ".a[x]", ".l[?(@.v == )]", ".a..", "a b"):
        with pytest.raises(JsonPathError):
            compile_path(bad)
    doc = {"l": [{"v": 1}], "m": {"v": 1}}
    for failing in (".l[3]", ".m[0]", ".m[?(@.v)]", ".l[?(@.v == 'x')]"):
        with pytest.raises(PathFailed):
            evaluate(compile_path(failing), doc)


@pytest.mark.parametrize(("value", "text"), [
    (3.0, "3"), (1.5, "1.5"), (-0.25, "-0.25"), (123456.5, "123456.5"),
    (1234567.5, "1.2345675e+06"), (1e6, "1e+06"), (0.0001, "0.0001"), (0.00001, "1e-05"),
    (1e21, "1e+21"), (0.0, "0"),
])
def test_floats_print_as_go_prints_them(value: float, text: str) -> None:
    assert go_float(value) == text
    assert go_text(value) == text


# ---------------------------------------------------------------- the Table

def test_table_includes_metadata_by_default() -> None:
    pods = [pod(), pod() | {"metadata": meta("api", labels={"app": "api"})}]
    table = tables.table_for("", "Pod", pods, now=NOW, resource_version="42",
                                  continue_token="abc", remaining_item_count=3)
    assert table["kind"] == "Table" and table["apiVersion"] == "meta.k8s.io/v1"
    assert table["metadata"] == {"resourceVersion": "42", "continue": "abc",
                                 "remainingItemCount": 3}
    assert len(table["columnDefinitions"]) == 9
    assert table["rows"][1]["object"] == {"kind": "PartialObjectMetadata",
                                          "apiVersion": "meta.k8s.io/v1",
                                          "metadata": pods[1]["metadata"]}
    assert table["rows"][1]["object"]["metadata"] is pods[1]["metadata"]  # shared, not copied
    assert list(table) == ["kind", "apiVersion", "metadata", "columnDefinitions", "rows"]


def test_include_object_variants() -> None:
    obj = node()
    full = tables.table_for_object("", "Node", obj, now=NOW, include_object="Object")
    assert full["rows"][0]["object"] is obj
    assert full["metadata"] == {"resourceVersion": "7"}
    bare = tables.table_for_object("", "Node", obj, now=NOW, include_object="None")
    assert bare["rows"][0]["object"] is None
    beta = tables.table_for_object("", "Node", obj, now=NOW, table_version="v1beta1")
    assert beta["apiVersion"] == "meta.k8s.io/v1beta1"
    assert beta["rows"][0]["object"]["apiVersion"] == "meta.k8s.io/v1beta1"
    assert tables.include_object_option(None) == "Metadata"
    assert tables.include_object_option("Object") == "Object"
    with pytest.raises(BadRequest, match='unrecognized includeObject value: "All"'):
        tables.include_object_option("All")


def test_watch_events_after_the_first_carry_no_headers() -> None:
    later = tables.table_for_object("", "Node", node(), now=NOW, no_headers=True)
    assert later["columnDefinitions"] is None
    assert later["rows"][0]["cells"][0] == "server-1"
    service = {"metadata": meta("v1.apps"), "spec": {}}
    aggregated = tables.table_for_object("apiregistration.k8s.io", "APIService", service,
                                         now=NOW, no_headers=True)
    assert len(aggregated["columnDefinitions"]) == 4  # kube-aggregator always sends them


def test_empty_list_table() -> None:
    table = tables.table_for("apps", "Deployment", [], now=NOW)
    assert table["rows"] == [] and table["metadata"] == {}


def test_ten_thousand_pods_print_well_under_a_second() -> None:
    template = pod(statuses=[running(restarts=2) | {"lastState": {"terminated": {
        "exitCode": 1, "finishedAt": ago(50)}}}], conditions=READY)
    pods = [template | {"metadata": meta(f"web-{i}", age=i)} for i in range(10_000)]
    started = time.perf_counter()
    table = tables.table_for("", "Pod", pods, now=NOW, resource_version="1")
    body = orjson.dumps(table)
    elapsed = time.perf_counter() - started
    assert len(table["rows"]) == 10_000 and body
    assert table["rows"][9_999]["cells"][3] == "2 (50s ago)"
    assert elapsed < 0.5, elapsed
