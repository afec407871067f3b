"""The ``k3py`` command: parses the command line, configures logging, runs one role.

This is the only module that calls ``asyncio.run`` (through an ``asyncio.Runner`` on uvloop).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import shutil
import signal
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from k3py import __version__
from k3py.config.agent import agent_config
from k3py.config.file import CONFIG_FILE_ENV, DEFAULT_CONFIG_FILE, load_config
from k3py.config.server import ServerConfig, default_kubeconfig, server_config
from k3py.errors import K3pyError

logger = logging.getLogger("k3py")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="k3py",
        description="k3py: a K3s-compatible, lightweight Kubernetes distribution in Python.",
    )
    parser.add_argument("--version", action="version", version=f"k3py version v{__version__}")
    parser.add_argument("--debug", action="store_true", help="log at debug level")
    commands = parser.add_subparsers(dest="command", metavar="<command>")
    server = commands.add_parser("server", help="run a server (control plane)")
    _server_flags(server)
    commands.add_parser("kubectl", help="run kubectl against this server's admin kubeconfig",
                        add_help=False)
    agent = commands.add_parser("agent", help="run an agent (a worker node)")
    _agent_flags(agent)
    token = commands.add_parser("token", help="manage the cluster token")
    token_commands = token.add_subparsers(dest="token_command", metavar="<action>",
                                          required=True)
    rotate = token_commands.add_parser("rotate", help="re-seal the cluster under a new token")
    _server_flags(rotate)
    rotate.add_argument("--new-token", required=True, help="the token to rotate to")
    create = token_commands.add_parser("create", help="create a bootstrap token")
    _server_flags(create)
    create.add_argument("bootstrap_token", nargs="?", help="<id>.<secret> (default: random)")
    create.add_argument("--ttl", default="24h", help="lifetime, 0 for ever (default 24h)")
    create.add_argument("--description", default="", help="what the token is for")
    create.add_argument("--groups", default="system:bootstrappers:k3s:default-node-token",
                        help="extra groups the token authenticates as")
    create.add_argument("--usages", default="signing,authentication",
                        help="what the token may be used for")
    listing = token_commands.add_parser("list", help="list bootstrap tokens")
    _server_flags(listing)
    delete = token_commands.add_parser("delete", help="delete bootstrap tokens")
    _server_flags(delete)
    delete.add_argument("ids", nargs="+", help="token ids (or whole tokens)")
    token_commands.add_parser("generate", help="print a random bootstrap token")
    return parser


def _server_flags(p: argparse.ArgumentParser) -> None:
    """K3s's flag names; each also reads K3PY_* and K3S_* env names (see config.server)."""
    p.add_argument("--config", "-c", help="config file (default /etc/k3py/config.yaml; "
                   "K3PY_CONFIG_FILE wins)")
    p.add_argument("--data-dir", "-d", help="state directory (default /var/lib/k3py)")
    p.add_argument("--bind-address", help="address to listen on (default 0.0.0.0)")
    p.add_argument("--https-listen-port", type=int, help="HTTPS port (default 6443)")
    p.add_argument("--advertise-address", help="address other servers and agents use")
    p.add_argument("--tls-san", action="append", metavar="NAME",
                   help="extra hostname or IP for the serving certificate (repeatable)")
    p.add_argument("--write-kubeconfig", "-o", help="where to write the admin kubeconfig")
    p.add_argument("--write-kubeconfig-mode", help="its file mode, octal (default 0600)")
    p.add_argument("--datastore-endpoint", help="sqlite://, postgres://, mysql:// or etcd URLs")
    p.add_argument("--datastore-cafile", help="CA file for the datastore's TLS")
    p.add_argument("--datastore-certfile", help="client certificate for the datastore")
    p.add_argument("--datastore-keyfile", help="client key for the datastore")
    p.add_argument("--node-name", help="this node's name (default the hostname)")
    p.add_argument("--cluster-domain", help="cluster DNS domain (default cluster.local)")
    p.add_argument("--service-cidr", help="Service IP range (default 10.43.0.0/16)")
    p.add_argument("--disable-agent", action="store_true", help="run no local node")
    p.add_argument("--node-ip", "-i", help="this server's node address")
    p.add_argument("--node-external-ip", help="this server's node external address")
    p.add_argument("--node-label", action="append", metavar="KEY=VALUE",
                   help="a label for this server's node (repeatable)")
    p.add_argument("--node-taint", action="append", metavar="KEY=VALUE:EFFECT",
                   help="a taint for this server's node (repeatable), e.g. "
                        "CriticalAddonsOnly=true:NoExecute")
    p.add_argument("--token", "-t", help="the cluster token (shared secret)")
    p.add_argument("--token-file", help="a file holding the cluster token")
    p.add_argument("--agent-token", help="a separate token for agents")
    p.add_argument("--agent-token-file", help="a file holding the agent token")
    p.add_argument("--cluster-cidr", help="Pod IP range (default 10.42.0.0/16)")
    p.add_argument("--cluster-dns", help="cluster DNS address (default 10.43.0.10)")
    p.add_argument("--disable", action="append", metavar="COMPONENT",
                   help="a packaged component not to deploy (repeatable)")
    for flag in ("disable-helm-controller", "disable-kube-proxy", "disable-network-policy",
                 "secrets-encryption", "embedded-registry"):
        p.add_argument(f"--{flag}", action="store_true", help=f"K3s's --{flag}")
    p.add_argument("--egress-selector-mode", help="agent, cluster, pod or disabled")
    p.add_argument("--flannel-backend", help="vxlan, host-gw, wireguard-native or none")
    p.add_argument("--kube-apiserver-arg", action="append", metavar="KEY=VALUE",
                   help="API server setting (supported: event-ttl=<duration>)")


