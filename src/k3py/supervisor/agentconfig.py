"""``GET /v1-k3s/config``: the cluster settings an agent needs, in K3s's shapes.

K3s serialises its whole ``config.Control`` (Go field names, Go JSON encodings: a
``net.IPNet`` as ``{"IP": "10.42.0.0", "Mask": "<base64>"}``, a port range as
``{"Base": 30000, "Size": 2768}``) minus the token and datastore fields. Here only what an
agent can act on is sent, under the same names; secrets (token, agent token, datastore
endpoint and its TLS files) are never read into it, so they cannot leak through it.
"""

from __future__ import annotations

import base64
import ipaddress
from typing import Any

from k3py.config.server import ServerConfig

NODE_PORT_RANGE = {"Base": 30000, "Size": 2768}  # kube-apiserver's default 30000-32767


def go_ipnet(cidr: str) -> dict[str, str]:
    network = ipaddress.ip_network(cidr, strict=False)
    return {"IP": str(network.network_address),
            "Mask": base64.b64encode(network.netmask.packed).decode()}


def agent_config(config: ServerConfig) -> dict[str, Any]:
    """What ``/v1-k3s/config`` answers for this server."""
    port = config.https_listen_port
    return {
        "ClusterIPRange": go_ipnet(config.cluster_cidr),
        "ClusterIPRanges": [go_ipnet(config.cluster_cidr)],
        "ServiceIPRange": go_ipnet(config.service_cidr),
        "ServiceIPRanges": [go_ipnet(config.service_cidr)],
        "ServiceNodePortRange": NODE_PORT_RANGE,
        "ClusterDNS": config.cluster_dns,
        "ClusterDNSs": [config.cluster_dns],
        "ClusterDomain": config.cluster_domain,
        # One listener serves the supervisor and the API, so the three ports K3s
        # distinguishes (6443 / 6443 / 6444) are all the same here.
        "HTTPSPort": port,
        "SupervisorPort": port,
        "APIServerPort": port,
        "AdvertisePort": port,
        "DisableKubeProxy": config.disable_kube_proxy,
        "DisableNPC": config.disable_network_policy,
        "DisableHelmController": config.disable_helm_controller,
        "Disables": {name: True for name in sorted(config.disable)},
        "FlannelBackend": config.flannel_backend,
        "EgressSelectorMode": config.egress_selector_mode,
        "EncryptSecrets": config.secrets_encryption,
        "EmbeddedRegistry": config.embedded_registry,
        "SystemDefaultRegistry": "",
    }
