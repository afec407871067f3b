"""core/v1 kinds other than pods, events and volumes: namespaces, nodes (STATUS with
``SchedulingDisabled``, ROLES from role labels), services (PORT(S), EXTERNAL-IP), endpoints,
config maps, secrets, service accounts, quotas, replication controllers, component status.
"""

from __future__ import annotations

from typing import Any

from k3py.api.printers._base import (
    EMPTY,
    Obj,
    Printer,
    age,
    age_col,
    col,
    container_cells,
    format_labels,
    ingress_addresses,
    meta,
    more,
    name,
    name_col,
    num,
    printer,
    quantity,
    spec,
    status,
    template_columns,
)

_ROLE_PREFIX = "node-role.kubernetes.io/"


def node_roles(labels: Any) -> str:
    """Roles from ``node-role.kubernetes.io/<role>`` keys and the ``kubernetes.io/role``
    value, sorted and comma-joined; ``<none>`` without any."""
    roles = set()
    for key, value in (labels or EMPTY).items():
        if key.startswith(_ROLE_PREFIX):
            if len(key) > len(_ROLE_PREFIX):
                roles.add(key[len(_ROLE_PREFIX):])
        elif key == "kubernetes.io/role" and value:
            roles.add(str(value))
    return ",".join(sorted(roles)) or "<none>"


def _node_address(addresses: Any, kind: str) -> str:
    for address in addresses or ():
        if address.get("type") == kind:
            return str(address.get("address") or "")
    return "<none>"


def node_cells(node: Obj, now: float) -> list[Any]:
    node_status = status(node)
    ready = None
    for cond in node_status.get("conditions") or ():  # the last Ready condition wins
        if cond.get("type") == "Ready":
            ready = cond
    state = ["Unknown" if ready is None else
             "Ready" if ready.get("status") == "True" else "NotReady"]
    if spec(node).get("unschedulable"):
        state.append("SchedulingDisabled")
    info = node_status.get("nodeInfo") or EMPTY
    addresses = node_status.get("addresses")
    return [name(node), ",".join(state), node_roles(meta(node).get("labels")), age(node, now),
            info.get("kubeletVersion") or "",
            _node_address(addresses, "InternalIP"), _node_address(addresses, "ExternalIP"),
            info.get("osImage") or "<unknown>", info.get("kernelVersion") or "<unknown>",
            info.get("containerRuntimeVersion") or "<unknown>"]


def _external_ip(svc_spec: Obj, svc_status: Obj) -> str:
    kind = svc_spec.get("type") or "ClusterIP"
    external = [str(ip) for ip in svc_spec.get("externalIPs") or ()]
    if kind in ("ClusterIP", "NodePort"):
        return ",".join(external) or "<none>"
    if kind == "LoadBalancer":
        balancer = ingress_addresses(svc_status.get("loadBalancer"))
        if external:
            return ",".join(([balancer] if balancer else []) + external)
        return balancer or "<pending>"
    if kind == "ExternalName":
        return str(svc_spec.get("externalName") or "")
    return "<unknown>"


def _ports(ports: Any) -> str:
    pieces = []
    for port in ports or ():
        protocol = port.get("protocol") or "TCP"
        node_port = num(port.get("nodePort"))
        number = num(port.get("port"))
        pieces.append(f"{number}:{node_port}/{protocol}" if node_port > 0
                      else f"{number}/{protocol}")
    return ",".join(pieces) or "<none>"


def service_cells(svc: Obj, now: float) -> list[Any]:
    svc_spec = spec(svc)
    cluster_ips = svc_spec.get("clusterIPs") or ([svc_spec["clusterIP"]]
                                                  if svc_spec.get("clusterIP") else ())
    return [name(svc), svc_spec.get("type") or "ClusterIP",
            cluster_ips[0] if cluster_ips else "<none>",
            _external_ip(svc_spec, status(svc)), _ports(svc_spec.get("ports")), age(svc, now),
            format_labels(svc_spec.get("selector"))]


def format_endpoints(subsets: Any) -> str:
    """Up to three ``ip:port`` pairs (bare IPs for port-less subsets) then ``+ N more...``."""
    if not subsets:
        return "<none>"
    items: list[str] = []
    count = 0
    for subset in subsets:
        addresses = subset.get("addresses") or ()
        ports = subset.get("ports") or ()
        if not ports:
            count += len(addresses)
            items.extend(str(a.get("ip") or "") for a in addresses[:3 - len(items)])
            continue
        for port in ports:
            count += len(addresses)
            number = num(port.get("port"))
            for address in addresses[:3 - len(items)]:
                ip = str(address.get("ip") or "")
                items.append(f"[{ip}]:{number}" if ":" in ip else f"{ip}:{number}")
    return more(items, count, 3, empty="")


