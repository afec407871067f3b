"""Wire the server role: certificates and the admin kubeconfig, the datastore, the API
server; run until asked to stop, then stop each part within a bound."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket

from k3py.apiserver import ApiServer, ApiServerTls
from k3py.config.server import EMULATED_KUBERNETES, ServerConfig
from k3py.datastore import open_backend
from k3py.pki import CertKey, ensure_server_tls, render_kubeconfig, write_private

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


def prepare_files(config: ServerConfig) -> ApiServerTls:
    """Certificates (created once, reused, renewed when near expiry or missing a SAN) and the
    admin kubeconfig. Blocking: key generation and file writes."""
    dns, ips = _sans(config)
    tls = ensure_server_tls(config.data_dir, dns_names=dns, ip_addresses=ips)
    admin = CertKey(cert_pem=tls.admin_cert.read_bytes(), key_pem=tls.admin_key.read_bytes())
    kubeconfig = render_kubeconfig(server_url=config.local_url,
                                   ca_pem=tls.server_ca.read_bytes(), client=admin)
    config.write_kubeconfig.parent.mkdir(parents=True, exist_ok=True)
    write_private(config.write_kubeconfig, kubeconfig, mode=config.write_kubeconfig_mode)
    return ApiServerTls(serving_cert=tls.serving_cert, serving_key=tls.serving_key,
                        client_ca=tls.client_ca)


async def run_server(config: ServerConfig, *, stop: asyncio.Event) -> None:
    """Run the server role until ``stop`` is set."""
    tls = await asyncio.to_thread(prepare_files, config)
    logger.info("wrote the admin kubeconfig to %s", config.write_kubeconfig)
    store = open_backend(config.datastore_endpoint, data_dir=config.data_dir,
                         ca_file=config.datastore_cafile, cert_file=config.datastore_certfile,
                         key_file=config.datastore_keyfile)
    async with store:
        async def ready() -> None:
            await store.current_revision()

        api = ApiServer(host=config.bind_address, port=config.https_listen_port, tls=tls,
                        kubernetes=EMULATED_KUBERNETES, ready=ready)
        await api.start()
        try:
            await stop.wait()
            logger.info("stopping")
        finally:
            async with asyncio.timeout(STOP_TIMEOUT):
                await api.stop()
