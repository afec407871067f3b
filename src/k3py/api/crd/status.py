"""The status kube-apiserver's apiextensions controllers give a CRD: accepted names and the
NamesAccepted and Established conditions (naming and establishing controllers), and the
stored versions (the CRD strategy).

The naming controller compares the requested names with those other CRDs of the same group
have already been granted; a clash leaves the CRD unaccepted and not established.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from k3py.api import meta
from k3py.api.validators.errors import as_dict, as_list, as_str

_NAME_KEYS = ("plural", "singular", "shortNames", "kind", "listKind", "categories")


def _taken(crd: Mapping[str, Any], others: Iterable[Mapping[str, Any]],
           ) -> tuple[set[str], set[str]]:
    """Resource names and kind names other CRDs of this group have been granted."""
    group = as_dict(crd.get("spec")).get("group")
    name = as_dict(crd.get("metadata")).get("name")
    resources: set[str] = set()
    kinds: set[str] = set()
    for other in others:
        if as_dict(other.get("spec")).get("group") != group or \
                as_dict(other.get("metadata")).get("name") == name:
            continue
        accepted = as_dict(as_dict(other.get("status")).get("acceptedNames"))
        resources.update(as_str(accepted.get(k)) for k in ("plural", "singular"))
        resources.update(as_str(s) for s in as_list(accepted.get("shortNames")))
        kinds.update(as_str(accepted.get(k)) for k in ("kind", "listKind"))
    return resources - {""}, kinds - {""}


def _accepted_names(crd: Mapping[str, Any], others: Iterable[Mapping[str, Any]],
                    ) -> tuple[dict[str, Any], str, str]:
    """``calculateNamesAndConditions``: the names granted, and a conflict reason/message."""
    requested = as_dict(as_dict(crd.get("spec")).get("names"))
    accepted = dict(as_dict(as_dict(crd.get("status")).get("acceptedNames")))
    resources, kinds = _taken(crd, others)
    reason = message = ""

    def fresh(key: str, used: set[str], why: str) -> None:
        nonlocal reason, message
        wanted = as_str(requested.get(key))
        if wanted == as_str(accepted.get(key)) or wanted not in used:
            if wanted:
                accepted[key] = wanted
            return
        reason, message = why, f'"{wanted}" is already in use'

    fresh("plural", resources, "PluralConflict")
    fresh("singular", resources, "SingularConflict")
    short = [as_str(s) for s in as_list(requested.get("shortNames"))]
    if short != [as_str(s) for s in as_list(accepted.get("shortNames"))]:
        mine = {as_str(s) for s in as_list(accepted.get("shortNames"))}
        clashes = [f'"{s}" is already in use' for s in short if s not in mine and s in resources]
        if clashes:
            reason = "ShortNamesConflict"
            message = clashes[0] if len(clashes) == 1 else "[" + ", ".join(clashes) + "]"
        elif short:
            accepted["shortNames"] = short
        else:
            accepted.pop("shortNames", None)
    fresh("kind", kinds, "KindConflict")
    fresh("listKind", kinds, "ListKindConflict")
    if requested.get("categories"):
        accepted["categories"] = list(requested["categories"])
    else:
        accepted.pop("categories", None)
    return {k: accepted[k] for k in _NAME_KEYS if k in accepted}, reason, message


def _condition(kind: str, status: str, reason: str, message: str, *, now: str,
               previous: Mapping[str, Any] | None) -> dict[str, Any]:
    """A condition; its transition time moves only when its status does."""
    since = now
    if previous is not None and previous.get("status") == status and \
            previous.get("lastTransitionTime"):
        since = previous["lastTransitionTime"]
    return {"type": kind, "status": status, "lastTransitionTime": since, "reason": reason,
            "message": message}


def crd_status_after_accept(crd: Mapping[str, Any], *, now: datetime | str,
                            others: Iterable[Mapping[str, Any]] = ()) -> dict[str, Any]:
    """The CRD's status once the naming and establishing controllers have run: accepted
    names, conditions NamesAccepted and Established, and stored versions including the
    storage version. ``others`` are the other CRDs (their granted names can clash);
    ``now`` stamps the conditions that change (a datetime, or RFC 3339 text)."""
    stamp = now if isinstance(now, str) else meta.now_rfc3339(now)
    status = dict(as_dict(crd.get("status")))
    names, reason, message = _accepted_names(crd, others)
    conditions = [c for c in as_list(status.get("conditions")) if isinstance(c, dict)]
    by_type = {c.get("type"): c for c in conditions}
    if reason:
        named = _condition("NamesAccepted", "False", reason, message, now=stamp,
                           previous=by_type.get("NamesAccepted"))
        established = by_type.get("Established") or _condition(
            "Established", "False", "NotAccepted", "not all names are accepted", now=stamp,
            previous=None)
    else:
        named = _condition("NamesAccepted", "True", "NoConflicts", "no conflicts found",
                           now=stamp, previous=by_type.get("NamesAccepted"))
        established = _condition("Established", "True", "InitialNamesAccepted",
                                 "the initial names have been accepted", now=stamp,
                                 previous=by_type.get("Established"))
        if by_type.get("Established", {}).get("status") == "True":
            established = dict(by_type["Established"])
    updated = {"NamesAccepted": named, "Established": established}
    merged = [updated.pop(as_str(c.get("type")), c) for c in conditions]
    merged.extend(updated.values())
    stored = [as_str(v) for v in as_list(status.get("storedVersions"))]
    for version in as_list(as_dict(crd.get("spec")).get("versions")):
        if isinstance(version, dict) and version.get("storage") and \
                as_str(version.get("name")) not in stored:
            stored.append(as_str(version.get("name")))
            break
    status.update(acceptedNames=names, conditions=merged, storedVersions=stored)
    return status
