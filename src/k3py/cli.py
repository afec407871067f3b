"""The ``k3py`` command: parses the command line, configures logging, runs one role.

This is the only module that calls ``asyncio.run``.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

from k3py import __version__


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="k3py",
        description="k3py: a K3s-compatible, lightweight Kubernetes distribution in Python.",
    )
    parser.add_argument("--version", action="version", version=f"k3py version v{__version__}")
    parser.add_argument("--debug", action="store_true", help="log at debug level")
    parser.add_subparsers(dest="command", metavar="<command>")
    return parser


def configure_logging(*, debug: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if debug else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(debug=args.debug)
    if args.command is None:
        parser.print_help()
        return 0
    parser.error(f"unknown command {args.command!r}")  # pragma: no cover - argparse exits first
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
