"""The server role's settings: K3s flag names, ``K3PY_*`` env names with ``K3S_*`` aliases,
K3s defaults under our own name, and one error listing every problem found."""

from __future__ import annotations

import ipaddress
import logging
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from k3py.config.agent import parse_taint
from k3py.errors import ConfigError

logger = logging.getLogger(__name__)

EMULATED_KUBERNETES = (1, 33, 5)


@dataclass(frozen=True, slots=True, kw_only=True)
class ServerConfig:
    """What ``k3py server`` runs with."""

    data_dir: Path
    bind_address: str = "0.0.0.0"
    https_listen_port: int = 6443
    advertise_address: str | None = None
    tls_sans: tuple[str, ...] = ()
    write_kubeconfig: Path
    write_kubeconfig_mode: int = 0o600
    datastore_endpoint: str = ""
    datastore_cafile: str | None = None
    datastore_certfile: str | None = None
    datastore_keyfile: str | None = None
    node_name: str
    disable_agent: bool = False
    cluster_domain: str = "cluster.local"
    service_cidr: str = "10.43.0.0/16"
    event_ttl: int = 3600
    # The cluster token (never shown in reprs or logs).
    token: str | None = field(default=None, repr=False)
    agent_token: str | None = field(default=None, repr=False)
    # Settings every server of one cluster must share (K3s's critical control args).
    cluster_cidr: str = "10.42.0.0/16"
    cluster_dns: str = "10.43.0.10"
    disable: tuple[str, ...] = ()
    disable_helm_controller: bool = False
    disable_kube_proxy: bool = False
    disable_network_policy: bool = False
    secrets_encryption: bool = False
    egress_selector_mode: str = "agent"
    flannel_backend: str = "vxlan"
    embedded_registry: bool = False
    # This server's own node (as on agents).
    node_ip: str | None = None
    node_external_ip: str | None = None
    node_labels: tuple[str, ...] = ()
    node_taints: tuple[str, ...] = ()

    def critical_settings(self) -> dict[str, str]:
        """What every server of the cluster must agree on, by K3s flag name."""
        return {
            "cluster-cidr": self.cluster_cidr, "cluster-dns": self.cluster_dns,
            "cluster-domain": self.cluster_domain, "service-cidr": self.service_cidr,
            "disable": ",".join(sorted(self.disable)),
            "disable-helm-controller": str(self.disable_helm_controller).lower(),
            "disable-kube-proxy": str(self.disable_kube_proxy).lower(),
            "disable-network-policy": str(self.disable_network_policy).lower(),
            "secrets-encryption": str(self.secrets_encryption).lower(),
            "egress-selector-mode": self.egress_selector_mode,
            "flannel-backend": self.flannel_backend,
            "embedded-registry": str(self.embedded_registry).lower(),
        }

    @property
    def server_dir(self) -> Path:
        return self.data_dir / "server"

    @property
    def kubernetes_service_ip(self) -> str:
        """The first address of the service CIDR: the ``kubernetes`` Service's ClusterIP."""
        return str(next(ipaddress.ip_network(self.service_cidr).hosts()))

    @property
    def local_url(self) -> str:
        """The URL this server's own clients (and the admin kubeconfig) use."""
        host = self.bind_address
        if host in ("0.0.0.0", ""):
            host = "127.0.0.1"
        elif host == "::":
            host = "::1"
        if ":" in host:
            host = f"[{host}]"
        return f"https://{host}:{self.https_listen_port}"


