"""Defaulting: what kube-apiserver 1.33 adds to built-in objects, checked against the objects a
real cluster returns for the same input."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from k3py.api.defaults import (
    apply_defaults,
    carry_service_allocations,
    has_defaults,
    job_selector_defaults,
)

Obj = dict[str, Any]

# `kubectl create deployment web --image=nginx --dry-run=client -o json` (kubectl 1.33).
KUBECTL_DEPLOYMENT: Obj = {
    "kind": "Deployment",
    "apiVersion": "apps/v1",
    "metadata": {"name": "web", "creationTimestamp": None, "labels": {"app": "web"}},
    "spec": {
        "replicas": 1,
        "selector": {"matchLabels": {"app": "web"}},
        "template": {
            "metadata": {"creationTimestamp": None, "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "nginx", "image": "nginx", "resources": {}}]},
        },
        "strategy": {},
    },
    "status": {},
}

# The spec a 1.33 cluster returns for it (`kubectl get deploy web -o json`).
CLUSTER_DEPLOYMENT_SPEC: Obj = {
    "progressDeadlineSeconds": 600,
    "replicas": 1,
    "revisionHistoryLimit": 10,
    "selector": {"matchLabels": {"app": "web"}},
    "strategy": {
        "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
        "type": "RollingUpdate",
    },
    "template": {
        "metadata": {"creationTimestamp": None, "labels": {"app": "web"}},
        "spec": {
            "containers": [{
                "image": "nginx",
                "imagePullPolicy": "Always",
                "name": "nginx",
                "resources": {},
                "terminationMessagePath": "/dev/termination-log",
                "terminationMessagePolicy": "File",
            }],
            "dnsPolicy": "ClusterFirst",
            "restartPolicy": "Always",
            "schedulerName": "default-scheduler",
            "securityContext": {},
            "terminationGracePeriodSeconds": 30,
        },
    },
}


def defaults(group: str, kind: str, obj: Obj, version: str = "v1") -> Obj:
    """Default ``obj`` and check the input was left alone and a second pass changes nothing."""
    before = copy.deepcopy(obj)
    out = apply_defaults(group, version, kind, obj)
    assert obj == before, "apply_defaults modified its argument"
    assert apply_defaults(group, version, kind, out) is out, "defaulting is not idempotent"
    return out


def test_kubectl_create_deployment_defaults_to_what_a_cluster_returns() -> None:
    out = defaults("apps", "Deployment", KUBECTL_DEPLOYMENT)
    assert out["spec"] == CLUSTER_DEPLOYMENT_SPEC
    assert out["metadata"] == KUBECTL_DEPLOYMENT["metadata"]
    assert out["status"] == {}


def test_defaulting_copies_only_the_changed_path() -> None:
    out = defaults("apps", "Deployment", KUBECTL_DEPLOYMENT)
    assert out is not KUBECTL_DEPLOYMENT
    assert out["metadata"] is KUBECTL_DEPLOYMENT["metadata"]
    assert out["spec"]["selector"] is KUBECTL_DEPLOYMENT["spec"]["selector"]


def test_an_already_defaulted_object_comes_back_as_is() -> None:
    obj = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
           "spec": copy.deepcopy(CLUSTER_DEPLOYMENT_SPEC)}
    assert apply_defaults("apps", "v1", "Deployment", obj) is obj


def test_deployment_recreate_strategy_gets_no_rolling_update() -> None:
    obj = copy.deepcopy(KUBECTL_DEPLOYMENT)
    obj["spec"]["strategy"] = {"type": "Recreate"}
    obj["spec"]["replicas"] = 0
    out = defaults("apps", "Deployment", obj)
    assert out["spec"]["strategy"] == {"type": "Recreate"}
    assert out["spec"]["replicas"] == 0


def test_pod_gets_pod_only_defaults_and_container_defaults() -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {
        "containers": [
            {"name": "a", "image": "nginx:1.27", "ports": [{"containerPort": 80}],
             "resources": {"limits": {"cpu": "0.5", "memory": "1024Mi"}},
             "env": [{"name": "NODE", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
                     {"name": "CPU", "valueFrom": {"resourceFieldRef": {"resource":
                                                                        "limits.cpu"}}}],
             "livenessProbe": {"httpGet": {"port": 8080}},
             "readinessProbe": {"grpc": {"port": 9000}, "periodSeconds": 5}},
            {"name": "b", "image": "registry.local:5000/tools"},
            {"name": "c", "image": "busybox@sha256:" + "a" * 64},
        ],
        "initContainers": [{"name": "init", "image": "busybox:latest"}],
    }}
    spec = defaults("", "Pod", pod)["spec"]
    a, b, c = spec["containers"]
    assert a == {
        "name": "a", "image": "nginx:1.27", "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": 80, "protocol": "TCP"}],
        "resources": {"limits": {"cpu": "500m", "memory": "1Gi"},
                      "requests": {"cpu": "500m", "memory": "1Gi"}},
        "env": [{"name": "NODE", "valueFrom": {"fieldRef": {"apiVersion": "v1",
                                                            "fieldPath": "spec.nodeName"}}},
                {"name": "CPU", "valueFrom": {"resourceFieldRef": {"divisor": "0",
                                                                   "resource": "limits.cpu"}}}],
        "livenessProbe": {"httpGet": {"path": "/", "port": 8080, "scheme": "HTTP"},
                          "timeoutSeconds": 1, "periodSeconds": 10, "successThreshold": 1,
                          "failureThreshold": 3},
        "readinessProbe": {"grpc": {"port": 9000, "service": ""}, "periodSeconds": 5,
                           "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3},
        "terminationMessagePath": "/dev/termination-log",
        "terminationMessagePolicy": "File",
    }
    assert (b["imagePullPolicy"], c["imagePullPolicy"]) == ("Always", "IfNotPresent")
    assert b["resources"] == {} and "requests" not in b["resources"]
    assert spec["initContainers"][0]["imagePullPolicy"] == "Always"
    assert {k: spec[k] for k in ("dnsPolicy", "restartPolicy", "securityContext",
                                 "terminationGracePeriodSeconds", "schedulerName",
                                 "enableServiceLinks")} == {
        "dnsPolicy": "ClusterFirst", "restartPolicy": "Always", "securityContext": {},
        "terminationGracePeriodSeconds": 30, "schedulerName": "default-scheduler",
        "enableServiceLinks": True}


def test_templates_get_no_pod_only_defaults() -> None:
    obj = copy.deepcopy(KUBECTL_DEPLOYMENT)
    obj["spec"]["template"]["spec"]["hostNetwork"] = True
    obj["spec"]["template"]["spec"]["containers"][0].update(
        resources={"limits": {"cpu": "1"}}, ports=[{"containerPort": 80}])
    tspec = defaults("apps", "Deployment", obj)["spec"]["template"]["spec"]
    assert "enableServiceLinks" not in tspec
    assert tspec["containers"][0]["resources"] == {"limits": {"cpu": "1"}}
    assert tspec["containers"][0]["ports"] == [{"containerPort": 80, "protocol": "TCP"}]


def test_host_network_pod_gets_host_ports() -> None:
    pod = {"spec": {"hostNetwork": True, "containers": [
        {"name": "a", "image": "x", "ports": [{"containerPort": 53, "protocol": "UDP"}]}]}}
    port = defaults("", "Pod", pod)["spec"]["containers"][0]["ports"][0]
    assert port == {"containerPort": 53, "hostPort": 53, "protocol": "UDP"}


def test_volumes_get_modes_sources_and_token_expiry() -> None:
    pod = {"spec": {"containers": [{"name": "a", "image": "x"}], "volumes": [
        {"name": "scratch"},
        {"name": "cfg", "configMap": {"name": "c"}},
        {"name": "sec", "secret": {"secretName": "s", "defaultMode": 256}},
        {"name": "host", "hostPath": {"path": "/var"}},
        {"name": "tmp", "emptyDir": {"sizeLimit": "1024Mi"}},
        {"name": "proj", "projected": {"sources": [
            {"serviceAccountToken": {"path": "token"}},
            {"downwardAPI": {"items": [{"path": "ns", "fieldRef": {
                "fieldPath": "metadata.namespace"}}]}}]}},
    ]}}
    volumes = defaults("", "Pod", pod)["spec"]["volumes"]
    assert volumes == [
        {"name": "scratch", "emptyDir": {}},
        {"name": "cfg", "configMap": {"name": "c", "defaultMode": 420}},
        {"name": "sec", "secret": {"secretName": "s", "defaultMode": 256}},
        {"name": "host", "hostPath": {"path": "/var", "type": ""}},
        {"name": "tmp", "emptyDir": {"sizeLimit": "1Gi"}},
        {"name": "proj", "projected": {"defaultMode": 420, "sources": [
            {"serviceAccountToken": {"path": "token", "expirationSeconds": 3600}},
            {"downwardAPI": {"items": [{"path": "ns", "fieldRef": {
                "apiVersion": "v1", "fieldPath": "metadata.namespace"}}]}}]}},
    ]


@pytest.mark.parametrize(("given", "shown"), [
    ("1024Mi", "1Gi"), ("0.5", "500m"), ("1000", "1k"), ("1.5Gi", "1536Mi"), (2, "2"),
    ("100n", "1m"), ("1.0001", "1001m"), ("1e3", "1e3"), ("512Mi", "512Mi"), ("0", "0"),
])
def test_resource_quantities_are_canonical_and_rounded_to_milli(given: Any, shown: str) -> None:
    pod = {"spec": {"containers": [{"name": "a", "image": "x",
                                    "resources": {"requests": {"cpu": given}}}]}}
    out = defaults("", "Pod", pod)
    assert out["spec"]["containers"][0]["resources"]["requests"]["cpu"] == shown


def test_unparsable_quantity_is_left_for_validation() -> None:
    pod = {"spec": {"containers": [{"name": "a", "image": "x",
                                    "resources": {"limits": {"memory": "lots"}}}]}}
    out = defaults("", "Pod", pod)
    assert out["spec"]["containers"][0]["resources"]["limits"] == {"memory": "lots"}


def test_cluster_ip_service_defaults() -> None:
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
           "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}}
    assert defaults("", "Service", svc) == {
        "apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
        "spec": {"selector": {"app": "web"},
                 "ports": [{"port": 80, "protocol": "TCP", "targetPort": 80}],
                 "sessionAffinity": "None", "type": "ClusterIP",
                 "internalTrafficPolicy": "Cluster", "ipFamilyPolicy": "SingleStack",
                 "ipFamilies": ["IPv4"]},
        "status": {"loadBalancer": {}},
    }


def test_node_port_and_load_balancer_services() -> None:
    node_port = defaults("", "Service", {"spec": {"type": "NodePort", "ports": [
        {"port": 80, "targetPort": "http", "protocol": "UDP"}]}})["spec"]
    assert node_port["externalTrafficPolicy"] == "Cluster"
    assert node_port["ports"] == [{"port": 80, "targetPort": "http", "protocol": "UDP"}]
    assert "allocateLoadBalancerNodePorts" not in node_port
    lb = defaults("", "Service", {"spec": {"type": "LoadBalancer", "ports": [{"port": 443}]},
                                  "status": {"loadBalancer": {"ingress": [{"ip": "1.2.3.4"}]}}})
    assert lb["spec"]["allocateLoadBalancerNodePorts"] is True
    assert lb["status"]["loadBalancer"]["ingress"] == [{"ip": "1.2.3.4", "ipMode": "VIP"}]


def test_headless_and_external_name_services() -> None:
    headless = defaults("", "Service", {"spec": {"clusterIP": "None", "ports": []}})["spec"]
    assert headless["clusterIPs"] == ["None"]
    assert headless["ipFamilyPolicy"] == "RequireDualStack"
    assert headless["ipFamilies"] == ["IPv4"]
    with_selector = defaults("", "Service", {"spec": {"clusterIP": "None",
                                                      "selector": {"a": "b"}}})["spec"]
    assert with_selector["ipFamilyPolicy"] == "SingleStack"
    external = defaults("", "Service", {"spec": {"type": "ExternalName",
                                                 "externalName": "example.com"}})["spec"]
    assert external == {"type": "ExternalName", "externalName": "example.com",
                        "sessionAffinity": "None"}


def test_client_ip_affinity_gets_a_timeout_and_none_drops_the_config() -> None:
    spec = defaults("", "Service", {"spec": {"sessionAffinity": "ClientIP"}})["spec"]
    assert spec["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}
    spec = defaults("", "Service", {"spec": {"sessionAffinityConfig": {"clientIP": {}}}})["spec"]
    assert "sessionAffinityConfig" not in spec


def test_service_update_keeps_allocated_values() -> None:
    old = {"spec": {"type": "NodePort", "clusterIP": "10.43.0.10", "clusterIPs": ["10.43.0.10"],
                    "ports": [{"port": 80, "protocol": "TCP", "nodePort": 31000}]}}
    new = {"spec": {"type": "NodePort", "ports": [{"port": 80, "protocol": "TCP"}]}}
    before = copy.deepcopy(new)
    out = carry_service_allocations(new, old)
    assert new == before
    assert out["spec"] == {"type": "NodePort", "clusterIP": "10.43.0.10",
                           "clusterIPs": ["10.43.0.10"],
                           "ports": [{"port": 80, "protocol": "TCP", "nodePort": 31000}]}


def test_stateful_set_defaults_include_claim_templates() -> None:
    sts = {"spec": {"selector": {"matchLabels": {"app": "db"}}, "serviceName": "db",
                    "template": {"metadata": {"labels": {"app": "db"}},
                                 "spec": {"containers": [{"name": "db", "image": "postgres:17"}]}},
                    "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
                        "accessModes": ["ReadWriteOnce"],
                        "resources": {"requests": {"storage": "1024Mi"}}}}]}}
    spec = defaults("apps", "StatefulSet", sts)["spec"]
    assert {k: v for k, v in spec.items() if k not in ("template", "volumeClaimTemplates")} == {
        "selector": {"matchLabels": {"app": "db"}}, "serviceName": "db",
        "podManagementPolicy": "OrderedReady", "replicas": 1, "revisionHistoryLimit": 10,
        "updateStrategy": {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}},
        "persistentVolumeClaimRetentionPolicy": {"whenDeleted": "Retain",
                                                 "whenScaled": "Retain"}}
    assert spec["volumeClaimTemplates"] == [{
        "apiVersion": "v1", "kind": "PersistentVolumeClaim",
        "metadata": {"creationTimestamp": None, "name": "data"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}},
                 "volumeMode": "Filesystem"},
        "status": {"phase": "Pending"}}]
    assert spec["template"]["metadata"] == {"creationTimestamp": None, "labels": {"app": "db"}}


def test_stateful_set_explicit_rolling_update_without_body_gets_no_partition() -> None:
    sts = {"spec": {"updateStrategy": {"type": "RollingUpdate"}}}
    assert defaults("apps", "StatefulSet", sts)["spec"]["updateStrategy"] == {
        "type": "RollingUpdate"}


def test_daemon_set_and_replica_set_defaults() -> None:
    ds = defaults("apps", "DaemonSet", {"spec": {}})["spec"]
    assert ds["updateStrategy"] == {"type": "RollingUpdate",
                                    "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    assert ds["revisionHistoryLimit"] == 10
    assert ds["template"] == {"metadata": {"creationTimestamp": None}}
    rs = defaults("apps", "ReplicaSet", {"spec": {"replicas": 3}})["spec"]
    assert rs["replicas"] == 3


def test_job_defaults_and_generated_selector() -> None:
    job = {"metadata": {"name": "pi", "namespace": "default"}, "spec": {"template": {
        "spec": {"containers": [{"name": "pi", "image": "perl:5.34"}],
                 "restartPolicy": "Never"}}}}
    out = defaults("batch", "Job", job)
    assert {k: v for k, v in out["spec"].items() if k != "template"} == {
        "backoffLimit": 6, "completionMode": "NonIndexed", "completions": 1,
        "manualSelector": False, "parallelism": 1,
        "podReplacementPolicy": "TerminatingOrFailed", "suspend": False}
    uid = "0f0b1b2c-1111-2222-3333-444455556666"
    final = job_selector_defaults(out, uid)
    labels = {"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "pi",
              "controller-uid": uid, "job-name": "pi"}
    assert final["spec"]["selector"] == {
        "matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    assert final["spec"]["template"]["metadata"] == {"creationTimestamp": None,
                                                     "labels": labels}
    assert final["metadata"]["labels"] == labels
    assert "labels" not in out["metadata"]


def test_job_parallelism_only_and_failure_policy() -> None:
    spec = defaults("batch", "Job", {"spec": {"parallelism": 3, "backoffLimitPerIndex": 1,
                                              "podFailurePolicy": {"rules": [{
                                                  "action": "Ignore", "onPodConditions": [
                                                      {"type": "DisruptionTarget"}]}]}}})["spec"]
    assert "completions" not in spec
    assert spec["parallelism"] == 3
    assert spec["backoffLimit"] == 2**31 - 1
    assert spec["podReplacementPolicy"] == "Failed"
    assert spec["podFailurePolicy"]["rules"][0]["onPodConditions"] == [
        {"type": "DisruptionTarget", "status": "True"}]


def test_manual_selector_job_keeps_its_labels() -> None:
    job = {"metadata": {"name": "j"}, "spec": {"manualSelector": True,
                                               "selector": {"matchLabels": {"a": "b"}}}}
    assert job_selector_defaults(job, "uid") is job


def test_cron_job_defaults_do_not_default_the_job_spec() -> None:
    cj = {"spec": {"schedule": "@hourly", "jobTemplate": {"spec": {"template": {"spec": {
        "containers": [{"name": "c", "image": "busybox"}], "restartPolicy": "OnFailure"}}}}}}
    spec = defaults("batch", "CronJob", cj)["spec"]
    assert {k: v for k, v in spec.items() if k != "jobTemplate"} == {
        "schedule": "@hourly", "concurrencyPolicy": "Allow", "suspend": False,
        "successfulJobsHistoryLimit": 3, "failedJobsHistoryLimit": 1}
    job_template = spec["jobTemplate"]
    assert job_template["metadata"] == {"creationTimestamp": None}
    assert set(job_template["spec"]) == {"template"}
    assert job_template["spec"]["template"]["spec"]["dnsPolicy"] == "ClusterFirst"


def test_replication_controller_takes_selector_and_labels_from_its_template() -> None:
    rc = {"metadata": {"name": "rc"}, "spec": {"template": {"metadata": {"labels": {"a": "b"}},
                                                            "spec": {}}}}
    out = defaults("", "ReplicationController", rc)
    assert out["spec"]["selector"] == {"a": "b"}
    assert out["metadata"]["labels"] == {"a": "b"}
    assert out["spec"]["replicas"] == 1


def test_namespace_secret_and_claims() -> None:
    ns = defaults("", "Namespace", {"metadata": {"name": "team-a"}})
    assert ns == {"metadata": {"name": "team-a", "labels": {
        "kubernetes.io/metadata.name": "team-a"}},
        "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}
    secret = defaults("", "Secret", {"stringData": {"user": "admin"}, "data": {"a": "Yg=="}})
    assert secret == {"type": "Opaque", "data": {"a": "Yg==", "user": "YWRtaW4="}}
    pvc = defaults("", "PersistentVolumeClaim", {"spec": {"accessModes": ["ReadWriteOnce"]}})
    assert pvc == {"spec": {"accessModes": ["ReadWriteOnce"], "volumeMode": "Filesystem",
                            "resources": {}}, "status": {"phase": "Pending"}}
    pv = defaults("", "PersistentVolume", {"spec": {"capacity": {"storage": "2048Mi"},
                                                    "hostPath": {"path": "/data"}}})
    assert pv == {"spec": {"capacity": {"storage": "2Gi"}, "hostPath": {"path": "/data",
                                                                        "type": ""},
                           "persistentVolumeReclaimPolicy": "Retain",
                           "volumeMode": "Filesystem"}, "status": {"phase": "Pending"}}


def test_limit_range_and_node_defaults() -> None:
    lr = defaults("", "LimitRange", {"spec": {"limits": [
        {"type": "Container", "max": {"cpu": "2"}, "min": {"memory": "64Mi"}}]}})
    assert lr["spec"]["limits"][0] == {
        "type": "Container", "max": {"cpu": "2"}, "min": {"memory": "64Mi"},
        "default": {"cpu": "2"}, "defaultRequest": {"cpu": "2", "memory": "64Mi"}}
    node = defaults("", "Node", {"status": {"capacity": {"cpu": "4", "memory": "8192Mi"}}})
    assert node["status"]["allocatable"] == {"cpu": "4", "memory": "8Gi"}


def test_other_groups() -> None:
    np = defaults("networking.k8s.io", "NetworkPolicy", {"spec": {
        "podSelector": {}, "egress": [{"ports": [{"port": 53}]}]}})
    assert np["spec"]["policyTypes"] == ["Ingress", "Egress"]
    assert np["spec"]["egress"][0]["ports"] == [{"port": 53, "protocol": "TCP"}]
    assert defaults("networking.k8s.io", "NetworkPolicy", {"spec": {"podSelector": {}}})[
        "spec"]["policyTypes"] == ["Ingress"]
    rb = defaults("rbac.authorization.k8s.io", "RoleBinding", {
        "roleRef": {"kind": "ClusterRole", "name": "view"},
        "subjects": [{"kind": "User", "name": "jane"},
                     {"kind": "ServiceAccount", "name": "sa", "namespace": "x"}]})
    assert rb["roleRef"]["apiGroup"] == "rbac.authorization.k8s.io"
    assert rb["subjects"] == [
        {"kind": "User", "name": "jane", "apiGroup": "rbac.authorization.k8s.io"},
        {"kind": "ServiceAccount", "name": "sa", "namespace": "x"}]
    sc = defaults("storage.k8s.io", "StorageClass", {"provisioner": "rancher.io/local-path"})
    assert (sc["reclaimPolicy"], sc["volumeBindingMode"]) == ("Delete", "Immediate")
    pc = defaults("scheduling.k8s.io", "PriorityClass", {"value": 10})
    assert pc["preemptionPolicy"] == "PreemptLowerPriority"
    eps = defaults("discovery.k8s.io", "EndpointSlice", {"ports": [{"port": 80}]})
    assert eps["ports"] == [{"port": 80, "name": "", "protocol": "TCP"}]
    ing = defaults("networking.k8s.io", "Ingress", {"spec": {}})
    assert ing["status"] == {"loadBalancer": {}}


def test_hpa_v2_defaults() -> None:
    spec = defaults("autoscaling", "HorizontalPodAutoscaler", {"spec": {
        "maxReplicas": 5, "behavior": {"scaleDown": {"stabilizationWindowSeconds": 60}}}},
        version="v2")["spec"]
    assert spec["minReplicas"] == 1
    assert spec["metrics"] == [{"type": "Resource", "resource": {
        "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}]
    assert spec["behavior"] == {
        "scaleUp": {"stabilizationWindowSeconds": 0, "selectPolicy": "Max", "policies": [
            {"type": "Pods", "value": 4, "periodSeconds": 15},
            {"type": "Percent", "value": 100, "periodSeconds": 15}]},
        "scaleDown": {"stabilizationWindowSeconds": 60, "selectPolicy": "Max", "policies": [
            {"type": "Percent", "value": 100, "periodSeconds": 15}]}}


def test_webhooks_and_crds() -> None:
    hooks = defaults("admissionregistration.k8s.io", "MutatingWebhookConfiguration", {
        "webhooks": [{"name": "x.example.com", "clientConfig": {
            "service": {"name": "s", "namespace": "n"}},
            "rules": [{"operations": ["CREATE"]}]}]})["webhooks"][0]
    assert hooks == {
        "name": "x.example.com",
        "clientConfig": {"service": {"name": "s", "namespace": "n", "port": 443}},
        "rules": [{"operations": ["CREATE"], "scope": "*"}],
        "failurePolicy": "Fail", "matchPolicy": "Equivalent", "namespaceSelector": {},
        "objectSelector": {}, "timeoutSeconds": 10, "reinvocationPolicy": "Never"}
    crd = defaults("apiextensions.k8s.io", "CustomResourceDefinition", {"spec": {
        "group": "example.com", "names": {"kind": "Widget", "plural": "widgets"},
        "versions": [{"name": "v1", "served": True, "storage": True}]}})
    assert crd["spec"]["names"] == {"kind": "Widget", "plural": "widgets",
                                    "singular": "widget", "listKind": "WidgetList"}
    assert crd["spec"]["conversion"] == {"strategy": "None"}
    assert crd["status"] == {"storedVersions": ["v1"]}


def test_kinds_without_defaults_pass_through_untouched() -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "data": {"a": "b"}}
    assert apply_defaults("", "v1", "ConfigMap", cm) is cm
    widget = {"apiVersion": "example.com/v1", "kind": "Widget"}
    assert apply_defaults("example.com", "v1", "Widget", widget) is widget
    assert not has_defaults("", "v1", "ConfigMap")
    assert has_defaults("apps", "v1", "Deployment")


def test_job_with_its_uid_gets_the_generated_selector_from_apply_defaults() -> None:
    uid = "7a3e6a0e-aaaa-bbbb-cccc-ddddeeeeffff"
    job = {"metadata": {"name": "pi", "uid": uid}, "spec": {"template": {
        "metadata": {"labels": {"app": "pi"}},
        "spec": {"containers": [{"name": "pi", "image": "perl"}], "restartPolicy": "Never"}}}}
    out = defaults("batch", "Job", job)
    labels = {"app": "pi", "batch.kubernetes.io/controller-uid": uid,
              "batch.kubernetes.io/job-name": "pi", "controller-uid": uid, "job-name": "pi"}
    assert out["spec"]["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    assert out["spec"]["template"]["metadata"]["labels"] == labels
    assert out["metadata"]["labels"] == labels
