"""CAs, leaves, the server's tls directory and the admin kubeconfig, checked the way their
consumers check them: cryptography's chain check, Python's ssl handshake, the real kubectl."""

from __future__ import annotations

import base64
import datetime
import hashlib
import os
import ssl
import stat
import subprocess
from pathlib import Path
from typing import TypeVar

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from k3py.errors import PkiError
from k3py.pki import (
    CertKey,
    ServerTls,
    ca_hash,
    cert_expires_within,
    cert_sans,
    create_ca,
    ensure_server_tls,
    issue_cert,
    render_kubeconfig,
    write_private,
)

E = TypeVar("E", bound=x509.ExtensionType)
KUBECTL = Path("/usr/bin/kubectl")
SERVING_DNS = {
    "kubernetes",
    "kubernetes.default",
    "kubernetes.default.svc",
    "kubernetes.default.svc.cluster.local",
    "localhost",
}


def cert(pem: bytes) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem)


def ext(c: x509.Certificate, kind: type[E]) -> x509.Extension[E]:
    return c.extensions.get_extension_for_class(kind)


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def snapshot(directory: Path) -> dict[str, tuple[bytes, int]]:
    return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in sorted(directory.iterdir())}


@pytest.fixture(scope="module")
def ca() -> CertKey:
    return create_ca("k3s-server-ca@1700000000")


def test_ca_is_a_self_signed_p256_ca(ca: CertKey) -> None:
    c = cert(ca.cert_pem)
    assert c.subject.rfc4514_string() == "CN=k3s-server-ca@1700000000"
    assert c.issuer == c.subject
    c.verify_directly_issued_by(c)
    constraints = ext(c, x509.BasicConstraints)
    assert constraints.critical
    assert constraints.value.ca
    assert constraints.value.path_length is None
    usage = ext(c, x509.KeyUsage).value
    assert usage.key_cert_sign
    assert usage.crl_sign
    ski = ext(c, x509.SubjectKeyIdentifier).value
    assert ski == x509.SubjectKeyIdentifier.from_public_key(c.public_key())
    key = serialization.load_pem_private_key(ca.key_pem, password=None)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    assert isinstance(key.curve, ec.SECP256R1)
    assert c.not_valid_after_utc - c.not_valid_before_utc > datetime.timedelta(days=3650)


def test_leaf_carries_names_usages_and_chains_to_its_ca(ca: CertKey) -> None:
    leaf = issue_cert(
        ca,
        common_name="system:admin",
        organizations=["system:masters", "k3s:extra"],
        dns_names=["node-1", "node-1.example"],
        ip_addresses=["10.0.0.5", "0:0:0:0:0:0:0:1"],
        server=True,
        client=True,
        days=30,
    )
    c = cert(leaf.cert_pem)
    c.verify_directly_issued_by(cert(ca.cert_pem))
    assert c.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "system:admin"
    groups = [a.value for a in c.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)]
    assert groups == ["system:masters", "k3s:extra"]
    assert not ext(c, x509.BasicConstraints).value.ca
    assert list(ext(c, x509.ExtendedKeyUsage).value) == [
        ExtendedKeyUsageOID.SERVER_AUTH,
        ExtendedKeyUsageOID.CLIENT_AUTH,
    ]
    ca_ski = ext(cert(ca.cert_pem), x509.SubjectKeyIdentifier).value
    assert ext(c, x509.AuthorityKeyIdentifier).value.key_identifier == ca_ski.digest
    assert ext(c, x509.SubjectKeyIdentifier).value == x509.SubjectKeyIdentifier.from_public_key(
        c.public_key()
    )
    assert cert_sans(leaf.cert_pem) == (
        frozenset({"node-1", "node-1.example"}),
        frozenset({"10.0.0.5", "::1"}),
    )
    now = datetime.datetime.now(datetime.UTC)
    backdate = now - c.not_valid_before_utc
    assert datetime.timedelta(minutes=4) < backdate < datetime.timedelta(minutes=6)
    assert datetime.timedelta(days=29) < c.not_valid_after_utc - now <= datetime.timedelta(days=30)


@pytest.mark.parametrize(
    ("server", "client", "usages"),
    [
        (True, False, [ExtendedKeyUsageOID.SERVER_AUTH]),
        (False, True, [ExtendedKeyUsageOID.CLIENT_AUTH]),
    ],
)
def test_extended_key_usage_follows_the_flags(
    ca: CertKey, server: bool, client: bool, usages: list[x509.ObjectIdentifier]
) -> None:
    c = cert(issue_cert(ca, common_name="x", server=server, client=client).cert_pem)
    assert list(ext(c, x509.ExtendedKeyUsage).value) == usages
    assert cert_sans(issue_cert(ca, common_name="x").cert_pem) == (frozenset(), frozenset())


