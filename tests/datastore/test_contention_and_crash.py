"""Many writers racing on one key across processes; writers killed mid-stream; a database
server killed mid-stream. What is acknowledged must be there, and watchers must see each
revision exactly once, in order."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import signal
import uuid
from pathlib import Path
from typing import Any

import pytest

from k3py.datastore import Backend, Event, EventType

from ..services import PostgresServer
from .support import open_target, running_worker, target_json

TASKS = 16
ATTEMPTS = 500


async def _record(watch: Any, sink: list[Event], grew: asyncio.Event) -> None:
    async for event in watch:
        if event.kv is not None:
            sink.append(event)
            grew.set()


@pytest.mark.slow
async def test_two_processes_racing_compare_and_swap_lose_nothing(
    datastore_endpoint: Any,
) -> None:
    key = f"{datastore_endpoint.key_prefix}counter"
    async with open_target(datastore_endpoint, poll_interval=0.05) as store:
        created = await store.create(key, b"0")
        seen: list[Event] = []
        async with (store.watch(key, created.revision + 1) as watch,
                    contextlib.AsyncExitStack() as stack):
            grew = asyncio.Event()
            recorder = asyncio.create_task(_record(watch, seen, grew))
            try:
                workers = [await stack.enter_async_context(running_worker(
                    "cas", target_json(datastore_endpoint), key, str(TASKS), str(ATTEMPTS)))
                    for _ in range(2)]
                for worker in workers:
                    assert worker.stdout is not None
                    assert (await worker.stdout.readline()).strip() == b"ready"
                for worker in workers:
                    assert worker.stdin is not None
                    worker.stdin.write(b"go\n")
                    await worker.stdin.drain()
                results = [await w.communicate() for w in workers]
                for worker, (_, err) in zip(workers, results, strict=True):
                    assert worker.returncode == 0, err.decode()[-3000:]
                wins = sum(json.loads(out)["wins"] for out, _ in results)
                async with asyncio.timeout(30):
                    while len(seen) < wins:
                        grew.clear()
                        await grew.wait()
            finally:
                recorder.cancel()
                await asyncio.gather(recorder, return_exceptions=True)
        final = await store.get(key)

    print(f"{datastore_endpoint.driver}: {wins} of {2 * TASKS * ATTEMPTS} swaps won")
    assert wins > 0
    assert final is not None and int(final.value) == wins
    assert len(seen) == wins, "the watcher saw each successful swap exactly once"
    assert [int(e.kv.value) for e in seen if e.kv] == list(range(1, wins + 1))
    revisions = [e.revision for e in seen]
    assert revisions == sorted(set(revisions))
    for before, after in zip([created.kv, *[e.kv for e in seen]], seen, strict=False):
        assert after.type is EventType.PUT and after.prev_kv == before


async def _write_until_killed(target: Any, prefix: str, *,
                              actions: list[tuple[int, Any]]) -> list[tuple[str, int]]:
    """Run a writer process; once it acknowledged N keys run the action paired with N (the
    last one must kill the writer). Return every key acknowledged before it died."""
    acked: list[tuple[str, int]] = []
    async with (running_worker("write", target_json(target), prefix, "1000000") as worker,
                asyncio.timeout(120)):
        assert worker.stdout is not None and worker.stderr is not None
        for count, action in actions:
            while len(acked) < count:
                line = await worker.stdout.readline()
                assert line, (await worker.stderr.read()).decode()[-3000:]
                key, rev = line.split()
                if rev != b"unknown":
                    acked.append((key.decode(), int(rev)))
            action(worker)
        rest, _ = await worker.communicate()
    for line in rest.decode().splitlines():
        key, rev = line.split()
        if rev != "unknown":
            acked.append((key, int(rev)))
    return acked


async def _assert_all_there(store: Backend, prefix: str, acked: list[tuple[str, int]]) -> None:
    listed = await store.list(prefix)
    have = {kv.key: kv.mod_revision for kv in listed.kvs}
    lost = [(k, r) for k, r in acked if have.get(k) != r]
    assert not lost, f"{len(lost)} acknowledged writes lost, e.g. {lost[:3]}"
    assert await store.current_revision() >= max(r for _, r in acked)
    # The store still works: write, and replay the log through a watch.
    assert (await store.create(f"{prefix}after-restart", b"x")).succeeded
    first = acked[0][1]
    async with store.watch(prefix, first) as watch:
        replay = []
        async with asyncio.timeout(30):
            async for event in watch:
                replay.append(event)
                if event.kv is not None and event.kv.key == f"{prefix}after-restart":
                    break
    acked_keys = {k for k, _ in acked}  # (a write whose outcome was unknown may be there too)
    assert [e.kv.key for e in replay if e.kv and e.kv.key in acked_keys] == [k for k, _ in acked]


@pytest.mark.slow
@pytest.mark.parametrize("datastore_endpoint", ["sqlite", "postgres", "mysql"], indirect=True)
async def test_kill_9_of_a_writing_process_loses_no_acknowledged_write(
    datastore_endpoint: Any,
) -> None:
    prefix = f"{datastore_endpoint.key_prefix}crash/"
    acked = await _write_until_killed(
        datastore_endpoint, prefix, actions=[(300, lambda w: w.send_signal(signal.SIGKILL))])
    async with open_target(datastore_endpoint) as store:
        await _assert_all_there(store, prefix, acked)


@pytest.mark.slow
async def test_kill_9_of_postgresql_loses_no_acknowledged_write_and_writers_recover(
    tmp_path: Path,
) -> None:
    with PostgresServer() as pg:
        target = _Target(endpoint=pg.endpoint(f"crash{uuid.uuid4().hex[:8]}"), data_dir=tmp_path)
        acked = await _write_until_killed(target, "/crash/", actions=[
            (200, lambda w: (pg.kill(), pg.start())),  # the writer retries through it
            (400, lambda w: w.send_signal(signal.SIGKILL)),
        ])
        async with open_target(target) as store:
            await _assert_all_there(store, "/crash/", acked)


@dataclasses.dataclass(frozen=True)
class _Target:
    endpoint: str
    data_dir: Path
    ca_file: str | None = None
    cert_file: str | None = None
    key_file: str | None = None
