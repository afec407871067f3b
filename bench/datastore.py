"""Datastore benchmark: k3py's backend beside each database's raw ceiling, in one run.

    python -m bench.datastore [--drivers sqlite,sqlite-full,postgres,mysql,etcd] [--quick]

Starts its own PostgreSQL, MariaDB and etcd on loopback (tests/services.py) and prints one
table per driver: creates/s and updates/s with 1 and 16 concurrent writers (ceiling: plain
single-row INSERT transactions through the same client library), get p50/p99, a list of
10,000 keys, and cross-process watch latency p50/p99.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from tests.services import USER, EtcdServer, MariadbServer, PostgresServer

from bench import raw_ceiling
from k3py.datastore import Backend, DatastoreSettings, open_backend

ROOT = Path(__file__).resolve().parents[1]

VALUE = os.urandom(1024)
TARGETS = {"watch_p99_ms": {"postgres": 100, "etcd": 100, "mysql": 250, "sqlite": 250}}


def pct(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def rate(count: int, concurrency: int, op: Callable[[int], Awaitable[Any]]) -> float:
    per = count // concurrency

    async def worker(w: int) -> None:
        for i in range(per):
            await op(w * per + i)

    began = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return per * concurrency / (time.perf_counter() - began)


async def writes(store: Backend, prefix: str, count: int, concurrency: int) -> tuple[float, float]:
    created: dict[int, int] = {}

    async def create(i: int) -> None:
        created[i] = (await store.create(f"{prefix}{i:08d}", VALUE)).revision

    async def update(i: int) -> None:
        result = await store.update(f"{prefix}{i:08d}", VALUE, expected_mod_revision=created[i])
        assert result.succeeded

    return await rate(count, concurrency, create), await rate(count, concurrency, update)


async def latencies(count: int, op: Callable[[int], Awaitable[Any]]) -> list[float]:
    samples = []
    for i in range(count):
        began = time.perf_counter()
        await op(i)
        samples.append((time.perf_counter() - began) * 1000)
    return samples


WATCH_WRITER = """
import asyncio, json, sys, time
from k3py.datastore import open_backend
async def main(endpoint, data_dir, prefix, count):
    async with open_backend(endpoint, data_dir=data_dir) as store:
        print("ready", flush=True); sys.stdin.readline()
        for i in range(count):
            await store.create(f"{prefix}{i:06d}", json.dumps(time.time()).encode())
            await asyncio.sleep(0.01)
