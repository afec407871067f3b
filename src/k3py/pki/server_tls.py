"""The server's certificates under ``<data-dir>/server/tls``, made once and kept.

K3s's layout and names (``reference/k3s-behaviour.md`` §5.5): two CAs (server, client) that are
never replaced once they exist, because every token (its CA hash) and every node certificate
depends on them; leaf certificates that are renewed at start when they are about to expire, no
longer match their CA, or (the serving cert) lack a requested name. Renewals keep the existing
key, so the key and cert on disk always belong together. A start that finds everything in order
writes nothing.
"""

from __future__ import annotations

import logging
import stat
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from cryptography.x509.oid import NameOID

from k3py.errors import PkiError
from k3py.pki.certs import CertKey, create_ca, issue_cert, new_key_pem
from k3py.pki.files import write_private
from k3py.pki.readback import (
    cert_expires_within,
    cert_sans,
    issued_by,
    key_matches,
    load_cert,
    load_key,
    normalize_ip,
)

logger = logging.getLogger(__name__)

RENEW_WITHIN_DAYS = 90
SERVING_DNS_NAMES = (
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
    "localhost",
)
SERVING_IP_ADDRESSES = ("127.0.0.1", "::1")
_CERT_MODE = 0o644
_KEY_MODE = 0o600
_DIR_MODE = 0o700

_Loader = Callable[[bytes], object]


@dataclass(frozen=True, slots=True)
class ServerTls:
    """Paths of the server's CA and certificate files (all exist once ensured)."""

    dir: Path
    server_ca: Path
    server_ca_key: Path
    client_ca: Path
    client_ca_key: Path
    serving_cert: Path
    serving_key: Path
    admin_cert: Path
    admin_key: Path
    supervisor_cert: Path
    supervisor_key: Path
    kubelet_cert: Path
    kubelet_key: Path


@dataclass(frozen=True, slots=True)
class _Leaf:
    """What a leaf certificate must say; anything else on disk is replaced."""

    common_name: str
    organizations: tuple[str, ...] = ()
    dns_names: tuple[str, ...] = ()
    ip_addresses: tuple[str, ...] = ()
    server: bool = False
    client: bool = False


def ensure_server_tls(
    data_dir: Path, *, dns_names: Sequence[str], ip_addresses: Sequence[str],
    node_name: str | None = None,
) -> ServerTls:
    """Create whatever is missing or stale under ``<data_dir>/server/tls``; keep the rest.

    The serving cert always carries ``kubernetes[.default[.svc[.cluster.local]]]``,
    ``localhost``, ``127.0.0.1`` and ``::1`` besides ``dns_names`` and ``ip_addresses``.
    """
    tls = _paths(data_dir / "server" / "tls")
    _ensure_private_dir(tls.dir)
    server_ca = _ensure_ca(tls.server_ca, tls.server_ca_key, prefix="k3s-server-ca")
    client_ca = _ensure_ca(tls.client_ca, tls.client_ca_key, prefix="k3s-client-ca")
    serving = _Leaf(
        common_name="kube-apiserver",
        dns_names=tuple(dict.fromkeys(n.lower() for n in (*SERVING_DNS_NAMES, *dns_names))),
        ip_addresses=tuple(
            dict.fromkeys(normalize_ip(ip) for ip in (*SERVING_IP_ADDRESSES, *ip_addresses))
        ),
        server=True,
    )
    _ensure_leaf(tls.serving_cert, tls.serving_key, ca=server_ca, want=serving)
    admin = _Leaf("system:admin", ("system:masters",), client=True)
    _ensure_leaf(tls.admin_cert, tls.admin_key, ca=client_ca, want=admin)
    supervisor = _Leaf("system:k3s-supervisor", ("system:masters",), client=True)
    _ensure_leaf(tls.supervisor_cert, tls.supervisor_key, ca=client_ca, want=supervisor)
    if node_name:
        kubelet = _Leaf(f"system:node:{node_name}", ("system:nodes",), client=True)
        _ensure_leaf(tls.kubelet_cert, tls.kubelet_key, ca=client_ca, want=kubelet)
    return tls


def _paths(tls: Path) -> ServerTls:
    return ServerTls(
        dir=tls,
        server_ca=tls / "server-ca.crt",
        server_ca_key=tls / "server-ca.key",
        client_ca=tls / "client-ca.crt",
        client_ca_key=tls / "client-ca.key",
        serving_cert=tls / "serving-kube-apiserver.crt",
        serving_key=tls / "serving-kube-apiserver.key",
        admin_cert=tls / "client-admin.crt",
        admin_key=tls / "client-admin.key",
        supervisor_cert=tls / "client-supervisor.crt",
        supervisor_key=tls / "client-supervisor.key",
        kubelet_cert=tls / "client-kubelet.crt",
        kubelet_key=tls / "client-kubelet.key",
    )


