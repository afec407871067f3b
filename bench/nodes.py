"""Node scale benchmark: many lightweight agents (registration and heartbeats) against one server.

    python -m bench.nodes [--nodes 100,350,1000] [--steady 40] [--quick]

Starts a real `k3py server` (embedded SQLite, --disable-agent) and, in this one process,
simulates N nodes over one shared aiohttp TLS connector. Each node does what
k3py.node.registration.NodeAgent does: create its Node (the body NodeAgent builds: labels,
conditions with Ready True, capacity, nodeInfo), PATCH its status, create its Lease in
kube-node-lease, then every 10 s renew the Lease (GET then PUT, as the real agent) and
every 60 s PATCH its status. Start times are spread evenly over the period. The node count
grows 100 -> 350 -> 1000 on the same server (a cluster that grows); after each step there is
a warm-up, then a steady-state window in which every heartbeat's latency (the GET+PUT pair)
and the server's CPU (utime+stime from /proc, as % of one core, its children included) and
RSS are recorded. Beside it, one real NodeAgent runs alone in a minimal Python process
(`python -c`, since that is the smallest process that is an agent) and its RSS is read
after 15 s idle.

Ceiling: the heartbeat p99 the datastore alone gives at the same load: N lease-sized keys
(the JSON of a real Lease) in a fresh k3py SQLite datastore, each read and conditionally
updated once per 10 s with the same even spread, no HTTP, no JSON, no server.

Caveats: the simulated nodes all use the admin client certificate (not per-node kubelet
certificates, so node authorization is not exercised), and they share a pooled connector,
so the server holds a few dozen TLS connections rather than one per node. The bench process
and the server share the machine's cores; the bench's own CPU is printed for that reason.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import aiohttp
import orjson
from tests.services import free_ports

from bench.api import rss_mib
from bench.datastore import pct
from k3py.datastore import open_backend
from k3py.node.registration import (
    LEASE_NAMESPACE,
    LEASE_SECONDS,
    RENEW_INTERVAL,
    STATUS_INTERVAL,
    NodeAgent,
    NodeSettings,
)

ROOT = Path(__file__).resolve().parents[1]
LEASES = f"/apis/coordination.k8s.io/v1/namespaces/{LEASE_NAMESPACE}/leases"
JSON = {"Content-Type": "application/json"}
MERGE = {"Content-Type": "application/merge-patch+json"}
TICKS = os.sysconf("SC_CLK_TCK")

AGENT = """
import asyncio, sys
from pathlib import Path
from k3py.client import ApiClient, ClientTls
from k3py.node.registration import NodeAgent, NodeSettings
tls = Path(sys.argv[2])
async def main():
    async with ApiClient(server=sys.argv[1], tls=ClientTls(
            ca_file=tls / "server-ca.crt", cert_file=tls / "client-admin.crt",
            key_file=tls / "client-admin.key")) as client:
        await NodeAgent(client, NodeSettings(
            name="real-agent", kubelet_version="v1.31.0+k3py", runtime_version="k3py://bench",
            data_dir=Path(sys.argv[3]), internal_ip="10.255.0.1")).run()
