"""Joining or founding a cluster through its datastore, as K3s does (``reference/
k3s-behaviour.md`` §4): the CAs, their keys, the service-account key and the passwords travel
in the datastore encrypted with the token, so every server with the token serves the same
cluster; the settings every server must share are recorded by the first and checked by the
rest. Nothing is written to disk before the token has been proved right, so a refused start
leaves nothing behind that would stop a retry.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import os
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

import orjson

from k3py.config.server import ServerConfig
from k3py.datastore import Backend
from k3py.errors import ConfigError
from k3py.pki import write_private
from k3py.pki.clustertoken import (
    TokenError,
    bootstrap_key,
    decrypt,
    encrypt,
    full_token,
    new_password,
    parse_token,
)

logger = logging.getLogger(__name__)

BOOTSTRAP_PREFIX = "/bootstrap/"
SETTINGS_KEY = "/k3py/critical-settings"
LOCK_WAIT = 1.0
LOCK_ATTEMPTS = 5

# Bootstrap record field → file under <data-dir>/server (K3s's names).
BOOTSTRAP_FILES = {
    "ServerCA": "tls/server-ca.crt", "ServerCAKey": "tls/server-ca.key",
    "ClientCA": "tls/client-ca.crt", "ClientCAKey": "tls/client-ca.key",
    "ServiceKey": "tls/service.key", "PasswdFile": "cred/passwd",
    "EncryptionConfig": "cred/encryption-config.json",
}

MakeFiles = Callable[[], Awaitable[None]]
"""Creates this server's CAs and keys on disk (the founding server only)."""


def _stored_token(server_dir: Path) -> str | None:
    try:
        return (server_dir / "token").read_text().strip() or None
    except OSError:
        return None


def passwd_file(server: str, agent: str) -> bytes:
    """K3s's ``cred/passwd``: the server and the agent (node) passwords."""
    return f"{server},server,server,k3s:server\n{agent},node,node,k3s:agent\n".encode()


def _record(server_dir: Path) -> bytes:
    data = {}
    for field, relative in BOOTSTRAP_FILES.items():
        path = server_dir / relative
        if path.exists():
            stamp = datetime.fromtimestamp(path.stat().st_mtime, UTC)
            data[field] = {"Timestamp": stamp.strftime("%Y-%m-%dT%H:%M:%SZ"),
                           "Content": base64.b64encode(path.read_bytes()).decode()}
    return orjson.dumps(data)


def _differing(server_dir: Path, record: dict[str, dict[str, str]]) -> list[Path]:
    """Files on disk that contradict the cluster's record."""
    found = []
    for field, relative in BOOTSTRAP_FILES.items():
        path = server_dir / relative
        if field in record and path.exists() and \
                path.read_bytes() != base64.b64decode(record[field]["Content"]):
            found.append(path)
    return found


def _write_record(server_dir: Path, record: dict[str, dict[str, str]]) -> None:
    for field, relative in BOOTSTRAP_FILES.items():
        if field not in record:
            continue
        path = server_dir / relative
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        if not path.exists():
            write_private(path, base64.b64decode(record[field]["Content"]))


