"""Objects to stored bytes and back. The stored JSON never carries ``resourceVersion``: it
is the datastore's mod revision, set on the way out, so it can never disagree with it."""

from __future__ import annotations

from typing import Any

import orjson

from k3py.datastore import KeyValue
from k3py.storage.encryption import SecretsCipher


def encode(obj: dict[str, Any]) -> bytes:
    meta = obj.get("metadata") or {}
    if "resourceVersion" in meta:
        obj = {**obj, "metadata": {k: v for k, v in meta.items() if k != "resourceVersion"}}
    return orjson.dumps(obj)


def decode(value: bytes, revision: int) -> dict[str, Any]:
    obj: dict[str, Any] = orjson.loads(value)
    meta = obj.get("metadata")
    if isinstance(meta, dict):
        meta["resourceVersion"] = str(revision)
    else:
        obj["metadata"] = {"resourceVersion": str(revision)}
    return obj


def decode_kv(kv: KeyValue, cipher: SecretsCipher | None = None) -> dict[str, Any]:
    value = kv.value
    if cipher is not None and cipher.applies_to(kv.key):
        value = cipher.decrypt(value)
    return decode(value, kv.mod_revision)


def with_revision(obj: dict[str, Any], revision: int) -> dict[str, Any]:
    """A shallow copy of ``obj`` whose metadata says ``revision``."""
    return {**obj, "metadata": {**(obj.get("metadata") or {}), "resourceVersion": str(revision)}}
