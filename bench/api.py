"""API server benchmark on embedded SQLite, beside the datastore's own ceiling, in one run.

    python -m bench.api [--creates 5000] [--pods 10000]

Starts a real `k3py server` process (with its node agent) and prints one table: start to
ready, idle RSS, ConfigMap creates/s and p50/p99 under 32 concurrent HTTPS clients (the
ceiling: the same number of creates of the same 2 KiB value straight into the k3py SQLite
datastore with 32 concurrent writers), GET p50/p99, LIST of N pods as JSON and as a Table,
watch delivery p50/p99, and RSS after the load.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import orjson
from tests.services import free_ports

from bench.datastore import pct
from k3py.datastore import open_backend

ROOT = Path(__file__).resolve().parents[1]
VALUE = "x" * 2048
TABLE_ACCEPT = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


class Server:
    def __init__(self, tmp: Path) -> None:
        self.port = free_ports(1)[0]
        self.data = tmp / "data"
        self.url = f"https://127.0.0.1:{self.port}"
        self.began = time.monotonic()
        self.log = open(tmp / "server.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "k3py", "server", "--data-dir", str(self.data),
             "--https-listen-port", str(self.port), "--bind-address", "127.0.0.1",
             "--write-kubeconfig", str(tmp / "kubeconfig.yaml"), "--node-name", "bench"],
            env=dict(os.environ, PYTHONPATH=str(ROOT / "src")), stdout=self.log,
            stderr=subprocess.STDOUT)

    def context(self) -> ssl.SSLContext:
        tls = self.data / "server" / "tls"
        context = ssl.create_default_context(cafile=str(tls / "server-ca.crt"))
        context.load_cert_chain(tls / "client-admin.crt", tls / "client-admin.key")
        return context

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(20)
        self.log.close()


async def wait_ready(server: Server) -> tuple[float, float]:
    """Seconds from process start to /readyz, and to the node being Ready."""
    ready_at = node_at = 0.0
    while not node_at:
        await asyncio.sleep(0.02)
        if not (server.data / "server" / "tls" / "client-admin.key").exists():
            continue
        try:
            async with aiohttp.ClientSession(
                    connector=aiohttp.TCPConnector(ssl=server.context())) as session:
                if not ready_at:
                    async with session.get(server.url + "/readyz") as answer:
                        if answer.status == 200:
                            ready_at = time.monotonic() - server.began
                async with session.get(server.url + "/api/v1/nodes/bench") as answer:
                    if answer.status == 200:
                        node = await answer.json()
                        if any(c["type"] == "Ready" and c["status"] == "True"
                               for c in node.get("status", {}).get("conditions", [])):
                            node_at = time.monotonic() - server.began
        except (aiohttp.ClientError, OSError):
            continue
    return ready_at, node_at


async def creates(session: aiohttp.ClientSession, url: str, count: int,
                  concurrency: int) -> tuple[float, list[float]]:
    latencies: list[float] = []
    per = count // concurrency

    async def worker(w: int) -> None:
        for i in range(per):
            body = {"apiVersion": "v1", "kind": "ConfigMap",
                    "metadata": {"name": f"cm-{w}-{i}"}, "data": {"v": VALUE}}
            began = time.perf_counter()
            async with session.post(f"{url}/api/v1/namespaces/bench/configmaps",
                                    data=orjson.dumps(body),
                                    headers={"Content-Type": "application/json"}) as answer:
                await answer.read()
                assert answer.status == 201, answer.status
            latencies.append(time.perf_counter() - began)

    began = time.perf_counter()
    await asyncio.gather(*(worker(w) for w in range(concurrency)))
    return per * concurrency / (time.perf_counter() - began), latencies


async def ceiling(count: int, concurrency: int) -> float:
    """The same creates straight into the k3py SQLite datastore (no HTTP, no JSON)."""
    with tempfile.TemporaryDirectory() as tmp:
        store = open_backend("", data_dir=Path(tmp))
        async with store:
            value = orjson.dumps({"data": {"v": VALUE}})
            per = count // concurrency

            async def worker(w: int) -> None:
                for i in range(per):
                    await store.create(f"/registry/core/configmaps/bench/{w}-{i}", value)

            began = time.perf_counter()
            await asyncio.gather(*(worker(w) for w in range(concurrency)))
            return per * concurrency / (time.perf_counter() - began)


async def gets(session: aiohttp.ClientSession, url: str, count: int) -> list[float]:
    latencies = []
    for i in range(count):
        began = time.perf_counter()
        async with session.get(f"{url}/api/v1/namespaces/bench/configmaps/cm-0-{i % 50}") as a:
            await a.read()
        latencies.append(time.perf_counter() - began)
    return latencies


async def fill_pods(session: aiohttp.ClientSession, url: str, count: int) -> None:
    async def worker(w: int, per: int) -> None:
        for i in range(per):
            pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {
                "name": f"pod-{w}-{i}", "labels": {"app": "bench", "shard": str(w)}},
                "spec": {"containers": [{"name": "c", "image": "busybox:1.36",
                                         "command": ["sleep", "3600"]}]}}
            async with session.post(f"{url}/api/v1/namespaces/pods/pods",
                                    data=orjson.dumps(pod),
                                    headers={"Content-Type": "application/json"}) as answer:
                await answer.read()
                assert answer.status == 201, answer.status

    await asyncio.gather(*(worker(w, count // 32) for w in range(32)))


async def timed_list(session: aiohttp.ClientSession, url: str, accept: str) -> tuple[float, int]:
    best, size = float("inf"), 0
    for _ in range(3):
        began = time.perf_counter()
        async with session.get(f"{url}/api/v1/namespaces/pods/pods",
                               headers={"Accept": accept}) as answer:
            body = await answer.read()
        best = min(best, time.perf_counter() - began)
        size = len(body)
    return best, size


async def watch_latency(session: aiohttp.ClientSession, url: str, count: int) -> list[float]:
    sent: dict[str, float] = {}
    latencies: list[float] = []
    path = f"{url}/api/v1/namespaces/bench/configmaps"
    async with session.get(path, params={"watch": "true", "resourceVersion": "0",
                                         "fieldSelector": "metadata.name=watched"}) as stream:
        async def writer() -> None:
            async with session.post(path, data=orjson.dumps(
                    {"metadata": {"name": "watched"}, "data": {"i": "-1"}}),
                    headers={"Content-Type": "application/json"}) as a:
                await a.read()
            for i in range(count):
                sent[str(i)] = time.perf_counter()
                async with session.patch(f"{path}/watched", data=orjson.dumps(
                        {"data": {"i": str(i)}}),
                        headers={"Content-Type": "application/merge-patch+json"}) as a:
                    await a.read()
                await asyncio.sleep(0.01)

        task = asyncio.create_task(writer())
        async for line in stream.content:
            event = orjson.loads(line)
            marker = event["object"].get("data", {}).get("i")
            if marker in sent:
                latencies.append(time.perf_counter() - sent[marker])
                if marker == str(count - 1):
                    break
        await task
    return latencies


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        server = Server(Path(tmp))
        try:
            ready, node_ready = await wait_ready(server)
            await asyncio.sleep(1.0)
            idle = rss_mib(server.process.pid)
            connector = aiohttp.TCPConnector(ssl=server.context(), limit=64)
            async with aiohttp.ClientSession(connector=connector) as session:
                for ns in ("bench", "pods"):
                    async with session.post(f"{server.url}/api/v1/namespaces",
                                            json={"metadata": {"name": ns}}) as answer:
                        assert answer.status == 201
                rate, create_lat = await creates(session, server.url, args.creates, 32)
                get_lat = await gets(session, server.url, 1000)
                watch_lat = await watch_latency(session, server.url, 200)
                await fill_pods(session, server.url, args.pods)
                list_json, json_size = await timed_list(session, server.url, "application/json")
                list_table, _ = await timed_list(session, server.url, TABLE_ACCEPT)
            loaded = rss_mib(server.process.pid)
        finally:
            server.stop()
    raw = await ceiling(args.creates, 32)
    rows = [
        ("start to /readyz", f"{ready:.2f} s", "", "≤ 2 s (node Ready)"),
        ("start to node Ready", f"{node_ready:.2f} s", "", "≤ 2 s"),
        ("idle RSS", f"{idle:.0f} MiB", "", "≤ 150 MiB"),
        ("ConfigMap creates/s (32 clients, 2 KiB)", f"{rate:.0f}",
         f"{raw:.0f} ({rate / raw:.0%})", "≥ 1000"),
        ("create p50 / p99", _ms(create_lat, 1), "", "p99 ≤ 100 ms"),
        ("GET p50 / p99", _ms(get_lat, 2), "", ""),
        (f"LIST {args.pods} pods, JSON ({json_size / 1e6:.1f} MB)", f"{list_json:.2f} s", "",
         "≤ 1 s"),
        (f"LIST {args.pods} pods, Table", f"{list_table:.2f} s", "", "≤ 1 s"),
        ("watch delivery p50 / p99", _ms(watch_lat, 1), "", "p99 ≤ 50 ms"),
        ("RSS after the load", f"{loaded:.0f} MiB", "", ""),
    ]
    print(f"\nk3py API server on SQLite ({os.cpu_count()} cores)")
    print(f"{'measure':44} {'k3py':>18} {'datastore ceiling':>18}  target")
    for name, value, ceil, target in rows:
        print(f"{name:44} {value:>18} {ceil:>18}  {target}")


def _ms(samples: list[float], digits: int) -> str:
    return f"{pct(samples, .5) * 1e3:.{digits}f} / {pct(samples, .99) * 1e3:.{digits}f} ms"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--creates", type=int, default=5000)
    parser.add_argument("--pods", type=int, default=10000)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
