"""The kubelet's part of being a node: register the Node (or bring an existing one up to
date), then renew its Lease in ``kube-node-lease`` every 10 s and post status every minute.
Failures are logged and retried; they never stop the loop."""

from __future__ import annotations

import asyncio
import logging
import socket
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from k3py.client import ApiClient
from k3py.errors import AlreadyExists, ApiError, Conflict, K3pyError, NotFound
from k3py.node import hostinfo

logger = logging.getLogger(__name__)

LEASE_SECONDS = 40
RENEW_INTERVAL = 10.0
STATUS_INTERVAL = 60.0
LEASE_NAMESPACE = "kube-node-lease"


@dataclass(frozen=True, slots=True)
class NodeSettings:
    name: str
    kubelet_version: str
    runtime_version: str
    data_dir: Path
    roles: tuple[str, ...] = ()
    labels: dict[str, str] = field(default_factory=dict)
    taints: tuple[dict[str, str], ...] = ()
    internal_ip: str = ""
    external_ip: str = ""


def _now(micro: bool = False) -> str:
    moment = datetime.now(UTC)
    if micro:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def node_labels(settings: NodeSettings) -> dict[str, str]:
    arch = hostinfo.architecture()
    labels = {"beta.kubernetes.io/arch": arch, "beta.kubernetes.io/os": "linux",
              "kubernetes.io/arch": arch, "kubernetes.io/hostname": settings.name,
              "kubernetes.io/os": "linux", "node.kubernetes.io/instance-type": "k3s"}
    for role in settings.roles:
        labels[f"node-role.kubernetes.io/{role}"] = "true"
    labels.update(settings.labels)
    return labels


def _conditions(transition: str, heartbeat: str) -> list[dict[str, str]]:
    def condition(kind: str, status: str, reason: str, message: str) -> dict[str, str]:
        return {"type": kind, "status": status, "lastHeartbeatTime": heartbeat,
                "lastTransitionTime": transition, "reason": reason, "message": message}
    return [
        condition("MemoryPressure", "False", "KubeletHasSufficientMemory",
                  "kubelet has sufficient memory available"),
        condition("DiskPressure", "False", "KubeletHasNoDiskPressure",
                  "kubelet has no disk pressure"),
        condition("PIDPressure", "False", "KubeletHasSufficientPID",
                  "kubelet has sufficient PID available"),
        condition("Ready", "True", "KubeletReady", "kubelet is posting ready status"),
    ]


class NodeAgent:
    """Registers one node and keeps it alive."""

    def __init__(self, client: ApiClient, settings: NodeSettings) -> None:
        self._client = client
        self._settings = settings
        self._ip = settings.internal_ip or hostinfo.internal_ip()
        self._ready_since = _now()
        self.registered = asyncio.Event()

    def _status(self) -> dict[str, Any]:
        s = self._settings
        capacity = hostinfo.capacity(s.data_dir)
        return {
            "capacity": capacity, "allocatable": capacity,
            "conditions": _conditions(self._ready_since, _now()),
            "addresses": [{"type": "InternalIP", "address": self._ip},
                          *([{"type": "ExternalIP", "address": s.external_ip}]
                            if s.external_ip else []),
                          {"type": "Hostname", "address": s.name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10250}},
            "nodeInfo": hostinfo.node_info(kubelet_version=s.kubelet_version,
                                           runtime_version=s.runtime_version),
        }

    def _node(self) -> dict[str, Any]:
        s = self._settings
        spec: dict[str, Any] = {"providerID": f"k3s://{s.name}"}
        if s.taints:
            spec["taints"] = [dict(t) for t in s.taints]
        return {"apiVersion": "v1", "kind": "Node", "metadata": {
            "name": s.name, "labels": node_labels(s),
            "annotations": self._annotations()},
            "spec": spec, "status": self._status()}

    def _annotations(self) -> dict[str, str]:
        annotations = {"k3s.io/hostname": socket.gethostname(),
                       "k3s.io/internal-ip": self._ip,
                       "node.alpha.kubernetes.io/ttl": "0",
                       "volumes.kubernetes.io/controller-managed-attach-detach": "true"}
        if self._settings.external_ip:
            annotations["k3s.io/external-ip"] = self._settings.external_ip
        return annotations

    async def register(self) -> dict[str, Any]:
        path = "/api/v1/nodes"
        name = self._settings.name
        try:
            node = await self._client.create(path, self._node())
        except AlreadyExists:
            wanted = self._node()
            node = await self._client.patch(f"{path}/{name}", {"metadata": {
                "labels": wanted["metadata"]["labels"],
                "annotations": wanted["metadata"]["annotations"]}})
        await self.post_status()
        logger.info("node %s registered", name)
        return node

    async def post_status(self) -> None:
        await self._client.patch(f"/api/v1/nodes/{self._settings.name}/status",
                                 {"status": self._status()})

    async def renew_lease(self, node_uid: str) -> None:
        name = self._settings.name
        path = f"/apis/coordination.k8s.io/v1/namespaces/{LEASE_NAMESPACE}/leases"
        spec = {"holderIdentity": name, "leaseDurationSeconds": LEASE_SECONDS,
                "renewTime": _now(micro=True)}
        try:
            lease = await self._client.get(f"{path}/{name}")
        except NotFound:
            await self._client.create(path, {
                "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                "metadata": {"name": name, "namespace": LEASE_NAMESPACE, "ownerReferences": [
                    {"apiVersion": "v1", "kind": "Node", "name": name, "uid": node_uid}]},
                "spec": spec})
            return
        lease["spec"] = {**(lease.get("spec") or {}), **spec}
        await self._client.replace(f"{path}/{name}", lease)

    async def _server_sees_ready(self) -> bool:
        """Whether the cluster still has this node Ready (the node lifecycle controller
        marks a silent node Unknown; a node that is back says so at once, not a minute
        later)."""
        node = await self._client.get(f"/api/v1/nodes/{self._settings.name}")
        return any(c.get("type") == "Ready" and c.get("status") == "True"
                   for c in (node.get("status") or {}).get("conditions") or ())

    async def run(self) -> None:
        """Register (retrying until it works), then heartbeat until cancelled."""
        delay = 0.2
        while True:
            try:
                node = await self.register()
                await self.renew_lease(node["metadata"]["uid"])
                break
            except (K3pyError, OSError) as exc:
                logger.warning("node registration failed (%s); retrying in %.1fs", exc, delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
        self.registered.set()
        loop = asyncio.get_running_loop()
        next_status = loop.time() + STATUS_INTERVAL
        uid = node["metadata"]["uid"]
        while True:
            await asyncio.sleep(RENEW_INTERVAL)
            try:
                await self.renew_lease(uid)
                if loop.time() >= next_status or not await self._server_sees_ready():
                    await self.post_status()
                    next_status = loop.time() + STATUS_INTERVAL
            except NotFound:
                logger.warning("node %s was deleted; registering it again", self._settings.name)
                try:
                    uid = (await self.register())["metadata"]["uid"]
                except (ApiError, OSError) as exc:
                    logger.warning("node re-registration failed: %s", exc)
            except Conflict:
                continue
            except (K3pyError, OSError) as exc:
                logger.warning("node heartbeat failed: %s", exc)
