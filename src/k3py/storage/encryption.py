"""Secrets encrypted at rest, as kube-apiserver's ``aescbc`` provider writes them
(``--secrets-encryption`` in K3s): a stored Secret is
``k8s:enc:aescbc:v1:<key name>:<16-byte IV><AES-256-CBC ciphertext, PKCS#7 padded>``.

The first key of the configuration encrypts; every key decrypts (so keys can be rotated),
and values written before encryption was turned on (plain JSON) are still read.
"""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Sequence
from pathlib import Path

from cryptography.hazmat.primitives import padding
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from k3py.errors import DatastoreError

PREFIX = b"k8s:enc:aescbc:v1:"
ENCRYPTED_PREFIXES = ("/registry/core/secrets/",)


class SecretsCipher:
    def __init__(self, keys: Sequence[tuple[str, bytes]]) -> None:
        if not keys:
            raise ValueError("secrets encryption needs at least one key")
        self._keys = list(keys)
        self._by_name = dict(keys)

    @classmethod
    def from_config(cls, path: Path) -> SecretsCipher:
        """Keys of the aescbc provider of a Kubernetes EncryptionConfiguration (JSON)."""
        config = json.loads(path.read_text())
        keys = []
        for resource in config.get("resources", []):
            for provider in resource.get("providers", []):
                for key in (provider.get("aescbc") or {}).get("keys", []):
                    keys.append((key["name"], base64.b64decode(key["secret"])))
        return cls(keys)

    def applies_to(self, key: str) -> bool:
        return key.startswith(ENCRYPTED_PREFIXES)

    def encrypt(self, plaintext: bytes) -> bytes:
        name, secret = self._keys[0]
        iv = os.urandom(16)
        padder = padding.PKCS7(128).padder()
        padded = padder.update(plaintext) + padder.finalize()
        encryptor = Cipher(algorithms.AES(secret), modes.CBC(iv)).encryptor()
        return PREFIX + name.encode() + b":" + iv + encryptor.update(padded) + \
            encryptor.finalize()

    def decrypt(self, stored: bytes) -> bytes:
        if not stored.startswith(PREFIX):
            return stored  # written before encryption was enabled
        name, _, body = stored[len(PREFIX):].partition(b":")
        secret = self._by_name.get(name.decode(errors="replace"))
        if secret is None:
            raise DatastoreError(f"a stored secret is encrypted with key {name.decode()!r}, "
                                 "which the encryption configuration no longer has")
        iv, ciphertext = body[:16], body[16:]
        decryptor = Cipher(algorithms.AES(secret), modes.CBC(iv)).decryptor()
        padded = decryptor.update(ciphertext) + decryptor.finalize()
        unpadder = padding.PKCS7(128).unpadder()
        return unpadder.update(padded) + unpadder.finalize()


def new_encryption_config() -> bytes:
    """A fresh EncryptionConfiguration with one random aescbc key (K3s's layout)."""
    key = base64.b64encode(os.urandom(32)).decode()
    return json.dumps({
        "kind": "EncryptionConfiguration", "apiVersion": "apiserver.config.k8s.io/v1",
        "resources": [{"resources": ["secrets"], "providers": [
            {"aescbc": {"keys": [{"name": "aescbckey", "secret": key}]}},
            {"identity": {}}]}]}).encode()
