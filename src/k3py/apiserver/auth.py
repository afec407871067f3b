"""Who is calling: the verified client certificate's subject (CN = user, O = groups).

Anyone unauthenticated gets 401, as kube-apiserver with ``--anonymous-auth=false`` answers
(K3s runs it that way). What an authenticated user may do is :mod:`k3py.apiserver.authz`'s.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from k3py.apiserver.status import status_response

MASTERS = "system:masters"


@dataclass(frozen=True, slots=True)
class User:
    name: str
    groups: tuple[str, ...]


USER_KEY: web.RequestKey[User] = web.RequestKey("user", User)


def user_from_peercert(peercert: dict[str, Any] | None) -> User | None:
    """The user a verified certificate names, or None (no certificate, or no CN)."""
    if not peercert:
        return None
    name, groups = None, []
    for rdn in peercert.get("subject", ()):
        for attribute, value in rdn:
            if attribute == "commonName":
                name = value
            elif attribute == "organizationName":
                groups.append(value)
    if not name:
        return None
    return User(name=name, groups=(*groups, "system:authenticated"))


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    transport = request.transport
    user = user_from_peercert(transport.get_extra_info("peercert") if transport else None)
    if user is None:
        return status_response(401, "Unauthorized")
    request[USER_KEY] = user
    return await handler(request)
