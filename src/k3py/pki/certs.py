"""Making certificate authorities and leaf certificates.

Everything is PEM bytes in and out (:class:`CertKey`), so callers store, serve and compare
certificates without touching ``cryptography``. New keys are EC P-256 written as
``EC PRIVATE KEY`` (SEC1), as K3s writes them; CAs loaded from disk may also be RSA or Ed25519
(a custom CA), and sign with whatever key they hold.
"""

from __future__ import annotations

import datetime
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificateIssuerPrivateKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from k3py.errors import PkiError
from k3py.pki.readback import load_cert, load_key, now, parse_ip, same_public_key

# Tolerates clocks a little behind ours on other nodes (a freshly issued cert is otherwise
# "not yet valid" there).
_BACKDATE = datetime.timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class CertKey:
    """A certificate and its private key, both PEM."""

    cert_pem: bytes
    key_pem: bytes


def _base(subject: x509.Name, issuer: x509.Name, public: Any, *, days: int, ca: bool
          ) -> x509.CertificateBuilder:
    """What every certificate here carries: names, key, serial, validity, CA flag, usage."""
    start = now()
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start - _BACKDATE)
        .not_valid_after(start + datetime.timedelta(days=days))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_key_usage(ca=ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
    )


def create_ca(common_name: str, *, days: int = 3650, key_pem: bytes | None = None) -> CertKey:
    """A self-signed CA (K3s names it ``<prefix>@<unix-ts>``), with a fresh EC P-256 key or
    ``key_pem`` (a key that survived a lost cert)."""
    key_pem = key_pem or new_key_pem()
    key = load_key(key_pem)
    name = _name(common_name, ())
    cert = _base(name, name, key.public_key(), days=days, ca=True).sign(key, _hash_for(key))
    return CertKey(cert.public_bytes(serialization.Encoding.PEM), key_pem)


def issue_cert(
    ca: CertKey,
    *,
    common_name: str,
    organizations: Sequence[str] = (),
    dns_names: Sequence[str] = (),
    ip_addresses: Sequence[str] = (),
    server: bool = False,
    client: bool = False,
    days: int = 365,
    key_pem: bytes | None = None,
) -> CertKey:
    """A leaf certificate signed by ``ca``, with a fresh EC P-256 key or ``key_pem``.

    ``organizations`` become O= entries, which Kubernetes reads as the user's groups.
    Renewals pass the existing key, as K3s's do, so a crash between writing key and cert can
    never leave a pair that does not match.
    """
    key_pem = key_pem or new_key_pem()
    ca_cert = load_cert(ca.cert_pem)
    ca_key = load_key(ca.key_pem)
    if not same_public_key(ca_cert, ca_key):
        subject = ca_cert.subject.rfc4514_string()
        raise PkiError(f"the CA key does not belong to the CA certificate {subject!r}")
    public = load_key(key_pem).public_key()
    builder = _base(_name(common_name, organizations), ca_cert.subject, public, days=days,
                    ca=False).add_extension(_authority_key_id(ca_cert, ca_key), critical=False)
    usages = [
        oid
        for oid, wanted in (
            (ExtendedKeyUsageOID.SERVER_AUTH, server),
            (ExtendedKeyUsageOID.CLIENT_AUTH, client),
        )
        if wanted
    ]
    if usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage(usages), critical=False)
    sans = _general_names(dns_names, ip_addresses)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    cert = builder.sign(ca_key, _hash_for(ca_key))
    return CertKey(cert.public_bytes(serialization.Encoding.PEM), key_pem)


def new_key_pem() -> bytes:
    """A fresh EC P-256 private key, PEM (SEC1, like K3s's ``EC PRIVATE KEY`` files)."""
    return ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption(),
    )


def _name(common_name: str, organizations: Sequence[str]) -> x509.Name:
    try:
        attrs = [x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in organizations]
        attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    except ValueError as exc:  # a CN of more than 64 characters, or an empty one
        raise PkiError(f"cannot use {common_name!r} / {list(organizations)!r}: {exc}") from exc
    return x509.Name(attrs)


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _authority_key_id(
    ca_cert: x509.Certificate, ca_key: CertificateIssuerPrivateKeyTypes
) -> x509.AuthorityKeyIdentifier:
    try:
        ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _general_names(dns_names: Sequence[str], ip_addresses: Sequence[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = []
    for dns in dict.fromkeys(dns_names):
        try:
            names.append(x509.DNSName(dns))
        except ValueError as exc:  # not ASCII: IDNA names must be given as A-labels
            raise PkiError(f"cannot put DNS name {dns!r} in a certificate: {exc}") from exc
    names.extend(x509.IPAddress(ip) for ip in dict.fromkeys(map(parse_ip, ip_addresses)))
    return names


def _hash_for(key: CertificateIssuerPrivateKeyTypes) -> hashes.SHA256 | None:
    # EdDSA and ML-DSA keys sign the whole message and take no separate hash.
    if isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | dsa.DSAPrivateKey):
        return hashes.SHA256()
    return None
