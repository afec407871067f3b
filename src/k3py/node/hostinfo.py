"""Facts about this host for the Node object: capacity, addresses, nodeInfo. Read from /proc,
/etc and /sys; anything unreadable becomes an empty string rather than an error."""

from __future__ import annotations

import os
import platform
import socket
from pathlib import Path

_ARCH = {"x86_64": "amd64", "aarch64": "arm64", "armv7l": "arm", "ppc64le": "ppc64le",
         "s390x": "s390x", "riscv64": "riscv64"}


def _read(path: str) -> str:
    try:
        return Path(path).read_text().strip()
    except OSError:
        return ""


def architecture() -> str:
    machine = platform.machine()
    return _ARCH.get(machine, machine)


def memory_kib() -> int:
    for line in _read("/proc/meminfo").splitlines():
        if line.startswith("MemTotal:"):
            return int(line.split()[1])
    return 0


def os_image() -> str:
    for line in _read("/etc/os-release").splitlines():
        if line.startswith("PRETTY_NAME="):
            return line.split("=", 1)[1].strip().strip('"')
    return "Linux"


def ephemeral_storage_kib(path: Path) -> int:
    try:
        stats = os.statvfs(path)
    except OSError:
        return 0
    return stats.f_blocks * stats.f_frsize // 1024


def internal_ip() -> str:
    """The address this host would use to reach the outside (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("10.255.255.255", 1))
            address: str = probe.getsockname()[0]
        except OSError:
            address = "127.0.0.1"
    return address


def capacity(data_dir: Path) -> dict[str, str]:
    return {"cpu": str(os.cpu_count() or 1), "memory": f"{memory_kib()}Ki", "pods": "110",
            "ephemeral-storage": f"{ephemeral_storage_kib(data_dir)}Ki",
            "hugepages-1Gi": "0", "hugepages-2Mi": "0"}


def node_info(*, kubelet_version: str, runtime_version: str) -> dict[str, str]:
    machine_id = _read("/etc/machine-id")
    return {
        "architecture": architecture(), "bootID": _read("/proc/sys/kernel/random/boot_id"),
        "containerRuntimeVersion": runtime_version, "kernelVersion": platform.release(),
        "kubeProxyVersion": kubelet_version, "kubeletVersion": kubelet_version,
        "machineID": machine_id, "operatingSystem": "linux", "osImage": os_image(),
        "systemUUID": _read("/sys/class/dmi/id/product_uuid") or machine_id,
    }
