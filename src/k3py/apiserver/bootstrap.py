"""Objects every cluster has from its first second, made by the API server itself as
kube-apiserver's bootstrap controller makes them: the system namespaces, and the
``default/kubernetes`` Service with its Endpoints and EndpointSlice."""

from __future__ import annotations

import contextlib
import logging
from typing import Any

from k3py.api import strategy
from k3py.api.resources import Resource, builtin
from k3py.apiserver import services
from k3py.apiserver.writes import NAMESPACES, admit
from k3py.errors import AlreadyExists, NotFound
from k3py.storage import ObjectStore

logger = logging.getLogger(__name__)

SYSTEM_NAMESPACES = ("default", "kube-system", "kube-public", "kube-node-lease")


async def ensure_system_namespaces(store: ObjectStore) -> None:
    for name in SYSTEM_NAMESPACES:
        if store.cache.get(NAMESPACES.key(None, name)) is not None:
            continue
        body = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": name}}
        obj = admit(NAMESPACES, strategy.prepare_create(NAMESPACES, body, namespace=None),
                    old=None)
        try:
            await store.create(NAMESPACES, obj)
            logger.info("created namespace %s", name)
        except AlreadyExists:
            pass


SERVICES = builtin("", "services")
ENDPOINTS = builtin("", "endpoints")
ENDPOINT_SLICES = builtin("discovery.k8s.io", "endpointslices")


async def _create(store: ObjectStore, resource: Resource, body: dict[str, Any]) -> None:
    obj = admit(resource, strategy.prepare_create(resource, body, namespace="default"),
                old=None)
    with contextlib.suppress(AlreadyExists):
        await store.create(resource, obj)


async def ensure_kubernetes_service(store: ObjectStore, network: services.ServiceNetwork, *,
                                    address: str, port: int) -> None:
    """The Service pods use to reach the API (the first ClusterIP, port 443 → ``port``)."""
    try:
        await store.get(SERVICES, "default", "kubernetes")
    except NotFound:
        body = {"apiVersion": "v1", "kind": "Service", "metadata": {
            "name": "kubernetes", "namespace": "default",
            "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"type": "ClusterIP", "sessionAffinity": "None",
                     "clusterIP": str(next(network.network().hosts())),
                     "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                                "targetPort": port}]}}
        obj = admit(SERVICES, strategy.prepare_create(SERVICES, body, namespace="default"),
                    old=None)
        obj = await services.allocate(store, network, obj)
        with contextlib.suppress(AlreadyExists):
            await store.create(SERVICES, obj)
    labels = {"endpointslice.kubernetes.io/skip-mirror": "true"}
    await _create(store, ENDPOINTS, {
        "apiVersion": "v1", "kind": "Endpoints",
        "metadata": {"name": "kubernetes", "namespace": "default", "labels": labels},
        "subsets": [{"addresses": [{"ip": address}],
                     "ports": [{"name": "https", "port": port, "protocol": "TCP"}]}]})
    await _create(store, ENDPOINT_SLICES, {
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice", "metadata": {
            "name": "kubernetes", "namespace": "default",
            "labels": {"kubernetes.io/service-name": "kubernetes"}},
        "addressType": "IPv6" if ":" in address else "IPv4",
        "endpoints": [{"addresses": [address], "conditions": {"ready": True}}],
        "ports": [{"name": "https", "port": port, "protocol": "TCP"}]})
