"""Wire the agent role: bootstrap, then run the node (registration, Lease heartbeat, status)
against the server, until asked to stop."""

from __future__ import annotations

import asyncio
import logging

from k3py import __version__
from k3py.agent import servers
from k3py.agent.bootstrap import bootstrap
from k3py.client import ApiClient, ClientTls
from k3py.config.agent import AgentConfig
from k3py.node.registration import NodeAgent, NodeSettings

logger = logging.getLogger(__name__)


async def run_agent(config: AgentConfig, *, kubelet_version: str,
                    stop: asyncio.Event) -> None:
    known = config.agent_dir / "apiservers.json"
    files = await bootstrap(config, also=await asyncio.to_thread(servers.load, known))
    tls = ClientTls(ca_file=files.server_ca, cert_file=files.client_cert,
                    key_file=files.client_key)
    settings = NodeSettings(name=config.node_name, kubelet_version=kubelet_version,
                            runtime_version=f"k3py://{__version__}", data_dir=config.data_dir,
                            labels=dict(config.node_labels), taints=config.node_taints,
                            internal_ip=config.node_ip or "",
                            external_ip=config.node_external_ip or "")
    async with ApiClient(server=config.server, tls=tls) as client:
        client.set_servers(await asyncio.to_thread(servers.load, known))
        tasks = [asyncio.create_task(NodeAgent(client, settings).run(), name="node-agent"),
                 asyncio.create_task(servers.follow(client, known), name="api-servers")]
        try:
            await stop.wait()
            logger.info("stopping")
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
