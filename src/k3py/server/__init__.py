"""The server role's composition root: datastore, PKI, API server, wired and run."""

from k3py.server.run import run_server

__all__ = ["run_server"]
