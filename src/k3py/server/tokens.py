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
import secrets
from datetime import UTC, datetime, timedelta

import orjson

from k3py.apiserver.bootstraptokens import TOKEN
from k3py.client import ApiClient, ClientTls
from k3py.config.server import ServerConfig
from k3py.datastore import open_backend
from k3py.errors import AlreadyExists, ConfigError, NotFound
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


# -- bootstrap tokens (k3py token create|list|delete|generate) ------------------------------

BOOTSTRAP_SECRET_TYPE = "bootstrap.kubernetes.io/token"
DEFAULT_GROUPS = "system:bootstrappers:k3s:default-node-token"
_ALPHABET = "abcdefghijklmnopqrstuvwxyz0123456789"


def generate_bootstrap_token() -> str:
    """A random ``<id>.<secret>`` (6 and 16 characters of [a-z0-9])."""
    return "".join(secrets.choice(_ALPHABET) for _ in range(6)) + "." + \
        "".join(secrets.choice(_ALPHABET) for _ in range(16))


def _admin_client(config: ServerConfig) -> ApiClient:
    tls = config.server_dir / "tls"
    return ApiClient(server=config.local_url, tls=ClientTls(
        ca_file=tls / "server-ca.crt", cert_file=tls / "client-admin.crt",
        key_file=tls / "client-admin.key"))


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


async def create_bootstrap_token(config: ServerConfig, *, token: str | None, ttl_seconds: int,
                                 description: str, groups: str, usages: str) -> str:
    """Store a bootstrap token; returns it in the full ``K10<ca hash>::<id>.<secret>`` form."""
    token = token or generate_bootstrap_token()
    match = TOKEN.match(token)
    if match is None:
        raise ConfigError(f"a bootstrap token must look like [a-z0-9]{{6}}.[a-z0-9]{{16}}, not "
                          f"{token[:7]}…")
    token_id, secret = match.groups()
    data = {"token-id": _b64(token_id), "token-secret": _b64(secret),
            "auth-extra-groups": _b64(groups)}
    for usage in filter(None, (u.strip() for u in usages.split(","))):
        data[f"usage-bootstrap-{usage}"] = _b64("true")
    if description:
        data["description"] = _b64(description)
    if ttl_seconds > 0:
        expires = datetime.now(UTC) + timedelta(seconds=ttl_seconds)
        data["expiration"] = _b64(expires.strftime("%Y-%m-%dT%H:%M:%SZ"))
    async with _admin_client(config) as client:
        try:
            await client.create("/api/v1/namespaces/kube-system/secrets", {
                "apiVersion": "v1", "kind": "Secret", "type": BOOTSTRAP_SECRET_TYPE,
                "metadata": {"name": f"bootstrap-token-{token_id}",
                             "namespace": "kube-system"}, "data": data})
        except AlreadyExists:
            raise ConfigError(f'a token with id "{token_id}" already exists') from None
    ca = await asyncio.to_thread((config.server_dir / "tls" / "server-ca.crt").read_bytes)
    return full_token(ca, username="", password=token).replace(":::", "::")


async def list_bootstrap_tokens(config: ServerConfig) -> list[dict[str, str]]:
    async with _admin_client(config) as client:
        listing = await client.get("/api/v1/namespaces/kube-system/secrets",
                                   fieldSelector=f"type={BOOTSTRAP_SECRET_TYPE}")
    rows = []
    for secret in listing.get("items", []):
        data = {k: base64.b64decode(v).decode() for k, v in (secret.get("data") or {}).items()}
        rows.append({"id": data.get("token-id", ""),
                     "expires": data.get("expiration", "<forever>"),
                     "usages": ",".join(sorted(k.removeprefix("usage-bootstrap-") for k in data
                                               if k.startswith("usage-bootstrap-"))),
                     "description": data.get("description", ""),
                     "groups": data.get("auth-extra-groups", "")})
    return rows


async def delete_bootstrap_tokens(config: ServerConfig, ids: list[str]) -> None:
    async with _admin_client(config) as client:
        for given in ids:
            token_id = given.split(".")[0].split("::")[-1]
            try:
                await client.delete(
                    f"/api/v1/namespaces/kube-system/secrets/bootstrap-token-{token_id}")
            except NotFound:
                raise ConfigError(f'bootstrap token "{token_id}" not found') from None