def test_bad_inputs_are_pki_errors(ca: CertKey) -> None:
    with pytest.raises(PkiError, match=r"'10\.0\.0\.300' is not an IP address"):
        issue_cert(ca, common_name="x", ip_addresses=["10.0.0.300"])
    with pytest.raises(PkiError, match="cannot put DNS name"):
        issue_cert(ca, common_name="x", dns_names=["bücher.example"])
    with pytest.raises(PkiError, match="not a PEM certificate"):
        cert_sans(b"garbage")
    other = create_ca("other")
    with pytest.raises(PkiError, match="CA key does not belong"):
        issue_cert(CertKey(ca.cert_pem, other.key_pem), common_name="x")


def test_expiry_window(ca: CertKey) -> None:
    short = issue_cert(ca, common_name="x", days=30).cert_pem
    assert cert_expires_within(short, days=90)
    assert not cert_expires_within(short, days=10)
    assert not cert_expires_within(ca.cert_pem, days=90)


def test_ca_hash_is_k3s_hash_ca(ca: CertKey) -> None:
    # One cert: the bytes served at /cacerts, exactly (a trailing newline changes the hash).
    assert ca_hash(ca.cert_pem) == hashlib.sha256(ca.cert_pem).hexdigest()
    assert len(ca_hash(ca.cert_pem)) == 64
    # Several: the DER of the root the first cert chains to.
    leaf = issue_cert(ca, common_name="intermediate-ish", server=True)
    bundle = leaf.cert_pem + ca.cert_pem
    root_der = cert(ca.cert_pem).public_bytes(serialization.Encoding.DER)
    assert ca_hash(bundle) == hashlib.sha256(root_der).hexdigest()
    # Nothing chains: back to the raw bytes.
    unrelated = create_ca("unrelated").cert_pem + ca.cert_pem
    assert ca_hash(unrelated) == hashlib.sha256(unrelated).hexdigest()


# --- <data-dir>/server/tls -------------------------------------------------------------------


def ensure(data_dir: Path, *extra_dns: str) -> ServerTls:
    return ensure_server_tls(
        data_dir, dns_names=["node-1", *extra_dns], ip_addresses=["10.0.0.5", "10.43.0.1"]
    )


def test_server_tls_layout_modes_and_chains(tmp_path: Path) -> None:
    tls = ensure(tmp_path / "data")
    assert tls.dir == tmp_path / "data/server/tls"
    assert mode(tls.dir) == 0o700
    stems = (
        "server-ca",
        "client-ca",
        "serving-kube-apiserver",
        "client-admin",
        "client-supervisor",
    )
    assert sorted(p.name for p in tls.dir.iterdir()) == sorted(
        f"{stem}.{suffix}" for stem in stems for suffix in ("crt", "key")
    )
    keys = (tls.server_ca_key, tls.client_ca_key, tls.serving_key, tls.admin_key)
    assert {mode(key) for key in (*keys, tls.supervisor_key)} == {0o600}
    certs = (tls.server_ca, tls.client_ca, tls.serving_cert, tls.admin_cert)
    assert {mode(crt) for crt in (*certs, tls.supervisor_cert)} == {0o644}

    server_ca, client_ca = cert(tls.server_ca.read_bytes()), cert(tls.client_ca.read_bytes())
    assert server_ca.subject.rfc4514_string().startswith("CN=k3s-server-ca@")
    assert client_ca.subject.rfc4514_string().startswith("CN=k3s-client-ca@")
    cert(tls.serving_cert.read_bytes()).verify_directly_issued_by(server_ca)
    dns, ips = cert_sans(tls.serving_cert.read_bytes())
    assert dns == SERVING_DNS | {"node-1"}
    assert ips == {"127.0.0.1", "::1", "10.0.0.5", "10.43.0.1"}
    for path, common_name in (
        (tls.admin_cert, "system:admin"),
        (tls.supervisor_cert, "system:k3s-supervisor"),
    ):
        c = cert(path.read_bytes())
        c.verify_directly_issued_by(client_ca)
        assert c.subject.rfc4514_string() == f"CN={common_name},O=system:masters"
        assert list(ext(c, x509.ExtendedKeyUsage).value) == [ExtendedKeyUsageOID.CLIENT_AUTH]


def test_second_start_changes_nothing(tmp_path: Path) -> None:
    tls = ensure(tmp_path)
    before = snapshot(tls.dir)
    assert ensure(tmp_path) == tls
    # Fewer names, other spellings: everything asked for is already there.
    again = ensure_server_tls(tmp_path, dns_names=["NODE-1"], ip_addresses=["0:0:0:0:0:0:0:1"])
    assert again == tls
    assert snapshot(tls.dir) == before