asyncio.run(main())
"""


def _micro_now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def cpu_seconds(pid: int) -> float:
    """utime+stime of ``pid`` and of its live descendants."""
    total = 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        total = (int(fields[11]) + int(fields[12])) / TICKS
        for task in Path(f"/proc/{pid}/task").iterdir():
            for child in (task / "children").read_text().split():
                total += cpu_seconds(int(child))
    except (OSError, IndexError, ValueError):
        pass
    return total


class Server:
    def __init__(self, tmp: Path) -> None:
        self.port = free_ports(1)[0]
        self.data = tmp / "data"
        self.url = f"https://127.0.0.1:{self.port}"
        self.log = open(tmp / "server.log", "wb")  # noqa: SIM115 - closed in stop()
        self.process = subprocess.Popen(
            [sys.executable, "-m", "k3py", "server", "--data-dir", str(self.data),
             "--https-listen-port", str(self.port), "--bind-address", "127.0.0.1",
             "--write-kubeconfig", str(tmp / "kubeconfig.yaml"), "--disable-agent"],
            env=dict(os.environ, PYTHONPATH=str(ROOT / "src")), stdout=self.log,
            stderr=subprocess.STDOUT)

    @property
    def tls(self) -> Path:
        return self.data / "server" / "tls"

    def context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=str(self.tls / "server-ca.crt"))
        context.load_cert_chain(self.tls / "client-admin.crt", self.tls / "client-admin.key")
        return context

    async def wait_ready(self) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            await asyncio.sleep(0.05)
            if self.process.poll() is not None:
                raise RuntimeError("k3py server exited; see server.log")
            if not (self.tls / "client-admin.key").exists():
                continue
            try:
                async with aiohttp.ClientSession(
                        connector=aiohttp.TCPConnector(ssl=self.context())) as session, \
                        session.get(self.url + "/readyz") as answer:
                    if answer.status == 200:
                        return
            except (aiohttp.ClientError, OSError, ssl.SSLError):
                continue
        raise RuntimeError("k3py server not ready in 60 s")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()


@dataclass
class Recorder:
    """Heartbeat latencies that began inside the open window, and failures."""

    window: tuple[float, float] = (float("inf"), float("inf"))
    heartbeats: list[float] = field(default_factory=list)
    statuses: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, samples: list[float], began: float, seconds: float) -> None:
        if self.window[0] <= began < self.window[1]:
            samples.append(seconds)


class SimNode:
    def __init__(self, session: aiohttp.ClientSession, url: str, index: int,
                 data_dir: Path) -> None:
        self.session = session
        self.url = url
        self.name = f"sim-{index:05d}"
        ip = f"10.{100 + index // 65536}.{index // 256 % 256}.{index % 256}"
        settings = NodeSettings(name=self.name, kubelet_version="v1.31.0+k3py",
                                runtime_version="k3py://bench", data_dir=data_dir,
                                internal_ip=ip)
        # NodeAgent only builds bodies here; requests go through the shared session.
        self.agent = NodeAgent(cast(Any, None), settings)

    async def _call(self, method: str, path: str, body: Any = None,
                    headers: dict[str, str] | None = None) -> dict[str, Any]:
        async with self.session.request(
                method, self.url + path, headers=headers,
                data=None if body is None else orjson.dumps(body)) as answer:
            data = await answer.read()
            if answer.status >= 300:
                raise RuntimeError(f"{method} {path}: HTTP {answer.status} {data[:120]!r}")
            return cast(dict[str, Any], orjson.loads(data))

    async def register(self) -> None:
        node = await self._call("POST", "/api/v1/nodes", self.agent._node(), JSON)
        await self.post_status()
        await self._call("POST", LEASES, {
            "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
            "metadata": {"name": self.name, "namespace": LEASE_NAMESPACE, "ownerReferences": [
                {"apiVersion": "v1", "kind": "Node", "name": self.name,
                 "uid": node["metadata"]["uid"]}]},
            "spec": {"holderIdentity": self.name, "leaseDurationSeconds": LEASE_SECONDS,
                     "renewTime": _micro_now()}}, JSON)

    async def post_status(self) -> None:
        await self._call("PATCH", f"/api/v1/nodes/{self.name}/status",
                         {"status": self.agent._status()}, MERGE)

    async def renew(self) -> None:
        lease = await self._call("GET", f"{LEASES}/{self.name}")
        lease["spec"] = {**(lease.get("spec") or {}), "holderIdentity": self.name,
                         "leaseDurationSeconds": LEASE_SECONDS, "renewTime": _micro_now()}
        await self._call("PUT", f"{LEASES}/{self.name}", lease, JSON)

    async def heartbeat(self, first: float, status_at: float, record: Recorder) -> None:
        loop = asyncio.get_running_loop()
        beat_at = first
        while True:
            await asyncio.sleep(max(0.0, beat_at - loop.time()))
            beat_at += RENEW_INTERVAL
            for due, act, samples in ((True, self.renew, record.heartbeats),
                                      (loop.time() >= status_at, self.post_status,
                                       record.statuses)):
                if not due:
                    continue
                began = time.perf_counter()
                try:
                    await act()
                except (aiohttp.ClientError, OSError, RuntimeError, TimeoutError) as exc:
                    record.errors.append(str(exc))
                    continue
                record.add(samples, began, time.perf_counter() - began)
            if loop.time() >= status_at:
                status_at += STATUS_INTERVAL


async def register_all(nodes: list[SimNode], concurrency: int) -> float:
    queue = list(reversed(nodes))
    began = time.perf_counter()

    async def worker() -> None:
        while queue:
            await queue.pop().register()

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return time.perf_counter() - began


@dataclass
class Row:
    nodes: int
    heartbeats: list[float]
    statuses: list[float]
    server_cpu: float
    server_rss: float
    bench_cpu: float
    register_s: float
    errors: int
    ceiling_p99: float = 0.0


async def measure(pid: int, seconds: float) -> tuple[float, float, float]:
    """Server CPU % of one core, server RSS at the end, and this process's CPU %."""
    cpu0, own0, wall0 = cpu_seconds(pid), time.process_time(), time.perf_counter()
    await asyncio.sleep(seconds)
    wall = time.perf_counter() - wall0
    return ((cpu_seconds(pid) - cpu0) / wall * 100, rss_mib(pid),
            (time.process_time() - own0) / wall * 100)


