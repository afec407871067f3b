"""The supervisor on a real `k3py server`: what an agent sees while joining, over real TLS."""

from __future__ import annotations

import base64
import hashlib
import json
import ssl
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from tests.server.support import Server, start_server, stop_server


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    running = start_server(tmp_path_factory.mktemp("supervisor"))
    yield running
    if running.process.poll() is None:
        assert stop_server(running) == 0, running.log.read_text()


@dataclass
class Answer:
    status: int
    body: bytes
    content_type: str

    def json(self) -> Any:
        return json.loads(self.body)


def _tls(server: Server) -> Path:
    return server.data_dir / "server" / "tls"


def _context(server: Server, cert: str | None = None) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(_tls(server) / "server-ca.crt"))
    if cert is not None:
        context.load_cert_chain(_tls(server) / f"{cert}.crt", _tls(server) / f"{cert}.key")
    return context


def _passwords(server: Server) -> dict[str, str]:
    rows = (server.data_dir / "server" / "cred" / "passwd").read_text().splitlines()
    return {row.split(",")[1]: row.split(",")[0] for row in rows}


def call(server: Server, path: str, *, user: str | None = None, password: str = "",
         cert: str | None = None, method: str = "GET", body: bytes | None = None,
         headers: dict[str, str] | None = None) -> Answer:
    request = urllib.request.Request(server.url + path, data=body, method=method,
                                     headers=headers or {})
    if user is not None:
        token = base64.b64encode(f"{user}:{password}".encode()).decode()
        request.add_header("Authorization", f"Basic {token}")
    try:
        with urllib.request.urlopen(request, timeout=30,
                                    context=_context(server, cert)) as answer:
            return Answer(answer.status, answer.read(), answer.headers.get_content_type())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.read(), error.headers.get_content_type())


def node_call(server: Server, kind: str, node: str, node_password: str, *,
              csr: bytes | None = None, ips: str = "") -> Answer:
    headers = {"k3s-Node-Name": node, "k3s-Node-Password": node_password}
    if ips:
        headers["k3s-Node-IP"] = ips
    return call(server, f"/v1-k3s/{kind}-kubelet.crt", user="node",
                password=_passwords(server)["node"], method="POST", body=csr or b"",
                headers=headers)


def make_csr() -> tuple[ec.EllipticCurvePrivateKey, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    csr = x509.CertificateSigningRequestBuilder().subject_name(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "ignored")])).sign(
        key, hashes.SHA256())
    return key, csr.public_bytes(serialization.Encoding.DER)


def pem_blocks(body: bytes) -> list[bytes]:
    marker = b"-----END "
    parts, rest = [], body
    while marker in rest:
        end = rest.index(b"-----", rest.index(marker) + len(marker)) + 5
        parts.append(rest[:end].strip() + b"\n")
        rest = rest[end:]
    return parts


def test_cacerts_are_the_server_ca_file_and_match_the_token_hash(server: Server) -> None:
    answer = call(server, "/cacerts")
    assert answer.status == 200
    assert answer.content_type == "text/plain"
    ca = (_tls(server) / "server-ca.crt").read_bytes()
    assert answer.body == ca
    token = (server.data_dir / "server" / "token").read_text().strip()
    assert token.startswith("K10" + hashlib.sha256(answer.body).hexdigest() + "::server:")


def test_ping(server: Server) -> None:
    answer = call(server, "/ping")
    assert (answer.status, answer.body) == (200, b"pong")


def test_basic_auth_as_node_reads_config_and_apiservers(server: Server) -> None:
    password = _passwords(server)["node"]
    config = call(server, "/v1-k3s/config", user="node", password=password)
    assert config.status == 200, config.body
    settings = config.json()
    assert settings["ClusterDomain"] == "cluster.local"
    assert settings["ClusterDNS"] == "10.43.0.10"
    assert settings["ClusterIPRange"] == {"IP": "10.42.0.0", "Mask": "//8AAA=="}
    assert settings["ServiceIPRange"]["IP"] == "10.43.0.0"
    assert settings["HTTPSPort"] == server.port
    assert settings["DisableKubeProxy"] is False
    assert settings["FlannelBackend"] == "vxlan"
    assert settings["EgressSelectorMode"] == "agent"
    assert password.encode() not in config.body
    assert not {k for k in settings if "token" in k.lower() or "datastore" in k.lower()}

    apiservers = call(server, "/v1-k3s/apiservers", user="node", password=password)
    assert apiservers.status == 200
    assert apiservers.json() == [f"127.0.0.1:{server.port}"]

    readyz = call(server, "/v1-k3s/readyz", user="server",
                  password=_passwords(server)["server"])
    assert (readyz.status, readyz.body) == (200, b"ok")


def test_ca_bundles_for_agents(server: Server) -> None:
    password = _passwords(server)["node"]
    for name in ("client-ca.crt", "server-ca.crt"):
        answer = call(server, f"/v1-k3s/{name}", user="node", password=password)
        assert answer.status == 200
        assert answer.body == (_tls(server) / name).read_bytes()


def test_wrong_or_missing_credentials_are_401_status(server: Server) -> None:
    wrong = call(server, "/v1-k3s/config", user="node", password="not-the-password")
    assert wrong.status == 401
    status = wrong.json()
    assert (status["kind"], status["code"], status["reason"]) == ("Status", 401,
                                                                 "Unauthorized")
    assert b"not-the-password" not in wrong.body
    assert call(server, "/v1-k3s/apiservers").status == 401
    assert call(server, "/v1-k3s/no-such-thing").status == 401
    # The API proper is untouched: still 401 without a certificate.
    assert call(server, "/api/v1/namespaces").status == 401


