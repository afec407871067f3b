"""What ``k3py agent`` runs with: K3s's agent flags and env names."""

from __future__ import annotations

import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from k3py.errors import ConfigError

ENV_NAMES: dict[str, tuple[str, ...]] = {
    "server": ("K3PY_URL", "K3S_URL"),
    "token": ("K3PY_TOKEN", "K3S_TOKEN"),
    "token_file": ("K3PY_TOKEN_FILE", "K3S_TOKEN_FILE"),
    "data_dir": ("K3PY_DATA_DIR", "K3S_DATA_DIR"),
    "node_name": ("K3PY_NODE_NAME", "K3S_NODE_NAME"),
}
DEFAULT_PASSWORD_FILE = Path("/etc/k3py/node/password")


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentConfig:
    server: str
    token: str = field(repr=False)
    data_dir: Path
    node_name: str
    node_ip: str | None = None
    node_external_ip: str | None = None
    node_labels: dict[str, str] = field(default_factory=dict)
    node_taints: tuple[dict[str, str], ...] = ()
    node_password_file: Path = DEFAULT_PASSWORD_FILE

    @property
    def agent_dir(self) -> Path:
        return self.data_dir / "agent"


def parse_taint(text: str) -> dict[str, str]:
    """``key=value:Effect`` or ``key:Effect`` (kubelet's --register-with-taints form)."""
    spec, _, effect = text.rpartition(":")
    if not spec or effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
        raise ValueError(text)
    key, _, value = spec.partition("=")
    taint = {"key": key, "effect": effect}
    if value:
        taint["value"] = value
    return taint


def agent_config(flags: Mapping[str, Any], env: Mapping[str, str],
                 file_values: Mapping[str, Any] | None = None) -> AgentConfig:
    """The agent's config; raises ConfigError naming every problem (K3s's messages)."""
    problems: list[str] = []
    from_file = file_values or {}

    def pick(name: str) -> Any:
        if flags.get(name) not in (None, [], ()):
            return flags[name]
        for env_name in ENV_NAMES.get(name, ()):
            if env.get(env_name):
                return env[env_name]
        return from_file.get(name)

    server = str(pick("server") or "")
    if not server:
        problems.append("--server is required")
    elif not server.startswith("https://"):
        problems.append(f"--server must be an https:// URL, not {server!r} (agents only talk "
                        "to servers over TLS)")
    token = pick("token")
    if not token and pick("token_file"):
        try:
            token = Path(str(pick("token_file"))).read_text().strip()
        except OSError as exc:
            problems.append(f"--token-file: cannot read it ({exc.strerror})")
    if not token:
        problems.append("--token is required")
    labels: dict[str, str] = {}
    for item in _list(pick("node_label")):
        key, sep, value = str(item).partition("=")
        if not sep or not key:
            problems.append(f"--node-label must be key=value, not {item!r}")
        labels[key] = value
    taints = []
    for item in _list(pick("node_taint")):
        try:
            taints.append(parse_taint(str(item)))
        except ValueError:
            problems.append(f"--node-taint must be key=value:Effect (NoSchedule, "
                            f"PreferNoSchedule or NoExecute), not {item!r}")
    if problems:
        raise ConfigError("invalid agent configuration:\n  - " + "\n  - ".join(problems))
    data_dir = Path(pick("data_dir") or ("/var/lib/k3py" if os.geteuid() == 0
                                         else Path.home() / ".k3py")).absolute()
    password_file = DEFAULT_PASSWORD_FILE if pick("data_dir") is None and os.geteuid() == 0 \
        else data_dir / "agent" / "node-password"
    return AgentConfig(server=server.rstrip("/"), token=str(token), data_dir=data_dir,
                       node_name=str(pick("node_name") or socket.gethostname()).lower(),
                       node_ip=pick("node_ip"), node_external_ip=pick("node_external_ip"),
                       node_labels=labels, node_taints=tuple(taints),
                       node_password_file=password_file)


def _list(value: Any) -> list[Any]:
    if value in (None, "", [], ()):
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]