def test_new_san_reissues_only_the_serving_cert(tmp_path: Path) -> None:
    tls = ensure(tmp_path)
    before = snapshot(tls.dir)
    ensure_server_tls(tmp_path, dns_names=["node-1", "api.example"], ip_addresses=["192.0.2.7"])
    after = snapshot(tls.dir)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"serving-kube-apiserver.crt"}
    dns, ips = cert_sans(tls.serving_cert.read_bytes())
    assert {"api.example", "node-1"} <= dns
    assert "192.0.2.7" in ips
    cert(tls.serving_cert.read_bytes()).verify_directly_issued_by(cert(tls.server_ca.read_bytes()))


def test_expiring_or_foreign_client_certs_are_renewed(tmp_path: Path) -> None:
    tls = ensure(tmp_path)
    client_ca = CertKey(tls.client_ca.read_bytes(), tls.client_ca_key.read_bytes())
    short = issue_cert(
        client_ca,
        key_pem=tls.admin_key.read_bytes(),
        common_name="system:admin",
        organizations=["system:masters"],
        client=True,
        days=30,
    )
    tls.admin_cert.write_bytes(short.cert_pem)
    foreign = issue_cert(
        create_ca("someone-else"),
        common_name="system:k3s-supervisor",
        organizations=["system:masters"],
        client=True,
    )
    tls.supervisor_cert.write_bytes(foreign.cert_pem)
    tls.supervisor_key.write_bytes(foreign.key_pem)
    before = snapshot(tls.dir)

    ensure(tmp_path)
    after = snapshot(tls.dir)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"client-admin.crt", "client-supervisor.crt"}
    assert not cert_expires_within(tls.admin_cert.read_bytes(), days=300)
    cert(tls.supervisor_cert.read_bytes()).verify_directly_issued_by(cert(client_ca.cert_pem))


def test_unusable_leaf_files_are_replaced(tmp_path: Path) -> None:
    tls = ensure(tmp_path)
    tls.serving_key.write_bytes(b"not a key")
    tls.admin_cert.write_bytes(b"not a cert")
    tls.supervisor_key.unlink()
    before = snapshot(tls.dir)
    ensure(tmp_path)
    after = snapshot(tls.dir)
    assert {name for name in after if before.get(name) != after[name]} == {
        "serving-kube-apiserver.crt",
        "serving-kube-apiserver.key",
        "client-admin.crt",
        "client-supervisor.crt",
        "client-supervisor.key",
    }
    assert mode(tls.serving_key) == mode(tls.supervisor_key) == 0o600
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(tls.serving_cert, tls.serving_key)
    server_ctx.load_cert_chain(tls.supervisor_cert, tls.supervisor_key)
    server_ctx.load_cert_chain(tls.admin_cert, tls.admin_key)


def test_lost_ca_reissues_its_leaves_and_a_ca_without_key_is_refused(tmp_path: Path) -> None:
    tls = ensure(tmp_path)
    before = snapshot(tls.dir)
    tls.server_ca.unlink()
    tls.server_ca_key.unlink()
    ensure(tmp_path)
    after = snapshot(tls.dir)
    changed = {name for name in before if before[name] != after[name]}
    assert changed == {"server-ca.crt", "server-ca.key", "serving-kube-apiserver.crt"}

    tls.client_ca_key.unlink()
    with pytest.raises(PkiError, match=r"client-ca\.crt exists but its key .* does not"):
        ensure(tmp_path)
    tls.client_ca_key.write_bytes(create_ca("x").key_pem)
    with pytest.raises(PkiError, match=r"client-ca\.key is not the key of"):
        ensure(tmp_path)


def test_loosened_key_modes_are_tightened(tmp_path: Path) -> None:
    tls = ensure(tmp_path)
    tls.admin_key.chmod(0o644)
    tls.server_ca_key.chmod(0o640)
    tls.dir.chmod(0o755)
    ensure(tmp_path)
    assert mode(tls.admin_key) == mode(tls.server_ca_key) == 0o600
    assert mode(tls.dir) == 0o700


def test_ssl_loads_the_serving_cert_and_verifies_both_ways(tmp_path: Path) -> None:
    tls = ensure(tmp_path)
    server_ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_ctx.load_cert_chain(tls.serving_cert, tls.serving_key)
    server_ctx.load_verify_locations(cafile=tls.client_ca)
    server_ctx.verify_mode = ssl.CERT_REQUIRED
    client_ctx = ssl.create_default_context(cafile=tls.server_ca)
    client_ctx.load_cert_chain(tls.admin_cert, tls.admin_key)

    for hostname in ("kubernetes.default.svc", "127.0.0.1", "::1", "10.43.0.1", "node-1"):
        assert handshake(server_ctx, client_ctx, hostname) == "system:admin"
    with pytest.raises(ssl.SSLCertVerificationError, match="mismatch"):
        handshake(server_ctx, client_ctx, "elsewhere.example")


