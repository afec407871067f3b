"""Tests specific to the etcd driver, against a real etcd 3.4 started here on loopback.

The conformance suite covers the shared contract; these cover what only this driver does:
etcd's own revisions and errors, the compacted-revision search, progress marks on an etcd
whose own are unordered, endpoint rotation, TLS, and a stream that breaks.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import logging
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from k3py.datastore import Backend, DatastoreSettings, Event, EventType, open_backend
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

ETCD = "/usr/bin/etcd"
pytestmark = pytest.mark.skipif(not Path(ETCD).exists(), reason="needs etcd-server")


# -- an etcd on loopback ----------------------------------------------------------------------


def _free_ports(count: int) -> list[int]:
    socks = [socket.socket() for _ in range(count)]
    try:
        for s in socks:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class _Etcd:
    """One single-member etcd in a temp dir; ``tls`` is (ca, cert, key, client context)."""

    def __init__(self, tls: tuple[Path, Path, Path] | None = None) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="k3py-etcd-test-"))
        self.port, self.peer = _free_ports(2)
        self.tls = tls
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> _Etcd:
        peer = f"http://127.0.0.1:{self.peer}"
        cmd = [ETCD, "--name=t", f"--data-dir={self.dir}/data",
               f"--listen-client-urls={self.url}", f"--advertise-client-urls={self.url}",
               f"--listen-peer-urls={peer}", f"--initial-advertise-peer-urls={peer}",
               f"--initial-cluster=t={peer}", "--max-request-bytes=10485760"]
        if self.tls:
            ca, cert, key = self.tls
            cmd += [f"--cert-file={cert}", f"--key-file={key}", "--client-cert-auth",
                    f"--trusted-ca-file={ca}"]
        log = open(self.dir / "etcd.log", "ab")  # noqa: SIM115 - the child owns it
        self.proc = subprocess.Popen(cmd, stdout=log, stderr=log, start_new_session=True)
        log.close()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            assert self.proc.poll() is None, (self.dir / "etcd.log").read_text()[-3000:]
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                if self.tls or self._healthy():
                    return self
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError(f"etcd did not start: {(self.dir / 'etcd.log').read_text()[-3000:]}")

    def _healthy(self) -> bool:
        opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
        with opener.open(f"{self.url}/health", timeout=1) as response:
            return b'"true"' in response.read()

    def kill(self) -> None:
        if self.proc is not None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
            self.proc = None

    def close(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def _certs(directory: Path) -> dict[str, Path]:
    """A CA, a server certificate for 127.0.0.1 and a client certificate, as PEM files."""
    now = datetime.datetime.now(datetime.UTC)

    def name(cn: str) -> x509.Name:
        return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])

    def write(stem: str, cert: x509.Certificate, key: ec.EllipticCurvePrivateKey) -> None:
        (directory / f"{stem}.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
        (directory / f"{stem}.key").write_bytes(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption()))

    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca = (x509.CertificateBuilder().subject_name(name("test CA")).issuer_name(name("test CA"))
          .public_key(ca_key.public_key()).serial_number(x509.random_serial_number())
          .not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    write("ca", ca, ca_key)
    # etcd's JSON gateway dials etcd's own gRPC port with the server certificate, so under
    # --client-cert-auth that certificate must allow client auth too.
    for stem, usages in (("server", [ExtendedKeyUsageOID.SERVER_AUTH,
                                     ExtendedKeyUsageOID.CLIENT_AUTH]),
                         ("client", [ExtendedKeyUsageOID.CLIENT_AUTH])):
        key = ec.generate_private_key(ec.SECP256R1())
        builder = (x509.CertificateBuilder().subject_name(name(stem)).issuer_name(ca.subject)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(minutes=5))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.ExtendedKeyUsage(usages), critical=False))
        if stem == "server":
            builder = builder.add_extension(x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
        write(stem, builder.sign(ca_key, hashes.SHA256()), key)
    return {stem: directory / stem for stem in ("ca", "server", "client")}


@pytest.fixture(scope="module")
def etcd() -> Iterator[_Etcd]:
    server = _Etcd().start()
    yield server
    server.close()


@pytest.fixture(scope="module")
def etcd_tls() -> Iterator[tuple[_Etcd, dict[str, Path]]]:
    certs_dir = Path(tempfile.mkdtemp(prefix="k3py-etcd-certs-"))
    files = _certs(certs_dir)
    server = _Etcd(tls=(Path(f"{files['ca']}.crt"), Path(f"{files['server']}.crt"),
                        Path(f"{files['server']}.key"))).start()
    yield server, files
    server.close()
    shutil.rmtree(certs_dir, ignore_errors=True)


def _open(url: str, **settings: float) -> Backend:
    return open_backend(url, settings=DatastoreSettings(**settings))  # type: ignore[arg-type]


@pytest.fixture
async def store(etcd: _Etcd) -> AsyncIterator[Backend]:
    async with _open(etcd.url) as backend:
        yield backend


@pytest.fixture
def p() -> str:
    return f"/t{uuid.uuid4().hex[:10]}"


async def _take(watch: AsyncIterator[Event], count: int, *, progress: bool = False,
                within: float = 20) -> list[Event]:
    events: list[Event] = []
    async with asyncio.timeout(within):
        async for event in watch:
            if progress or event.type is not EventType.PROGRESS:
                events.append(event)
                if len(events) == count:
                    break
    return events


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
    assert not (await store.update(f"{p}/k", b"x", expected_mod_revision=5)).succeeded


async def test_past_snapshot_pages_report_the_snapshot_revision(store: Backend, p: str) -> None:
    for i in range(10):
        await store.create(f"{p}/i/{i}", str(i).encode())
    snapshot = await store.current_revision()
    for i in range(0, 10, 2):
        await store.delete(f"{p}/i/{i}")
    await store.create(f"{p}/i/99", b"late")
    await store.create(f"{p}/j", b"outside")

    keys: list[str] = []
    start = None
    while True:
        page = await store.list(f"{p}/i/", snapshot, limit=3, start_key=start)
        assert page.revision == snapshot  # not etcd's header revision, which is newer
        keys += [kv.key for kv in page.kvs]
        if not page.more:
            break
        start = keys[-1] + "\x00"
    assert keys == [f"{p}/i/{i}" for i in range(10)]
    now = await store.list(f"{p}/i/")
    assert now.revision == await store.current_revision() and len(now.kvs) == 6
    assert (await store.get(f"{p}/i/0", snapshot)) is not None
    assert await store.get(f"{p}/i/0") is None


async def test_count_and_the_empty_prefix(store: Backend, p: str) -> None:
    for i in range(5):
        await store.create(f"{p}/c/{i}", b"x")
    await store.create(f"{p}/d", b"x")
    assert await store.count(f"{p}/c/") == 5
    assert await store.count(p) == 6
    everything = await store.count("")
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
        events = await _take(watch, 2)
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
        events = await _take(watch, 3)
    assert [(e.type, e.revision) for e in events] == [
        (EventType.PUT, first.revision), (EventType.PUT, second.revision),
        (EventType.DELETE, gone.revision)]
    assert events[0].prev_kv == before.kv and events[0].kv == first.kv
    assert events[1].prev_kv is None and events[1].kv == second.kv
    deleted = events[2].kv
    assert deleted is not None and (deleted.key, deleted.value) == (f"{p}/w/a", b"")
    assert (deleted.create_revision, deleted.mod_revision) == (0, gone.revision)
    assert events[2].prev_kv == first.kv


async def test_a_slow_consumer_gets_everything_in_order(etcd: _Etcd, p: str) -> None:
    async with _open(etcd.url, watch_queue=3) as store:
        start = await store.current_revision() + 1
        revisions = [(await store.create(f"{p}/{i:03d}", b"x")).revision for i in range(60)]
        async with store.watch(p, start) as watch:
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
        (mark,) = await _take(watch, 1, progress=True)
        assert mark.type is EventType.PROGRESS and mark.revision >= now
        watch.request_progress()
        (again,) = await _take(watch, 1, progress=True)
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
        (mark,) = await _take(watch, 1, progress=True, within=10)
    assert mark.type is EventType.PROGRESS and mark.revision >= now


async def test_closing_watches(store: Backend, p: str, etcd: _Etcd) -> None:
    watch = store.watch(p)
    async with watch:
        pass
    with pytest.raises(StopAsyncIteration):
        await anext(watch)
    other = _open(etcd.url)
    async with other:
        open_watch = other.watch(p)
        await open_watch.__aenter__()
    with pytest.raises(WatchCancelled):
        await anext(open_watch)
    await open_watch.close()
    with pytest.raises(DatastoreClosed):
        other.watch(p)


# -- compaction --------------------------------------------------------------------------------


async def test_compacted_errors_carry_etcds_compacted_revision(store: Backend, p: str,
                                                               etcd: _Etcd) -> None:
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

    async with _open(etcd.url) as fresh:  # knows nothing of this compaction: must search
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
            (event,) = await _take(watch, 1)
        assert event.revision == after.revision and event.prev_kv is not None


async def test_background_compaction_keeps_the_newest_revisions(etcd: _Etcd, p: str) -> None:
    async with _open(etcd.url, compact_interval=0.1, compact_retain=5) as store:
        revisions = [(await store.create(f"{p}/{i}", b"x")).revision for i in range(10)]
        for _ in range(200):  # the compactor runs every 0.1s
            if await store.compact_revision() >= revisions[-1] - 5:
                break
            await asyncio.sleep(0.05)
        assert await store.compact_revision() == revisions[-1] - 5
        assert await store.get(f"{p}/9", revisions[-1] - 5) is None  # readable, not yet there
        with pytest.raises(CompactedError):
            await store.get(f"{p}/0", revisions[0])


# -- leases ------------------------------------------------------------------------------------


async def test_leases(store: Backend, p: str) -> None:
    short = await store.grant_lease(1)
    assert short.ttl >= 1  # etcd may raise it to its minimum
    created = await store.create(f"{p}/ttl", b"x", lease=short.id)
    assert created.kv is not None and created.kv.lease == short.id
    async with store.watch(f"{p}/ttl", created.revision + 1) as watch:
        (expired,) = await _take(watch, 1, within=15)
    assert expired.type is EventType.DELETE and expired.prev_kv == created.kv
    with pytest.raises(LeaseNotFoundError):
        await store.keepalive_lease(short.id)
    with pytest.raises(LeaseNotFoundError) as missing:
        await store.create(f"{p}/other", b"x", lease=short.id)
    assert missing.value.lease_id == short.id

    lease = await store.grant_lease(30)
    assert (await store.keepalive_lease(lease.id)).ttl == 30
    a = await store.create(f"{p}/r/a", b"a", lease=lease.id)
    await store.create(f"{p}/r/b", b"b", lease=lease.id)
    async with store.watch(f"{p}/r/", a.revision + 2) as watch:
        await store.revoke_lease(lease.id)
        deletes = await _take(watch, 2)
    # etcd deletes every key of a lease at one revision.
    assert {e.type for e in deletes} == {EventType.DELETE}
    assert deletes[0].revision == deletes[1].revision
    await store.revoke_lease(lease.id)  # already gone: nothing to do


# -- endpoints, TLS, failures -----------------------------------------------------------------


async def test_the_first_healthy_url_is_used_and_state_changes_logged_once(
    etcd: _Etcd, p: str, caplog: pytest.LogCaptureFixture
) -> None:
    (dead,) = _free_ports(1)
    caplog.set_level(logging.INFO, logger="k3py.datastore.etcd")
    async with _open(f"http://127.0.0.1:{dead},{etcd.url}") as store:
        assert (await store.create(f"{p}/k", b"x")).succeeded
        assert await store.get(f"{p}/k") is not None
    messages = [r.getMessage() for r in caplog.records if r.name.endswith("client")]
    assert len(messages) == 2
    assert "unavailable" in messages[0] and f"127.0.0.1:{dead}" in messages[0]
    assert "available again" in messages[1] and etcd.url in messages[1]


async def test_unreachable_etcd_is_unavailable_after_the_retry_timeout() -> None:
    (dead,) = _free_ports(1)
    began = time.monotonic()
    with pytest.raises(DatastoreUnavailable, match="unreachable"):
        async with _open(f"http://127.0.0.1:{dead}", retry_timeout=0.5):
            pass
    assert time.monotonic() - began < 5


async def test_tls_with_client_certificates(etcd_tls: tuple[_Etcd, dict[str, Path]],
                                            p: str) -> None:
    server, files = etcd_tls
    async with open_backend(server.url, ca_file=f"{files['ca']}.crt",
                            cert_file=f"{files['client']}.crt",
                            key_file=f"{files['client']}.key") as store:
        created = await store.create(f"{p}/k", b"secret")
        async with store.watch(f"{p}/", created.revision) as watch:
            (event,) = await _take(watch, 1)
        assert event.kv == created.kv
    settings = DatastoreSettings(retry_timeout=1)
    with pytest.raises(DatastoreUnavailable, match="TLS"):  # no CA: the server is not trusted
        async with open_backend(server.url, settings=settings):
            pass
    with pytest.raises(DatastoreUnavailable):  # no client certificate: etcd hangs up
        async with open_backend(server.url, ca_file=f"{files['ca']}.crt", settings=settings):
            pass


async def test_a_dying_etcd_cancels_watches_and_comes_back(p: str) -> None:
    server = _Etcd().start()
    try:
        async with _open(server.url, retry_timeout=1) as store:
            created = await store.create(f"{p}/k", b"x")
            async with store.watch(f"{p}/") as watch:
                server.kill()
                with pytest.raises(WatchCancelled, match="resume from revision"):
                    await _take(watch, 1)
            with pytest.raises(DatastoreUnavailable):
                await store.get(f"{p}/k")
            await asyncio.to_thread(server.start)
            assert await store.get(f"{p}/k") == created.kv
    finally:
        server.close()