# flag name (dest) -> env names, K3PY first
ENV_NAMES: dict[str, tuple[str, ...]] = {
    "data_dir": ("K3PY_DATA_DIR", "K3S_DATA_DIR"),
    "write_kubeconfig": ("K3PY_KUBECONFIG_OUTPUT", "K3S_KUBECONFIG_OUTPUT"),
    "write_kubeconfig_mode": ("K3PY_KUBECONFIG_MODE", "K3S_KUBECONFIG_MODE"),
    "datastore_endpoint": ("K3PY_DATASTORE_ENDPOINT", "K3S_DATASTORE_ENDPOINT"),
    "datastore_cafile": ("K3PY_DATASTORE_CAFILE", "K3S_DATASTORE_CAFILE"),
    "datastore_certfile": ("K3PY_DATASTORE_CERTFILE", "K3S_DATASTORE_CERTFILE"),
    "datastore_keyfile": ("K3PY_DATASTORE_KEYFILE", "K3S_DATASTORE_KEYFILE"),
    "node_name": ("K3PY_NODE_NAME", "K3S_NODE_NAME"),
    "token": ("K3PY_TOKEN", "K3S_TOKEN"),
    "token_file": ("K3PY_TOKEN_FILE", "K3S_TOKEN_FILE"),
    "agent_token": ("K3PY_AGENT_TOKEN", "K3S_AGENT_TOKEN"),
    "agent_token_file": ("K3PY_AGENT_TOKEN_FILE", "K3S_AGENT_TOKEN_FILE"),
}


def default_data_dir() -> Path:
    return Path("/var/lib/k3py") if os.geteuid() == 0 else Path.home() / ".k3py"


def default_kubeconfig() -> Path:
    return Path("/etc/k3py/k3py.yaml") if os.geteuid() == 0 else Path.home() / ".kube/k3py.yaml"


def server_config(flags: Mapping[str, Any], env: Mapping[str, str],
                  file_values: Mapping[str, Any] | None = None) -> ServerConfig:
    """Build the config from parsed flags (None = not given), the environment and the
    config file's values (``file.load_config``): flags win, then env, then the file.

    Raises :class:`ConfigError` naming every bad value at once.
    """
    problems: list[str] = []
    from_file = file_values or {}

    def pick(name: str) -> Any:
        if flags.get(name) not in (None, [], (), False):
            return flags[name]
        for env_name in ENV_NAMES.get(name, ()):
            if env.get(env_name):
                return env[env_name]
        value = from_file.get(name)
        return None if value in (None, "", []) else value

    port = pick("https_listen_port") or 6443
    try:
        port = int(port)
        if not 0 < port < 65536:
            raise ValueError
    except (TypeError, ValueError):
        problems.append(f"--https-listen-port must be a TCP port (1-65535), not {port!r}")
        port = 6443
    mode_text = str(pick("write_kubeconfig_mode") or "0600")
    try:
        mode = int(mode_text, 8)
        if not 0 <= mode <= 0o777:
            raise ValueError
    except ValueError:
        problems.append(f"--write-kubeconfig-mode must be an octal file mode like 0600, "
                        f"not {mode_text!r}")
        mode = 0o600
    bind = str(pick("bind_address") or "0.0.0.0")
    advertise = pick("advertise_address")
    for flag, value in (("--bind-address", bind), ("--advertise-address", advertise)):
        if value:
            try:
                ipaddress.ip_address(value)
            except ValueError:
                problems.append(f"{flag} must be an IP address, not {value!r}")
    service_cidr = str(pick("service_cidr") or "10.43.0.0/16")
    try:
        ipaddress.ip_network(service_cidr)
    except ValueError:
        problems.append(f"invalid service-cidr {service_cidr!r}")
        service_cidr = "10.43.0.0/16"
    san_values = pick("tls_san") or ()
    if isinstance(san_values, str):
        san_values = [san_values]
    sans = tuple(s.strip() for v in san_values for s in str(v).split(",") if s.strip())
    event_ttl = _apiserver_args(_as_list(pick("kube_apiserver_arg")), problems)
    for taint in _as_list(pick("node_taint")):
        try:
            parse_taint(str(taint))
        except ValueError:
            problems.append(f"--node-taint must be key=value:Effect (NoSchedule, "
                            f"PreferNoSchedule or NoExecute), not {taint!r}")
    for label in _as_list(pick("node_label")):
        if "=" not in str(label) or str(label).startswith("="):
            problems.append(f"--node-label must be key=value, not {label!r}")
    if problems:
        raise ConfigError("invalid server configuration:\n  - " + "\n  - ".join(problems))
    return ServerConfig(
        data_dir=Path(pick("data_dir") or default_data_dir()).absolute(),
        bind_address=bind,
        https_listen_port=port,
        advertise_address=advertise,
        tls_sans=sans,
        write_kubeconfig=Path(pick("write_kubeconfig") or default_kubeconfig()).absolute(),
        write_kubeconfig_mode=mode,
        datastore_endpoint=str(pick("datastore_endpoint") or ""),
        datastore_cafile=pick("datastore_cafile"),
        datastore_certfile=pick("datastore_certfile"),
        datastore_keyfile=pick("datastore_keyfile"),
        node_name=str(pick("node_name") or socket.gethostname()).lower(),
        disable_agent=_true(pick("disable_agent")),
        cluster_domain=str(pick("cluster_domain") or "cluster.local"),
        service_cidr=service_cidr,
        event_ttl=event_ttl,
        token=_secret(pick("token"), pick("token_file"), "--token-file", problems),
        agent_token=_secret(pick("agent_token"), pick("agent_token_file"),
                            "--agent-token-file", problems),
        cluster_cidr=str(pick("cluster_cidr") or "10.42.0.0/16"),
        cluster_dns=str(pick("cluster_dns") or "10.43.0.10"),
        disable=tuple(sorted({d.strip() for v in _as_list(pick("disable"))
                              for d in str(v).split(",") if d.strip()})),
        disable_helm_controller=_true(pick("disable_helm_controller")),
        disable_kube_proxy=_true(pick("disable_kube_proxy")),
        disable_network_policy=_true(pick("disable_network_policy")),
        secrets_encryption=_true(pick("secrets_encryption")),
        egress_selector_mode=str(pick("egress_selector_mode") or "agent"),
        flannel_backend=str(pick("flannel_backend") or "vxlan"),
        embedded_registry=_true(pick("embedded_registry")),
        node_ip=pick("node_ip"), node_external_ip=pick("node_external_ip"),
        node_labels=tuple(str(v) for v in _as_list(pick("node_label"))),
        node_taints=tuple(str(v) for v in _as_list(pick("node_taint"))),
    )


