"""The etcd driver (etcd 3.4+, through its v3 JSON gateway over aiohttp).

``client`` is the HTTP seam (URLs, TLS, retries, error decoding), ``watch`` maps one etcd
watch stream onto the contract's events, ``backend`` phrases every other operation as one
etcd request.
"""

from k3py.datastore.etcd.backend import EtcdBackend

__all__ = ["EtcdBackend"]