def test_certificate_identities(server: Server) -> None:
    # This server's own kubelet certificate (system:node:<name>, O=system:nodes) is an agent.
    assert call(server, "/v1-k3s/config", cert="client-kubelet").status == 200
    # The admin (system:masters) is not an agent.
    forbidden = call(server, "/v1-k3s/config", cert="client-admin")
    assert forbidden.status == 403
    assert forbidden.json()["message"] == "forbidden"
    # A node certificate cannot ask for another node's certificates.
    other = call(server, "/v1-k3s/client-kubelet.crt", cert="client-kubelet", method="POST",
                 body=make_csr()[1],
                 headers={"k3s-Node-Name": "someone-else", "k3s-Node-Password": "x"})
    assert other.status == 400
    assert other.json()["message"] == "header node name does not match auth node name"


def test_unknown_supervisor_path_is_404_once_authenticated(server: Server) -> None:
    answer = call(server, "/v1-k3s/no-such-thing", user="node",
                  password=_passwords(server)["node"])
    assert answer.status == 404
    assert answer.json()["kind"] == "Status"


def test_client_kubelet_certificate_and_node_password(server: Server) -> None:
    key, csr = make_csr()
    answer = node_call(server, "client", "agent-1", "agent-1-password", csr=csr)
    assert answer.status == 200, answer.body
    leaf_pem, *ca_pems = pem_blocks(answer.body)
    assert b"PRIVATE KEY" not in answer.body  # the agent made its own key
    leaf = x509.load_pem_x509_certificate(leaf_pem)
    assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == \
        "system:node:agent-1"
    assert [a.value for a in leaf.subject.get_attributes_for_oid(
        NameOID.ORGANIZATION_NAME)] == ["system:nodes"]
    assert leaf.public_key() == key.public_key()
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH]
    client_ca = x509.load_pem_x509_certificate((_tls(server) / "client-ca.crt").read_bytes())
    leaf.verify_directly_issued_by(client_ca)
    assert b"".join(ca_pems) == (_tls(server) / "client-ca.crt").read_bytes()

    # The same node again with its own password: fine. With another: refused, as K3s does.
    assert node_call(server, "client", "agent-1", "agent-1-password",
                     csr=make_csr()[1]).status == 200
    refused = node_call(server, "client", "Agent-1", "someone-elses-password",
                        csr=make_csr()[1])
    assert refused.status == 403
    status = refused.json()
    assert status["reason"] == "Forbidden"
    assert status["message"] == "unable to verify password for node agent-1: " \
                                "hash does not match"
    assert b"someone-elses-password" not in refused.body

    # The password is kept hashed in K3s's Secret.
    secret = call(server, "/api/v1/namespaces/kube-system/secrets/"
                  "agent-1.node-password.k3s", cert="client-admin").json()
    assert secret["type"] == "k3s.cattle.io/node-password"
    assert secret["immutable"] is True
    hashed = base64.b64decode(secret["data"]["hash"]).decode()
    assert hashed.startswith("$1:") and hashed.split(":")[2:5] == ["15", "8", "1"]
    assert "agent-1-password" not in json.dumps(secret)
    log = server.log.read_text()
    assert "agent-1-password" not in log and "someone-elses-password" not in log


def test_serving_kubelet_certificate_with_a_server_made_key(server: Server) -> None:
    answer = node_call(server, "serving", "agent-2", "agent-2-password",
                       ips="192.0.2.7,2001:db8::7")
    assert answer.status == 200, answer.body
    leaf_pem, ca_pem, key_pem = pem_blocks(answer.body)
    assert b"PRIVATE KEY" in key_pem
    leaf = x509.load_pem_x509_certificate(leaf_pem)
    key = serialization.load_pem_private_key(key_pem, password=None)
    assert leaf.public_key() == key.public_key()
    assert leaf.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "agent-2"
    sans = leaf.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(sans.get_values_for_type(x509.DNSName)) == {"agent-2", "localhost"}
    assert {str(ip) for ip in sans.get_values_for_type(x509.IPAddress)} == \
        {"127.0.0.1", "192.0.2.7", "2001:db8::7"}
    eku = leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.SERVER_AUTH]
    leaf.verify_directly_issued_by(x509.load_pem_x509_certificate(ca_pem))
    assert ca_pem == (_tls(server) / "server-ca.crt").read_bytes()


def test_node_headers_are_required(server: Server) -> None:
    password = _passwords(server)["node"]
    no_name = call(server, "/v1-k3s/client-kubelet.crt", user="node", password=password,
                   method="POST", body=b"")
    assert (no_name.status, no_name.json()["message"]) == (400, "node name not set")
    no_password = call(server, "/v1-k3s/client-kubelet.crt", user="node", password=password,
                       method="POST", body=b"", headers={"k3s-Node-Name": "agent-3"})
    assert (no_password.status, no_password.json()["message"]) == \
        (400, "node password not set")
    bad_ip = node_call(server, "serving", "agent-3", "pw", ips="not-an-ip")
    assert (bad_ip.status, bad_ip.json()["message"]) == \
        (400, "invalid node IP address not-an-ip")
    garbage = node_call(server, "client", "agent-3", "pw", csr=b"not a csr")
    assert garbage.status == 400