async def agent_rss(server: Server, tmp: Path, idle: float) -> tuple[float, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", AGENT, server.url, str(server.tls), str(tmp),
        env=dict(os.environ, PYTHONPATH=str(ROOT / "src")), stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE)
    try:
        await asyncio.sleep(idle)
        if process.returncode is not None:
            assert process.stderr is not None
            return 0.0, (await process.stderr.read()).decode()[-300:]
        return rss_mib(process.pid), ""
    finally:
        if process.returncode is None:
            process.terminate()
        await process.wait()


async def run_server(args: argparse.Namespace, tmp: Path) -> tuple[list[Row], float, str]:
    server = Server(tmp)
    try:
        await server.wait_ready()
        connector = aiohttp.TCPConnector(ssl=server.context(), limit=256)
        record = Recorder()
        loop = asyncio.get_running_loop()
        tasks: list[asyncio.Task[None]] = []
        nodes: list[SimNode] = []
        rows: list[Row] = []
        async with aiohttp.ClientSession(
                connector=connector, timeout=aiohttp.ClientTimeout(total=60)) as session:
            agent = asyncio.create_task(agent_rss(server, tmp, args.agent_idle))
            for target in args.nodes:
                fresh = [SimNode(session, server.url, i, tmp) for i in range(len(nodes), target)]
                register_s = await register_all(fresh, 16)
                base = loop.time() + 1.0
                for k, node in enumerate(fresh):
                    # Spread the new nodes evenly over one renew period (and the status
                    # posts over one status period).
                    offset = RENEW_INTERVAL * k / len(fresh)
                    status_at = base + offset + STATUS_INTERVAL * random.random()
                    tasks.append(asyncio.create_task(
                        node.heartbeat(base + offset, status_at, record)))
                nodes += fresh
                await asyncio.sleep(1.0 + args.warmup)
                record.heartbeats, record.statuses, record.errors = [], [], []
                now = time.perf_counter()
                record.window = (now, now + args.steady)
                cpu, rss, own = await measure(server.process.pid, args.steady)
                await asyncio.sleep(1.0)  # let the window's last heartbeats finish
                rows.append(Row(target, record.heartbeats, record.statuses, cpu, rss, own,
                                register_s, len(record.errors)))
                print(f"  {target} nodes: {len(record.heartbeats)} heartbeats, "
                      f"p99 {pct(record.heartbeats, .99) * 1e3:.1f} ms, CPU {cpu:.0f} %, "
                      f"RSS {rss:.0f} MiB, errors {len(record.errors)}"
                      + (f" (first: {record.errors[0]})" if record.errors else ""),
                      flush=True)
            rss_agent, agent_error = await agent
            for name in ("real-agent", nodes[0].name):
                async with session.get(f"{server.url}/api/v1/nodes/{name}") as answer:
                    node = await answer.json() if answer.status == 200 else {}
                if not any(c["type"] == "Ready" and c["status"] == "True"
                           for c in node.get("status", {}).get("conditions", [])):
                    raise RuntimeError(f"node {name} is not registered Ready")
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        return rows, rss_agent, agent_error
    finally:
        server.stop()


