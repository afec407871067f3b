"""Tests specific to the etcd driver, against the session's etcd 3.4 (``tests/services.py``).

The conformance suite covers the shared contract; these cover what only this driver does:
etcd's own revisions and errors, the compacted-revision search, progress marks on an etcd
whose own are unordered, endpoint rotation, TLS errors, and a stream that breaks (on an etcd
of the test's own, as it is killed).

The session's etcd is shared by every test: keys live under the target's ``key_prefix`` and
revisions are only compared with revisions the test itself observed.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import AsyncIterator

import pytest

from k3py.datastore import Backend, DatastoreSettings, Event, EventType, Watch, open_backend
from k3py.datastore.etcd import EtcdBackend
from k3py.errors import (
    CompactedError,
    DatastoreClosed,
    DatastoreUnavailable,
    FutureRevisionError,
    LeaseNotFoundError,
    ValueTooLargeError,
    WatchCancelled,
)

from ..services import DatastoreTarget, EtcdServer, free_ports
from .support import collect, open_target

# Every test gets the conftest's target on the session etcd alone (not the other drivers').
pytestmark = [
    pytest.mark.usefixtures("datastore_endpoint"),
    pytest.mark.parametrize("datastore_endpoint", ["etcd"], indirect=True),
]


@pytest.fixture
async def store(datastore_endpoint: DatastoreTarget) -> AsyncIterator[Backend]:
    async with open_target(datastore_endpoint) as backend:
        yield backend


@pytest.fixture
def p(datastore_endpoint: DatastoreTarget) -> str:
    """This test's key prefix, without its closing slash."""
    prefix: str = datastore_endpoint.key_prefix
    return prefix.rstrip("/")


async def _progress_mark(watch: Watch, *, within: float = 20) -> Event:
    """Skip events up to the watch's next progress mark and return the mark."""
    async with asyncio.timeout(within):
        async for event in watch:
            if event.type is EventType.PROGRESS:
                return event
    raise AssertionError("the watch ended before a progress mark")


# -- writes and reads --------------------------------------------------------------------------


async def test_lost_compare_and_swaps_are_results_with_etcd_revisions(store: Backend,
                                                                      p: str) -> None:
    created = await store.create(f"{p}/k", b"1")
    assert created.succeeded and created.kv is not None
    assert created.revision == await store.current_revision()  # etcd's own counter
    lost = await store.create(f"{p}/k", b"2")
    assert (lost.succeeded, lost.revision, lost.kv) == (False, created.revision, created.kv)

    updated = await store.update(f"{p}/k", b"2", expected_mod_revision=created.revision,
                                 lease=0)
    assert updated.succeeded and updated.revision == created.revision + 1
    assert updated.kv == (await store.get(f"{p}/k"))
    stale = await store.update(f"{p}/k", b"3", expected_mod_revision=created.revision)
    assert (stale.succeeded, stale.revision, stale.kv) == (False, updated.revision, updated.kv)

    stale_delete = await store.delete(f"{p}/k", expected_mod_revision=created.revision)
    assert not stale_delete.succeeded and stale_delete.kv == updated.kv
    deleted = await store.delete(f"{p}/k")  # 0: whatever version is there
    assert (deleted.succeeded, deleted.revision, deleted.kv) == (True, updated.revision + 1,
                                                                 None)
    missing = await store.delete(f"{p}/k")
    assert (missing.succeeded, missing.revision, missing.kv) == (False, deleted.revision, None)
    assert not (await store.update(f"{p}/k", b"x",
                                   expected_mod_revision=created.revision)).succeeded


async def test_the_empty_prefix_and_future_revision_errors(store: Backend, p: str) -> None:
    for i in range(5):
        await store.create(f"{p}/c/{i}", b"x")
    await store.create(f"{p}/d", b"x")
    assert await store.count(p) == 6
    everything = await store.count("")  # the whole keyspace, other tests' keys too
    assert everything >= 6
    assert len((await store.list("")).kvs) == everything
    with pytest.raises(FutureRevisionError) as future:
        await store.get(f"{p}/d", 10**9)
    assert future.value.current == await store.current_revision()


async def test_values_of_one_and_a_half_mebibytes_and_too_large_ones(store: Backend,
                                                                     p: str) -> None:
    big, bigger = os.urandom(1536 * 1024), os.urandom(1536 * 1024)
    created = await store.create(f"{p}/big", big)
    updated = await store.update(f"{p}/big", bigger, expected_mod_revision=created.revision)
    assert updated.succeeded
    got = await store.get(f"{p}/big")
    assert got is not None and got.value == bigger
    async with store.watch(f"{p}/", created.revision) as watch:
        events = await collect(watch, 2)
    assert events[0].kv is not None and events[0].kv.value == big
    assert events[1].prev_kv is not None and events[1].prev_kv.value == big
    with pytest.raises(ValueTooLargeError):
        await store.create(f"{p}/huge", bytes(12 * 1024 * 1024))


