"""networking.k8s.io/v1: Ingress, IngressClass and NetworkPolicy."""

from __future__ import annotations

import ipaddress

from k3py.api.validators import meta, names
from k3py.api.validators.containers import PROTOCOLS
from k3py.api.validators.errors import (
    Cause,
    Obj,
    as_dict,
    as_list,
    as_str,
    forbidden,
    immutable,
    invalid,
    not_supported,
    objects,
    required,
    too_long,
)

_PATH_TYPES = ("Exact", "ImplementationSpecific", "Prefix")
_BAD_SEQUENCES = ("//", "/./", "/../", "%2f", "%2F")
_BAD_SUFFIXES = ("/..", "/.")


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _backend(backend: Obj, path: str) -> list[Cause]:
    resource, service = backend.get("resource"), backend.get("service")
    if resource is not None and service is not None:
        return [invalid(path, "", "cannot set both resource and service backends")]
    if resource is not None:
        resource = as_dict(resource)
        causes: list[Cause] = []
        for key in ("kind", "name"):
            value = as_str(resource.get(key))
            if not value:
                causes.append(required(f"{path}.resource.{key}", f"{key} is required"))
            else:
                causes.extend(invalid(f"{path}.resource.{key}", value, m)
                              for m in names.path_segment(value))
        return causes
    if service is None:
        return [invalid(path, "", "resource or service backend is required")]
    service = as_dict(service)
    causes = []
    name = as_str(service.get("name"))
    if not name:
        causes.append(required(f"{path}.service.name"))
    else:
        causes.extend(invalid(f"{path}.service.name", name, m)
                      for m in names.name_is_dns1035_label(name, False))
    port = as_dict(service.get("port"))
    port_name, number = as_str(port.get("name")), port.get("number") or 0
    if port_name and number:
        causes.append(invalid(path, "", "cannot set both port name & port number"))
    elif port_name:
        causes.extend(invalid(f"{path}.service.port.name", port_name, m)
                      for m in names.port_name(port_name))
    elif number:
        causes.extend(invalid(f"{path}.service.port.number", number, m)
                      for m in names.port_number(number))
    else:
        causes.append(required(path, "port name or number is required"))
    return causes


def _http_path(item: Obj, path: str) -> list[Cause]:
    kind = item.get("pathType")
    if kind is None:
        return [required(f"{path}.pathType", "pathType must be specified")]
    causes: list[Cause] = []
    value = as_str(item.get("path"))
    if kind in ("Exact", "Prefix"):
        if not value.startswith("/"):
            causes.append(invalid(f"{path}.path", value, "must be an absolute path"))
        if value:
            causes.extend(invalid(f"{path}.path", value, f"must not contain '{s}'")
                          for s in _BAD_SEQUENCES if s in value)
            causes.extend(invalid(f"{path}.path", value, f"cannot end with '{s}'")
                          for s in _BAD_SUFFIXES if value.endswith(s))
    elif kind == "ImplementationSpecific":
        if value and not value.startswith("/"):
            causes.append(invalid(f"{path}.path", value, "must be an absolute path"))
    else:
        causes.append(not_supported(f"{path}.pathType", kind, _PATH_TYPES))
    return causes + _backend(as_dict(item.get("backend")), f"{path}.backend")


def _host(host: str, path: str) -> list[Cause]:
    causes = [invalid(path, host, "must be a DNS name, not an IP address")] if _is_ip(host) else []
    check = names.wildcard_dns1123_subdomain if "*" in host else names.dns1123_subdomain
    return causes + [invalid(path, host, m) for m in check(host)]


def _ingress(ing: Obj, *, create: bool) -> list[Cause]:
    causes = meta.validate_object_meta(as_dict(ing.get("metadata")), namespaced=True,
                                       name_fn=names.name_is_dns_subdomain)
    spec = as_dict(ing.get("spec"))
    rules = as_list(spec.get("rules"))
    if not rules and spec.get("defaultBackend") is None:
        causes.append(invalid("spec", rules, "either `defaultBackend` or `rules` must be "
                              "specified"))
    if spec.get("defaultBackend") is not None:
        causes.extend(_backend(as_dict(spec["defaultBackend"]), "spec.defaultBackend"))
    for i, rule in objects(rules):
        at = f"spec.rules[{i}]"
        host = as_str(rule.get("host"))
        if host:
            causes.extend(_host(host, f"{at}.host"))
        http = rule.get("http")
        if http is not None:
            paths = as_list(as_dict(http).get("paths"))
            if not paths:
                causes.append(required(f"{at}.http.paths"))
            for j, item in enumerate(paths):
                causes.extend(_http_path(as_dict(item), f"{at}.http.paths[{j}]"))
    for i, tls in objects(spec.get("tls")):
        for j, raw_host in enumerate(as_list(tls.get("hosts"))):
            host = as_str(raw_host)
            check = names.wildcard_dns1123_subdomain if "*" in host else names.dns1123_subdomain
            causes.extend(invalid(f"spec.tls[{i}].hosts[{j}]", host, m) for m in check(host))
        secret = as_str(tls.get("secretName"))
        if secret:
            causes.extend(invalid(f"spec.tls[{i}].secretName", secret, m)
                          for m in names.name_is_dns_subdomain(secret, False))
    class_name = spec.get("ingressClassName")
    if isinstance(class_name, str):
        causes.extend(invalid("spec.ingressClassName", class_name, m)
                      for m in names.name_is_dns_subdomain(class_name, False))
    annotation = as_dict(as_dict(ing.get("metadata")).get("annotations")).get(
        "kubernetes.io/ingress.class")
    if create and annotation is not None and class_name is not None and annotation != class_name:
        causes.append(invalid("annotations.kubernetes.io/ingress.class", annotation,
                              "must match `ingressClassName` when both are specified"))
    return causes


