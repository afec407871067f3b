"""Service-account tokens: JWTs signed RS256 with the cluster's service-account key
(``<data-dir>/server/tls/service.key``, as K3s keeps it), and their verification.

Claims as Kubernetes writes them: ``iss``, ``sub`` (``system:serviceaccount:<ns>:<name>``),
``aud``, ``exp``/``iat``/``nbf``, ``jti`` and the ``kubernetes.io`` block naming the namespace,
service account (and its uid) and any bound object.
"""

from __future__ import annotations

import base64
import time
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from k3py.errors import PkiError
from k3py.pki.files import write_private

DEFAULT_ISSUER = "https://kubernetes.default.svc.cluster.local"
DEFAULT_AUDIENCES = (DEFAULT_ISSUER, "k3s")


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def ensure_signing_key(path: Path) -> bytes:
    """The service-account signing key (RSA 2048, PEM), made once and kept (mode 0600)."""
    if path.exists():
        return path.read_bytes()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(serialization.Encoding.PEM,
                            serialization.PrivateFormat.TraditionalOpenSSL,
                            serialization.NoEncryption())
    write_private(path, pem)
    return pem


class TokenSigner:
    """Issues and verifies the tokens of one cluster (one key, one issuer)."""

    def __init__(self, key_pem: bytes, *, issuer: str = DEFAULT_ISSUER,
                 audiences: Sequence[str] = DEFAULT_AUDIENCES) -> None:
        key = serialization.load_pem_private_key(key_pem, password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise PkiError("the service-account key must be an RSA key")
        self._key = key
        self._public = key.public_key()
        self.issuer = issuer
        self.audiences = tuple(audiences)
        digest = hashes.Hash(hashes.SHA256())
        digest.update(self._public.public_bytes(serialization.Encoding.DER,
                                                serialization.PublicFormat.SubjectPublicKeyInfo))
        self.key_id = _b64(digest.finalize())

    def issue(self, *, namespace: str, name: str, uid: str, seconds: int,
              audiences: Sequence[str] = (), bound: dict[str, str] | None = None,
              now: float | None = None) -> tuple[str, int]:
        """A signed token and its expiry (unix seconds)."""
        issued = int(now if now is not None else time.time())
        expires = issued + seconds
        claims: dict[str, Any] = {
            "aud": list(audiences or self.audiences), "exp": expires, "iat": issued,
            "nbf": issued, "iss": self.issuer, "jti": str(uuid.uuid4()),
            "sub": f"system:serviceaccount:{namespace}:{name}",
            "kubernetes.io": {"namespace": namespace,
                              "serviceaccount": {"name": name, "uid": uid}}}
        if bound:
            claims["kubernetes.io"][bound["kind"].lower()] = {"name": bound["name"],
                                                              "uid": bound.get("uid", "")}
        header = {"alg": "RS256", "kid": self.key_id}
        signing_input = f"{_b64(orjson.dumps(header))}.{_b64(orjson.dumps(claims))}"
        signature = self._key.sign(signing_input.encode(), padding.PKCS1v15(), hashes.SHA256())
        return f"{signing_input}.{_b64(signature)}", expires

    def verify(self, token: str, *, now: float | None = None) -> dict[str, Any] | None:
        """The claims of a valid token for one of our audiences; None for anything else
        (not ours, tampered, expired, not yet valid)."""
        parts = token.split(".")
        if len(parts) != 3:
            return None
        try:
            header = orjson.loads(_unb64(parts[0]))
            if header.get("alg") != "RS256":
                return None
            self._public.verify(_unb64(parts[2]), f"{parts[0]}.{parts[1]}".encode(),
                                padding.PKCS1v15(), hashes.SHA256())
            claims: dict[str, Any] = orjson.loads(_unb64(parts[1]))
        except (ValueError, InvalidSignature, orjson.JSONDecodeError):
            return None
        moment = now if now is not None else time.time()
        audiences = claims.get("aud")
        if isinstance(audiences, str):
            audiences = [audiences]
        if claims.get("iss") != self.issuer or not set(audiences or ()) & set(self.audiences):
            return None
        if not isinstance(claims.get("exp"), int) or claims["exp"] <= moment - 60:
            return None
        if isinstance(claims.get("nbf"), int) and claims["nbf"] > moment + 60:
            return None
        return claims
