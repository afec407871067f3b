"""Defaults for core (``v1``) kinds besides Pod: Service, Namespace, Secret, volumes and claims,
Endpoints, LimitRange, ResourceQuota, Node, ReplicationController, PodTemplate, Event."""

from __future__ import annotations

import base64
from typing import Any

from k3py.api.defaulting.edit import Edit, Obj, at, dig, each
from k3py.api.defaulting.pods import (
    embedded_meta,
    pod_spec,
    pod_template,
    pvc_spec,
    resource_list,
    volume_sources,
)


def pod(obj: Obj) -> Obj:
    return at(obj, "spec", fn=lambda s: pod_spec(s, pod=True))


def _service_port(port: Obj) -> Obj:
    edit = Edit(port)
    edit.default_str("protocol", "TCP")
    target = edit.get("targetPort")
    if target is None or (target in (0, "") and not isinstance(target, bool)):
        edit.set("targetPort", edit.get("port"))
    return edit.done()


def _ip_families(edit: Edit) -> None:
    """The IP family fields the allocator fills in on a single-stack IPv4 cluster (a headless
    Service without selector asks for RequireDualStack, which such a cluster narrows)."""
    cluster_ip = edit.get("clusterIP")
    if edit.get("ipFamilyPolicy") is None:
        headless_no_selector = cluster_ip == "None" and not edit.get("selector")
        edit.set("ipFamilyPolicy", "RequireDualStack" if headless_no_selector else "SingleStack")
    if not edit.get("ipFamilies"):
        family = "IPv6" if isinstance(cluster_ip, str) and ":" in cluster_ip else "IPv4"
        edit.set("ipFamilies", [family])


def _service_spec(spec: Obj) -> Obj:
    edit = Edit(spec)
    edit.default_str("sessionAffinity", "None")
    if edit.get("sessionAffinity") == "None":
        edit.pop("sessionAffinityConfig")
    elif edit.get("sessionAffinity") == "ClientIP":
        config = edit.get("sessionAffinityConfig")
        client_ip = config.get("clientIP") if isinstance(config, dict) else None
        if not isinstance(client_ip, dict) or client_ip.get("timeoutSeconds") is None:
            edit.set("sessionAffinityConfig", {"clientIP": {"timeoutSeconds": 10800}})
    edit.default_str("type", "ClusterIP")
    kind = edit.get("type")
    edit.each("ports", _service_port)
    external = kind in ("NodePort", "LoadBalancer") or (
        kind == "ClusterIP" and bool(edit.get("externalIPs")))
    if external:
        edit.default_str("externalTrafficPolicy", "Cluster")
    if kind in ("NodePort", "LoadBalancer", "ClusterIP"):
        edit.default("internalTrafficPolicy", "Cluster")
    if kind == "LoadBalancer":
        edit.default("allocateLoadBalancerNodePorts", True)
    if kind != "ExternalName":
        cluster_ip, cluster_ips = edit.get("clusterIP"), edit.get("clusterIPs")
        if cluster_ip and not cluster_ips:
            edit.set("clusterIPs", [cluster_ip])
        elif cluster_ips and isinstance(cluster_ips, list) and not cluster_ip:
            edit.set("clusterIP", cluster_ips[0])
        _ip_families(edit)
    return edit.done()


def _lb_ingress(ingress: Obj) -> Obj:
    if ingress.get("ip") and ingress.get("ipMode") is None:
        return {**ingress, "ipMode": "VIP"}
    return ingress


def _service_status(status: Obj, *, load_balancer: bool) -> Obj:
    edit = Edit(status)
    edit.default("loadBalancer", {})
    if load_balancer:
        edit.sub("loadBalancer", lambda lb: each(lb, "ingress", fn=_lb_ingress))
    return edit.done()


def service(obj: Obj) -> Obj:
    edit = Edit(obj)
    edit.sub("spec", _service_spec, create=True)
    is_lb = dig(edit.cur, "spec", "type") == "LoadBalancer"
    edit.sub("status", lambda s: _service_status(s, load_balancer=is_lb), create=True)
    return edit.done()


