"""TLS bootstrap, as a K3s agent does it (``reference/k3s-behaviour.md`` §3.4): fetch the
cluster CA from ``/cacerts`` and check it against the CA hash in a full token (refuse a
mismatch; warn when the token has none), keep a node password, and get this node's client
certificate from the supervisor, authenticated by the token and guarded by that password."""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
import ssl
from dataclasses import dataclass
from pathlib import Path

import aiohttp
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from k3py.config.agent import AgentConfig
from k3py.errors import ConfigError, K3pyError
from k3py.pki import CertKey, render_kubeconfig, write_private
from k3py.pki.clustertoken import parse_token

logger = logging.getLogger(__name__)


class JoinError(K3pyError):
    """The server refused this agent, or is not the cluster the token names."""


@dataclass(frozen=True, slots=True)
class AgentFiles:
    server_ca: Path
    client_cert: Path
    client_key: Path


def _node_password(path: Path) -> str:
    """This node's password: made once (32 hex characters), kept 0600, reused forever."""
    if path.exists():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    password = secrets.token_hex(16)
    write_private(path, (password + "\n").encode())
    return password


def _csr(node: str) -> tuple[bytes, bytes]:
    key = ec.generate_private_key(ec.SECP256R1())
    request = x509.CertificateSigningRequestBuilder().subject_name(x509.Name([
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, "system:nodes"),
        x509.NameAttribute(NameOID.COMMON_NAME, f"system:node:{node}")])).sign(
        key, hashes.SHA256())
    key_pem = key.private_bytes(serialization.Encoding.PEM,
                                serialization.PrivateFormat.TraditionalOpenSSL,
                                serialization.NoEncryption())
    return request.public_bytes(serialization.Encoding.DER), key_pem


async def _get_cacerts(session: aiohttp.ClientSession, server: str) -> bytes:
    async with session.get(f"{server}/cacerts", ssl=False) as answer:
        if answer.status != 200:
            raise JoinError(f"{server}/cacerts answered {answer.status}; is this a k3py "
                            "server?")
        return await answer.read()


async def bootstrap(config: AgentConfig, *, also: list[str] | None = None) -> AgentFiles:
    """Join (or rejoin) the cluster through ``--server``, or, when it cannot be reached,
    through the other servers this agent learned before (``also``)."""
    last: JoinError | None = None
    for server in dict.fromkeys([config.server, *(also or [])]):
        try:
            return await _bootstrap(config, server)
        except _Unreachable as exc:
            last = JoinError(str(exc))
            logger.warning("%s", exc)
    assert last is not None
    raise last


class _Unreachable(JoinError):
    pass


async def _bootstrap(config: AgentConfig, server: str) -> AgentFiles:
    token = parse_token(config.token)
    agent_dir = config.agent_dir
    timeout = aiohttp.ClientTimeout(total=30)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        try:
            ca_pem = await _get_cacerts(session, server)
        except (aiohttp.ClientError, OSError) as exc:
            raise _Unreachable(f"cannot reach the server {server}: {exc}") from None
        actual = hashlib.sha256(ca_pem).hexdigest()
        if token.ca_hash and token.ca_hash != actual:
            raise JoinError(f"token CA hash does not match the Cluster CA certificate hash: "
                            f"{token.ca_hash} != {actual}")
        if not token.ca_hash:
            logger.warning("Cluster CA certificate is not trusted by the host CA bundle, but "
                           "the token does not include a CA hash. Use the full token from "
                           "the server's node-token file to enable Cluster CA validation.")
        files = AgentFiles(server_ca=agent_dir / "server-ca.crt",
                           client_cert=agent_dir / "client-kubelet.crt",
                           client_key=agent_dir / "client-kubelet.key")
        await asyncio.to_thread(_save_ca, files.server_ca, ca_pem)
        password = await asyncio.to_thread(_node_password, config.node_password_file)
        csr, key_pem = await asyncio.to_thread(_csr, config.node_name)
        context = ssl.create_default_context(cadata=ca_pem.decode())
        context.check_hostname = False  # the CA is pinned; servers are reached by any address
        headers = {"k3s-Node-Name": config.node_name, "k3s-Node-Password": password,
                   "Content-Type": "application/octet-stream"}
        if config.node_ip:
            headers["k3s-Node-IP"] = config.node_ip
        async with session.post(f"{server}/v1-k3s/client-kubelet.crt", data=csr,
                                headers=headers, ssl=context,
                                auth=aiohttp.BasicAuth("node", token.password)) as answer:
            body = await answer.read()
            if answer.status == 401:
                raise JoinError("the server did not accept the token: it is not this "
                                "cluster's (agent) token")
            if answer.status >= 400:
                raise JoinError(f"the server refused this node: {_message(body)}")
    chain = body.split(b"-----END CERTIFICATE-----", 1)[0] + b"-----END CERTIFICATE-----\n"
    await asyncio.to_thread(write_private, files.client_key, key_pem)
    await asyncio.to_thread(write_private, files.client_cert, chain)
    kubeconfig = render_kubeconfig(server_url=config.server, ca_pem=ca_pem,
                                   client=CertKey(cert_pem=chain, key_pem=key_pem))
    await asyncio.to_thread(write_private, agent_dir / "kubelet.kubeconfig",
                            kubeconfig.encode())
    logger.info("node %s joined the cluster at %s", config.node_name, server)
    return files


def _save_ca(path: Path, ca_pem: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.exists() and path.read_bytes() != ca_pem:
        raise ConfigError(f"{path} holds another cluster's CA; this agent belonged to another "
                          "cluster: remove its data dir to join this one")
    write_private(path, ca_pem)


def _message(body: bytes) -> str:
    import orjson
    try:
        data = orjson.loads(body)
        return str(data.get("message", "")) or body.decode(errors="replace")[:200]
    except orjson.JSONDecodeError:
        return body.decode(errors="replace")[:200]
