"""``k3py token rotate``: re-seal the cluster's bootstrap data under a new token.

Run on a server host (it reads that server's config: data dir, datastore endpoint): the
record sealed with the old token is decrypted, sealed again under the new one, written at
the new token's key and the old key deleted, in that order, so a crash in between leaves
the data readable with at least one of the two tokens. The local token files and password
file follow. Running servers keep serving; a server (re)started with the old token is
refused, and one with the new token joins.
"""

from __future__ import annotations

import asyncio
import base64
import logging

import orjson

from k3py.config.server import ServerConfig
from k3py.datastore import open_backend
from k3py.errors import ConfigError
from k3py.pki import write_private
from k3py.pki.clustertoken import (
    TokenError,
    bootstrap_key,
    decrypt,
    encrypt,
    full_token,
    parse_token,
)
from k3py.server.cluster import passwd_file

logger = logging.getLogger(__name__)


async def rotate_token(config: ServerConfig, new_token: str) -> str:
    """Re-seal the bootstrap data under ``new_token``; returns the new full token."""
    if not config.token:
        raise ConfigError("token rotate needs the current token (--token, --token-file or "
                          "K3PY_TOKEN)")
    old = parse_token(config.token).password
    new = parse_token(new_token).password
    if new == old:
        raise ConfigError("the new token is the current token; choose another")
    backend = open_backend(config.datastore_endpoint, data_dir=config.data_dir,
                           ca_file=config.datastore_cafile, cert_file=config.datastore_certfile,
                           key_file=config.datastore_keyfile)
    async with backend:
        old_kv = await backend.get(bootstrap_key(old))
        if old_kv is None or not old_kv.value:
            raise TokenError("no bootstrap data is sealed with the current token: is it this "
                             "cluster's token?")
        record = orjson.loads(decrypt(old, old_kv.value))
        record = await asyncio.to_thread(_with_new_passwords, config, record, old, new)
        sealed = encrypt(new, orjson.dumps(record))
        created = await backend.create(bootstrap_key(new), sealed)
        if not created.succeeded:
            raise TokenError("bootstrap data for the new token already exists; choose another "
                             "token")
        await backend.delete(bootstrap_key(old), expected_mod_revision=old_kv.mod_revision)
    ca = await asyncio.to_thread((config.server_dir / "tls" / "server-ca.crt").read_bytes)
    token = full_token(ca, username="server", password=new)
    await asyncio.to_thread(write_private, config.server_dir / "token",
                            (token + "\n").encode())
    logger.info("token rotated: bootstrap data re-sealed; restart or join servers with the "
                "new token")
    return token


def _with_new_passwords(config: ServerConfig, record: dict[str, dict[str, str]],
                        old: str, new: str) -> dict[str, dict[str, str]]:
    """The record and the local password file with the server password (and the agent
    password, when it was the same) changed to ``new``."""
    passwd = config.server_dir / "cred" / "passwd"
    agent = old
    if "PasswdFile" in record:
        for line in base64.b64decode(record["PasswdFile"]["Content"]).decode().splitlines():
            fields = line.split(",")
            if len(fields) >= 2 and fields[1] == "node":
                agent = fields[0]
    content = passwd_file(new, new if agent == old else agent)
    write_private(passwd, content)
    record = dict(record)
    record["PasswdFile"] = {"Timestamp": record.get("PasswdFile", {}).get("Timestamp", ""),
                            "Content": base64.b64encode(content).decode()}
    return record
