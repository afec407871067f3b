"""Kubernetes objects over the datastore: get, list with limit/continue, create, update as
a read-modify-write that retries on conflict, delete with preconditions and finalizers.

Writes go straight to the datastore (compare-and-swap on the key's mod revision); reads come
from the watch cache, made consistent first unless the client asked for ``resourceVersion=0``.
A paged list's later pages are read from the datastore at the first page's revision, so every
page belongs to one snapshot.
"""

from __future__ import annotations

import base64
import binascii
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import orjson

from k3py.api.resources import Resource
from k3py.datastore import Backend, KeyValue
from k3py.errors import (
    AlreadyExists,
    BadRequest,
    CompactedError,
    Conflict,
    FutureRevisionError,
    Gone,
    NotFound,
    Timeout,
)
from k3py.storage.cache import WatchCache, Watcher
from k3py.storage.codec import decode_kv, encode, with_revision
from k3py.storage.encryption import SecretsCipher
from k3py.storage.leases import LeaseReuse

logger = logging.getLogger(__name__)

Predicate = Callable[[dict[str, Any]], bool]
Mutation = Callable[[dict[str, Any] | None], Awaitable[dict[str, Any] | None]]
"""Given the current object (None: absent), the object to write, or None to write nothing."""

MAX_UPDATE_ATTEMPTS = 16
EVENT_TTL = 3600  # seconds an Event lives (kube-apiserver's --event-ttl default)
EXPIRING = frozenset({("", "events"), ("events.k8s.io", "events")})


@dataclass(frozen=True, slots=True)
class ListPage:
    items: list[dict[str, Any]]
    resource_version: str
    continue_token: str | None = None
    remaining: int | None = None


def not_found(resource: Resource, name: str) -> NotFound:
    return NotFound(f'{resource.group_resource} "{name}" not found',
                    details={"name": name, "group": resource.group, "kind": resource.plural})


def conflict(resource: Resource, name: str, why: str) -> Conflict:
    return Conflict(f'Operation cannot be fulfilled on {resource.group_resource} "{name}": {why}',
                    details={"name": name, "group": resource.group, "kind": resource.plural})


STALE = ("the object has been modified; please apply your changes to the latest version and "
         "try again")


