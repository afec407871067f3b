"""One conformance suite, run against every driver with its real database.

Revisions are never assumed absolute (etcd's counter is shared across tests): every check is
relative to revisions the test itself observed. Keys live under the target's ``key_prefix``.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import AsyncIterator
from typing import Any

import pytest

from k3py.datastore import Backend, EventType
from k3py.errors import CompactedError, FutureRevisionError, LeaseNotFoundError

from .support import collect, open_target, running_worker, target_json

pytestmark = pytest.mark.usefixtures("datastore_endpoint")


@pytest.fixture
async def store(datastore_endpoint: Any) -> AsyncIterator[Backend]:
    async with open_target(datastore_endpoint, poll_interval=0.05) as backend:
        yield backend


@pytest.fixture
def p(datastore_endpoint: Any) -> str:
    prefix: str = datastore_endpoint.key_prefix
    return prefix


async def test_create_get_update_delete(store: Backend, p: str) -> None:
    created = await store.create(f"{p}/k", b"one")
    assert created.succeeded and created.kv is not None
    assert created.kv.create_revision == created.kv.mod_revision == created.revision

    got = await store.get(f"{p}/k")
    assert got == created.kv

    updated = await store.update(f"{p}/k", b"two", expected_mod_revision=created.revision)
    assert updated.succeeded and updated.kv is not None
    assert updated.revision > created.revision
    assert updated.kv.create_revision == created.revision
    assert (await store.get(f"{p}/k")) == updated.kv

    deleted = await store.delete(f"{p}/k", expected_mod_revision=updated.revision)
    assert deleted.succeeded and deleted.revision > updated.revision
    assert await store.get(f"{p}/k") is None
    assert await store.current_revision() >= deleted.revision

    # The old versions stay readable at their revisions until compacted.
    assert (await store.get(f"{p}/k", created.revision)) == created.kv
    assert await store.get(f"{p}/k", deleted.revision) is None


async def test_create_of_existing_key_is_refused_without_side_effects(store: Backend,
                                                                       p: str) -> None:
    first = await store.create(f"{p}/k", b"original")
    before = await store.current_revision()
    again = await store.create(f"{p}/k", b"intruder")
    assert not again.succeeded
    assert again.kv == first.kv
    assert await store.current_revision() == before
    kv = await store.get(f"{p}/k")
    assert kv is not None and kv.value == b"original"


async def test_stale_update_and_delete_are_refused_without_side_effects(store: Backend,
                                                                         p: str) -> None:
    first = await store.create(f"{p}/k", b"v1")
    second = await store.update(f"{p}/k", b"v2", expected_mod_revision=first.revision)
    before = await store.current_revision()

    stale_update = await store.update(f"{p}/k", b"lost", expected_mod_revision=first.revision)
    assert not stale_update.succeeded
    assert stale_update.kv == second.kv  # the current version, for the caller's retry

    stale_delete = await store.delete(f"{p}/k", expected_mod_revision=first.revision)
    assert not stale_delete.succeeded and stale_delete.kv == second.kv

    assert await store.current_revision() == before
    assert await store.get(f"{p}/k") == second.kv


async def test_writes_to_missing_keys_fail_cleanly(store: Backend, p: str) -> None:
    missing_update = await store.update(f"{p}/none", b"x", expected_mod_revision=1)
    assert not missing_update.succeeded and missing_update.kv is None
    missing_delete = await store.delete(f"{p}/none")
    assert not missing_delete.succeeded and missing_delete.kv is None


async def test_list_at_a_past_revision_pages_through_one_snapshot(store: Backend,
                                                                   p: str) -> None:
    for i in range(25):
        await store.create(f"{p}/items/{i:02d}", f"old-{i}".encode())
    snapshot = await store.list(f"{p}/items/")
    assert len(snapshot.kvs) == 25 and not snapshot.more

    # Change the world after the snapshot: update, delete, add.
    for i in range(0, 25, 3):
        kv = await store.get(f"{p}/items/{i:02d}")
        assert kv is not None
        await store.update(kv.key, b"new", expected_mod_revision=kv.mod_revision)
    for i in range(1, 25, 4):
        await store.delete(f"{p}/items/{i:02d}")
    await store.create(f"{p}/items/99", b"late")

    pages, start = [], None
    while True:
        page = await store.list(f"{p}/items/", snapshot.revision, limit=7, start_key=start)
        assert page.revision == snapshot.revision
        pages.append(page)
        if not page.more:
            break
        start = page.kvs[-1].key + "\x00"
    assert [len(pg.kvs) for pg in pages] == [7, 7, 7, 4]
    assert [kv for pg in pages for kv in pg.kvs] == list(snapshot.kvs)

    now = await store.list(f"{p}/items/")
    assert now.revision > snapshot.revision
    assert len(now.kvs) == 25 - len(range(1, 25, 4)) + 1
    first_page = await store.list(f"{p}/items/", limit=5)
    assert first_page.more and len(first_page.kvs) == 5
    assert list(first_page.kvs) == list(now.kvs[:5])


async def test_count(store: Backend, p: str) -> None:
    for i in range(12):
        await store.create(f"{p}/c/{i}", b"x")
    await store.create(f"{p}/other", b"x")
    await store.delete(f"{p}/c/3")
    assert await store.count(f"{p}/c/") == 11
    assert await store.count(f"{p}/") == 12
    assert await store.count(f"{p}/nothing/") == 0


async def test_future_revisions_are_refused(store: Backend, p: str) -> None:
    now = await store.current_revision()
    with pytest.raises(FutureRevisionError):
        await store.get(f"{p}/k", now + 1000)
    with pytest.raises(FutureRevisionError):
        await store.list(f"{p}/", now + 1000)


async def test_watch_from_a_past_revision_delivers_every_event_in_order(store: Backend,
                                                                        p: str) -> None:
    c = await store.create(f"{p}/w/a", b"1")
    u = await store.update(f"{p}/w/a", b"2", expected_mod_revision=c.revision)
    await store.create(f"{p}/outside", b"not watched")
    d = await store.delete(f"{p}/w/a", expected_mod_revision=u.revision)
    r = await store.create(f"{p}/w/a", b"3")

    async with store.watch(f"{p}/w/", c.revision) as watch:
        past = await collect(watch, 4)
        live_write = await store.create(f"{p}/w/b", b"live")
        live = await collect(watch, 1)

    assert [(e.type, e.revision) for e in past] == [
        (EventType.PUT, c.revision), (EventType.PUT, u.revision),
        (EventType.DELETE, d.revision), (EventType.PUT, r.revision)]
    assert past[0].prev_kv is None and past[0].kv == c.kv
    assert past[1].prev_kv == c.kv and past[1].kv == u.kv
    assert past[2].prev_kv == u.kv
    assert past[2].kv is not None and past[2].kv.key == f"{p}/w/a"
    assert past[3].prev_kv is None and past[3].kv == r.kv
    assert live[0].revision == live_write.revision and live[0].kv == live_write.kv


async def test_watch_from_now_sees_only_new_events(store: Backend, p: str) -> None:
    await store.create(f"{p}/n/old", b"old")
    async with store.watch(f"{p}/n/") as watch:
        iterator = aiter(watch)
        first = asyncio.ensure_future(anext(iterator))
        await asyncio.sleep(0.2)
        new = await store.create(f"{p}/n/new", b"new")
        event = await asyncio.wait_for(first, 20)
    assert event.kv == new.kv


async def test_watch_in_another_process_sees_every_write(
    store: Backend, p: str, datastore_endpoint: Any
) -> None:
    start = await store.current_revision() + 1
    async with (store.watch(f"{p}/x/", start) as watch,
                running_worker("write", target_json(datastore_endpoint), f"{p}/x/", "40")
                as worker):
        events = await collect(watch, 40, seconds=60)
        out, err = await worker.communicate()
    assert worker.returncode == 0, err.decode()[-2000:]
    acked = [line.split() for line in out.decode().splitlines()]
    assert [(e.kv.key, e.revision) for e in events if e.kv] == [
        (key, int(rev)) for key, rev in acked]


async def test_watch_progress_follows_every_earlier_event(store: Backend, p: str) -> None:
    write = await store.create(f"{p}/pr/a", b"x")
    async with store.watch(f"{p}/pr/", write.revision) as watch:
        event = await anext(aiter(watch))
        assert event.revision == write.revision
        watch.request_progress()
        async with asyncio.timeout(20):
            async for mark in watch:
                if mark.type is EventType.PROGRESS:
                    break
    assert mark.revision >= write.revision


async def test_ttl_lease_expiry_deletes_keys_and_watchers_see_it(store: Backend,
                                                                 p: str) -> None:
    lease = await store.grant_lease(1)
    created = await store.create(f"{p}/ttl/k", b"short-lived", lease=lease.id)
    assert created.kv is not None and created.kv.lease == lease.id
    async with store.watch(f"{p}/ttl/", created.revision + 1) as watch:
        events = await collect(watch, 1, seconds=15)
    assert events[0].type is EventType.DELETE and events[0].prev_kv == created.kv
    assert await store.get(f"{p}/ttl/k") is None
    with pytest.raises(LeaseNotFoundError):
        await store.keepalive_lease(lease.id)
    with pytest.raises(LeaseNotFoundError):
        await store.create(f"{p}/ttl/other", b"x", lease=lease.id)


async def test_lease_keepalive_and_revoke(store: Backend, p: str) -> None:
    lease = await store.grant_lease(3)
    await store.create(f"{p}/lr/a", b"a", lease=lease.id)
    await store.create(f"{p}/lr/b", b"b", lease=lease.id)
    await store.create(f"{p}/lr/free", b"c")
    for _ in range(3):
        await asyncio.sleep(1.5)
        assert (await store.keepalive_lease(lease.id)).ttl == 3
    assert await store.count(f"{p}/lr/") == 3  # kept alive past its first ttl
    await store.revoke_lease(lease.id)
    remaining = await store.list(f"{p}/lr/")
    assert [kv.key for kv in remaining.kvs] == [f"{p}/lr/free"]
    await store.revoke_lease(lease.id)  # revoking again is a no-op
    with pytest.raises(LeaseNotFoundError):
        await store.keepalive_lease(lease.id)


async def test_compaction_and_compacted_errors(store: Backend, p: str) -> None:
    first = await store.create(f"{p}/cp/k", b"0")
    rev = first.revision
    for i in range(1, 6):
        rev = (await store.update(f"{p}/cp/k", str(i).encode(), expected_mod_revision=rev)).revision
    await store.create(f"{p}/cp/gone", b"x")
    await store.delete(f"{p}/cp/gone")
    keep = await store.current_revision()
    await store.compact(keep)
    assert await store.compact_revision() >= keep

    with pytest.raises(CompactedError):
        await store.get(f"{p}/cp/k", first.revision)
    with pytest.raises(CompactedError):
        await store.list(f"{p}/cp/", keep - 1)
    with pytest.raises(CompactedError):
        async with store.watch(f"{p}/cp/", first.revision) as watch:
            await anext(aiter(watch))
    # The compacted revision itself is still a complete snapshot.
    at_keep = await store.list(f"{p}/cp/", keep)
    assert [(kv.key, kv.value) for kv in at_keep.kvs] == [(f"{p}/cp/k", b"5")]
    # Compacting backwards is a no-op, and writes go on.
    await store.compact(first.revision)
    later = await store.update(f"{p}/cp/k", b"6", expected_mod_revision=rev)
    assert later.succeeded


async def test_keys_order_bytewise(store: Backend, p: str) -> None:
    names = ["/a", "/a/", "/a0", "/a/b", "/A", "/é", "/z", "/ÿ", "/日本", "/\U0001f600", "/a\x01"]
    for name in names:
        assert (await store.create(f"{p}{name}", b"x")).succeeded
    listed = [kv.key for kv in (await store.list(f"{p}/")).kvs]
    assert listed == sorted((f"{p}{n}" for n in names), key=str.encode)
    assert listed.index(f"{p}/a") < listed.index(f"{p}/a/") < listed.index(f"{p}/a0")
    # Case matters: /A and /a are two keys.
    assert (await store.get(f"{p}/A")) != (await store.get(f"{p}/a"))


async def test_values_up_to_one_and_a_half_mebibytes_round_trip(store: Backend,
                                                                 p: str) -> None:
    value = os.urandom(1536 * 1024)
    created = await store.create(f"{p}/big/k", value)
    assert created.succeeded
    got = await store.get(f"{p}/big/k")
    assert got is not None and got.value == value
    listed = await store.list(f"{p}/big/")
    assert listed.kvs[0].value == value
    async with store.watch(f"{p}/big/", created.revision) as watch:
        events = await collect(watch, 1)
    assert events[0].kv is not None and events[0].kv.value == value


async def test_background_compaction_keeps_the_newest_revisions(datastore_endpoint: Any,
                                                                p: str) -> None:
    async with open_target(datastore_endpoint, compact_interval=0.2, compact_retain=5,
                           compact_batch=3) as store:
        rev = (await store.create(f"{p}/bg/k", b"0")).revision
        for i in range(1, 20):
            rev = (await store.update(f"{p}/bg/k", str(i).encode(),
                                      expected_mod_revision=rev)).revision
        async with asyncio.timeout(20):
            while await store.compact_revision() < rev - 5:  # noqa: ASYNC110 - the database is the state
                await asyncio.sleep(0.1)
        compacted = await store.compact_revision()
        assert compacted <= await store.current_revision() - 5
        with pytest.raises(CompactedError):
            await store.get(f"{p}/bg/k", compacted - 1)
        kv = await store.get(f"{p}/bg/k", rev - 2)
        assert kv is not None and kv.value == b"17"


async def test_reopening_a_store_keeps_its_data_and_is_quiet(
    datastore_endpoint: Any, p: str, caplog: pytest.LogCaptureFixture
) -> None:
    async with open_target(datastore_endpoint) as store:
        written = await store.create(f"{p}/reopen", b"kept")
    with caplog.at_level(logging.INFO):
        async with open_target(datastore_endpoint) as store:
            assert await store.get(f"{p}/reopen") == written.kv
            assert await store.current_revision() >= written.revision
            again = await store.create(f"{p}/reopen-2", b"x")
            assert again.revision > written.revision
    noisy = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert not noisy


async def test_concurrent_large_values_are_all_written(store: Backend, p: str) -> None:
    values = [os.urandom(1536 * 1024) for _ in range(6)]
    results = await asyncio.gather(*(store.create(f"{p}/many/{i}", v)
                                     for i, v in enumerate(values)))
    assert all(r.succeeded for r in results)
    listed = await store.list(f"{p}/many/")
    assert [kv.value for kv in listed.kvs] == values


async def test_watch_catch_up_spanning_many_pages_is_complete_and_ordered(store: Backend,
                                                                          p: str) -> None:
    results = await asyncio.gather(*(store.create(f"{p}/long/{i:05d}", b"v")
                                     for i in range(2100)))
    revisions = sorted(r.revision for r in results)
    async with store.watch(f"{p}/long/", revisions[0]) as watch:
        events = await collect(watch, 2100, seconds=60)
    assert [e.revision for e in events] == revisions