def lease_value(name: str) -> bytes:
    """The JSON of a Lease as the server stores it."""
    return orjson.dumps({
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease", "metadata": {
            "name": name, "namespace": LEASE_NAMESPACE,
            "uid": "6f1c2a52-2f0e-4c59-9d64-0c3a4b1b9e10", "resourceVersion": "123456",
            "creationTimestamp": "2025-01-01T00:00:00Z", "ownerReferences": [
                {"apiVersion": "v1", "kind": "Node", "name": name,
                 "uid": "0b8e5d1c-62a4-4f0b-a7c9-3d2e1f0a9b8c"}]},
        "spec": {"holderIdentity": name, "leaseDurationSeconds": LEASE_SECONDS,
                 "renewTime": _micro_now()}})


async def ceiling(count: int, seconds: float) -> float:
    """Heartbeat p99 (get + conditional update) of the bare SQLite datastore at N/10 per s."""
    with tempfile.TemporaryDirectory() as tmp:
        async with open_backend("", data_dir=Path(tmp)) as store:
            revisions: dict[str, int] = {}
            for i in range(count):
                key = f"/registry/leases/{LEASE_NAMESPACE}/sim-{i:05d}"
                revisions[key] = (await store.create(key, lease_value(key))).revision
            samples: list[float] = []
            loop = asyncio.get_running_loop()
            start = loop.time() + 0.5

            async def beat(key: str, at: float) -> None:
                while at < start + seconds:
                    await asyncio.sleep(max(0.0, at - loop.time()))
                    began = time.perf_counter()
                    current = await store.get(key)
                    assert current is not None
                    result = await store.update(key, lease_value(key),
                                                expected_mod_revision=current.mod_revision)
                    assert result.succeeded
                    samples.append(time.perf_counter() - began)
                    at += RENEW_INTERVAL

            await asyncio.gather(*(beat(key, start + RENEW_INTERVAL * k / count)
                                   for k, key in enumerate(revisions)))
            return pct(samples, .99)


async def run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        rows, rss_agent, agent_error = await run_server(args, Path(tmp))
    for row in rows:
        row.ceiling_p99 = await ceiling(row.nodes, args.ceiling)
    print(f"\nk3py node scale on SQLite ({os.cpu_count()} cores; {args.steady:.0f} s steady "
          f"state per step; heartbeat = Lease GET+PUT every {RENEW_INTERVAL:.0f} s)")
    print(f"{'nodes':>6} {'heartbeat p50':>14} {'p99':>9} {'ceiling p99':>12} "
          f"{'server CPU':>11} {'server RSS':>11} {'status p99':>11} {'bench CPU':>10} "
          f"{'register':>9} {'errors':>7}")
    for r in rows:
        print(f"{r.nodes:>6} {_ms(r.heartbeats, .5):>14} {_ms(r.heartbeats, .99):>9} "
              f"{r.ceiling_p99 * 1e3:>9.1f} ms {r.server_cpu:>9.0f} % {r.server_rss:>7.0f} MiB "
              f"{_ms(r.statuses, .99):>11} {r.bench_cpu:>8.0f} % {r.register_s:>7.1f} s "
              f"{r.errors:>7}")
    agent = f"{rss_agent:.0f} MiB" if rss_agent else f"failed: {agent_error}"
    print(f"\nagent idle RSS (one NodeAgent in a minimal python process, after "
          f"{args.agent_idle:.0f} s): {agent}   target ≤ 60 MiB")
    print("targets: heartbeat p99 ≤ 100 ms at 350 nodes (K3s sizing: 2 CPUs)")


def _ms(samples: list[float], q: float) -> str:
    return f"{pct(samples, q) * 1e3:.1f} ms" if samples else "-"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--nodes", default="100,350,1000",
                        help="comma-separated node counts, ascending")
    parser.add_argument("--steady", type=float, default=40.0,
                        help="seconds of steady state measured per step")
    parser.add_argument("--warmup", type=float, default=10.0,
                        help="seconds after a step's registrations before measuring")
    parser.add_argument("--ceiling", type=float, default=20.0,
                        help="seconds of the datastore ceiling run per step")
    parser.add_argument("--agent-idle", type=float, default=15.0)
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: 10, 35 and 100 nodes, short windows")
    args = parser.parse_args()
    if args.quick:
        args.nodes, args.steady, args.warmup, args.ceiling = "10,35,100", 10.0, 2.0, 10.0
    args.nodes = sorted(int(n) for n in args.nodes.split(","))
    asyncio.run(run(args))


if __name__ == "__main__":
    main()
