"""Bootstrap tokens (``<id>.<secret>``, kubeadm's and K3s's join tokens): a bearer token is
valid while the Secret ``kube-system/bootstrap-token-<id>`` of type
``bootstrap.kubernetes.io/token`` holds the same secret, allows authentication and has not
expired. The user is ``system:bootstrap:<id>`` in ``system:bootstrappers`` plus the
Secret's ``auth-extra-groups``."""

from __future__ import annotations

import base64
import hmac
import re
from datetime import UTC, datetime
from typing import Any

from k3py.apiserver.auth import User

TOKEN = re.compile(r"^([a-z0-9]{6})\.([a-z0-9]{16})$")
SECRET_TYPE = "bootstrap.kubernetes.io/token"
GROUP = "system:bootstrappers"


def _field(secret: dict[str, Any], name: str) -> str:
    raw = (secret.get("data") or {}).get(name)
    if raw is None:
        return ""
    try:
        return base64.b64decode(raw).decode()
    except (ValueError, UnicodeDecodeError):
        return ""


def _expired(text: str) -> bool:
    if not text:
        return False
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return True  # unreadable expiry: treat as expired, as upstream does
    return moment <= datetime.now(UTC)


def user_for(token: str, secret: dict[str, Any] | None) -> User | None:
    """The user a bootstrap token stands for, given the Secret named by its id."""
    match = TOKEN.match(token)
    if match is None or secret is None or secret.get("type") != SECRET_TYPE:
        return None
    token_id, token_secret = match.groups()
    if _field(secret, "token-id") != token_id or not hmac.compare_digest(
            _field(secret, "token-secret"), token_secret):
        return None
    if _field(secret, "usage-bootstrap-authentication") != "true":
        return None
    if _expired(_field(secret, "expiration")):
        return None
    extra = [g for g in _field(secret, "auth-extra-groups").split(",") if g]
    return User(name=f"system:bootstrap:{token_id}",
                groups=(GROUP, *extra, "system:authenticated"))


def secret_name(token: str) -> str | None:
    match = TOKEN.match(token)
    return f"bootstrap-token-{match.group(1)}" if match else None
