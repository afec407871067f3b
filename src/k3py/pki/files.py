"""Atomic file writes with the final mode from the first byte.

Keys, tokens and kubeconfigs must never be readable by others, not even for the moment between
creating a file and chmod-ing it, and a crash must never leave half a PEM that the next start
would fail to parse. So every write goes to a temporary file in the same directory, created
0600 by ``os.open``, given its final mode, flushed to disk, and renamed over the target.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path


def write_private(path: Path, data: bytes | str, *, mode: int = 0o600) -> None:
    """Replace ``path`` with ``data`` atomically; the file has ``mode`` (umask ignored).

    The temporary file starts at 0600 (or tighter, when ``mode`` is) and only gets ``mode``
    once its contents are complete, so a reader sees either the old file or the whole new one.
    """
    payload = data.encode() if isinstance(data, str) else data
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, mode & 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def _fsync_dir(directory: Path) -> None:
    """Make the rename itself durable (a power loss must not bring the old file back)."""
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
