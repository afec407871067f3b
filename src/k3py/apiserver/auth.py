"""Who is calling: the verified client certificate's subject (CN = user, O = groups), or a
service-account bearer token (signed by this cluster, unexpired, its service account still
there with the same uid).

Anyone unauthenticated gets 401, as kube-apiserver with ``--anonymous-auth=false`` answers
(K3s runs it that way). What an authenticated user may do is :mod:`k3py.apiserver.authz`'s.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from k3py.apiserver.status import status_response
from k3py.pki.subject import subject_identity
from k3py.pki.tokens import TokenSigner

MASTERS = "system:masters"


@dataclass(frozen=True, slots=True)
class User:
    name: str
    groups: tuple[str, ...]


USER_KEY: web.RequestKey[User] = web.RequestKey("user", User)


def user_from_peercert(peercert: dict[str, Any] | None) -> User | None:
    """The user a verified certificate names, or None (no certificate, or no CN)."""
    found = subject_identity(peercert)
    if found is None:
        return None
    name, groups = found
    return User(name=name, groups=(*groups, "system:authenticated"))


Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ServiceAccountLookup = Callable[[str, str], Awaitable["dict[str, Any] | None"]]
"""(namespace, name) → the ServiceAccount object as the server has it now, or None."""
SecretLookup = Callable[[str], Awaitable["dict[str, Any] | None"]]
"""name → the kube-system Secret of that name, or None."""

TOKENS: web.AppKey[TokenSigner] = web.AppKey("tokens", TokenSigner)
SERVICE_ACCOUNTS: web.AppKey[ServiceAccountLookup] = web.AppKey("service_accounts")


async def user_from_token(request: web.Request) -> User | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return await user_for_token(request.app, token.strip())


BOOTSTRAP_SECRETS: web.AppKey[SecretLookup] = web.AppKey("bootstrap_secrets")


async def user_for_token(app: web.Application, token: str) -> User | None:
    """The service account a token of ours stands for, while that account exists; or the
    bootstrap token's user."""
    from k3py.apiserver import bootstraptokens
    name = bootstraptokens.secret_name(token)
    if name is not None:
        if BOOTSTRAP_SECRETS not in app:
            return None
        return bootstraptokens.user_for(token, await app[BOOTSTRAP_SECRETS](name))
    if TOKENS not in app:
        return None
    claims = app[TOKENS].verify(token)
    if claims is None:
        return None
    info = claims.get("kubernetes.io") or {}
    namespace = info.get("namespace", "")
    account = info.get("serviceaccount") or {}
    found = await app[SERVICE_ACCOUNTS](namespace, account.get("name", ""))
    if found is None or (found.get("metadata") or {}).get("uid") != account.get("uid"):
        return None  # the service account was deleted (and maybe made again): token revoked
    return User(name=f"system:serviceaccount:{namespace}:{account['name']}",
                groups=("system:serviceaccounts", f"system:serviceaccounts:{namespace}",
                        "system:authenticated"))


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    transport = request.transport
    user = user_from_peercert(transport.get_extra_info("peercert") if transport else None)
    if user is None:
        user = await user_from_token(request)
    if user is None:
        return status_response(401, "Unauthorized")
    request[USER_KEY] = user
    return await handler(request)
