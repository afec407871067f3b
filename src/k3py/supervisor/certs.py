"""Kubelet certificates for joining nodes, signed as K3s's supervisor signs them.

A request carries a certificate signing request (DER, as K3s agents send it, or PEM) whose
public key the certificate is issued for, after checking the request's own signature (proof
that the caller holds the key). With no body the server makes a fresh key and returns it
with the certificate. K3s hands such legacy callers one *shared* key instead; here that file
(``tls/client-kubelet.key``) is this server's own node's key, so sharing it would let any
agent act as this server's node — every key made here is new.

Kept out of :mod:`k3py.pki` only because pki issues from a private key, never from a CSR's
public key.
"""

from __future__ import annotations

import datetime
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa
from cryptography.hazmat.primitives.asymmetric.types import CertificatePublicKeyTypes
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from k3py.errors import BadRequest
from k3py.pki import CertKey
from k3py.pki.certs import new_key_pem
from k3py.pki.readback import load_cert, load_certs, load_key

DAYS = 365
_BACKDATE = datetime.timedelta(minutes=5)


@dataclass(frozen=True, slots=True)
class NodeCertRequest:
    """What to put in the certificate; ``ips`` already parsed."""

    common_name: str
    organizations: tuple[str, ...] = ()
    dns_names: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()
    server: bool = False


def public_key_from_csr(body: bytes) -> CertificatePublicKeyTypes:
    """The public key of a CSR (DER or PEM) whose signature checks out."""
    try:
        if body.lstrip().startswith(b"-----BEGIN"):
            csr = x509.load_pem_x509_csr(body)
        else:
            csr = x509.load_der_x509_csr(body)
        valid = csr.is_signature_valid
        key = csr.public_key()
    except (ValueError, TypeError, x509.UnsupportedGeneralNameType):
        raise BadRequest("the request body is not a certificate signing request (DER or "
                         "PEM)") from None
    if not valid:
        raise BadRequest("the certificate signing request's signature does not verify")
    if not isinstance(key, rsa.RSAPublicKey | ec.EllipticCurvePublicKey |
                      ed25519.Ed25519PublicKey | ed448.Ed448PublicKey):
        raise BadRequest("the certificate signing request's key type is not supported")
    return key


def parse_node_ips(header: str) -> tuple[str, ...]:
    """``k3s-Node-IP``: a comma list of addresses."""
    ips = []
    for part in header.split(","):
        text = part.strip()
        if not text:
            continue
        try:
            ips.append(str(ipaddress.ip_address(text)))
        except ValueError:
            raise BadRequest(f"invalid node IP address {text}") from None
    return tuple(ips)


def sign(ca: CertKey, public_key: CertificatePublicKeyTypes, want: NodeCertRequest) -> bytes:
    """The leaf certificate, PEM."""
    ca_cert, ca_key = load_cert(ca.cert_pem), load_key(ca.key_pem)
    start = datetime.datetime.now(datetime.UTC)
    subject = x509.Name([
        *(x509.NameAttribute(NameOID.ORGANIZATION_NAME, o) for o in want.organizations),
        x509.NameAttribute(NameOID.COMMON_NAME, want.common_name)])
    usage = ExtendedKeyUsageOID.SERVER_AUTH if want.server else ExtendedKeyUsageOID.CLIENT_AUTH
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(start - _BACKDATE)
        .not_valid_after(start + datetime.timedelta(days=DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(
            digital_signature=True, content_commitment=False,
            key_encipherment=isinstance(public_key, rsa.RSAPublicKey), data_encipherment=False,
            key_agreement=False, key_cert_sign=False, crl_sign=False, encipher_only=False,
            decipher_only=False), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=False)
        .add_extension(_authority_key_id(ca_cert), critical=False)
    )
    sans = _sans(want.dns_names, want.ips)
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    digest = None if isinstance(ca_key, ed25519.Ed25519PrivateKey | ed448.Ed448PrivateKey) \
        else hashes.SHA256()
    return builder.sign(ca_key, digest).public_bytes(serialization.Encoding.PEM)


def _authority_key_id(ca_cert: x509.Certificate) -> x509.AuthorityKeyIdentifier:
    try:
        ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(
            ca_cert.public_key())  # type: ignore[arg-type]
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)


def _sans(dns_names: Sequence[str], ips: Sequence[str]) -> list[x509.GeneralName]:
    names: list[x509.GeneralName] = [x509.DNSName(d) for d in dict.fromkeys(dns_names)]
    names.extend(x509.IPAddress(ipaddress.ip_address(i)) for i in dict.fromkeys(ips))
    return names


def issue(ca: CertKey, want: NodeCertRequest, csr: bytes) -> bytes:
    """The response body K3s agents expect: leaf PEM, then the CA bundle PEM, then — only
    when the server made the key — the key PEM. Blocking (key generation): use a thread."""
    key_pem = b""
    if csr.strip():
        public_key = public_key_from_csr(csr)
    else:
        key_pem = new_key_pem()
        public_key = load_key(key_pem).public_key()
    leaf = sign(ca, public_key, want)
    bundle = b"".join(c.public_bytes(serialization.Encoding.PEM)
                      for c in load_certs(ca.cert_pem))
    return leaf + bundle + key_pem
