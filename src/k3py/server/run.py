"""Wire the server role: certificates and the admin kubeconfig, the datastore, the API
server; run until asked to stop, then stop each part within a bound."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
import uuid
from dataclasses import dataclass
from pathlib import Path

from k3py import __version__
from k3py.api.resources import builtin_table
from k3py.apiserver import ApiServer, ApiServerTls
from k3py.apiserver.auth import user_from_token
from k3py.apiserver.bootstrap import ensure_kubernetes_service, ensure_system_namespaces
from k3py.apiserver.crds import CustomResources
from k3py.apiserver.dispatch import ResourceApi
from k3py.apiserver.endpoints import ApiServerEndpoints
from k3py.apiserver.services import ServiceNetwork
from k3py.client import ApiClient, ClientTls
from k3py.client.leaderelection import LeaderElector
from k3py.config.agent import parse_taint
from k3py.config.server import EMULATED_KUBERNETES, ServerConfig
from k3py.controllers.namespace import NamespaceController
from k3py.controllers.namespace_defaults import NamespaceDefaults
from k3py.controllers.nodelifecycle import NodeLifecycleController
from k3py.controllers.resourcequota import ResourceQuotaController
from k3py.controllers.tokencleaner import TokenCleaner
from k3py.datastore import Backend, open_backend, parse_endpoint
from k3py.datastore.endpoint import SqliteEndpoint
from k3py.node.hostinfo import internal_ip
from k3py.node.registration import NodeAgent, NodeSettings
from k3py.node.version import kubelet_version
from k3py.pki import CertKey, ensure_server_tls, render_kubeconfig, write_private
from k3py.pki.tokens import TokenSigner, ensure_signing_key
from k3py.server.cluster import ClusterBootstrap
from k3py.server.sqlitelock import SqliteServerLock
from k3py.storage import ObjectStore, WatchCache
from k3py.storage.encryption import SecretsCipher, new_encryption_config
from k3py.supervisor import Supervisor

logger = logging.getLogger(__name__)

STOP_TIMEOUT = 10.0


def _host_addresses() -> list[str]:
    """This host's own addresses, by name resolution only (nothing is sent anywhere)."""
    try:
        _, _, addresses = socket.gethostbyname_ex(socket.gethostname())
    except OSError:
        return []
    return [a for a in addresses if not ipaddress.ip_address(a).is_loopback]


def _sans(config: ServerConfig) -> tuple[list[str], list[str]]:
    """DNS names and IPs for the serving certificate, as K3s chooses them."""
    dns = [config.node_name, socket.gethostname().lower(), "localhost",
           f"kubernetes.default.svc.{config.cluster_domain}"]
    ips = ["127.0.0.1", "::1", config.kubernetes_service_ip, *_host_addresses()]
    if config.advertise_address:
        ips.append(config.advertise_address)
    if config.bind_address not in ("0.0.0.0", "::", ""):
        ips.append(config.bind_address)
    for san in config.tls_sans:
        try:
            ips.append(str(ipaddress.ip_address(san)))
        except ValueError:
            dns.append(san)
    return sorted(set(dns)), sorted(set(ips))


@dataclass(frozen=True, slots=True)
class ServerFiles:
    serving: ApiServerTls
    service_key: bytes
    kubelet: ClientTls
    controllers: ClientTls


def prepare_files(config: ServerConfig) -> ServerFiles:
    """Certificates (created once, reused, renewed when near expiry or missing a SAN) and the
    admin kubeconfig. Blocking: key generation and file writes."""
    dns, ips = _sans(config)
    tls = ensure_server_tls(config.data_dir, dns_names=dns, ip_addresses=ips,
                            node_name=config.node_name)
    admin = CertKey(cert_pem=tls.admin_cert.read_bytes(), key_pem=tls.admin_key.read_bytes())
    kubeconfig = render_kubeconfig(server_url=config.local_url,
                                   ca_pem=tls.server_ca.read_bytes(), client=admin)
    config.write_kubeconfig.parent.mkdir(parents=True, exist_ok=True)
    write_private(config.write_kubeconfig, kubeconfig, mode=config.write_kubeconfig_mode)
    serving = ApiServerTls(serving_cert=tls.serving_cert, serving_key=tls.serving_key,
                           client_ca=tls.client_ca)
    service_key = ensure_signing_key(tls.dir / "service.key")
    return ServerFiles(serving, service_key,
                       ClientTls(ca_file=tls.server_ca, cert_file=tls.kubelet_cert,
                                 key_file=tls.kubelet_key),
                       ClientTls(ca_file=tls.server_ca, cert_file=tls.supervisor_cert,
                                 key_file=tls.supervisor_key))


async def run_server(config: ServerConfig, *, stop: asyncio.Event) -> None:
    """Run the server role until ``stop`` is set."""
    endpoint = parse_endpoint(config.datastore_endpoint, data_dir=config.data_dir)
    lock = SqliteServerLock(endpoint.path) if isinstance(endpoint, SqliteEndpoint) else None
    if lock is not None:
        lock.acquire()
    try:
        await _run_with_datastore(config, stop=stop)
    finally:
        if lock is not None:
            lock.release()


