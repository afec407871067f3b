"""networking.k8s.io (ingresses, ingress classes, network policies, service CIDRs) and
discovery.k8s.io endpoint slices."""

from __future__ import annotations

from typing import Any

from k3py.api.printers._base import (
    EMPTY,
    Obj,
    Printer,
    age,
    age_col,
    col,
    format_selector,
    ingress_addresses,
    more,
    name,
    name_col,
    num,
    printer,
    spec,
    status,
)


def ingress_hosts(rules: Any) -> str:
    """The first three hosts; ``+ N more...`` (N counts rules past the third, hostless ones
    too) once a rule follows the third host; ``*`` when no rule names a host."""
    rules = list(rules or ())
    hosts: list[str] = []
    for rule in rules:
        if len(hosts) == 3:
            return f"{','.join(hosts)} + {len(rules) - 3} more..."
        if rule.get("host"):
            hosts.append(str(rule["host"]))
    return ",".join(hosts) or "*"


def ingress_cells(obj: Obj, now: float) -> list[Any]:
    obj_spec = spec(obj)
    klass = obj_spec.get("ingressClassName")
    return [name(obj), "<none>" if klass is None else klass, ingress_hosts(obj_spec.get("rules")),
            ingress_addresses(status(obj).get("loadBalancer")),
            "80, 443" if obj_spec.get("tls") else "80", age(obj, now)]


def ingress_class_cells(obj: Obj, now: float) -> list[Any]:
    obj_spec = spec(obj)
    params = obj_spec.get("parameters")
    shown = "<none>"
    if params is not None:
        group = params.get("apiGroup")
        kind = str(params.get("kind") or "")
        shown = f"{kind if group is None else f'{kind}.{group}'}/{params.get('name') or ''}"
    return [name(obj), obj_spec.get("controller") or "", shown, age(obj, now)]


def slice_ports(ports: Any) -> str:
    ports = list(ports or ())
    shown = []
    for port in ports[:3]:
        number, label = port.get("port"), port.get("name")
        shown.append(str(num(number)) if number is not None else
                     "*" if label is None else str(label))
    return more(shown, len(ports), 3, empty="<unset>")


def slice_endpoints(endpoints: Any) -> str:
    addresses = [str(a) for e in endpoints or () for a in e.get("addresses") or ()]
    return more(addresses[:3], len(addresses), 3, empty="<unset>")


PRINTERS: dict[tuple[str, str], Printer] = {
    ("networking.k8s.io", "Ingress"): printer(
        (name_col(), col("Class", desc="Ingress class that handles the ingress."),
         col("Hosts", desc="Host names the rules match."),
         col("Address", desc="Addresses of the load balancer."),
         col("Ports", desc="Ports served (443 when TLS is configured)."), age_col()),
        ingress_cells),
    ("networking.k8s.io", "IngressClass"): printer(
        (name_col(), col("Controller", desc="Controller implementing the class."),
         col("Parameters", desc="Object holding extra configuration."), age_col()),
        ingress_class_cells),
    ("networking.k8s.io", "NetworkPolicy"): printer(
        (name_col(), col("Pod-Selector", desc="Pods the policy applies to."), age_col()),
        lambda o, now: [name(o), format_selector(spec(o).get("podSelector") or EMPTY),
                        age(o, now)]),
    ("networking.k8s.io", "ServiceCIDR"): printer(
        (name_col(), col("CIDRs", desc="Ranges service IPs are taken from."), age_col()),
        lambda o, now: [name(o), ",".join(str(c) for c in spec(o).get("cidrs") or ()),
                        age(o, now)]),
    ("discovery.k8s.io", "EndpointSlice"): printer(
        (name_col(), col("AddressType", desc="IPv4, IPv6 or FQDN."),
         col("Ports", desc="Port numbers of the slice."),
         col("Endpoints", desc="Endpoint addresses of the slice."), age_col()),
        lambda o, now: [name(o), o.get("addressType") or "", slice_ports(o.get("ports")),
                        slice_endpoints(o.get("endpoints")), age(o, now)]),
}
