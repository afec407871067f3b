"""Cluster tokens and bootstrap-data sealing in K3s's formats."""

from __future__ import annotations

import base64

import pytest

from k3py.pki.clustertoken import (
    TokenError,
    bootstrap_key,
    decrypt,
    encrypt,
    full_token,
    parse_token,
)


def test_bootstrap_keys_match_k3s() -> None:
    assert bootstrap_key("SECRET") == "/bootstrap/0917b13a9091"
    assert bootstrap_key("") == "/bootstrap/e3b0c44298fc"


@pytest.mark.parametrize(("text", "password", "user", "ca_hash"), [
    ("SECRET", "SECRET", "", ""),
    ("a:b:c", "a:b:c", "", ""),
    ("K10::server:pw", "pw", "server", ""),
    ("K10" + "f" * 64 + "::node:pw:x", "pw:x", "node", "f" * 64),
])
def test_tokens_parse(text: str, password: str, user: str, ca_hash: str) -> None:
    token = parse_token(text)
    assert (token.password, token.username, token.ca_hash) == (password, user, ca_hash)


@pytest.mark.parametrize(("text", "message"), [
    ("", "token must not be empty"),
    ("K10abc::server:pw", "invalid token CA hash length"),
    ("K10::server:", "invalid token format"),
    ("abcdef.0123456789abcdef", "failed to normalize server token"),
])
def test_bad_tokens_are_refused_with_k3s_messages(text: str, message: str) -> None:
    with pytest.raises(TokenError, match=message):
        parse_token(text)


def test_full_token_carries_the_ca_hash() -> None:
    token = full_token(b"-----BEGIN CERTIFICATE-----\n", username="server", password="pw")
    assert parse_token(token).password == "pw"
    assert len(parse_token(token).ca_hash) == 64


def test_sealed_data_opens_only_with_its_token() -> None:
    sealed = encrypt("pw", b'{"ServerCA": {}}')
    salt, _, body = sealed.decode().partition(":")
    assert len(salt) == 16 and int(salt, 16) >= 0
    assert len(base64.b64decode(body)) == 12 + len(b'{"ServerCA": {}}') + 16
    assert decrypt("pw", sealed) == b'{"ServerCA": {}}'
    with pytest.raises(TokenError, match="encrypted with different token"):
        decrypt("other", sealed)
    with pytest.raises(TokenError, match="not : delimited"):
        decrypt("pw", b"garbage")
