"""k3py: a K3s-compatible, lightweight Kubernetes distribution written in Python."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("k3py")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["__version__"]
