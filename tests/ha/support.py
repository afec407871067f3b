"""A cluster of `k3py server` processes over one datastore behind HAProxy, for HA tests: start
them (the first bootstraps, the rest join in parallel), reach them through the balancer or
one by one, watch through one, write steadily through the balancer across a crash, and stop
every process whatever happened."""

from __future__ import annotations

import itertools
import json
import os
import queue
import ssl
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..server.support import KUBECTL, Server, kubectl, start_server, stop_server
from .test_failover import LB_NAME, Balancer, _context

__all__ = ["LB_NAME", "HaCluster", "TimedWriter", "Watch", "WriteOutcome", "write_across"]


@dataclass
class HaCluster:
    """``servers`` over ``endpoint`` (one token), ``balancer`` in front of all of them."""

    tmp: Path
    endpoint: str
    token: str
    names: tuple[str, ...]
    servers: list[Server] = field(default_factory=list)
    balancer: Balancer | None = None
    lb_kubeconfig: Path = field(init=False)  # set by start()

    @property
    def cache(self) -> Path:
        return self.tmp / "kube-cache"

    def start(self) -> HaCluster:
        """Start every server and the balancer; on any failure stop what did start."""
        try:
            self.servers.append(self._start_one(self.names[0]))
            with ThreadPoolExecutor(len(self.names)) as pool:
                joining = [pool.submit(self._start_one, name) for name in self.names[1:]]
            errors = []
            for future in joining:  # keep every server that started, so close() stops it
                try:
                    self.servers.append(future.result())
                except Exception as exc:  # the first is re-raised below
                    errors.append(exc)
            if errors:
                raise errors[0]
            self.balancer = Balancer(self.tmp, [s.port for s in self.servers])
            self.lb_kubeconfig = self._lb_kubeconfig()
        except BaseException:
            self.close()
            raise
        return self

    def _start_one(self, name: str) -> Server:
        return start_server(self.tmp / name, "--datastore-endpoint", self.endpoint, "--token",
                            self.token, "--node-name", name, "--tls-san", LB_NAME, agent=True)

    def _lb_kubeconfig(self) -> Path:
        """The first server's admin kubeconfig pointed at the balancer, verifying its name."""
        config = yaml.safe_load(self.servers[0].kubeconfig.read_text())
        cluster = config["clusters"][0]["cluster"]
        assert self.balancer is not None
        cluster["server"] = f"https://127.0.0.1:{self.balancer.port}"
        cluster["tls-server-name"] = LB_NAME
        path = self.tmp / "lb.yaml"
        path.write_text(json.dumps(config))
        return path

    @property
    def lb_url(self) -> str:
        assert self.balancer is not None
        return f"https://127.0.0.1:{self.balancer.port}"

    def via_lb(self, *args: str) -> subprocess.CompletedProcess[str]:
        """kubectl through the balancer."""
        return kubectl(self.servers[0], *args, cache=self.cache, kubeconfig=self.lb_kubeconfig)

    def via(self, server: Server, *args: str) -> subprocess.CompletedProcess[str]:
        """kubectl straight at one server, with that server's own kubeconfig."""
        return kubectl(server, *args, cache=self.cache)

    def close(self) -> None:
        """Stop the balancer and every live server (in parallel; SIGKILL if one hangs), then
        fail if a server did not exit cleanly."""
        if self.balancer is not None:
            self.balancer.close()
            self.balancer = None
        live = [s for s in self.servers if s.process.poll() is None]

        def stop(server: Server) -> str | None:
            try:
                code = stop_server(server)
            except subprocess.TimeoutExpired:
                server.process.wait(10)
                return f"{server.log.parent.name} did not stop within 15 s after SIGTERM"
            if code != 0:
                tail = "\n".join(server.log.read_text(errors="replace").splitlines()[-30:])
                return f"{server.log.parent.name} exited {code}:\n{tail}"
            return None

        with ThreadPoolExecutor(max(len(live), 1)) as pool:
            problems = [p for p in pool.map(stop, live) if p]
        self.servers = []
        assert not problems, "\n".join(problems)


