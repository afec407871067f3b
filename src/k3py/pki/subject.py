"""Who a verified client certificate names: its CN is the user, its O= entries the groups,
as Kubernetes reads certificates."""

from __future__ import annotations

from typing import Any


def subject_identity(peercert: dict[str, Any] | None) -> tuple[str, tuple[str, ...]] | None:
    """(user, groups) from ``ssl.SSLSocket.getpeercert()``'s dict, or None without a CN."""
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
    return name, tuple(groups)
