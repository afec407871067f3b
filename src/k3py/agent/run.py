"""Wire the agent role: bootstrap, then run the node (registration, Lease heartbeat, status)
against the server, until asked to stop."""

from __future__ import annotations

import asyncio
import logging

from k3py import __version__
from k3py.agent.bootstrap import bootstrap
from k3py.client import ApiClient, ClientTls
from k3py.config.agent import AgentConfig
from k3py.node.registration import NodeAgent, NodeSettings

logger = logging.getLogger(__name__)


async def run_agent(config: AgentConfig, *, kubelet_version: str,
                    stop: asyncio.Event) -> None:
    files = await bootstrap(config)
    tls = ClientTls(ca_file=files.server_ca, cert_file=files.client_cert,
                    key_file=files.client_key)
    settings = NodeSettings(name=config.node_name, kubelet_version=kubelet_version,
                            runtime_version=f"k3py://{__version__}", data_dir=config.data_dir,
                            labels=dict(config.node_labels), taints=config.node_taints,
                            internal_ip=config.node_ip or "")
    async with ApiClient(server=config.server, tls=tls) as client:
        node = asyncio.create_task(NodeAgent(client, settings).run(), name="node-agent")
        try:
            await stop.wait()
            logger.info("stopping")
        finally:
            node.cancel()
            await asyncio.gather(node, return_exceptions=True)
