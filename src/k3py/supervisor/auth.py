"""Who is calling the supervisor, as K3s's union authenticator decides it.

In order: a client certificate verified against the cluster's client CA (CN = user, O =
groups); HTTP basic against ``<data-dir>/server/cred/passwd`` (``node`` with the agent
password → group ``k3s:agent``, ``server`` with the server password → ``k3s:server``); a
bearer token the API server vouches for (bootstrap and service-account tokens), when one
is wired in. Passwords are compared in constant time and never appear in a log line or an
error message.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import csv
import hashlib
import hmac
import io
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from aiohttp import web

from k3py.pki.subject import subject_identity
from k3py.supervisor.status import Unauthorized

AUTHENTICATED = "system:authenticated"


@dataclass(frozen=True, slots=True)
class Identity:
    name: str
    groups: tuple[str, ...]
    by_certificate: bool = False


class Principal(Protocol):
    """What a bearer authenticator returns (the API server's ``User`` fits)."""

    @property
    def name(self) -> str: ...

    @property
    def groups(self) -> tuple[str, ...]: ...


BearerAuthenticator = Callable[[web.Request], Awaitable[Principal | None]]
"""The API server's token authentication for this request, or None for no valid token."""


@dataclass(frozen=True, slots=True)
class _User:
    digest: bytes  # sha256 of the password: compared in constant time whatever its length
    groups: tuple[str, ...]


def _digest(password: str) -> bytes:
    return hashlib.sha256(password.encode()).digest()


def parse_passwd(text: str) -> dict[str, _User]:
    """``password,username,uid[,group]`` rows (K3s's CSV); the group cell may list several."""
    users: dict[str, _User] = {}
    for row in csv.reader(io.StringIO(text)):
        if len(row) < 3:
            continue
        groups = tuple(g for g in row[3].split(",") if g) if len(row) > 3 else ()
        users[row[1]] = _User(_digest(row[0]), groups)
    return users


class PasswdFile:
    """``cred/passwd``, read on every check: it is a few bytes, and a token rotation may
    rewrite it at any moment. Blocking: call :meth:`check` from a thread."""

    def __init__(self, path: Path) -> None:
        self._path = path

    def _current(self) -> dict[str, _User]:
        try:
            return parse_passwd(self._path.read_text())
        except OSError:
            return {}

    def check(self, username: str, password: str) -> Identity | None:
        user = self._current().get(username)
        # Compare against something even for an unknown user, so timing does not tell.
        expected = user.digest if user is not None else _digest("\x00unknown")
        if not hmac.compare_digest(expected, _digest(password)) or user is None:
            return None
        return Identity(username, (*user.groups, AUTHENTICATED))


def identity_from_peercert(peercert: dict[str, Any] | None) -> Identity | None:
    """The user a verified client certificate names (CN), with its O= entries as groups."""
    found = subject_identity(peercert)
    if found is None:
        return None
    name, groups = found
    return Identity(name, (*groups, AUTHENTICATED), by_certificate=True)


def basic_credentials(header: str) -> tuple[str, str] | None:
    """(username, password) from an ``Authorization: Basic`` header, None for another
    scheme; a malformed Basic header is refused."""
    scheme, _, encoded = header.strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode()
    except (binascii.Error, UnicodeDecodeError):
        raise Unauthorized("not authorized") from None
    username, colon, password = decoded.partition(":")
    if not colon:
        raise Unauthorized("not authorized")
    return username, password


class Authenticator:
    """Certificate, then basic, then bearer; the first that recognises the caller wins."""

    def __init__(self, passwd: PasswdFile, *, bearer: BearerAuthenticator | None = None
                 ) -> None:
        self._passwd = passwd
        self._bearer = bearer

    async def identify(self, request: web.Request) -> Identity:
        """The caller, or :class:`Unauthorized`."""
        transport = request.transport
        identity = identity_from_peercert(
            transport.get_extra_info("peercert") if transport is not None else None)
        if identity is not None:
            return identity
        header = request.headers.get("Authorization", "")
        credentials = basic_credentials(header) if header else None
        if credentials is not None:
            found = await asyncio.to_thread(self._passwd.check, *credentials)
            if found is None:
                raise Unauthorized("not authorized")
            return found
        if header and self._bearer is not None:
            principal = await self._bearer(request)
            if principal is not None:
                return Identity(principal.name, tuple(principal.groups))
            raise Unauthorized("not authorized")
        raise Unauthorized("Unauthorized")