# -- watches -----------------------------------------------------------------------------------


async def test_watch_from_a_past_revision_with_prev_values(store: Backend, p: str) -> None:
    before = await store.create(f"{p}/w/a", b"0")  # the revision just before the start
    first = await store.update(f"{p}/w/a", b"1", expected_mod_revision=before.revision)
    await store.create(f"{p}/x", b"outside the prefix")
    second = await store.create(f"{p}/w/b", b"2")
    gone = await store.delete(f"{p}/w/a")
    async with store.watch(f"{p}/w/", first.revision) as watch:
        events = await collect(watch, 3)
    assert [(e.type, e.revision) for e in events] == [
        (EventType.PUT, first.revision), (EventType.PUT, second.revision),
        (EventType.DELETE, gone.revision)]
    assert events[0].prev_kv == before.kv and events[0].kv == first.kv
    assert events[1].prev_kv is None and events[1].kv == second.kv
    deleted = events[2].kv
    assert deleted is not None and (deleted.key, deleted.value) == (f"{p}/w/a", b"")
    assert (deleted.create_revision, deleted.mod_revision) == (0, gone.revision)
    assert events[2].prev_kv == first.kv


async def test_a_slow_consumer_gets_everything_in_order(datastore_endpoint: DatastoreTarget,
                                                        p: str) -> None:
    async with open_target(datastore_endpoint, watch_queue=3) as store:
        start = await store.current_revision() + 1
        revisions = [(await store.create(f"{p}/{i:03d}", b"x")).revision for i in range(60)]
        async with store.watch(f"{p}/", start) as watch:
            events = []
            async for event in watch:
                events.append(event.revision)
                await asyncio.sleep(0.001)
                if len(events) == len(revisions):
                    break
    assert events == revisions


async def test_progress_marks_follow_every_earlier_event(store: Backend, p: str) -> None:
    start = await store.current_revision() + 1
    writes = [(await store.create(f"{p}/w/{i}", b"x")).revision for i in range(20)]
    outside = await store.create(f"{p}/elsewhere", b"x")
    async with store.watch(f"{p}/w/", start) as watch:
        watch.request_progress()  # asked before the backlog has been read
        seen: list[int] = []
        async with asyncio.timeout(20):
            async for event in watch:
                if event.type is EventType.PROGRESS:
                    break
                seen.append(event.revision)
    assert event.revision >= outside.revision  # progress past writes outside the prefix
    assert seen == writes  # ... but only after every event of the watch before it


async def test_progress_on_an_idle_watch(store: Backend, p: str) -> None:
    async with store.watch(f"{p}/quiet/") as watch:
        await store.create(f"{p}/loud", b"elsewhere")
        now = await store.current_revision()
        watch.request_progress()
        mark = await _progress_mark(watch)
        assert mark.type is EventType.PROGRESS and mark.revision >= now
        watch.request_progress()
        again = await _progress_mark(watch)
        assert again.revision >= mark.revision


async def test_progress_requests_reach_etcd_over_the_open_stream(store: Backend,
                                                                 p: str) -> None:
    """etcd's own progress_request, sent on the still-open request body. 3.4.23 answers it
    unordered, so the driver only uses it from 3.4.31 / 3.5.13; an idle watch is in sync,
    which makes its answer sound here too."""
    assert isinstance(store, EtcdBackend)
    store._ordered_progress = True
    async with store.watch(f"{p}/quiet/") as watch:
        await store.create(f"{p}/loud", b"elsewhere")
        now = await store.current_revision()
        watch.request_progress()
        mark = await _progress_mark(watch, within=10)
    assert mark.type is EventType.PROGRESS and mark.revision >= now


async def test_closing_watches(store: Backend, p: str, datastore_endpoint: DatastoreTarget) -> None:
    watch = store.watch(p)
    async with watch:
        pass
    with pytest.raises(StopAsyncIteration):
        await anext(watch)
    other = open_target(datastore_endpoint)
    async with other:
        open_watch = other.watch(p)
        await open_watch.__aenter__()
    with pytest.raises(WatchCancelled):
        await anext(open_watch)
    await open_watch.close()
    with pytest.raises(DatastoreClosed):
        other.watch(p)


# -- compaction --------------------------------------------------------------------------------


