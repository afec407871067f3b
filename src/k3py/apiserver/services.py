"""Service addresses: a ClusterIP from the service CIDR and a node port from 30000-32767 for
every Service that needs them, each reserved with a create-if-absent write to the datastore
(an IPAddress object per ClusterIP, as Kubernetes 1.33 does), so two servers can never hand
out the same one. Released when the Service goes."""

from __future__ import annotations

import ipaddress
import logging
import random
from dataclasses import dataclass
from typing import Any

import orjson

from k3py.api import meta, strategy
from k3py.api.resources import builtin
from k3py.errors import DatastoreError, Invalid
from k3py.storage import ObjectStore

logger = logging.getLogger(__name__)

IPADDRESSES = builtin("networking.k8s.io", "ipaddresses")
NODE_PORTS = range(30000, 32768)
NODE_PORT_KEY = "/registry/k3py/nodeports/"
ATTEMPTS = 64


@dataclass(frozen=True, slots=True)
class ServiceNetwork:
    cidr: str

    def network(self) -> ipaddress.IPv4Network | ipaddress.IPv6Network:
        return ipaddress.ip_network(self.cidr)


def _invalid(service: dict[str, Any], field: str, message: str) -> Invalid:
    return meta.invalid("Service", service["metadata"]["name"],
                        [(field, "FieldValueInvalid", message)])


async def _reserve_ip(store: ObjectStore, ip: str, service: dict[str, Any]) -> bool:
    service_meta = service["metadata"]
    body = {"apiVersion": "networking.k8s.io/v1", "kind": "IPAddress",
            "metadata": {"name": ip, "labels": {
                "ipaddress.kubernetes.io/ip-family": "IPv6" if ":" in ip else "IPv4",
                "ipaddress.kubernetes.io/managed-by": "ipallocator.k8s.io"}},
            "spec": {"parentRef": {"group": "", "resource": "services",
                                   "namespace": service_meta.get("namespace", ""),
                                   "name": service_meta["name"]}}}
    obj = strategy.prepare_create(IPADDRESSES, body, namespace=None)
    result = await store.backend.create(IPADDRESSES.key(None, ip), orjson.dumps(obj))
    return result.succeeded


async def allocate(store: ObjectStore, network: ServiceNetwork,
                   service: dict[str, Any]) -> dict[str, Any]:
    """``service`` with its ClusterIP and node ports filled in and reserved."""
    spec = service.get("spec") or {}
    kind = spec.get("type", "ClusterIP")
    if kind == "ExternalName":
        return service
    net = network.network()
    wanted = spec.get("clusterIP") or (spec.get("clusterIPs") or [None])[0]
    if wanted == "None":
        spec["clusterIPs"] = ["None"]
    elif wanted:
        try:
            ip = ipaddress.ip_address(wanted)
        except ValueError:
            raise _invalid(service, "spec.clusterIPs", f'Invalid value: ["{wanted}"]: must be '
                           "a valid IP address") from None
        if ip not in net:
            raise _invalid(service, "spec.clusterIPs", f'Invalid value: ["{wanted}"]: failed to '
                           f"allocate IP {wanted}: the provided IP ({wanted}) is not in the "
                           f"valid range. The range of valid IPs is {net}")
        if not await _reserve_ip(store, str(ip), service):
            raise _invalid(service, "spec.clusterIPs", f'Invalid value: ["{wanted}"]: failed to '
                           f"allocate IP {wanted}: provided IP is already allocated")
        spec["clusterIP"], spec["clusterIPs"] = str(ip), [str(ip)]
    else:
        size = net.num_addresses
        for _ in range(ATTEMPTS):
            candidate = str(net[random.randrange(2, size - 1)])
            if await _reserve_ip(store, candidate, service):
                spec["clusterIP"], spec["clusterIPs"] = candidate, [candidate]
                break
        else:
            raise _invalid(service, "spec.clusterIPs", "failed to allocate a ClusterIP: the "
                           f"range {net} is full")
    if kind in ("NodePort", "LoadBalancer"):
        for index, port in enumerate(spec.get("ports") or []):
            await _allocate_node_port(store, service, port, index)
    service["spec"] = spec
    return service


async def _allocate_node_port(store: ObjectStore, service: dict[str, Any],
                              port: dict[str, Any], index: int) -> None:
    owner = orjson.dumps({"namespace": service["metadata"].get("namespace"),
                          "name": service["metadata"]["name"]})
    wanted = port.get("nodePort")
    if wanted:
        if wanted not in NODE_PORTS:
            raise _invalid(service, f"spec.ports[{index}].nodePort",
                           f"Invalid value: {wanted}: provided port is not in the valid range. "
                           f"The range of valid ports is 30000-32767")
        result = await store.backend.create(f"{NODE_PORT_KEY}{wanted}", owner)
        if not result.succeeded:
            raise _invalid(service, f"spec.ports[{index}].nodePort",
                           f"Invalid value: {wanted}: provided port is already allocated")
        return
    for _ in range(ATTEMPTS):
        candidate = random.choice(NODE_PORTS)
        if (await store.backend.create(f"{NODE_PORT_KEY}{candidate}", owner)).succeeded:
            port["nodePort"] = candidate
            return
    raise _invalid(service, f"spec.ports[{index}].nodePort", "no free node port left")


async def release(store: ObjectStore, service: dict[str, Any]) -> None:
    """Give back what ``service`` held (best effort: a failure only leaks one address)."""
    spec = service.get("spec") or {}
    try:
        for ip in spec.get("clusterIPs") or []:
            if ip and ip != "None":
                await store.backend.delete(IPADDRESSES.key(None, ip))
        for port in spec.get("ports") or []:
            if port.get("nodePort"):
                await store.backend.delete(f"{NODE_PORT_KEY}{port['nodePort']}")
    except DatastoreError as exc:
        logger.warning("could not release the addresses of service %s: %s",
                       service["metadata"].get("name"), exc)

