"""Certificates, CAs and kubeconfigs: K3s's PKI, as PEM bytes and files.

* :mod:`~k3py.pki.certs` makes CAs and leaf certificates (EC P-256).
* :mod:`~k3py.pki.readback` parses them back: SANs, expiry, the K10 token CA hash.
* :mod:`~k3py.pki.server_tls` keeps ``<data-dir>/server/tls`` complete and current.
* :mod:`~k3py.pki.kubeconfig` renders the admin kubeconfig.
* :mod:`~k3py.pki.files` writes secrets atomically, never readable by others.

Only :mod:`k3py.errors` and ``cryptography`` are imported (import-linter keeps it so).
"""

from k3py.pki.certs import CertKey, create_ca, issue_cert
from k3py.pki.files import write_private
from k3py.pki.kubeconfig import render_kubeconfig
from k3py.pki.readback import ca_hash, cert_expires_within, cert_sans
from k3py.pki.server_tls import ServerTls, ensure_server_tls

__all__ = [
    "CertKey",
    "ServerTls",
    "ca_hash",
    "cert_expires_within",
    "cert_sans",
    "create_ca",
    "ensure_server_tls",
    "issue_cert",
    "render_kubeconfig",
    "write_private",
]