class Watch:
    """``kubectl get <resource> --watch-only -o name`` against one server, started and
    established (its watch request answered) before ``__enter__`` returns; the names it
    prints are collected as they come."""

    def __init__(self, server: Server, resource: str, *, cache: Path) -> None:
        self.server, self.resource, self.cache = server, resource, cache
        self.seen: queue.Queue[str] = queue.Queue()
        self._established = threading.Event()
        self._stderr: list[str] = []

    def __enter__(self) -> Watch:
        env = dict(os.environ, KUBECACHEDIR=str(self.cache))
        # -v=6 logs each request once its response headers are in: the watch's line says
        # the server holds the watch open, so anything written from now on must show up.
        self.process = subprocess.Popen(
            [KUBECTL, "--kubeconfig", str(self.server.kubeconfig), "get", self.resource,
             "--watch-only", "-o", "name", "-v=6", "--request-timeout=30s"],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True)
        self._threads = [threading.Thread(target=self._read_stdout, daemon=True),
                         threading.Thread(target=self._read_stderr, daemon=True)]
        for thread in self._threads:
            thread.start()
        if not self._established.wait(15):
            self.__exit__()
            raise AssertionError("the watch was not established within 15 s:\n"
                                 + "".join(self._stderr[-20:]))
        return self

    def _read_stdout(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            if line.strip():
                self.seen.put(line.strip())

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        for line in self.process.stderr:
            self._stderr.append(line)
            if "watch=true" in line and "200 OK" in line:
                self._established.set()

    def next(self, timeout: float) -> str | None:
        """The next name the watch printed, or None if none came within ``timeout``."""
        try:
            return self.seen.get(timeout=timeout)
        except queue.Empty:
            return None

    def __exit__(self, *_: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        for thread in self._threads:
            thread.join(10)
        for pipe in (self.process.stdout, self.process.stderr):
            if pipe is not None:
                pipe.close()


class TimedWriter:
    """Creates a ConfigMap every 20 ms through one URL, each under a new name (a write whose
    outcome was unknown is never retried under its name), noting when each was acknowledged
    and when requests failed and why."""

    def __init__(self, url: str, context: ssl.SSLContext, *, timeout: float = 5.0) -> None:
        self.url, self.context, self.timeout = url, context, timeout
        self.acknowledged: list[tuple[str, float]] = []
        self.failures: list[tuple[float, str]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._write)

    def _write(self) -> None:
        i = 0
        while not self._stop.is_set():
            name, i = f"w-{i:05d}", i + 1
            request = urllib.request.Request(
                self.url, data=json.dumps({"metadata": {"name": name}}).encode(),
                method="POST", headers={"Content-Type": "application/json"})
            try:
                with urllib.request.urlopen(request, timeout=self.timeout,
                                            context=self.context) as answer:
                    if answer.status == 201:
                        self.acknowledged.append((name, time.monotonic()))
                    else:
                        self.failures.append((time.monotonic(), f"HTTP {answer.status}"))
            except (urllib.error.URLError, OSError) as exc:
                self.failures.append((time.monotonic(), str(exc)))
            time.sleep(0.02)

    def __enter__(self) -> TimedWriter:
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join(self.timeout + 5)


@dataclass(frozen=True, slots=True)
class WriteOutcome:
    """What a steady writer saw across a crash: writes acknowledged before and after it, the
    longest time from the crash on without an acknowledgement, the failures after it, and
    the acknowledged names the datastore no longer holds."""

    before: int
    after: int
    outage: float
    failures: list[str]
    lost: list[str]


def _steady(writer: TimedWriter, crashed: float, settle: float) -> bool:
    """Whether, for the last ``settle`` seconds (all after the crash), writes have been
    acknowledged at least every half second and none failed."""
    now = time.monotonic()
    since = now - settle
    if since < crashed or any(t >= since for t, _ in writer.failures):
        return False
    points = [since, *(t for _, t in writer.acknowledged if t >= since), now]
    return all(b - a < 0.5 for a, b in itertools.pairwise(points))


def write_across(cluster: HaCluster, crash: Callable[[], None], *, reader: Server,
                 settle: float = 1.5, deadline: float = 12.0) -> WriteOutcome:
    """Write ConfigMaps every 20 ms through the balancer, ``crash()`` once writes flow, keep
    writing until they have succeeded for ``settle`` seconds in a row after the crash (at
    most ``deadline`` seconds), then list through ``reader`` what the datastore kept."""
    url = f"{cluster.lb_url}/api/v1/namespaces/default/configmaps"
    with TimedWriter(url, _context(cluster.servers[0])) as writer:
        started = time.monotonic()
        while len(writer.acknowledged) < 10:
            assert time.monotonic() - started < 10, f"no writes got through: {writer.failures}"
            time.sleep(0.05)
        crash()
        crashed = time.monotonic()
        while time.monotonic() - crashed < deadline and not _steady(writer, crashed, settle):
            time.sleep(0.05)
    after = [t for _, t in writer.acknowledged if t > crashed]
    ends = [crashed, *after, max(after[-1] if after else crashed, time.monotonic())]
    listed = cluster.via(reader, "get", "configmaps", "-o", "json")
    assert listed.returncode == 0, listed.stderr
    stored = {item["metadata"]["name"] for item in json.loads(listed.stdout)["items"]}
    return WriteOutcome(
        before=len(writer.acknowledged) - len(after), after=len(after),
        outage=max(b - a for a, b in itertools.pairwise(ends)),
        failures=[f"+{t - crashed:.2f}s {why}" for t, why in writer.failures if t > crashed],
        lost=[n for n, _ in writer.acknowledged if n not in stored])
