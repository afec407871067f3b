"""Reading certificates back: PEM parsing and the facts that renewal and tokens depend on.

Parsing failures become :class:`~k3py.errors.PkiError`, so callers handle one error type and
``cryptography`` stays an implementation detail of this package.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
from typing import cast, get_args

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes

from k3py.errors import PkiError

_ISSUER_KEY_TYPES: tuple[type, ...] = get_args(CertificateIssuerPrivateKeyTypes)

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def cert_sans(cert_pem: bytes) -> tuple[frozenset[str], frozenset[str]]:
    """The DNS names and IP addresses (``str(ipaddress.ip_address(...))`` form) a cert is for."""
    cert = load_cert(cert_pem)
    try:
        ext = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return frozenset(), frozenset()
    dns = frozenset(ext.get_values_for_type(x509.DNSName))
    ips = frozenset(str(ip) for ip in ext.get_values_for_type(x509.IPAddress))
    return dns, ips


def cert_expires_within(cert_pem: bytes, *, days: int) -> bool:
    """True when the cert's notAfter is less than ``days`` away (or already past)."""
    remaining = load_cert(cert_pem).not_valid_after_utc - now()
    return remaining < datetime.timedelta(days=days)


def ca_hash(ca_cert_pem: bytes) -> str:
    """The CA hash of a ``K10<hash>::user:password`` token, computed as K3s's ``hashCA`` does.

    One certificate: sha256 of the exact bytes served at ``/cacerts``, so the file must be
    served byte for byte. Several: sha256 of the DER of the root that the first cert chains to,
    so that intermediates can rotate without changing tokens (the raw bytes if none is found).
    """
    certs = load_certs(ca_cert_pem)
    if len(certs) > 1 and (root := _root_of_first(certs)) is not None:
        return hashlib.sha256(root.public_bytes(serialization.Encoding.DER)).hexdigest()
    return hashlib.sha256(ca_cert_pem).hexdigest()


def normalize_ip(text: str) -> str:
    """The canonical text of an IP address (``::1``, no zone), or :class:`PkiError`."""
    return str(parse_ip(text))


def parse_ip(text: str) -> IpAddress:
    """An IP address as a certificate can hold it: brackets and a zone (``%eth0``) dropped."""
    try:
        ip = ipaddress.ip_address(text.strip().removeprefix("[").removesuffix("]"))
    except ValueError as exc:
        raise PkiError(f"{text!r} is not an IP address") from exc
    return ipaddress.ip_address(ip.packed)


def load_cert(pem: bytes) -> x509.Certificate:
    """The first certificate of a PEM bundle; :class:`PkiError` when there is none."""
    return load_certs(pem)[0]


def load_certs(pem: bytes) -> list[x509.Certificate]:
    try:
        return x509.load_pem_x509_certificates(pem)
    except ValueError as exc:
        raise PkiError(f"not a PEM certificate: {exc}") from exc


def load_key(pem: bytes) -> CertificateIssuerPrivateKeyTypes:
    """A private key that can sign certificates; :class:`PkiError` for anything else."""
    try:
        key = serialization.load_pem_private_key(pem, password=None)
    except (ValueError, TypeError) as exc:
        raise PkiError(f"not an unencrypted PEM private key: {exc}") from exc
    if not isinstance(key, _ISSUER_KEY_TYPES):
        raise PkiError(f"a {type(key).__name__} cannot sign certificates")
    return cast(CertificateIssuerPrivateKeyTypes, key)


def issued_by(cert: x509.Certificate, ca_cert: x509.Certificate) -> bool:
    """Whether ``ca_cert`` signed ``cert`` (issuer name and signature both match)."""
    try:
        cert.verify_directly_issued_by(ca_cert)
    except (ValueError, TypeError, InvalidSignature):
        return False
    return True


def key_matches(cert_pem: bytes, key_pem: bytes) -> bool:
    """Whether the key is the private half of the certificate's public key."""
    return same_public_key(load_cert(cert_pem), load_key(key_pem))


def same_public_key(cert: x509.Certificate, key: CertificateIssuerPrivateKeyTypes) -> bool:
    spki = serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    return cert.public_key().public_bytes(*spki) == key.public_key().public_bytes(*spki)


def now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _root_of_first(certs: list[x509.Certificate]) -> x509.Certificate | None:
    """Walk issuers from ``certs[0]`` through the rest of the bundle to a self-issued root."""
    current, seen = certs[0], {0}
    while True:
        parent = next(
            (i for i, c in enumerate(certs) if i not in seen and issued_by(current, c)), None
        )
        if parent is None:
            return None
        current = certs[parent]
        seen.add(parent)
        if current.issuer == current.subject and issued_by(current, current):
            return current
