"""The async Kubernetes API client that k3py's own components (the node agent, controllers)
use, as real Kubernetes components use client-go: over HTTPS, never through server internals."""

from k3py.client.rest import ApiClient, ClientTls

__all__ = ["ApiClient", "ClientTls"]