class ClusterBootstrap:
    """One server's way into its cluster. :meth:`run` returns the server password."""

    def __init__(self, config: ServerConfig, backend: Backend) -> None:
        self._config = config
        self._backend = backend
        self._server_dir = config.server_dir

    async def run(self, make_files: MakeFiles) -> str:
        token_text = self._config.token or await asyncio.to_thread(
            _stored_token, self._server_dir)
        token = parse_token(token_text) if token_text else None
        existing = (await self._backend.list(BOOTSTRAP_PREFIX)).kvs
        if token is None:
            if any(kv.value for kv in existing):
                raise ConfigError(
                    "this datastore already holds a cluster (its bootstrap data is there), "
                    "and this server has no token: start it with the cluster's token "
                    "(--token, --token-file or K3PY_TOKEN; an existing server keeps it in "
                    "<data-dir>/server/token)")
            password = new_password()
            logger.info("no token given: founding a new cluster with a generated token")
        else:
            password = token.password
        await self._join_or_found(password, make_files, ca_hash=token.ca_hash if token else "")
        await self._check_settings()
        await asyncio.to_thread(self._write_token_files, password)
        return password

    async def _join_or_found(self, password: str, make_files: MakeFiles, *,
                             ca_hash: str) -> None:
        key = bootstrap_key(password)
        locked_seen = 0
        while True:
            kv = await self._backend.get(key)
            if kv is not None and kv.value:
                record = orjson.loads(decrypt(password, kv.value))
                ca = base64.b64decode(record.get("ServerCA", {}).get("Content", ""))
                if ca_hash and hashlib.sha256(ca).hexdigest() != ca_hash:
                    raise TokenError("the token's CA hash does not match this cluster's CA: "
                                     "the token belongs to another cluster")
                await asyncio.to_thread(self._adopt, record)
                logger.info("joined the cluster: bootstrap data read from the datastore")
                return
            if kv is not None:  # another server holds the lock while it founds the cluster
                locked_seen += 1
                if locked_seen > LOCK_ATTEMPTS:
                    logger.warning("bootstrap key lock timed out; deleting it and retrying")
                    await self._backend.delete(key, expected_mod_revision=kv.mod_revision)
                    locked_seen = 0
                await asyncio.sleep(LOCK_WAIT)
                continue
            others = [o for o in (await self._backend.list(BOOTSTRAP_PREFIX)).kvs if o.value]
            if others:
                raise TokenError("bootstrap data already found and encrypted with different "
                                 "token: this server's token is not the cluster's")
            lock = await self._backend.create(key, b"")
            if not lock.succeeded:
                continue
            logger.info("bootstrap key locked for initial create")
            await make_files()
            await asyncio.to_thread(self._ensure_passwd, password)
            value = encrypt(password, await asyncio.to_thread(_record, self._server_dir))
            saved = await self._backend.update(key, value, expected_mod_revision=lock.revision)
            if not saved.succeeded:
                raise ConfigError("another server took over the bootstrap lock while this "
                                  "one was founding the cluster; restart to join it")
            logger.info("saved the cluster bootstrap data to the datastore")
            return

    def _adopt(self, record: dict[str, dict[str, str]]) -> None:
        differing = _differing(self._server_dir, record)
        if differing:
            names = ", ".join(str(p) for p in differing)
            raise ConfigError(f"{names} differ from the cluster's bootstrap data in the "
                              "datastore; remove them and restart to have them recreated "
                              "from the datastore")
        _write_record(self._server_dir, record)

    def _ensure_passwd(self, password: str) -> None:
        path = self._server_dir / "cred" / "passwd"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            agent = parse_token(self._config.agent_token).password \
                if self._config.agent_token else password
            write_private(path, passwd_file(password, agent))

    async def _check_settings(self) -> None:
        """The first server records the critical settings; the others must match them."""
        mine = self._config.critical_settings()
        kv = await self._backend.get(SETTINGS_KEY)
        if kv is None:
            result = await self._backend.create(SETTINGS_KEY, orjson.dumps(mine))
            if result.succeeded:
                return
            kv = result.kv
        recorded = orjson.loads(kv.value) if kv is not None else {}
        differences = [f"{name}: this server has {mine.get(name)!r}, the cluster has "
                       f"{value!r}" for name, value in sorted(recorded.items())
                       if mine.get(name) != value]
        if differences:
            raise ConfigError("critical configuration value mismatch between servers; every "
                              "server of a cluster must use the same values:\n  - "
                              + "\n  - ".join(differences))

    def _write_token_files(self, password: str) -> None:
        ca = (self._server_dir / "tls" / "server-ca.crt").read_bytes()
        server_token = full_token(ca, username="server", password=password)
        write_private(self._server_dir / "token", (server_token + "\n").encode())
        node_token = self._server_dir / "node-token"
        agent_token = self._server_dir / "agent-token"
        for link in (node_token, agent_token):
            if link.is_symlink() or link.exists():
                os.unlink(link)
        os.symlink("token", node_token)
        if self._config.agent_token:
            agent = parse_token(self._config.agent_token).password
            write_private(agent_token,
                          (full_token(ca, username="node", password=agent) + "\n").encode())
        else:
            os.symlink("token", agent_token)
