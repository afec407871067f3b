"""Service: ``ValidateService`` / ``ValidateServiceUpdate``, plus the NodePort range check the
allocator makes (k3py validates it here, with the allocator's message)."""

from __future__ import annotations

import ipaddress

from k3py.api.gorender import Rendered, go_string_list
from k3py.api.validators import meta, names
from k3py.api.validators.containers import PROTOCOLS
from k3py.api.validators.errors import (
    Cause,
    Obj,
    as_dict,
    as_list,
    as_str,
    duplicate,
    forbidden,
    invalid,
    not_supported,
    objects,
    required,
)

NODE_PORT_RANGE = (30000, 32767)
_TYPES = ("ClusterIP", "ExternalName", "LoadBalancer", "NodePort")
_AFFINITIES = ("ClientIP", "None")
_FAMILIES = ("IPv4", "IPv6")
_POLICIES = ("PreferDualStack", "RequireDualStack", "SingleStack")
_MAX_AFFINITY_TIMEOUT = 86400


def _ip(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _ip_causes(path: str, text: str) -> list[Cause]:
    if _ip(text) is None:
        return [invalid(path, text,
                        "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)")]
    return []


def _headless(spec: Obj) -> bool:
    ips = as_list(spec.get("clusterIPs"))
    return len(ips) == 1 and ips[0] == "None"


def _port(port: Obj, path: str, *, require_name: bool, seen: set[str]) -> list[Cause]:
    causes: list[Cause] = []
    name = as_str(port.get("name"))
    if require_name and not name:
        causes.append(required(f"{path}.name"))
    elif name:
        causes.extend(invalid(f"{path}.name", name, m) for m in names.dns1123_label(name))
        if name in seen:
            causes.append(duplicate(f"{path}.name", name))
        seen.add(name)
    causes.extend(invalid(f"{path}.port", port.get("port"), m)
                  for m in names.port_number(port.get("port")))
    protocol = as_str(port.get("protocol"))
    if not protocol:
        causes.append(required(f"{path}.protocol"))
    elif protocol not in PROTOCOLS:
        causes.append(not_supported(f"{path}.protocol", protocol, PROTOCOLS))
    target = port.get("targetPort")
    if isinstance(target, str):
        causes.extend(invalid(f"{path}.targetPort", target, m) for m in names.port_name(target))
    else:
        causes.extend(invalid(f"{path}.targetPort", target, m) for m in names.port_number(target))
    app = port.get("appProtocol")
    if isinstance(app, str):
        causes.extend(invalid(f"{path}.appProtocol", app, m) for m in names.qualified_name(app))
    return causes


def _cluster_ips(spec: Obj) -> list[Cause]:
    causes: list[Cause] = []
    cluster_ip, ips = as_str(spec.get("clusterIP")), as_list(spec.get("clusterIPs"))
    rendered = Rendered(go_string_list(ips))
    if cluster_ip:
        if not ips:
            causes.append(required("spec.clusterIPs"))
        elif ips[0] != cluster_ip:
            causes.append(invalid("spec.clusterIPs", rendered, "first value must match "
                                  "`clusterIP`"))
    elif ips:
        causes.append(invalid("spec.clusterIPs", rendered,
                              "must be empty when `clusterIP` is not specified"))
    seen: set[str] = set()
    for i, family in enumerate(as_list(spec.get("ipFamilies"))):
        if family not in _FAMILIES:
            causes.append(not_supported(f"spec.ipFamilies[{i}]", family, _FAMILIES))
        if family in seen:
            causes.append(duplicate(f"spec.ipFamilies[{i}]", family))
        seen.add(as_str(family))
    policy = spec.get("ipFamilyPolicy")
    if policy is not None and policy not in _POLICIES:
        causes.append(not_supported("spec.ipFamilyPolicy", policy, _POLICIES))
    bad = False
    for i, text in enumerate(ips):
        if i == 0 and text == "None":
            if len(ips) > 1:
                bad = True
                causes.append(invalid("spec.clusterIPs", rendered,
                                      "'None' must be the first and only value"))
            continue
        errs = _ip_causes(f"spec.clusterIPs[{i}]", as_str(text))
        bad = bad or bool(errs)
        causes.extend(errs)
    if len(ips) > 2:
        causes.append(invalid("spec.clusterIPs", rendered, "may only hold up to 2 values"))
    if bad:
        return causes
    if len(ips) == 2 and {type(_ip(ips[0])), type(_ip(ips[1]))} != {
            ipaddress.IPv4Address, ipaddress.IPv6Address}:
        causes.append(invalid("spec.clusterIPs", rendered,
                              "may specify no more than one IP for each IP family"))
    families = as_list(spec.get("ipFamilies"))
    if not _headless(spec):
        for i, (text, family) in enumerate(zip(ips, families, strict=False)):
            v6 = isinstance(_ip(as_str(text)), ipaddress.IPv6Address)
            if (family == "IPv4" and v6) or (family == "IPv6" and not v6):
                causes.append(invalid(f"spec.clusterIPs[{i}]", text, f"expected an {family} "
                                      f"value as indicated by `ipFamilies[{i}]`"))
    return causes


def _affinity(spec: Obj) -> list[Cause]:
    affinity = as_str(spec.get("sessionAffinity"))
    if not affinity:
        return [required("spec.sessionAffinity")]
    if affinity not in _AFFINITIES:
        return [not_supported("spec.sessionAffinity", affinity, _AFFINITIES)]
    config = spec.get("sessionAffinityConfig")
    if affinity == "None":
        return [forbidden("spec.sessionAffinityConfig", "must not be set when session affinity "
                          "is None")] if config is not None else []
    when = "when session affinity type is ClientIP"
    if config is None:
        return [required("spec.sessionAffinityConfig", when)]
    client_ip = as_dict(config).get("clientIP")
    if client_ip is None:
        return [required("spec.sessionAffinityConfig.clientIP", when)]
    timeout = as_dict(client_ip).get("timeoutSeconds")
    path = "spec.sessionAffinityConfig.clientIP.timeoutSeconds"
    if timeout is None:
        return [required(path, when)]
    if not isinstance(timeout, int) or not 0 < timeout <= _MAX_AFFINITY_TIMEOUT:
        return [invalid(path, timeout, f"must be greater than 0 and less than "
                        f"{_MAX_AFFINITY_TIMEOUT}")]
    return []


def _node_ports(spec: Obj, kind: str) -> list[Cause]:
    causes: list[Cause] = []
    seen: set[tuple[str, str]] = set()
    low, high = NODE_PORT_RANGE
    for i, port in objects(spec.get("ports")):
        node_port = port.get("nodePort")
        if not node_port:
            continue
        if kind == "ClusterIP":
            causes.append(forbidden(f"spec.ports[{i}].nodePort",
                                    "may not be used when `type` is 'ClusterIP'"))
            continue
        key = (as_str(port.get("protocol")), str(node_port))
        if key in seen:
            causes.append(duplicate(f"spec.ports[{i}].nodePort", node_port))
        seen.add(key)
        if isinstance(node_port, int) and not low <= node_port <= high:
            causes.append(invalid(f"spec.ports[{i}].nodePort", node_port, "provided port is not "
                                  f"in the valid range. The range of valid ports is {low}-{high}"))
    return causes


def _traffic_policies(spec: Obj, kind: str) -> list[Cause]:
    causes: list[Cause] = []
    external = kind in ("NodePort", "LoadBalancer") or bool(as_list(spec.get("externalIPs")))
    etp = as_str(spec.get("externalTrafficPolicy"))
    if not external and etp:
        causes.append(invalid("spec.externalTrafficPolicy", etp,
                              "may only be set for externally-accessible services"))
    elif external and not etp:
        causes.append(required("spec.externalTrafficPolicy"))
    elif external and etp not in ("Cluster", "Local"):
        causes.append(not_supported("spec.externalTrafficPolicy", etp, ("Cluster", "Local")))
    itp = spec.get("internalTrafficPolicy")
    if itp is None and kind in ("NodePort", "LoadBalancer", "ClusterIP"):
        causes.append(required("spec.internalTrafficPolicy"))
    elif itp is not None and itp not in ("Cluster", "Local"):
        causes.append(not_supported("spec.internalTrafficPolicy", itp, ("Cluster", "Local")))
    return causes


def validate_service(svc: Obj) -> list[Cause]:
    causes = meta.validate_object_meta(as_dict(svc.get("metadata")), namespaced=True,
                                       name_fn=names.name_is_dns1035_label)
    spec = as_dict(svc.get("spec"))
    kind = as_str(spec.get("type"))
    ports = as_list(spec.get("ports"))
    if not ports and not _headless(spec) and kind != "ExternalName":
        causes.append(required("spec.ports"))
    if kind in ("LoadBalancer", "NodePort") and _headless(spec):
        causes.append(invalid("spec.clusterIPs[0]", "None",
                              f"may not be set to 'None' for {kind} services"))
    elif kind == "ExternalName":
        for key in ("clusterIPs", "ipFamilies"):
            if as_list(spec.get(key)):
                causes.append(forbidden(f"spec.{key}", "may not be set for ExternalName services"))
        if spec.get("ipFamilyPolicy") is not None:
            causes.append(forbidden("spec.ipFamilyPolicy",
                                    "may not be set for ExternalName services"))
        cname = as_str(spec.get("externalName")).removesuffix(".")
        if cname:
            causes.extend(invalid("spec.externalName", cname, m)
                          for m in names.dns1123_subdomain(cname))
        else:
            causes.append(required("spec.externalName"))
    seen: set[str] = set()
    for i, port in enumerate(ports):
        causes.extend(_port(as_dict(port), f"spec.ports[{i}]", require_name=len(ports) > 1,
                            seen=seen))
    if spec.get("selector") is not None:
        causes.extend(meta.validate_labels(spec.get("selector"), "spec.selector"))
    causes.extend(_affinity(spec))
    if kind != "ExternalName":
        causes.extend(_cluster_ips(spec))
    for i, text in enumerate(as_list(spec.get("externalIPs"))):
        causes.extend(_ip_causes(f"spec.externalIPs[{i}]", as_str(text)))
    if not kind:
        causes.append(required("spec.type"))
    elif kind not in _TYPES:
        causes.append(not_supported("spec.type", kind, _TYPES))
    causes.extend(_node_ports(spec, kind))
    pairs: set[tuple[str, str]] = set()
    for i, port in objects(ports):
        pair = (as_str(port.get("protocol")), str(port.get("port")))
        if pair in pairs:
            causes.append(duplicate(f"spec.ports[{i}]", Rendered(
                f'core.ServicePort{{Protocol:"{pair[0]}", Port:{pair[1]}}}')))
        pairs.add(pair)
    if spec.get("allocateLoadBalancerNodePorts") is not None and kind != "LoadBalancer":
        causes.append(forbidden("spec.allocateLoadBalancerNodePorts",
                                "may only be used when `type` is 'LoadBalancer'"))
    if kind == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        causes.append(required("allocateLoadBalancerNodePorts"))
    causes.extend(_traffic_policies(spec, kind))
    return causes


def validate_service_update(svc: Obj, old: Obj) -> list[Cause]:
    causes: list[Cause] = []
    spec, old_spec = as_dict(svc.get("spec")), as_dict(old.get("spec"))
    kinds = (spec.get("type"), old_spec.get("type"))
    if "ExternalName" not in kinds and not (_headless(spec) and _headless(old_spec)):
        new_ips, old_ips = as_list(spec.get("clusterIPs")), as_list(old_spec.get("clusterIPs"))
        rendered = Rendered(go_string_list(new_ips))
        if len(new_ips) == len(old_ips):
            causes.extend(invalid(f"spec.clusterIPs[{i}]", rendered, "may not change once set")
                          for i, ip in enumerate(old_ips) if ip != new_ips[i])
        elif len(old_ips) > len(new_ips):
            if not new_ips:
                causes.append(invalid("spec.clusterIPs[0]", rendered,
                                      "primary clusterIP can not be unset"))
            elif new_ips[0] != old_ips[0]:
                causes.append(invalid("spec.clusterIPs[0]", rendered, "may not change once set"))
        elif old_ips and new_ips[0] != old_ips[0]:
            causes.append(invalid("spec.clusterIPs[0]", rendered, "may not change once set"))
    return causes + validate_service(svc)