def _agent_flags(p: argparse.ArgumentParser) -> None:
    """K3s's agent flag names; each also reads K3PY_* and K3S_* env names."""
    p.add_argument("--config", "-c", help="config file (default /etc/k3py/config.yaml)")
    p.add_argument("--server", "-s", help="https://<server or fixed address>:6443")
    p.add_argument("--token", "-t", help="the cluster's (agent) token")
    p.add_argument("--token-file", help="a file holding the token")
    p.add_argument("--data-dir", "-d", help="state directory (default /var/lib/k3py)")
    p.add_argument("--node-name", help="this node's name (default the hostname)")
    p.add_argument("--node-ip", "-i", help="this node's address")
    p.add_argument("--node-external-ip", help="this node's external address")
    p.add_argument("--node-label", action="append", metavar="KEY=VALUE",
                   help="a label to register with (repeatable)")
    p.add_argument("--node-taint", action="append", metavar="KEY=VALUE:EFFECT",
                   help="a taint to register with (repeatable)")


def _run_agent(args: argparse.Namespace) -> int:
    import uvloop

    from k3py.agent.run import run_agent
    from k3py.node.version import kubelet_version

    path = next((os.environ[n] for n in CONFIG_FILE_ENV if os.environ.get(n)), None)
    file_values = load_config(Path(path or args.config or DEFAULT_CONFIG_FILE),
                              known=_flag_names(_agent_flags) - {"config"})
    config = agent_config(vars(args), os.environ, file_values)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await run_agent(config, kubelet_version=kubelet_version(), stop=stop)

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main())
    return 0


def _flag_names(add_flags: Callable[[argparse.ArgumentParser], None]) -> set[str]:
    """The long flag names a subcommand accepts (the keys its config file may use)."""
    probe = argparse.ArgumentParser(add_help=False)
    add_flags(probe)
    return {o.removeprefix("--") for a in probe._actions for o in a.option_strings
            if o.startswith("--")}


def configure_logging(*, debug: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def _config(args: argparse.Namespace) -> ServerConfig:
    path = next((os.environ[n] for n in CONFIG_FILE_ENV if os.environ.get(n)), None)
    file_values = load_config(Path(path or args.config or DEFAULT_CONFIG_FILE),
                              known=_flag_names(_server_flags) - {"config"})
    return server_config(vars(args), os.environ, file_values)


def _run_token(args: argparse.Namespace) -> int:
    from k3py.config.server import parse_duration
    from k3py.server import tokens

    if args.token_command == "generate":
        print(tokens.generate_bootstrap_token())
        return 0
    config = _config(args)
    if args.token_command == "rotate":
        token = asyncio.run(tokens.rotate_token(config, args.new_token))
        print(f"Token rotated, restart k3py nodes with new token:\n{token}")
    elif args.token_command == "create":
        ttl = 0 if args.ttl in ("0", "0s") else parse_duration(args.ttl)
        print(asyncio.run(tokens.create_bootstrap_token(
            config, token=args.bootstrap_token, ttl_seconds=ttl, description=args.description,
            groups=args.groups, usages=args.usages)))
    elif args.token_command == "list":
        rows = asyncio.run(tokens.list_bootstrap_tokens(config))
        print(f"{'TOKEN':8} {'EXPIRES':22} {'USAGES':26} {'DESCRIPTION':20} EXTRA GROUPS")
        for row in rows:
            print(f"{row['id']:8} {row['expires']:22} {row['usages']:26} "
                  f"{row['description']:20} {row['groups']}")
    else:
        asyncio.run(tokens.delete_bootstrap_tokens(config, args.ids))
        for token_id in args.ids:
            print(f"bootstrap token \"{token_id}\" deleted")
    return 0


def _run_server(args: argparse.Namespace) -> int:
    import uvloop

    from k3py.server import run_server

    config = _config(args)

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await run_server(config, stop=stop)

    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main())
    return 0


def _exec_kubectl(args: Sequence[str]) -> int:
    """``k3py kubectl ...``: the real kubectl, pointed at the admin kubeconfig unless
    KUBECONFIG says otherwise (as ``k3s kubectl`` does)."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        print("k3py: kubectl not found on PATH; install kubectl", file=sys.stderr)
        return 1
    env = dict(os.environ)
    env.setdefault("KUBECONFIG", str(default_kubeconfig()))
    os.execve(kubectl, [kubectl, *args], env)


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["kubectl"]:
        return _exec_kubectl(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(debug=args.debug)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        if args.command == "token":
            return _run_token(args)
        if args.command == "agent":
            return _run_agent(args)
        return _run_server(args)
    except K3pyError as exc:
        logger.error("%s", exc)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