asyncio.run(main(sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])))
"""


async def cross_process_watch(store: Backend, endpoint: str, data_dir: str, count: int
                              ) -> list[float]:
    prefix = "/bench/watch/"
    env = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-c", WATCH_WRITER, endpoint, data_dir, prefix, str(count), env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE)
    assert proc.stdout and proc.stdin
    await proc.stdout.readline()
    samples: list[float] = []
    async with store.watch(prefix, await store.current_revision() + 1) as watch:
        proc.stdin.write(b"go\n")
        await proc.stdin.drain()
        async with asyncio.timeout(120):
            async for event in watch:
                if event.kv is not None:
                    samples.append((time.time() - json.loads(event.kv.value)) * 1000)
                    if len(samples) == count:
                        break
    await proc.wait()
    return samples


async def bench_driver(driver: str, endpoint: str, data_dir: str, ceiling: Callable[..., Any],
                       *, count: int) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    async with open_backend(endpoint, data_dir=data_dir,
                            settings=DatastoreSettings(poll_interval=None)) as store:
        for concurrency in (1, 16):
            n = count if concurrency == 1 else count * 4
            raw = await ceiling(count=n, concurrency=concurrency)
            creates, updates = await writes(store, f"/bench/w{concurrency}/", n, concurrency)
            for what, got in (("creates/s", creates), ("updates/s", updates)):
                ok = "ok" if got >= 0.5 * raw else "BELOW 50%"
                rows.append((f"{what}, {concurrency} writer{'s' * (concurrency > 1)}",
                             f"{got:,.0f}", f"{raw:,.0f} ({got / raw:.0%})", ok))
        keys = "/bench/w16/"
        gets = await latencies(500, lambda i: store.get(f"{keys}{i:08d}"))
        rows.append(("get p50 / p99 (ms)", f"{pct(gets, .5):.2f} / {pct(gets, .99):.2f}", "", ""))
        await _fill(store, "/bench/list/", 10_000)
        lists = await latencies(5, lambda _: store.list("/bench/list/"))
        listed = len((await store.list("/bench/list/")).kvs)
        best = min(lists)
        rows.append((f"list of {listed:,} keys (ms, best of 5)", f"{best:.0f}", "",
                     "ok" if best <= 100 else "ABOVE 100 ms"))
        watch = await cross_process_watch(store, endpoint, data_dir, 200)
        p99 = pct(watch, .99)
        target = TARGETS["watch_p99_ms"][driver]
        rows.append(("cross-process watch p50 / p99 (ms)",
                     f"{pct(watch, .5):.1f} / {p99:.1f}", "",
                     "ok" if p99 <= target else f"ABOVE {target} ms"))
    return rows


async def _fill(store: Backend, prefix: str, total: int) -> None:
    have = await store.count(prefix)
    sem = asyncio.Semaphore(32)

    async def one(i: int) -> None:
        async with sem:
            await store.create(f"{prefix}{i:06d}", b"x" * 200)

    await asyncio.gather(*(one(i) for i in range(have, total)))


def print_table(driver: str, rows: list[tuple[str, str, str, str]]) -> None:
    header = ("metric", "k3py", "raw ceiling (k3py share)", "target")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    line = "  ".join("-" * w for w in widths)
    print(f"\n{driver}")
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print(line)
    for row in rows:
        print("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)))


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--drivers", default="sqlite,sqlite-full,postgres,mysql,etcd")
    parser.add_argument("--quick", action="store_true", help="fewer writes (a smoke run)")
    args = parser.parse_args()
    count = 300 if args.quick else 1500
    tmp = tempfile.mkdtemp(prefix="k3py-bench-")
    for driver in args.drivers.split(","):
        if driver in ("sqlite", "sqlite-full"):
            sync = "FULL" if driver == "sqlite-full" else "NORMAL"
            data_dir = f"{tmp}/{driver}"
            endpoint = f"sqlite://{data_dir}/state.db?_synchronous={sync}"
            os.makedirs(data_dir, exist_ok=True)

            async def ceiling(*, count: int, concurrency: int, d: str = data_dir,
                              sync: str = sync) -> float:
                return await raw_ceiling.sqlite_ceiling(Path(d, "raw.db"), synchronous=sync,
                                                        count=count, concurrency=concurrency)

            print_table(f"sqlite (WAL, synchronous={sync})",
                        await bench_driver("sqlite", endpoint, data_dir, ceiling, count=count))
            continue
        server: Any = {"postgres": PostgresServer, "mysql": MariadbServer,
                       "etcd": EtcdServer}[driver]()
        with server:
            if driver == "postgres":
                endpoint = server.endpoint("bench")
                raw_dsn = server.endpoint("postgres").replace("postgres://", "postgresql://", 1)

                async def ceiling(*, count: int, concurrency: int, dsn: str = raw_dsn) -> float:
                    return await raw_ceiling.postgres_ceiling(dsn, count=count,
                                                              concurrency=concurrency)
            elif driver == "mysql":
                endpoint = server.endpoint("bench")
                connect = {"host": "127.0.0.1", "port": server.port, "user": USER,
                           "password": server.password, "database": "mysql"}

                async def ceiling(*, count: int, concurrency: int, c: Any = connect) -> float:
                    return await raw_ceiling.mysql_ceiling(c, count=count,
                                                           concurrency=concurrency)
            else:
                endpoint = server.endpoint()

                async def ceiling(*, count: int, concurrency: int, u: str = endpoint) -> float:
                    return await raw_ceiling.etcd_ceiling(u, count=count,
                                                          concurrency=concurrency)

            print_table(driver, await bench_driver(driver, endpoint, tmp, ceiling, count=count))


if __name__ == "__main__":
    import uvloop  # the loop k3py's server runs on

    uvloop.run(main())
