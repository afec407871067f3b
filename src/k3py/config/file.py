"""The K3s-style config file: ``/etc/k3py/config.yaml`` plus drop-ins in
``config.yaml.d/*.yaml|*.yml`` (alphabetical), keys being long flag names without ``--``.

Later files override earlier keys; a key written with a ``+`` suffix appends to what earlier
files gave (lists, or strings joined with a comma). Unknown keys are skipped with a warning,
as K3s does. A missing main file is fine; a file that is not a YAML mapping is an error.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from pathlib import Path
from typing import Any

import yaml

from k3py.errors import ConfigError

logger = logging.getLogger(__name__)

DEFAULT_CONFIG_FILE = Path("/etc/k3py/config.yaml")
CONFIG_FILE_ENV = ("K3PY_CONFIG_FILE", "K3S_CONFIG_FILE")


def config_files(main: Path) -> list[Path]:
    """The main file (when present) and its drop-ins, in the order they apply."""
    files = [main] if main.is_file() else []
    drop_ins = main.parent / (main.name + ".d")
    if drop_ins.is_dir():
        files.extend(sorted(p for p in drop_ins.iterdir()
                            if p.suffix in (".yaml", ".yml") and p.is_file()))
    return files


def _read(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"cannot read config file {path}: {exc}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must be a YAML mapping of flag names to values")
    return data


def load_config(main: Path, *, known: Collection[str]) -> dict[str, Any]:
    """Flag destination (``tls_san``) → value, merged from every config file.

    ``known`` is the set of long flag names (``tls-san``) the command accepts.
    """
    merged: dict[str, Any] = {}
    for path in config_files(main):
        for raw_key, value in _read(path).items():
            key = str(raw_key)
            append = key.endswith("+")
            flag = key.rstrip("+")
            if flag not in known:
                logger.warning("Unknown flag --%s found in %s, skipping", flag, path)
                continue
            dest = flag.replace("-", "_")
            if append and dest in merged:
                previous = merged[dest]
                if isinstance(previous, list) or isinstance(value, list):
                    merged[dest] = _as_list(previous) + _as_list(value)
                else:
                    merged[dest] = f"{previous},{value}"
            else:
                merged[dest] = value
    return merged


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list) else [value]
