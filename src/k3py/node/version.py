"""The version a k3py node reports as its kubelet's (the emulated Kubernetes version)."""

from __future__ import annotations

from k3py import __version__
from k3py.config.server import EMULATED_KUBERNETES


def kubelet_version() -> str:
    major, minor, patch = EMULATED_KUBERNETES
    return f"v{major}.{minor}.{patch}+k3py{__version__}"
