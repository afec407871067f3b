"""The etcd driver: the datastore contract on a real etcd 3.4+, through its v3 JSON gateway.

Revisions, compare-and-swap, leases and watches are etcd's own; this module only phrases each
operation as one etcd request and translates the answers. Two things etcd does not give
directly are derived here: its compacted revision (see :meth:`EtcdBackend._compact_revision`)
and sound progress marks on old versions (see ``watch.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import weakref

from k3py.datastore.backend import Backend
from k3py.datastore.endpoint import EtcdEndpoint, TlsFiles
from k3py.datastore.etcd.client import (
    UNAVAILABLE,
    EtcdApiError,
    EtcdClient,
    Json,
    b64,
    header_revision,
    stream_result,
    to_key,
    to_kv,
)
from k3py.datastore.etcd.watch import EtcdWatch
from k3py.datastore.settings import DatastoreSettings
from k3py.datastore.types import KeyValue, Lease, ListResult, TxnResult, prefix_range_end
from k3py.datastore.watch import Watch
from k3py.errors import (
    CompactedError,
    DatastoreError,
    DatastoreUnavailable,
    FutureRevisionError,
    LeaseNotFoundError,
    ValueTooLargeError,
    WatchCancelled,
)

logger = logging.getLogger(__name__)

_COMPACTED = "required revision has been compacted"
_FUTURE = "required revision is a future revision"
_LEASE_NOT_FOUND = "requested lease not found"
_TOO_LARGE = ("request is too large", "larger than max")
_ALL = b"\0"
"""With range_end "\\0", the key "\\0" starts a range over every key (etcd keys are never empty)."""


def ordered_progress(version: str) -> bool:
    """Whether this etcd sends a requested progress mark only after the events before it:
    fixed in 3.4.31 and 3.5.13 (etcd issues 15220, 17507)."""
    parts = tuple(int(p) for p in re.findall(r"\d+", version)[:3])
    return parts >= (3, 5, 13) or (3, 4, 31) <= parts < (3, 5)


class EtcdBackend(Backend):
    """A datastore backed by an etcd cluster (``http(s)://host:port[,...]`` endpoints)."""

    name = "etcd"

    def __init__(self, endpoint: EtcdEndpoint, *, tls: TlsFiles,
                 settings: DatastoreSettings) -> None:
        super().__init__(settings=settings)
        self._client = EtcdClient(endpoint, tls=tls, settings=settings)
        self._compacted = 0
        """The highest compacted revision this backend did or observed: a floor for etcd's."""
        self._ordered_progress = False
        self._watches: weakref.WeakSet[EtcdWatch] = weakref.WeakSet()
        self._compactor: asyncio.Task[None] | None = None

    # -- lifecycle -----------------------------------------------------------------------

    async def _start(self) -> None:
        self._client.open()
        try:
            status = await self._client.call("/v3/maintenance/status", {}, idempotent=True)
            version = str(status.get("version", "?"))
            self._ordered_progress = ordered_progress(version)
            await self._current_revision()  # a linearizable read: there is a leader
        except BaseException:
            await self._client.close()
            raise
        logger.info("connected to etcd %s at %s (progress marks: %s)", version,
                    self._client.url, "etcd's" if self._ordered_progress else "client-side")
        if self.settings.compact_interval > 0:
            self._compactor = asyncio.create_task(self.compact_periodically(),
                                                  name="etcd-compactor")

    async def _close(self) -> None:
        if self._compactor is not None:
            self._compactor.cancel()
            with contextlib.suppress(asyncio.CancelledError, TimeoutError):
                async with asyncio.timeout(5):
                    await self._compactor
        closing = WatchCancelled("the etcd datastore backend was closed")
        await asyncio.gather(*(watch.cancel(closing) for watch in list(self._watches)))
        await self._client.close()

    # -- reads ---------------------------------------------------------------------------

    async def _range(self, body: Json, revision: int) -> Json:
        try:
            return await self._client.call("/v3/kv/range", body, idempotent=True)
        except EtcdApiError as err:
            if _COMPACTED in err.etcd_message:
                raise CompactedError(revision, await self._find_compacted(revision)) from None
            if _FUTURE in err.etcd_message:
                raise FutureRevisionError(revision, await self._current_revision()) from None
            raise

    async def _get(self, key: bytes, revision: int) -> KeyValue | None:
        response = await self._range({"key": b64(key), "revision": revision}, revision)
        kvs = response.get("kvs") or ()
        return to_kv(kvs[0]) if kvs else None

    async def _list(self, prefix: bytes, start: bytes, revision: int, limit: int) -> ListResult:
        end = prefix_range_end(prefix)
        body = {"key": b64(start or _ALL), "range_end": b64(end or _ALL), "revision": revision,
                "limit": limit}
        response = await self._range(body, revision)
        # The header holds the *current* revision; a past snapshot is the one asked for.
        return ListResult(kvs=tuple(to_kv(kv) for kv in response.get("kvs") or ()),
                          revision=revision or header_revision(response),
                          more=bool(response.get("more")))

    async def _count(self, prefix: bytes) -> int:
        end = prefix_range_end(prefix)
        body = {"key": b64(prefix or _ALL), "range_end": b64(end or _ALL), "count_only": True}
        return int((await self._range(body, 0)).get("count", 0))

    async def _current_revision(self) -> int:
        response = await self._range({"key": b64(_ALL), "count_only": True}, 0)
        return header_revision(response)

    async def _compact_revision(self) -> int:
        return await self._find_compacted(0)

    async def _find_compacted(self, unreadable: int) -> int:
        """etcd's compacted revision C, which it never reports for reads: ranges fail below
        C, so search above the known floor. One cheap range when the floor is current."""
        bad = max(unreadable, self._compacted - 1, 0)  # revisions <= bad are unreadable
        good = bad + 1
        if not await self._readable(good):
            bad, good = good, await self._current_revision()
            while good - bad > 1:
                middle = (bad + good) // 2
                if await self._readable(middle):
                    good = middle
                else:
                    bad = middle
        if good > 1:  # at 1 it cannot tell "never compacted" from "compacted at 1"
            self._note_compacted(good)
        return self._compacted

    async def _readable(self, revision: int) -> bool:
        try:
            await self._client.call("/v3/kv/range", {"key": b64(_ALL), "revision": revision,
                                                     "count_only": True}, idempotent=True)
        except EtcdApiError as err:
            if _COMPACTED in err.etcd_message:
                return False
            raise
        return True

    def _note_compacted(self, revision: int) -> None:
        self._compacted = max(self._compacted, revision)

    # -- writes --------------------------------------------------------------------------

    async def _txn(self, body: Json, *, key: bytes, size: int = 0, lease: int = 0) -> Json:
        try:
            return await self._client.call("/v3/kv/txn", body, idempotent=False)
        except EtcdApiError as err:
            raise _write_error(err, key=key, size=size, lease=lease) from None

    async def _create(self, key: bytes, value: bytes, lease: int) -> TxnResult:
        k = b64(key)
        response = await self._txn({
            "compare": [{"key": k, "target": "CREATE", "result": "EQUAL", "create_revision": 0}],
            "success": [{"request_put": {"key": k, "value": b64(value), "lease": lease}}],
            "failure": [{"request_range": {"key": k}}],
        }, key=key, size=len(value), lease=lease)
        revision = header_revision(response)
        if response.get("succeeded"):
            return TxnResult(True, revision, KeyValue(to_key(key), value, revision, revision,
                                                      lease))
        return TxnResult(False, revision, _range_kv(response, 0))

    async def _update(self, key: bytes, value: bytes, expected: int, lease: int) -> TxnResult:
        k = b64(key)
        response = await self._txn({
            "compare": [{"key": k, "target": "MOD", "result": "EQUAL", "mod_revision": expected}],
            # The keys-only read after the put gives create_revision without the old value.
            "success": [{"request_put": {"key": k, "value": b64(value), "lease": lease}},
                        {"request_range": {"key": k, "keys_only": True}}],
            "failure": [{"request_range": {"key": k}}],
        }, key=key, size=len(value), lease=lease)
        revision = header_revision(response)
        if response.get("succeeded"):
            written = _range_kv(response, 1)
            created = written.create_revision if written else revision
            return TxnResult(True, revision, KeyValue(to_key(key), value, created, revision,
                                                      lease))
        return TxnResult(False, revision, _range_kv(response, 0))

    async def _delete(self, key: bytes, expected: int) -> TxnResult:
        k = b64(key)
        compare = ({"key": k, "target": "MOD", "result": "EQUAL", "mod_revision": expected}
                   if expected else
                   {"key": k, "target": "VERSION", "result": "GREATER", "version": 0})
        response = await self._txn({
            "compare": [compare],
            "success": [{"request_delete_range": {"key": k}}],
            "failure": [{"request_range": {"key": k}}],
        }, key=key)
        revision = header_revision(response)
        if response.get("succeeded"):
            return TxnResult(True, revision, None)
        return TxnResult(False, revision, _range_kv(response, 0))

    # -- watch, compaction, leases -------------------------------------------------------

    def _watch(self, prefix: bytes, start_revision: int) -> Watch:
        watch = EtcdWatch(
            self._client, prefix=prefix, start_revision=start_revision,
            ordered_progress=self._ordered_progress, compacted=self._compacted,
            current_revision=self._current_revision, note_compacted=self._note_compacted,
            queue_limit=self.settings.watch_queue,
        )
        self._watches.add(watch)
        return watch

    async def _compact(self, revision: int) -> None:
        """etcd compacts in the background (``physical: false``) without holding writers."""
        if revision == 0 or revision <= self._compacted:
            return
        try:
            await self._client.call("/v3/kv/compaction", {"revision": revision,
                                                          "physical": False}, idempotent=True)
        except EtcdApiError as err:
            if _FUTURE in err.etcd_message:
                raise FutureRevisionError(revision, await self._current_revision()) from None
            if _COMPACTED not in err.etcd_message:
                raise
        self._note_compacted(revision)

    async def _grant_lease(self, ttl: int) -> Lease:
        # A retried grant may leave an unused lease behind; it simply expires.
        response = await self._client.call("/v3/lease/grant", {"TTL": ttl}, idempotent=True)
        if response.get("error"):
            raise DatastoreError(f"etcd refused a lease of {ttl}s: {response['error']}")
        return Lease(int(response["ID"]), int(response.get("TTL", ttl)))

    async def _keepalive_lease(self, lease_id: int) -> Lease:
        # The gateway's keepalive is a stream; a one-message body gets one answer, then ends.
        response = await self._client.call("/v3/lease/keepalive", {"ID": lease_id},
                                           idempotent=True)
        ttl = int(stream_result(response, self._client.url).get("TTL", 0))
        if ttl <= 0:
            raise LeaseNotFoundError(lease_id)
        return Lease(lease_id, ttl)

    async def _revoke_lease(self, lease_id: int) -> None:
        """etcd deletes the attached keys itself, all at one revision. A lease that is
        already gone is not an error: the caller wanted it gone."""
        try:
            await self._client.call("/v3/lease/revoke", {"ID": lease_id}, idempotent=True)
        except EtcdApiError as err:
            if _LEASE_NOT_FOUND not in err.etcd_message:
                raise


def _range_kv(response: Json, index: int) -> KeyValue | None:
    """The first key of the range at ``responses[index]`` of a txn answer, if any."""
    responses = response.get("responses") or ()
    if index >= len(responses):
        return None
    kvs = (responses[index].get("response_range") or {}).get("kvs") or ()
    return to_kv(kvs[0]) if kvs else None


def _write_error(err: EtcdApiError, *, key: bytes, size: int, lease: int) -> DatastoreError:
    if _LEASE_NOT_FOUND in err.etcd_message:
        return LeaseNotFoundError(lease)
    if any(text in err.etcd_message for text in _TOO_LARGE):
        return ValueTooLargeError(f"etcd refused a value of {size} bytes for key "
                                  f"{key[:64]!r}: {err.etcd_message}")
    if err.code == UNAVAILABLE:
        if "no leader" in err.etcd_message:  # refused before it was proposed
            return DatastoreUnavailable(f"{err}; the write to {key[:64]!r} was not applied")
        return DatastoreUnavailable(f"{err}; the write to {key[:64]!r} may or may not have "
                                    "been applied", outcome_unknown=True)
    return err
