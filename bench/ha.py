"""High-availability benchmark: two `k3py server` processes over one external datastore.

    python -m bench.ha [--datastores postgres,mysql,etcd] [--events 300]

Per datastore it prints the cross-server watch delivery latency (a change written through
server A, seen by a watch on server B) beside the same datastore's own cross-process watch
latency measured in the same run (bench.datastore's method: the ceiling), then, on PostgreSQL, the
failover times: how long writes through an HAProxy balancer fail after one server is killed
(-9), and how long until the controllers run on the survivor after their leader is killed.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import shutil
import ssl
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import orjson
from tests.ha.test_failover import Balancer, SteadyWriter
from tests.server.support import Server, kubectl, start_server, stop_server
from tests.services import EtcdServer, MariadbServer, PostgresServer

from bench.datastore import cross_process_watch, pct
from k3py.datastore import open_backend

TOKEN = "bench-ha-token"


def _context(server: Server) -> ssl.SSLContext:
    tls = server.data_dir / "server" / "tls"
    context = ssl.create_default_context(cafile=str(tls / "server-ca.crt"))
    context.load_cert_chain(tls / "client-admin.crt", tls / "client-admin.key")
    return context


async def cross_server_watch(writer: Server, reader: Server, count: int) -> list[float]:
    """Latency from a PATCH acknowledged by ``writer`` to its event on ``reader``'s watch."""
    sent: dict[str, float] = {}
    latencies: list[float] = []
    base = "/api/v1/namespaces/default/configmaps"
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=_context(writer))) as w, \
            aiohttp.ClientSession(connector=aiohttp.TCPConnector(ssl=_context(reader))) as r:
        async with w.post(writer.url + base, data=orjson.dumps(
                {"metadata": {"name": "probe"}, "data": {"i": "-1"}}),
                headers={"Content-Type": "application/json"}) as made:
            assert made.status == 201, await made.text()
        async with r.get(reader.url + base, params={
                "watch": "true", "resourceVersion": "0",
                "fieldSelector": "metadata.name=probe"}) as stream:
            async def write() -> None:
                await asyncio.sleep(0.5)
                for i in range(count):
                    sent[str(i)] = time.perf_counter()
                    async with w.patch(writer.url + base + "/probe", data=orjson.dumps(
                            {"data": {"i": str(i)}}),
                            headers={"Content-Type": "application/merge-patch+json"}) as a:
                        await a.read()
                    await asyncio.sleep(0.02)

            task = asyncio.create_task(write())
            async for line in stream.content:
                marker = orjson.loads(line)["object"].get("data", {}).get("i")
                if marker in sent:
                    latencies.append(time.perf_counter() - sent[marker])
                    if marker == str(count - 1):
                        break
            await task
    return latencies


async def datastore_watch(endpoint: str, data_dir: Path, count: int) -> list[float]:
    """The ceiling: the datastore's own cross-process watch latency (ms), no API server."""
    await asyncio.to_thread(data_dir.mkdir, parents=True, exist_ok=True)
    async with open_backend(endpoint, data_dir=data_dir) as store:
        return await cross_process_watch(store, endpoint, str(data_dir), count)


def _holder(server: Server, cache: Path) -> str:
    done = kubectl(server, "-n", "kube-system", "get", "lease", "k3py-controllers", "-o",
                   "jsonpath={.spec.holderIdentity}", cache=cache)
    return done.stdout.split("_")[0]