def _ensure_ca(cert_path: Path, key_path: Path, *, prefix: str) -> CertKey:
    """Load the CA, or make it; a CA is never replaced behind the operator's back."""
    cert_pem, key_pem = _read(cert_path), _read(key_path)
    if cert_pem is not None and key_pem is None:
        raise PkiError(
            f"{cert_path} exists but its key {key_path} does not: restore the key (from a "
            "backup or another server), or remove the certificate to make a new CA, which "
            "invalidates every join token and certificate issued under the old one"
        )
    if key_pem is None:
        key_pem = new_key_pem()
        write_private(key_path, key_pem, mode=_KEY_MODE)
    else:
        _parsed(key_path, load_key, key_pem)
        _tighten(key_path)
    if cert_pem is None:
        ca = create_ca(f"{prefix}@{int(time.time())}", key_pem=key_pem)
        write_private(cert_path, ca.cert_pem, mode=_CERT_MODE)
        logger.info("Created CA %s", cert_path)
        return ca
    _parsed(cert_path, load_cert, cert_pem)
    if not key_matches(cert_pem, key_pem):
        raise PkiError(
            f"{key_path} is not the key of {cert_path}: put the matching key back (from a "
            "backup or another server); k3py will not replace a CA on its own"
        )
    if cert_expires_within(cert_pem, days=RENEW_WITHIN_DAYS):
        logger.warning("CA %s expires within %d days; rotate it", cert_path, RENEW_WITHIN_DAYS)
    return CertKey(cert_pem, key_pem)


def _ensure_leaf(cert_path: Path, key_path: Path, *, ca: CertKey, want: _Leaf) -> None:
    """Keep a good leaf as it is; otherwise (re)issue it, keeping a usable key."""
    cert_pem, key_pem = _read(cert_path), _read(key_path)
    reason: str | None
    if key_pem is not None and not _parses(load_key, key_pem):
        reason, key_pem = f"{key_path} was not a usable private key", None
    elif key_pem is None:
        reason = "its key is missing" if cert_pem is not None else "it does not exist yet"
    elif cert_pem is None:
        reason = "it does not exist yet"
    else:
        _tighten(key_path)
        reason = _stale_reason(cert_pem, key_pem, ca=ca, want=want)
    if reason is None:
        return
    if key_pem is None:
        key_pem = new_key_pem()
        write_private(key_path, key_pem, mode=_KEY_MODE)
    issued = issue_cert(
        ca,
        key_pem=key_pem,
        common_name=want.common_name,
        organizations=want.organizations,
        dns_names=want.dns_names,
        ip_addresses=want.ip_addresses,
        server=want.server,
        client=want.client,
    )
    write_private(cert_path, issued.cert_pem, mode=_CERT_MODE)
    logger.info("Wrote %s: %s", cert_path, reason)


def _stale_reason(cert_pem: bytes, key_pem: bytes, *, ca: CertKey, want: _Leaf) -> str | None:
    """Why the certificate on disk must be reissued, as a sentence; None to keep it."""
    if not _parses(load_cert, cert_pem):
        return "the file on disk is not a certificate"
    if not key_matches(cert_pem, key_pem):
        return "it does not belong to its key"
    cert = load_cert(cert_pem)
    if not issued_by(cert, load_cert(ca.cert_pem)):
        return "it was not issued by the current CA"
    common_names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    organizations = cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    if [a.value for a in common_names] != [want.common_name] or sorted(
        str(a.value) for a in organizations
    ) != sorted(want.organizations):
        return f"its subject {cert.subject.rfc4514_string()!r} is not the expected one"
    dns, ips = cert_sans(cert_pem)
    missing = [n for n in want.dns_names if n not in {d.lower() for d in dns}]
    missing += [ip for ip in want.ip_addresses if ip not in ips]
    if missing:
        return f"it lacks the names {', '.join(missing)}"
    if cert_expires_within(cert_pem, days=RENEW_WITHIN_DAYS):
        return f"it expires within {RENEW_WITHIN_DAYS} days ({cert.not_valid_after_utc:%Y-%m-%d})"
    return None


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


def _parses(load: _Loader, pem: bytes) -> bool:
    try:
        load(pem)
    except PkiError:
        return False
    return True


def _parsed(path: Path, load: _Loader, pem: bytes) -> None:
    """Parse a CA file or fail naming it: a CA is never silently regenerated."""
    try:
        load(pem)
    except PkiError as exc:
        raise PkiError(f"{path}: {exc}; restore it from a backup or another server") from exc


def _tighten(key_path: Path) -> None:
    """A key someone made readable by others goes back to 0600 (content and mtime untouched)."""
    if stat.S_IMODE(key_path.stat().st_mode) & 0o077:
        key_path.chmod(_KEY_MODE)


def _ensure_private_dir(path: Path) -> None:
    """Create ``path`` and any missing parents 0700; an existing ``path`` is made 0700."""
    missing = []
    current = path
    while not current.exists():
        missing.append(current)
        current = current.parent
    for directory in reversed(missing):
        directory.mkdir(mode=_DIR_MODE, exist_ok=True)
    if stat.S_IMODE(path.stat().st_mode) != _DIR_MODE:
        path.chmod(_DIR_MODE)