def handshake(server_ctx: ssl.SSLContext, client_ctx: ssl.SSLContext, hostname: str) -> str:
    """A TLS handshake through memory BIOs; returns the CN of the client cert the server saw."""
    c_in, c_out, s_in, s_out = (ssl.MemoryBIO() for _ in range(4))
    client = client_ctx.wrap_bio(c_in, c_out, server_hostname=hostname)
    server = server_ctx.wrap_bio(s_in, s_out, server_side=True)
    done = {"client": False, "server": False}
    for _ in range(20):
        for name, side in (("client", client), ("server", server)):
            if not done[name]:
                try:
                    side.do_handshake()
                    done[name] = True
                except ssl.SSLWantReadError:
                    pass
        s_in.write(c_out.read())
        c_in.write(s_out.read())
        if all(done.values()):
            # TLS 1.3: the server checks the client cert after the client is done.
            peer = server.getpeercert(binary_form=True)
            assert peer
            names = x509.load_der_x509_certificate(peer).subject
            return str(names.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value)
    raise AssertionError("handshake did not finish")


# --- files and kubeconfig --------------------------------------------------------------------


def test_write_private_is_atomic_with_exact_modes(tmp_path: Path) -> None:
    target = tmp_path / "token"
    old_umask = os.umask(0)
    try:
        write_private(target, "K10abc::server:pw\n")
        assert mode(target) == 0o600
        write_private(target, b"replaced", mode=0o640)
        assert mode(target) == 0o640
    finally:
        os.umask(old_umask)
    old_umask = os.umask(0o077)
    try:
        write_private(target, b"kubeconfig", mode=0o644)  # the umask does not narrow it
        assert mode(target) == 0o644
    finally:
        os.umask(old_umask)
    assert target.read_bytes() == b"kubeconfig"
    assert [p.name for p in tmp_path.iterdir()] == ["token"]


def test_write_private_leaves_no_temp_file_when_it_fails(tmp_path: Path) -> None:
    (tmp_path / "dir").mkdir()
    with pytest.raises(IsADirectoryError):
        write_private(tmp_path / "dir", b"x")
    assert [p.name for p in tmp_path.iterdir()] == ["dir"]


def kubectl(kubeconfig: Path, jsonpath: str, tmp_path: Path) -> str:
    if not KUBECTL.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{KUBECTL} is missing")
        pytest.skip(f"needs {KUBECTL}")
    env = {**os.environ, "KUBECACHEDIR": str(tmp_path / "kube-cache"), "HOME": str(tmp_path)}
    env.pop("KUBECONFIG", None)
    result = subprocess.run(
        [
            KUBECTL,
            "config",
            "view",
            "--raw",
            f"--kubeconfig={kubeconfig}",
            f"-ojsonpath={jsonpath}",
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_kubeconfig_as_k3s_writes_it_is_read_by_kubectl(tmp_path: Path) -> None:
    tls = ensure(tmp_path / "data")
    admin = CertKey(tls.admin_cert.read_bytes(), tls.admin_key.read_bytes())
    text = render_kubeconfig(
        server_url="https://127.0.0.1:6443", ca_pem=tls.server_ca.read_bytes(), client=admin
    )
    assert "current-context: default\n" in text
    path = tmp_path / "k3py.yaml"
    write_private(path, text)
    b64 = base64.b64encode
    assert kubectl(path, "{.users[0].user.client-certificate-data}", tmp_path) == (
        b64(admin.cert_pem).decode()
    )
    assert kubectl(path, "{.users[0].user.client-key-data}", tmp_path) == (
        b64(admin.key_pem).decode()
    )
    assert kubectl(path, "{.clusters[0].cluster.certificate-authority-data}", tmp_path) == (
        b64(tls.server_ca.read_bytes()).decode()
    )
    names = "{.current-context} {.clusters[0].name} {.users[0].name} {.contexts[0].name}"
    assert kubectl(path, names, tmp_path) == "default default default default"
    assert kubectl(path, "{.clusters[0].cluster.server}", tmp_path) == "https://127.0.0.1:6443"


@pytest.mark.parametrize(
    ("name", "server_url"),
    [("yes", "https://[::1]:6443"), ("a: b #c", "https://10.0.0.1:6443"), ("on", "x,y")],
)
def test_kubeconfig_names_that_yaml_would_misread(
    tmp_path: Path, ca: CertKey, name: str, server_url: str
) -> None:
    path = tmp_path / "kubeconfig"
    path.write_text(
        render_kubeconfig(server_url=server_url, ca_pem=ca.cert_pem, client=ca, name=name)
    )
    assert kubectl(path, "{.current-context}", tmp_path) == name
    assert kubectl(path, "{.clusters[0].cluster.server}", tmp_path) == server_url