def failover(tmp: Path, endpoint: str) -> tuple[float, float]:
    """(seconds writes failed after a kill -9, seconds until controllers moved)."""
    servers = {name: start_server(tmp / name, "--datastore-endpoint", endpoint, "--token",
                                  TOKEN, "--node-name", name)
               for name in ("server-a", "server-b")}
    cache = tmp / "cache"
    balancer = Balancer(tmp, [s.port for s in servers.values()])
    try:
        while _holder(servers["server-b"], cache) not in servers:
            time.sleep(0.2)
        leader_name = _holder(servers["server-b"], cache)
        leader = servers.pop(leader_name)
        survivor = next(iter(servers.values()))
        url = f"https://127.0.0.1:{balancer.port}/api/v1/namespaces/default/configmaps"
        with SteadyWriter(url, _context(survivor)) as writer:
            time.sleep(1.0)
            leader.process.kill()
            killed = time.monotonic()
            while _holder(survivor, cache) in ("", leader_name):
                time.sleep(0.1)
            moved = time.monotonic() - killed
            time.sleep(max(0.0, 6.0 - moved))
        failed = max((t for t in writer.failures if t > killed), default=killed) - killed
        return failed, moved
    finally:
        balancer.close()
        for server in servers.values():
            stop_server(server)


def _fresh(kind: str, services: dict[str, object]) -> str:
    name = "bench_" + uuid.uuid4().hex[:10]
    if kind == "postgres":
        return services["postgres"].endpoint(name)  # type: ignore[attr-defined,no-any-return]
    if kind == "mysql":
        return services["mysql"].endpoint(name)  # type: ignore[attr-defined,no-any-return]
    etcd = EtcdServer()
    etcd.start()
    services.setdefault("etcds", []).append(etcd)  # type: ignore[attr-defined]
    return etcd.endpoint()


async def run(args: argparse.Namespace) -> None:
    kinds = args.datastores.split(",")
    services: dict[str, object] = {}
    if "postgres" in kinds:
        services["postgres"] = PostgresServer().start()
    if "mysql" in kinds:
        services["mysql"] = MariadbServer().start()
    rows = []
    failover_row = None
    try:
        with tempfile.TemporaryDirectory() as tmp_dir:
            tmp = Path(tmp_dir)
            for kind in kinds:
                endpoint = _fresh(kind, services)
                a = start_server(tmp / kind / "a", "--datastore-endpoint", endpoint,
                                 "--token", TOKEN, "--node-name", f"{kind}-a")
                b = start_server(tmp / kind / "b", "--datastore-endpoint", endpoint,
                                 "--token", TOKEN, "--node-name", f"{kind}-b")
                try:
                    latencies = await cross_server_watch(a, b, args.events)
                finally:
                    stop_server(a)
                    stop_server(b)
                ceiling = await datastore_watch(endpoint, tmp / kind / "raw", args.events)
                rows.append((kind, pct(latencies, 0.5) * 1e3, pct(latencies, 0.99) * 1e3,
                             pct(ceiling, 0.5), pct(ceiling, 0.99)))
            if "postgres" in kinds and shutil.which("haproxy"):
                failover_row = failover(tmp / "failover", _fresh("postgres", services))
    finally:
        for service in services.values():
            for one in service if isinstance(service, list) else [service]:
                one.close()  # type: ignore[attr-defined]
    targets = {"postgres": 100, "etcd": 100, "mysql": 300}
    print("\nk3py HA: cross-server watch delivery (write through A, watch on B)")
    print(f"{'datastore':10} {'p50 ms':>8} {'p99 ms':>8} {'datastore p50/p99 ms':>22}"
          "  target p99")
    for kind, p50, p99, raw50, raw99 in rows:
        print(f"{kind:10} {p50:8.1f} {p99:8.1f} {f'{raw50:.1f} / {raw99:.1f}':>22}"
              f"  ≤ {targets[kind]} ms")
    if failover_row is not None:
        failed, moved = failover_row
        print("\nfailover on PostgreSQL behind HAProxy (kill -9 of the controllers' leader)")
        print(f"{'writes failing after the kill':36} {failed:6.1f} s  (target ≤ 5 s)")
        print(f"{'controllers running on the survivor':36} {moved:6.1f} s  (target ≤ 15 s)")
    print(json.dumps({"watch": rows, "failover": failover_row}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datastores", default="postgres,mysql,etcd")
    parser.add_argument("--events", type=int, default=300)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
