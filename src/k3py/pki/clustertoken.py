"""The cluster token and the bootstrap data it protects, in K3s's formats.

A full token is ``K10<sha256 of the CA bundle>::<user>:<password>``; a short one is just the
password. The password alone (the *normalized* token) keys the bootstrap data in the
datastore: ``/bootstrap/`` + the first 12 hex of its SHA-256, the value being
``<salt>:<base64(nonce || AES-256-GCM ciphertext)>`` with a PBKDF2-HMAC-SHA1 key (4096 rounds,
the salt's ASCII hex as the salt), so a K3s-made record and a k3py-made one read the same.
"""

from __future__ import annotations

import base64
import hashlib
import os
import re
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from k3py.errors import PkiError

PREFIX = "K10"
_BOOTSTRAP_TOKEN = re.compile(r"^[a-z0-9]{6}\.[a-z0-9]{16}$")
PBKDF2_ROUNDS = 4096


class TokenError(PkiError):
    """A token that does not parse, or bootstrap data it cannot open."""


@dataclass(frozen=True, slots=True)
class Token:
    ca_hash: str   # "" for a short token
    username: str
    password: str  # the normalized token


def parse_token(text: str) -> Token:
    """Parse a full or short token (K3s's rules and messages)."""
    text = text.strip()
    if not text:
        raise TokenError("token must not be empty")
    if not text.startswith(PREFIX):
        text = f"{PREFIX}::{text}" if _BOOTSTRAP_TOKEN.match(text) else f"{PREFIX}:::{text}"
    ca_hash, sep, credentials = text[len(PREFIX):].partition("::")
    if not sep:
        raise TokenError("invalid token format")
    if ca_hash and len(ca_hash) != 64:
        raise TokenError("invalid token CA hash length")
    if _BOOTSTRAP_TOKEN.match(credentials):
        raise TokenError("failed to normalize server token; must be in format "
                         "K10<CA-HASH>::<USERNAME>:<PASSWORD> or <PASSWORD>")
    username, colon, password = credentials.partition(":")
    if not colon:
        username, password = "", credentials
    if not password:
        raise TokenError("invalid token format")
    return Token(ca_hash=ca_hash, username=username, password=password)


def new_password() -> str:
    """A fresh server password (16 random bytes as hex), as K3s makes one."""
    return secrets.token_hex(16)


def full_token(ca_bundle_pem: bytes, *, username: str, password: str) -> str:
    return f"{PREFIX}{hashlib.sha256(ca_bundle_pem).hexdigest()}::{username}:{password}"


def bootstrap_key(password: str) -> str:
    return "/bootstrap/" + hashlib.sha256(password.encode()).hexdigest()[:12]


def _key(passphrase: str, salt: str) -> bytes:
    return hashlib.pbkdf2_hmac("sha1", passphrase.encode(), salt.encode(), PBKDF2_ROUNDS, 32)


def encrypt(passphrase: str, plaintext: bytes) -> bytes:
    salt = os.urandom(8).hex()
    nonce = os.urandom(12)
    sealed = AESGCM(_key(passphrase, salt)).encrypt(nonce, plaintext, None)
    return f"{salt}:{base64.b64encode(nonce + sealed).decode()}".encode()


def decrypt(passphrase: str, value: bytes) -> bytes:
    """The plaintext, or TokenError when ``value`` was not sealed with this passphrase."""
    salt, sep, body = value.decode(errors="replace").partition(":")
    if not sep:
        raise TokenError("invalid cipher text, not : delimited")
    try:
        raw = base64.b64decode(body, validate=True)
        return AESGCM(_key(passphrase, salt)).decrypt(raw[:12], raw[12:], None)
    except (ValueError, InvalidTag):
        raise TokenError("bootstrap data already found and encrypted with different "
                         "token") from None
