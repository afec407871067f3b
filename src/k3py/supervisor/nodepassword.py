"""One password per node name, so an agent holding the join token cannot obtain kubelet
certificates for a node that is not its own.

As K3s keeps them (``pkg/nodepassword``): the first request for a name stores the scrypt
hash of its password in the immutable Secret ``kube-system/<name>.node-password.k3s``
(type ``k3s.cattle.io/node-password``, data ``hash`` = ``$1:<hex salt>:15:8:1:<base64 key>``,
N = 2^15, r = 8, p = 1, 64-byte key, 8-byte salt — the very format K3s writes, so a
datastore shared with K3s reads the same); later requests must present the same password,
or get 403 ``unable to verify password for node <name>: hash does not match``. Deleting the
Secret (or the Node, once garbage collection follows the owner reference) frees the name.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import contextlib
import hashlib
import hmac
import logging
import os
from typing import Any

from k3py.api import strategy
from k3py.api.resources import builtin
from k3py.errors import AlreadyExists, Forbidden, NotFound
from k3py.storage import ObjectStore

logger = logging.getLogger(__name__)

SECRETS = builtin("", "secrets")
NODES = builtin("", "nodes")
NAMESPACE = "kube-system"
SECRET_TYPE = "k3s.cattle.io/node-password"
_N_LOG2, _R, _P, _KEY_LEN, _SALT_LEN = 15, 8, 1, 64, 8
_MAXMEM = 64 * 1024 * 1024  # N=2^15, r=8 needs 32 MiB: just over hashlib's default cap
_MAX_WORK = 256 * 1024 * 1024  # a stored hash may not ask for more memory than this


def secret_name(node_name: str) -> str:
    return f"{node_name}.node-password.k3s".lower()


def create_hash(password: str) -> str:
    """K3s's scrypt hash string for ``password`` (slow on purpose: call from a thread)."""
    salt = os.urandom(_SALT_LEN)
    key = hashlib.scrypt(password.encode(), salt=salt, n=1 << _N_LOG2, r=_R, p=_P,
                         dklen=_KEY_LEN, maxmem=_MAXMEM)
    encoded = base64.b64encode(key).decode().rstrip("=")
    return f"$1:{salt.hex()}:{_N_LOG2}:{_R}:{_P}:{encoded}"


def verify_hash(hashed: str, password: str) -> str | None:
    """None when ``password`` matches ``hashed``; else K3s's reason (never the password)."""
    parts = hashed.split(":")
    if len(parts) != 6 or not parts[0].startswith("$"):
        return "hash format not recognised"
    version, salt_hex, n_log2, r, p, encoded = parts
    if version != "$1":
        return f"hash version {version[1:]} does not match package version 1"
    try:
        salt = bytes.fromhex(salt_hex)
        expected = base64.b64decode(encoded + "=" * (-len(encoded) % 4), validate=True)
        log2, r_, p_ = int(n_log2), int(r), int(p)
        n = 1 << min(max(log2, 0), 30)
        if not (0 < log2 <= 30 and r_ > 0 and 0 < p_ <= 16 and 128 * n * r_ <= _MAX_WORK):
            return "hash parameters out of range"
        key = hashlib.scrypt(password.encode(), salt=salt, n=n, r=r_, p=p_,
                             dklen=len(expected), maxmem=2 * _MAX_WORK)
    except (ValueError, binascii.Error):
        return "hash format not recognised"
    return None if hmac.compare_digest(key, expected) else "hash does not match"


class NodePasswords:
    """Checks, and on first use records, a node's password through the object store."""

    def __init__(self, store: ObjectStore) -> None:
        self._store = store

    async def _verify(self, node_name: str, password: str, secret: dict[str, Any]) -> None:
        encoded = (secret.get("data") or {}).get("hash")
        if not encoded:
            reason: str | None = "password hash not found in node secret"
        else:
            hashed = base64.b64decode(encoded).decode(errors="replace")
            reason = await asyncio.to_thread(verify_hash, hashed, password)
        if reason is not None:
            logger.warning("refused kubelet certificates for node %s: its node password "
                           "does not match the one first used for that name", node_name)
            raise Forbidden(f"unable to verify password for node {node_name}: {reason}")

    async def ensure(self, node_name: str, password: str) -> None:
        """Pass when ``password`` is this node's (recording it if the name is new);
        :class:`~k3py.errors.Forbidden` otherwise."""
        name = secret_name(node_name)
        try:
            secret = await self._store.get(SECRETS, NAMESPACE, name)
        except NotFound:
            pass
        else:
            await self._verify(node_name, password, secret)
            return
        hashed = await asyncio.to_thread(create_hash, password)
        body: dict[str, Any] = {
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": name, "namespace": NAMESPACE},
            "immutable": True, "type": SECRET_TYPE,
            "data": {"hash": base64.b64encode(hashed.encode()).decode()},
        }
        owner = await self._node_owner(node_name)
        if owner is not None:
            body["metadata"]["ownerReferences"] = [owner]
        obj = strategy.prepare_create(SECRETS, body, namespace=NAMESPACE)
        try:
            await self._store.create(SECRETS, obj)
        except AlreadyExists:  # another request for this name won the race: check against it
            secret, _ = await self._store.read_current(SECRETS, NAMESPACE, name)
            await self._verify(node_name, password, secret)
            return
        logger.info("recorded the node password for node %s", node_name)

    async def _node_owner(self, node_name: str) -> dict[str, Any] | None:
        """An owner reference to the Node, when it exists, so the Secret goes with it."""
        with contextlib.suppress(NotFound):
            node = await self._store.get(NODES, None, node_name)
            uid = (node.get("metadata") or {}).get("uid")
            if uid:
                return {"apiVersion": "v1", "kind": "Node", "name": node_name, "uid": uid}
        return None

    async def node_exists(self, node_name: str) -> bool:
        try:
            await self._store.get(NODES, None, node_name)
        except NotFound:
            return False
        return True
