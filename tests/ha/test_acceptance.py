"""The HA acceptance scenario, once per external datastore: three servers over PostgreSQL,
two over MariaDB, two over a three-member etcd cluster; one token, distinct node names, every
server with its agent and ``--tls-san k3py-lb.test``, all behind one HAProxy.

Through the balancer every server's node is Ready as control-plane,master; an object written
through one server is read through another and seen by a watch held open on a third (or the
other). Then a crash while writing steadily through the balancer: over MariaDB (and
PostgreSQL) one k3py server is killed -9, over etcd one etcd member of three; writes get
through again within 5 s and no acknowledged write is lost. The etcd member killed is the
one every server talks to (first in ``--datastore-endpoint``) and a follower: killing the
leader tests etcd's election, where etcd itself holds a proposal made during it until its 7 s
request timeout ("request timed out, possibly due to previous leader failure").

Each datastore's cluster is started once for both tests (module scope, one datastore at a
time) and every process is stopped at its teardown, whatever the tests did.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest

from ..server.support import Server
from ..services import EtcdCluster, EtcdMember, MariadbServer, MissingPackage, PostgresServer
from .support import HaCluster, Watch, write_across

TOKEN = "acceptance-shared-token"
NAMES = {"postgres": ("server-a", "server-b", "server-c"),
         "mysql": ("server-a", "server-b"),
         "etcd": ("server-a", "server-b")}


@dataclass
class Scenario:
    driver: str
    cluster: HaCluster
    etcd: EtcdCluster | None = None
    etcd_victim: EtcdMember | None = None  # first in the endpoint list, a follower


def _etcd_cluster() -> EtcdCluster:
    try:
        return EtcdCluster().start()
    except MissingPackage as exc:
        reason = f"needs the Debian package {exc.package} ({exc}); scripts/test.sh installs it"
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)


@pytest.fixture(scope="module", params=list(NAMES))
def scenario(request: pytest.FixtureRequest,
             tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    if shutil.which("haproxy") is None:
        pytest.skip("needs the Debian package haproxy; scripts/test.sh installs it")
    driver: str = request.param
    database = "acc_" + uuid.uuid4().hex[:12]
    etcd = _etcd_cluster() if driver == "etcd" else None
    try:
        victim = None
        if driver == "postgres":
            postgres: PostgresServer = request.getfixturevalue("postgres_server")
            endpoint = postgres.endpoint(database)
        elif driver == "mysql":
            mariadb: MariadbServer = request.getfixturevalue("mariadb_server")
            endpoint = mariadb.endpoint(database)
        else:
            assert etcd is not None
            victim = next(member for member in etcd.members if not member.is_leader())
            endpoint = etcd.endpoint(first=victim)
        cluster = HaCluster(tmp=tmp_path_factory.mktemp(f"acceptance-{driver}"),
                            endpoint=endpoint, token=TOKEN, names=NAMES[driver]).start()
        try:
            yield Scenario(driver, cluster, etcd, victim)
        finally:
            cluster.close()
    finally:
        if etcd is not None:
            etcd.close()


def _nodes_via_balancer(cluster: HaCluster) -> dict[str, list[str]]:
    done = cluster.via_lb("get", "nodes", "--no-headers")
    return {line.split()[0]: line.split() for line in done.stdout.splitlines()}


def test_every_server_is_ready_and_a_write_is_seen_through_the_others(
        scenario: Scenario) -> None:
    cluster = scenario.cluster
    names = set(cluster.names)
    deadline = time.monotonic() + 20
    while True:
        rows = _nodes_via_balancer(cluster)
        if set(rows) == names and all(r[1] == "Ready" for r in rows.values()):
            break
        assert time.monotonic() < deadline, rows
        time.sleep(0.2)
    assert {name: row[2] for name, row in rows.items()} == dict.fromkeys(
        names, "control-plane,master")

    writer, reader, watcher = cluster.servers[0], cluster.servers[1], cluster.servers[-1]
    with Watch(watcher, "configmaps", cache=cluster.tmp / "watch-cache") as watch:
        made = cluster.via(writer, "create", "configmap", "through-a", "--from-literal=k=v")
        assert made.returncode == 0, made.stderr
        read = cluster.via(reader, "get", "configmap", "through-a", "-o", "json")
        assert read.returncode == 0, read.stderr
        assert json.loads(read.stdout)["data"] == {"k": "v"}
        assert watch.next(timeout=10) == "configmap/through-a"
        assert watch.next(timeout=0.5) is None


def _crash(scenario: Scenario) -> tuple[Callable[[], None], Server]:
    """What to crash for this datastore, and a server that survives it to read through."""
    servers = scenario.cluster.servers
    member = scenario.etcd_victim
    if member is not None:
        assert not member.is_leader(), "the etcd member to kill has become the leader"
        return member.kill, servers[0]
    victim = servers[0]  # the first to start: likely the controllers' leader too

    def kill() -> None:
        victim.process.kill()
        victim.process.wait(10)

    return kill, servers[1]


def test_acknowledged_writes_survive_a_crash(scenario: Scenario) -> None:
    crash, reader = _crash(scenario)
    outcome = write_across(scenario.cluster, crash, reader=reader)
    what = "an etcd member" if scenario.etcd is not None else "a k3py server"
    assert outcome.after > 0, f"no write got through after killing {what}"
    assert outcome.outage < 5, (
        f"no write acknowledged for {outcome.outage:.1f} s after killing {what}; failures: "
        f"{outcome.failures[:5]}")
    assert not outcome.lost, (
        f"{len(outcome.lost)} acknowledged writes lost: {outcome.lost[:5]}")
    if scenario.etcd is not None:  # two members keep the quorum
        assert sum(member.healthy() for member in scenario.etcd.members) == 2
