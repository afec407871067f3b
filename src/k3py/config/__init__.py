"""Settings for each role, as frozen dataclasses; precedence defaults < env < flags."""

from k3py.config.server import ServerConfig, server_config

__all__ = ["ServerConfig", "server_config"]