def _true(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes", "on")
    return bool(value)


def _apiserver_args(args: list[Any], problems: list[str]) -> int:
    """The ``--kube-apiserver-arg`` settings k3py honours; returns the event TTL."""
    event_ttl = 3600
    for arg in args:
        key, _, value = str(arg).lstrip("-").partition("=")
        if key == "event-ttl":
            try:
                event_ttl = parse_duration(value)
            except ValueError:
                problems.append(f"--kube-apiserver-arg event-ttl must be a duration like 1h "
                                f"or 90s, not {value!r}")
        else:
            logger.warning("--kube-apiserver-arg %s is not supported by k3py; ignored", key)
    return event_ttl


def _as_list(value: Any) -> list[Any]:
    if value in (None, "", [], ()):
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


_UNITS = {"h": 3600, "m": 60, "s": 1}


def parse_duration(text: str) -> int:
    """Whole seconds of a Go-style duration (``1h``, ``90s``, ``1h30m``)."""
    total, number = 0, ""
    for char in text.strip():
        if char.isdigit():
            number += char
        elif char in _UNITS and number:
            total += int(number) * _UNITS[char]
            number = ""
        else:
            raise ValueError(text)
    if number or not text.strip():
        raise ValueError(text)
    return total


def _secret(value: Any, path: Any, flag: str, problems: list[str]) -> str | None:
    """A token given directly, or read from its file (the direct value wins)."""
    if value:
        return str(value).strip()
    if not path:
        return None
    try:
        return Path(str(path)).read_text().strip() or None
    except OSError as exc:
        problems.append(f"{flag} {path}: cannot read it ({exc.strerror})")
        return None
