"""The supervisor: K3s's cluster-join API, served on the API server's own port.

Agents (and joining servers) talk to it before they hold any certificate of the cluster:

* :mod:`~k3py.supervisor.routes` mounts the handlers (``/cacerts``, ``/ping``, ``/v1-k3s/...``)
  on the API server's aiohttp app and says which paths it authenticates itself.
* :mod:`~k3py.supervisor.auth` decides who is calling: HTTP basic against
  ``<data-dir>/server/cred/passwd``, a client certificate of the cluster's client CA, or a
  bearer token the API server vouches for.
* :mod:`~k3py.supervisor.nodepassword` keeps one password per node name, hashed, in the
  Secret ``kube-system/<node>.node-password.k3s``, so one agent cannot take another's name.
* :mod:`~k3py.supervisor.certs` signs kubelet serving and client certificates.
* :mod:`~k3py.supervisor.agentconfig` is the cluster's non-secret settings an agent needs.
* :mod:`~k3py.supervisor.status` turns refusals into ``metav1.Status`` responses.
"""

from k3py.supervisor.routes import Supervisor

__all__ = ["Supervisor"]