def replication_controller_cells(rc: Obj, now: float) -> list[Any]:
    rc_spec, rc_status = spec(rc), status(rc)
    template = rc_spec.get("template") or EMPTY
    names, images = container_cells(spec(template).get("containers"))
    return [name(rc), num(rc_spec.get("replicas"), 1), num(rc_status.get("replicas")),
            num(rc_status.get("readyReplicas")), age(rc, now), names, images,
            format_labels(rc_spec.get("selector"))]


def resource_quota_cells(quota: Obj, now: float) -> list[Any]:
    quota_status = status(quota)
    hard, used = quota_status.get("hard") or EMPTY, quota_status.get("used") or EMPTY
    requests: list[str] = []
    limits: list[str] = []
    for resource in sorted(hard):
        text = f"{resource}: {quantity(used.get(resource))}/{quantity(hard[resource])}"
        pieces = resource.split(".")
        (limits if len(pieces) > 1 and pieces[0] == "limits" else requests).append(text)
    return [name(quota), ", ".join(requests), ", ".join(limits), age(quota, now)]


def component_status_cells(obj: Obj, now: float) -> list[Any]:
    for cond in obj.get("conditions") or ():
        if cond.get("type") == "Healthy":
            state = "Healthy" if cond.get("status") == "True" else "Unhealthy"
            return [name(obj), state, cond.get("message") or "", cond.get("error") or ""]
    return [name(obj), "Unknown", "", ""]


def _simple(*extra: dict[str, Any]) -> tuple[dict[str, Any], ...]:
    return (name_col(), *extra, age_col())


PRINTERS: dict[tuple[str, str], Printer] = {
    ("", "Namespace"): printer(
        _simple(col("Status", desc="Lifecycle phase of the namespace.")),
        lambda o, now: [name(o), status(o).get("phase") or "Active", age(o, now)]),
    ("", "Node"): printer(
        (name_col(), col("Status", desc="Readiness of the node, and whether pods may land."),
         col("Roles", desc="Roles taken from the node's role labels."), age_col(),
         col("Version", desc="Kubelet version."),
         col("Internal-IP", priority=1, desc="First internal address."),
         col("External-IP", priority=1, desc="First external address."),
         col("OS-Image", priority=1, desc="Operating system image."),
         col("Kernel-Version", priority=1, desc="Kernel version."),
         col("Container-Runtime", priority=1, desc="Container runtime and version.")),
        node_cells),
    ("", "Service"): printer(
        (name_col(), col("Type", desc="How the service is exposed."),
         col("Cluster-IP", desc="Virtual IP inside the cluster."),
         col("External-IP", desc="Addresses reachable from outside the cluster."),
         col("Port(s)", desc="Ports, with node ports where allocated."), age_col(),
         col("Selector", priority=1, desc="Labels of the pods behind the service.")),
        service_cells),
    ("", "Endpoints"): printer(
        _simple(col("Endpoints", desc="Addresses serving the service.")),
        lambda o, now: [name(o), format_endpoints(o.get("subsets")), age(o, now)]),
    ("", "ConfigMap"): printer(
        _simple(col("Data", desc="Number of keys.")),
        lambda o, now: [name(o), len(o.get("data") or ()) + len(o.get("binaryData") or ()),
                        age(o, now)]),
    ("", "Secret"): printer(
        _simple(col("Type", desc="Kind of secret."), col("Data", desc="Number of keys.")),
        lambda o, now: [name(o), o.get("type") or "Opaque", len(o.get("data") or ()),
                        age(o, now)]),
    ("", "ServiceAccount"): printer(
        _simple(col("Secrets", desc="Number of secrets the account lists.")),
        lambda o, now: [name(o), len(o.get("secrets") or ()), age(o, now)]),
    ("", "ResourceQuota"): printer(
        _simple(col("Request", desc="Used and hard request quotas."),
                col("Limit", desc="Used and hard limit quotas.")),
        resource_quota_cells),
    ("", "ReplicationController"): printer(
        (name_col(), col("Desired", "integer", desc="Wanted replicas."),
         col("Current", "integer", desc="Replicas that exist."),
         col("Ready", "integer", desc="Replicas that are ready."), age_col(),
         *template_columns(selector="Labels of the pods it manages.")),
        replication_controller_cells),
    ("", "ComponentStatus"): printer(
        (name_col(), col("Status", desc="Health of the component."),
         col("Message", desc="Message of the health check."),
         col("Error", desc="Error of the health check.")),
        component_status_cells),
}