def _dicts(value: Any) -> list[Obj]:
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _port_key(port: Obj) -> tuple[str, str]:
    return (str(port.get("port")), str(port.get("protocol") or "TCP"))


def carry_service_allocations(obj: Obj, old: Obj) -> Obj:
    """On update, keep what the allocator assigned when the new body leaves it out (a
    ``kubectl apply`` never sends clusterIP or nodePorts back): kube-apiserver's
    ``patchAllocatedValues``."""
    spec, old_spec = obj.get("spec"), old.get("spec")
    if not isinstance(spec, dict) or not isinstance(old_spec, dict):
        return obj
    edit = Edit(spec)
    types = (spec.get("type") or "ClusterIP", old_spec.get("type") or "ClusterIP")
    if "ExternalName" not in types:
        if not edit.get("clusterIP") and old_spec.get("clusterIP"):
            edit.set("clusterIP", old_spec["clusterIP"])
        if not edit.get("clusterIPs") and old_spec.get("clusterIPs"):
            edit.set("clusterIPs", old_spec["clusterIPs"])
    if all(t in ("NodePort", "LoadBalancer") for t in types):
        old_ports = {_port_key(p): p.get("nodePort") for p in _dicts(old_spec.get("ports"))}

        def port(p: Obj) -> Obj:
            node_port = old_ports.get(_port_key(p))
            return {**p, "nodePort": node_port} if not p.get("nodePort") and node_port else p

        edit.each("ports", port)
        if not edit.get("healthCheckNodePort") and old_spec.get("healthCheckNodePort"):
            edit.set("healthCheckNodePort", old_spec["healthCheckNodePort"])
    return at(obj, "spec", fn=lambda _: edit.done())


def namespace(obj: Obj) -> Obj:
    edit = Edit(obj)
    name = dig(obj, "metadata", "name")
    if isinstance(name, str) and name:
        def label(metadata: Obj) -> Obj:
            labels = metadata.get("labels")
            labels = labels if isinstance(labels, dict) else {}
            if labels.get("kubernetes.io/metadata.name") == name:
                return metadata
            return {**metadata, "labels": {**labels, "kubernetes.io/metadata.name": name}}
        edit.sub("metadata", label)
    edit.sub("spec", lambda s: s if s.get("finalizers") is not None
             else {**s, "finalizers": ["kubernetes"]}, create=True)
    edit.sub("status", lambda s: s if s.get("phase") else {**s, "phase": "Active"}, create=True)
    return edit.done()


def secret(obj: Obj) -> Obj:
    """Type ``Opaque``; ``stringData`` folded into ``data`` as the v1 conversion does."""
    edit = Edit(obj)
    edit.default_str("type", "Opaque")
    string_data = edit.get("stringData")
    if isinstance(string_data, dict):
        data = edit.get("data")
        merged = dict(data) if isinstance(data, dict) else {}
        for key, value in string_data.items():
            merged[key] = base64.b64encode(str(value).encode()).decode()
        edit.set("data", merged)
        edit.pop("stringData")
    elif "stringData" in edit.cur:
        edit.pop("stringData")
    return edit.done()


def _pv_spec(spec: Obj) -> Obj:
    edit = Edit(spec)
    edit.default_str("persistentVolumeReclaimPolicy", "Retain")
    edit.default("volumeMode", "Filesystem")
    edit.sub("capacity", resource_list)
    volume_sources(edit)
    return edit.done()


def _phase(value: str) -> Any:
    return lambda s: s if s.get("phase") else {**s, "phase": value}


def persistent_volume(obj: Obj) -> Obj:
    edit = Edit(obj)
    edit.sub("spec", _pv_spec, create=True)
    edit.sub("status", _phase("Pending"), create=True)
    return edit.done()