async def test_compacted_errors_carry_etcds_compacted_revision(
    store: Backend, p: str, datastore_endpoint: DatastoreTarget
) -> None:
    """Compacts the shared etcd to just below its current revision: later tests only read
    revisions they wrote themselves."""
    first = await store.create(f"{p}/k", b"0")
    rev = first.revision
    for i in range(3):
        rev = (await store.update(f"{p}/k", b"%d" % i, expected_mod_revision=rev)).revision
    keep = rev
    after = await store.update(f"{p}/k", b"after", expected_mod_revision=rev)
    await store.compact(keep)
    await store.compact(first.revision)  # backwards: nothing happens
    with pytest.raises(FutureRevisionError):
        await store.compact(after.revision + 1000)

    async with open_target(datastore_endpoint) as fresh:  # knows nothing of it: must search
        assert await fresh.compact_revision() == keep
        with pytest.raises(CompactedError) as read:
            await fresh.get(f"{p}/k", first.revision)
        assert (read.value.requested, read.value.compact_revision) == (first.revision, keep)
        with pytest.raises(CompactedError):
            await fresh.list(f"{p}/", keep - 1, limit=1)
        assert (await fresh.get(f"{p}/k", keep)) is not None  # the compacted revision reads
        for start in (first.revision, keep):  # a watch at the compacted revision fails too
            with pytest.raises(CompactedError) as watched:
                async with fresh.watch(f"{p}/", start) as watch:
                    await anext(watch)
            assert watched.value.compact_revision == keep
        async with fresh.watch(f"{p}/", keep + 1) as watch:
            (event,) = await collect(watch, 1)
        assert event.revision == after.revision and event.prev_kv is not None


# -- leases ------------------------------------------------------------------------------------


async def test_a_revoked_lease_deletes_its_keys_at_one_revision(store: Backend,
                                                                p: str) -> None:
    lease = await store.grant_lease(30)
    assert (await store.keepalive_lease(lease.id)).ttl == 30
    a = await store.create(f"{p}/r/a", b"a", lease=lease.id)
    await store.create(f"{p}/r/b", b"b", lease=lease.id)
    async with store.watch(f"{p}/r/", a.revision + 2) as watch:
        await store.revoke_lease(lease.id)
        deletes = await collect(watch, 2)
    # etcd deletes every key of a lease at one revision.
    assert {e.type for e in deletes} == {EventType.DELETE}
    assert deletes[0].revision == deletes[1].revision
    await store.revoke_lease(lease.id)  # already gone: nothing to do
    with pytest.raises(LeaseNotFoundError) as missing:
        await store.create(f"{p}/other", b"x", lease=lease.id)
    assert missing.value.lease_id == lease.id
    short = await store.grant_lease(1)
    assert short.ttl >= 1  # etcd may raise it to its minimum
    await store.revoke_lease(short.id)


# -- endpoints, TLS, failures -----------------------------------------------------------------


async def test_the_first_healthy_url_is_used_and_state_changes_logged_once(
    datastore_endpoint: DatastoreTarget, p: str, caplog: pytest.LogCaptureFixture
) -> None:
    (dead,) = free_ports(1)
    caplog.set_level(logging.INFO, logger="k3py.datastore.etcd")
    url = datastore_endpoint.endpoint
    async with open_backend(f"http://127.0.0.1:{dead},{url}") as store:
        assert (await store.create(f"{p}/k", b"x")).succeeded
        assert await store.get(f"{p}/k") is not None
    messages = [r.getMessage() for r in caplog.records if r.name.endswith("client")]
    assert len(messages) == 2
    assert "unavailable" in messages[0] and f"127.0.0.1:{dead}" in messages[0]
    assert "available again" in messages[1] and url in messages[1]


async def test_unreachable_etcd_is_unavailable_after_the_retry_timeout() -> None:
    (dead,) = free_ports(1)
    began = time.monotonic()
    with pytest.raises(DatastoreUnavailable, match="unreachable"):
        async with open_backend(f"http://127.0.0.1:{dead}",
                                settings=DatastoreSettings(retry_timeout=0.5)):
            pass
    assert time.monotonic() - began < 5


async def test_tls_without_a_trusted_ca_or_a_client_certificate(etcd_tls: EtcdServer) -> None:
    """The working case is ``tests/datastore/test_tls.py``'s; these are etcd's errors."""
    settings = DatastoreSettings(retry_timeout=1)
    with pytest.raises(DatastoreUnavailable, match="TLS"):  # no CA: the server is not trusted
        async with open_backend(etcd_tls.endpoint(), settings=settings):
            pass
    with pytest.raises(DatastoreUnavailable):  # no client certificate: etcd hangs up
        async with open_backend(etcd_tls.endpoint(), ca_file=etcd_tls.ca_file,
                                settings=settings):
            pass


async def test_a_dying_etcd_cancels_watches_and_comes_back(p: str) -> None:
    with EtcdServer() as etcd:  # its own etcd: this one is killed
        settings = DatastoreSettings(retry_timeout=1)
        async with open_backend(etcd.endpoint(), settings=settings) as store:
            created = await store.create(f"{p}/k", b"x")
            async with store.watch(f"{p}/") as watch:
                etcd.kill()
                with pytest.raises(WatchCancelled, match="resume from revision"):
                    await collect(watch, 1)
            with pytest.raises(DatastoreUnavailable):
                await store.get(f"{p}/k")
            etcd.start()  # from the main thread, as tests/services.py asks
            assert await store.get(f"{p}/k") == created.kv