def validate_ingress(ing: Obj) -> list[Cause]:
    return _ingress(ing, create=True)


def validate_ingress_update(ing: Obj, old: Obj) -> list[Cause]:
    return _ingress(ing, create=False)


def validate_ingress_class(ic: Obj) -> list[Cause]:
    causes = meta.validate_object_meta(as_dict(ic.get("metadata")), namespaced=False,
                                       name_fn=names.name_is_dns_subdomain)
    spec = as_dict(ic.get("spec"))
    controller = as_str(spec.get("controller"))
    if len(controller) > 250:
        causes.append(too_long("spec.controller", 250))
    if not controller:
        causes.append(required("spec.controller"))
    else:
        host, _, rest = controller.partition("/")
        if not host or not rest:
            causes.append(invalid("spec.controller", controller, "must be a domain-prefixed path "
                                  '(such as "acme.io/foo")'))
        else:
            causes.extend(invalid("spec.controller", host, m)
                          for m in names.dns1123_subdomain(host))
    return causes


def validate_ingress_class_update(ic: Obj, old: Obj) -> list[Cause]:
    controller = as_str(as_dict(ic.get("spec")).get("controller"))
    old_controller = as_str(as_dict(old.get("spec")).get("controller"))
    return immutable("spec.controller", controller, old=old_controller) + validate_ingress_class(ic)


def _np_port(port: Obj, path: str) -> list[Cause]:
    causes: list[Cause] = []
    protocol = port.get("protocol")
    if protocol is not None and protocol not in PROTOCOLS:
        causes.append(not_supported(f"{path}.protocol", protocol, ("TCP", "UDP", "SCTP")))
    value, end = port.get("port"), port.get("endPort")
    if value is None:
        if end is not None:
            causes.append(invalid(f"{path}.endPort", end,
                                  "may not be specified when `port` is not specified"))
    elif isinstance(value, int):
        causes.extend(invalid(f"{path}.port", value, m) for m in names.port_number(value))
        if isinstance(end, int):
            if end < value:
                causes.append(invalid(f"{path}.endPort", value,
                                      "must be greater than or equal to `port`"))
            causes.extend(invalid(f"{path}.endPort", end, m) for m in names.port_number(end))
    else:
        if end is not None:
            causes.append(invalid(f"{path}.endPort", end,
                                  "may not be specified when `port` is non-numeric"))
        causes.extend(invalid(f"{path}.port", value, m) for m in names.port_name(as_str(value)))
    return causes


def _peer(peer: Obj, path: str) -> list[Cause]:
    causes: list[Cause] = []
    count = 0
    for key in ("podSelector", "namespaceSelector"):
        if peer.get(key) is not None:
            count += 1
            causes.extend(meta.validate_label_selector(peer[key], f"{path}.{key}"))
    block = peer.get("ipBlock")
    if block is not None:
        count += 1
        cidr = as_str(as_dict(block).get("cidr"))
        if not cidr:
            causes.append(required(f"{path}.ipBlock.cidr"))
        else:
            try:
                ipaddress.ip_network(cidr, strict=False)
            except ValueError:
                causes.append(invalid(f"{path}.ipBlock.cidr", cidr, "must be a valid CIDR value, "
                                      "(e.g. 10.9.8.0/24 or 2001:db8::/64)"))
    if count == 0:
        causes.append(required(path, "must specify a peer"))
    elif count > 1 and block is not None:
        causes.append(forbidden(path, "may not specify both ipBlock and another peer"))
    return causes


def validate_network_policy(np: Obj) -> list[Cause]:
    causes = meta.validate_object_meta(as_dict(np.get("metadata")), namespaced=True,
                                       name_fn=names.name_is_dns_subdomain)
    return causes + _network_policy_spec(as_dict(np.get("spec")))


def _network_policy_spec(spec: Obj) -> list[Cause]:
    causes = meta.validate_label_selector(spec.get("podSelector"), "spec.podSelector")
    for direction, peers in (("ingress", "from"), ("egress", "to")):
        for i, rule in objects(spec.get(direction)):
            at = f"spec.{direction}[{i}]"
            for j, port in enumerate(as_list(rule.get("ports"))):
                causes.extend(_np_port(as_dict(port), f"{at}.ports[{j}]"))
            for j, peer in enumerate(as_list(rule.get(peers))):
                causes.extend(_peer(as_dict(peer), f"{at}.{peers}[{j}]"))
    types = as_list(spec.get("policyTypes"))
    if len(types) > 2:
        return [*causes, invalid("spec.policyTypes", types,
                                 "may not specify more than two policyTypes")]
    causes.extend(not_supported(f"spec.policyTypes[{i}]", t, ("Ingress", "Egress"))
                  for i, t in enumerate(types) if t not in ("Ingress", "Egress"))
    return causes


def validate_network_policy_update(np: Obj, old: Obj) -> list[Cause]:
    return _network_policy_spec(as_dict(np.get("spec")))

