"""The Kubernetes HTTPS API: authentication, authorization, handlers, discovery, health."""

from k3py.apiserver.app import ApiServer, ApiServerTls

__all__ = ["ApiServer", "ApiServerTls"]
