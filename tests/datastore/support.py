"""Helpers the datastore tests share: open a backend for a target, run worker processes."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import os
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

from k3py.datastore import Backend, DatastoreSettings, Event, open_backend

from ..services import die_with_parent

WORKERS = Path(__file__).with_name("workers.py")
SRC = Path(__file__).resolve().parents[2] / "src"


def target_json(target: Any) -> str:
    """A target as JSON, to hand to a worker process."""
    fields = {f.name: getattr(target, f.name) for f in dataclasses.fields(target)}
    return json.dumps({k: str(v) if isinstance(v, Path) else v for k, v in fields.items()})


def open_target(target: Any, **settings: Any) -> Backend:
    """A backend for a test target (anything with endpoint, data_dir and TLS file fields)."""
    return open_backend(
        target.endpoint, data_dir=target.data_dir, ca_file=target.ca_file,
        cert_file=target.cert_file, key_file=target.key_file,
        settings=DatastoreSettings(**settings),
    )


@contextlib.asynccontextmanager
async def running_worker(*args: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """``tests/datastore/workers.py`` with ``args`` in a new process, killed on the way out
    (and by the kernel should this test process die first)."""
    env = dict(os.environ, PYTHONPATH=str(SRC))
    process = await asyncio.create_subprocess_exec(
        sys.executable, str(WORKERS), *args, env=env,
        stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE, preexec_fn=die_with_parent,
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def collect(watch: Any, count: int, *, seconds: float = 20.0) -> list[Event]:
    """The next ``count`` non-progress events from ``watch``, or fail after ``seconds``."""
    events: list[Event] = []
    async with asyncio.timeout(seconds):
        async for event in watch:
            if event.kv is not None:
                events.append(event)
                if len(events) == count:
                    break
    return events