async def _run_with_datastore(config: ServerConfig, *, stop: asyncio.Event) -> None:
    backend = open_backend(config.datastore_endpoint, data_dir=config.data_dir,
                           ca_file=config.datastore_cafile, cert_file=config.datastore_certfile,
                           key_file=config.datastore_keyfile)
    async with backend:
        async def make_files() -> None:
            await asyncio.to_thread(prepare_files, config)
            if config.secrets_encryption:
                await asyncio.to_thread(_ensure_encryption_config, config)

        await ClusterBootstrap(config, backend).run(make_files)
        files = await asyncio.to_thread(prepare_files, config)
        logger.info("wrote the admin kubeconfig to %s", config.write_kubeconfig)
        logger.info("server token is available at %s", config.server_dir / "token")
        await _serve(config, backend, files, stop=stop)


async def _serve(config: ServerConfig, backend: Backend, files: ServerFiles, *,
                 stop: asyncio.Event) -> None:
    cipher = None
    if config.secrets_encryption:
        cipher = await asyncio.to_thread(SecretsCipher.from_config, _encryption_config(config))
        logger.info("secrets are encrypted at rest (aescbc)")
    async with asyncio.TaskGroup() as tasks:
        cache = WatchCache(backend, cipher=cipher)
        cache_task = tasks.create_task(cache.run(), name="watch-cache")
        compactor = tasks.create_task(backend.compact_periodically(), name="compactor")
        await cache.wait_ready()
        store = ObjectStore(backend, cache, event_ttl=config.event_ttl, cipher=cipher)
        await ensure_system_namespaces(store)
        network = ServiceNetwork(config.service_cidr)
        await ensure_kubernetes_service(store, network, address=_advertised(config),
                                        port=config.https_listen_port)
        resources = _resource_api(config, files, store)
        custom = tasks.create_task(
            CustomResources(store, resources.table, resources.set_table).run(),
            name="custom-resources")
        addresses = ApiServerEndpoints(store, address=_advertised(config),
                                       port=config.https_listen_port)
        endpoints = tasks.create_task(addresses.run(), name="apiserver-endpoints")
        api = ApiServer(host=config.bind_address, port=config.https_listen_port,
                        tls=files.serving, kubernetes=EMULATED_KUBERNETES,
                        ready=backend.current_revision, resources=resources,
                        mounts=[Supervisor(config=config, store=store, bearer=user_from_token)])
        await api.start()
        clients = [tasks.create_task(_run_controllers(config, files.controllers),
                                     name="controllers")]
        if not config.disable_agent:
            clients.append(tasks.create_task(_run_node(config, files.kubelet),
                                             name="node-agent"))
        try:
            await stop.wait()
            logger.info("stopping")
        finally:
            # Our own clients first (their watches would hold the listener open), then the
            # listener, then what feeds it.
            for task in clients:
                task.cancel()
            async with asyncio.timeout(STOP_TIMEOUT):
                await asyncio.gather(*clients, return_exceptions=True)
                await api.stop()
                endpoints.cancel()
                await asyncio.gather(endpoints, return_exceptions=True)
                await addresses.release()
            for task in (custom, endpoints, cache_task, compactor):
                task.cancel()


def _encryption_config(config: ServerConfig) -> Path:
    return config.server_dir / "cred" / "encryption-config.json"


def _ensure_encryption_config(config: ServerConfig) -> None:
    path = _encryption_config(config)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_private(path, new_encryption_config())


def _advertised(config: ServerConfig) -> str:
    """The address other hosts reach this server on (K3s: --advertise-address, else the
    node's address)."""
    if config.advertise_address:
        return config.advertise_address
    if config.bind_address not in ("0.0.0.0", "::", ""):
        return config.bind_address
    return internal_ip()


def _resource_api(config: ServerConfig, files: ServerFiles, store: ObjectStore) -> ResourceApi:
    return ResourceApi(table=builtin_table(), store=store,
                       server_address=f"{_advertised(config)}:{config.https_listen_port}",
                       service_network=ServiceNetwork(config.service_cidr),
                       tokens=TokenSigner(files.service_key))


async def _run_node(config: ServerConfig, tls: ClientTls) -> None:
    labels = dict(item.partition("=")[::2] for item in config.node_labels)
    settings = NodeSettings(name=config.node_name, kubelet_version=kubelet_version(),
                            runtime_version=f"k3py://{__version__}",
                            data_dir=Path(config.data_dir),
                            roles=("control-plane", "master"), labels=labels,
                            taints=tuple(parse_taint(t) for t in config.node_taints),
                            internal_ip=config.node_ip or "",
                            external_ip=config.node_external_ip or "")
    async with ApiClient(server=config.local_url, tls=tls) as client:
        await NodeAgent(client, settings).run()


async def _run_controllers(config: ServerConfig, tls: ClientTls) -> None:
    """The controllers, on whichever server holds the controllers' Lease."""
    ca_pem = await asyncio.to_thread(tls.ca_file.read_text)
    async with ApiClient(server=config.local_url, tls=tls) as client:
        async def controllers() -> None:
            async with asyncio.TaskGroup() as group:
                group.create_task(NamespaceController(client).run())
                group.create_task(NamespaceDefaults(client, ca_pem=ca_pem).run())
                group.create_task(ResourceQuotaController(client).run())
                group.create_task(TokenCleaner(client).run())
                group.create_task(NodeLifecycleController(client).run())

        identity = f"{config.node_name}_{uuid.uuid4().hex[:8]}"
        await LeaderElector(client, identity=identity).run(controllers)
