"""Object metadata rules every resource shares: names, uid, timestamps, generation, and what
create and update may and may not change. Objects are plain dicts; functions here return new
dicts and never mutate their arguments' nested values they do not own.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import UTC, datetime
from typing import Any

from k3py.errors import BadRequest, Invalid

_GENERATE_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"  # no vowels (no words), no look-alikes

def now_rfc3339(clock: datetime | None = None) -> str:
    moment = clock or datetime.now(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def new_uid() -> str:
    return str(uuid.uuid4())


def generated_name(prefix: str) -> str:
    """``generateName`` + 5 random characters, as kube-apiserver makes them."""
    return prefix[:58] + "".join(secrets.choice(_GENERATE_ALPHABET) for _ in range(5))


def object_meta(obj: dict[str, Any]) -> dict[str, Any]:
    """The object's metadata dict (a body without one is a client error)."""
    meta = obj.get("metadata")
    if meta is None:
        meta = obj["metadata"] = {}
    if not isinstance(meta, dict):
        raise BadRequest("metadata must be an object")
    return meta


def invalid(kind: str, name: str, causes: list[tuple[str, str, str]],
            *, group: str = "") -> Invalid:
    """A 422 that kubectl prints as ``The <Kind> "<name>" is invalid: <field>: <message>``.

    ``causes`` are (field, reason, message); reason is a metav1 CauseType such as
    ``FieldValueInvalid`` or ``FieldValueRequired``.
    """
    texts = [f"{f}: {m}" for f, _, m in causes]
    summary = texts[0] if len(texts) == 1 else "[" + ", ".join(texts) + "]"
    qualified = f"{kind}.{group}" if group else kind
    details: dict[str, Any] = {"name": name, "kind": kind,
                               "causes": [{"reason": r, "message": m, "field": f}
                                          for f, r, m in causes]}
    if group:
        details["group"] = group
    return Invalid(f'{qualified} "{name}" is invalid: {summary}', details=details)


def value_invalid(value: str, why: str) -> str:
    return f'Invalid value: "{value}": {why}'


# Fields a create or update never takes from the client.
SERVER_OWNED = ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                "generation", "selfLink")


def spec_changed(old: dict[str, Any], new: dict[str, Any]) -> bool:
    """Whether anything besides metadata and status differs: what bumps ``generation``."""
    skip = ("metadata", "status", "apiVersion", "kind")
    old_rest = {k: v for k, v in old.items() if k not in skip}
    new_rest = {k: v for k, v in new.items() if k not in skip}
    return old_rest != new_rest