def pvc(obj: Obj) -> Obj:
    edit = Edit(obj)
    edit.sub("spec", pvc_spec, create=True)
    edit.sub("status", _phase("Pending"), create=True)
    edit.sub("status", lambda s: at(s, "capacity", fn=resource_list))
    return edit.done()


def claim_template(template: Obj) -> Obj:
    """A StatefulSet's volumeClaimTemplates entry (the v1 conversion sets its TypeMeta)."""
    edit = Edit(template)
    edit.default_str("apiVersion", "v1")
    edit.default_str("kind", "PersistentVolumeClaim")
    edit.sub("metadata", embedded_meta, create=True)
    edit.sub("spec", pvc_spec, create=True)
    edit.sub("status", _phase("Pending"), create=True)
    return edit.done()


def endpoints(obj: Obj) -> Obj:
    def subset(s: Obj) -> Obj:
        return each(s, "ports", fn=lambda p: p if p.get("protocol") else {**p, "protocol": "TCP"})
    return each(obj, "subsets", fn=subset)


def _map(value: Any) -> Obj:
    return value if isinstance(value, dict) else {}


def _limit_item(item: Obj) -> Obj:
    edit = Edit(item)
    for key in ("max", "min", "default", "defaultRequest", "maxLimitRequestRatio"):
        edit.sub(key, resource_list)
    if edit.get("type") == "Container":
        maximum, minimum = _map(edit.get("max")), _map(edit.get("min"))
        given_default, given_request = _map(edit.get("default")), _map(edit.get("defaultRequest"))
        default = {**maximum, **given_default}
        request = {**minimum, **default, **given_request}
        if default != given_default and isinstance(edit.get("default"), dict | None):
            edit.set("default", default)
        if request != given_request and isinstance(edit.get("defaultRequest"), dict | None):
            edit.set("defaultRequest", request)
    return edit.done()


def limit_range(obj: Obj) -> Obj:
    return at(obj, "spec", fn=lambda s: each(s, "limits", fn=_limit_item))


def resource_quota(obj: Obj) -> Obj:
    edit = Edit(obj)
    edit.sub("spec", lambda s: at(s, "hard", fn=resource_list))
    edit.sub("status", lambda s: at(at(s, "hard", fn=resource_list), "used", fn=resource_list))
    return edit.done()


def node(obj: Obj) -> Obj:
    def status(s: Obj) -> Obj:
        edit = Edit(s)
        edit.sub("capacity", resource_list)
        edit.sub("allocatable", resource_list)
        capacity = edit.get("capacity")
        if edit.get("allocatable") is None and isinstance(capacity, dict):
            edit.set("allocatable", dict(capacity))
        return edit.done()
    return at(obj, "status", fn=status)


def replication_controller(obj: Obj) -> Obj:
    edit = Edit(obj)
    labels = dig(obj, "spec", "template", "metadata", "labels")
    if isinstance(labels, dict) and isinstance(obj.get("spec"), dict):
        if not dig(obj, "spec", "selector"):
            edit.sub("spec", lambda s: {**s, "selector": dict(labels)}, create=True)
        if not dig(obj, "metadata", "labels"):
            edit.sub("metadata", lambda m: {**m, "labels": dict(labels)}, create=True)
    edit.sub("spec", lambda s: s if s.get("replicas") is not None else {**s, "replicas": 1},
             create=True)
    edit.sub("spec", lambda s: at(s, "template", fn=pod_template))
    return edit.done()


def pod_template_object(obj: Obj) -> Obj:
    return at(obj, "template", fn=pod_template)


def event(obj: Obj) -> Obj:
    """The fields a core/v1 Event always serializes (Go writes zero timestamps as null)."""
    edit = Edit(obj)
    for key in ("eventTime", "firstTimestamp", "lastTimestamp"):
        if key not in edit.cur:
            edit.set(key, None)
    for key in ("reportingComponent", "reportingInstance"):
        if edit.get(key) is None:
            edit.set(key, "")
    edit.default("source", {})
    edit.default("involvedObject", {})
    return edit.done()