def _encode_continue(revision: int, start: str) -> str:
    raw = orjson.dumps({"v": "meta.k8s.io/v1", "rv": revision, "start": start})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_continue(token: str) -> tuple[int, str]:
    try:
        data = orjson.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        revision, start = int(data["rv"]), str(data["start"])
    except (binascii.Error, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        raise BadRequest("continue key is not valid: the token could not be decoded") from None
    if revision <= 0 or ".." in start.split("/"):
        raise BadRequest("continue key is not valid: bad revision or start key")
    return revision, start


def _parse_revision(value: str) -> int:
    try:
        revision = int(value)
    except ValueError:
        raise BadRequest(f'invalid resource version "{value}"') from None
    if revision < 0:
        raise BadRequest(f'invalid resource version "{value}"')
    return revision


def served(resource: Resource, obj: dict[str, Any]) -> dict[str, Any]:
    """A custom object as the version the request is for: with no conversion webhook, a
    CRD's versions differ only in ``apiVersion``."""
    if resource.custom is not None and obj.get("apiVersion") != resource.api_version:
        return {**obj, "apiVersion": resource.api_version}
    return obj


def _stored(resource: Resource, obj: dict[str, Any]) -> bytes:
    """The bytes to write: custom objects are kept in their CRD's storage version."""
    custom = resource.custom
    if custom is not None and custom.storage_version and \
            custom.storage_version != resource.version:
        obj = {**obj, "apiVersion": f"{resource.group}/{custom.storage_version}"}
    return encode(obj)


def _finished_deleting(obj: dict[str, Any]) -> bool:
    """Marked for deletion and nothing left to wait for (a namespace also waits for its
    ``spec.finalizers``)."""
    meta = obj.get("metadata") or {}
    if not meta.get("deletionTimestamp") or meta.get("finalizers"):
        return False
    return obj.get("kind") != "Namespace" or not (obj.get("spec") or {}).get("finalizers")


class ObjectStore:
    """The one way the API server reads and writes objects."""

    def __init__(self, backend: Backend, cache: WatchCache, *,
                 event_ttl: int = EVENT_TTL, cipher: SecretsCipher | None = None) -> None:
        self.backend = backend
        self.cache = cache
        self.cipher = cipher
        self.event_ttl = event_ttl
        self._leases = LeaseReuse(backend)

    def _seal(self, key: str, value: bytes) -> bytes:
        """Secrets are encrypted at rest when the cluster was started so."""
        if self.cipher is not None and self.cipher.applies_to(key):
            return self.cipher.encrypt(value)
        return value

    def _decode(self, kv: KeyValue) -> dict[str, Any]:
        return decode_kv(kv, self.cipher)

    # -- reads -------------------------------------------------------------------------

    async def _fresh(self, resource_version: str | None) -> None:
        """Bring the cache to what the request's resourceVersion asks for."""
        if resource_version in (None, ""):
            await self.cache.sync()
        elif resource_version != "0":
            wanted = _parse_revision(resource_version)
            if not await self.cache.wait_for(wanted):
                raise Timeout(f"Too large resource version: {wanted}, current: "
                              f"{self.cache.revision}",
                              details={"retryAfterSeconds": 1})

    async def get(self, resource: Resource, namespace: str | None, name: str, *,
                  resource_version: str | None = None) -> dict[str, Any]:
        await self._fresh(resource_version)
        obj = self.cache.get(resource.key(namespace, name))
        if obj is None:
            raise not_found(resource, name)
        return served(resource, obj)

    async def read_current(self, resource: Resource, namespace: str | None,
                           name: str) -> tuple[dict[str, Any], KeyValue]:
        """The object as the datastore has it now (what writes are based on)."""
        kv = await self.backend.get(resource.key(namespace, name))
        if kv is None:
            raise not_found(resource, name)
        return served(resource, self._decode(kv)), kv

    async def list(self, resource: Resource, namespace: str | None, *,
                   predicate: Predicate | None = None, limit: int = 0,
                   continue_token: str | None = None, resource_version: str | None = None,
                   resource_version_match: str | None = None) -> ListPage:
        prefix = resource.key_prefix(namespace)
        if continue_token:
            revision, start = _decode_continue(continue_token)
            return await self._list_datastore(resource, prefix, revision, start=prefix + start,
                                              limit=limit, predicate=predicate)
        exact = resource_version_match == "Exact" or (
            resource_version not in (None, "", "0") and limit > 0
            and resource_version_match is None)
        if exact and resource_version is not None:
            revision = _parse_revision(resource_version)
            if revision != self.cache.revision:
                return await self._list_datastore(resource, prefix, revision, start=prefix,
                                                  limit=limit, predicate=predicate)
        else:
            await self._fresh(resource_version)
        revision = self.cache.revision
        items: list[dict[str, Any]] = []
        last_key = None
        more = False
        for key, obj in self.cache.items(prefix):
            if predicate is not None and not predicate(obj):
                continue
            if limit and len(items) == limit:
                more = True
                break
            items.append(served(resource, obj))
            last_key = key
        token = None
        if more and last_key is not None:
            token = _encode_continue(revision, last_key[len(prefix):] + "\x00")
        return ListPage(items, str(revision), token)

    async def _list_datastore(self, resource: Resource, prefix: str, revision: int, *,
                              start: str, limit: int,
                              predicate: Predicate | None) -> ListPage:
        items: list[dict[str, Any]] = []
        try:
            while True:
                page = await self.backend.list(prefix, revision, limit=max(limit, 100),
                                               start_key=start)
                for kv in page.kvs:
                    obj = served(resource, self._decode(kv))
                    if predicate is not None and not predicate(obj):
                        continue
                    if limit and len(items) == limit:
                        token = _encode_continue(revision, kv.key[len(prefix):])
                        return ListPage(items, str(revision), token)
                    items.append(obj)
                if not page.more or not page.kvs:
                    return ListPage(items, str(revision))
                start = page.kvs[-1].key + "\x00"
        except CompactedError:
            raise Gone("The provided continue parameter is too old to display a consistent "
                       "list result. You can start a new list without the continue "
                       "parameter.") from None
        except FutureRevisionError:
            raise Timeout(f"Too large resource version: {revision}",
                          details={"retryAfterSeconds": 1}) from None

    # -- writes ------------------------------------------------------------------------

    async def create(self, resource: Resource, obj: dict[str, Any], *,
                     dry_run: bool = False) -> dict[str, Any]:
        meta = obj["metadata"]
        name, namespace = meta["name"], meta.get("namespace")
        key = resource.key(namespace, name)
        if dry_run:
            if await self.backend.get(key) is not None:
                raise self._exists(resource, name)
            return obj
        lease = 0
        if (resource.group, resource.plural) in EXPIRING and self.event_ttl > 0:
            lease = await self._leases.lease_for(self.event_ttl)
        result = await self.backend.create(key, self._seal(key, _stored(resource, obj)),
                                           lease=lease)
        if not result.succeeded:
            raise self._exists(resource, name)
        return with_revision(obj, result.revision)

    @staticmethod
    def _exists(resource: Resource, name: str) -> AlreadyExists:
        return AlreadyExists(f'{resource.group_resource} "{name}" already exists',
                             details={"name": name, "group": resource.group,
                                      "kind": resource.plural})

    async def update(self, resource: Resource, namespace: str | None, name: str,
                     mutate: Mutation, *, dry_run: bool = False,
                     allow_create: bool = False) -> tuple[dict[str, Any], bool]:
        """Read, ``mutate``, compare-and-swap; retried while others win the race (the
        mutation itself raises Conflict when the client pinned a resourceVersion).
        Returns (the object as stored, created). An object whose deletion was only waiting
        for its finalizers is deleted once the update leaves it none."""
        key = resource.key(namespace, name)
        for _ in range(MAX_UPDATE_ATTEMPTS):
            kv = await self.backend.get(key)
            current = served(resource, self._decode(kv)) if kv is not None else None
            if current is None and not allow_create:
                raise not_found(resource, name)
            new = await mutate(current)
            if new is None:
                assert current is not None
                return current, False
            if dry_run:
                return new, current is None
            if kv is None:
                result = await self.backend.create(key, self._seal(key, _stored(resource, new)))
                if result.succeeded:
                    return with_revision(new, result.revision), True
                continue
            if _finished_deleting(new):
                result = await self.backend.delete(key, expected_mod_revision=kv.mod_revision)
                if result.succeeded:
                    return with_revision(new, result.revision), False
                continue
            result = await self.backend.update(key, self._seal(key, _stored(resource, new)),
                                               lease=kv.lease,
                                               expected_mod_revision=kv.mod_revision)
            if result.succeeded:
                return with_revision(new, result.revision), False
        raise conflict(resource, name, STALE)

    async def delete_now(self, resource: Resource, current: dict[str, Any], kv: KeyValue, *,
                         dry_run: bool = False) -> dict[str, Any] | None:
        """Remove the object if it is still the version ``kv``; None when it changed."""
        if dry_run:
            return current
        result = await self.backend.delete(kv.key, expected_mod_revision=kv.mod_revision)
        if not result.succeeded:
            return None
        return with_revision(current, result.revision)

    async def replace_if_unchanged(self, resource: Resource, kv: KeyValue,
                                   new: dict[str, Any], *,
                                   dry_run: bool = False) -> dict[str, Any] | None:
        """Write ``new`` over the version ``kv``; None when the key changed meanwhile."""
        if dry_run:
            return new
        result = await self.backend.update(kv.key, self._seal(kv.key, _stored(resource, new)),
                                           lease=kv.lease,
                                           expected_mod_revision=kv.mod_revision)
        return with_revision(new, result.revision) if result.succeeded else None

    # -- watch -------------------------------------------------------------------------

    def watch(self, resource: Resource, namespace: str | None, after: int) -> Watcher:
        return self.cache.subscribe(resource.key_prefix(namespace), after)

    def unwatch(self, watcher: Watcher) -> None:
        self.cache.unsubscribe(watcher)
