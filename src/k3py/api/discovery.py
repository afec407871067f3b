"""Discovery documents, legacy and aggregated, built from a :class:`ResourceTable`.

Legacy: ``/api`` (APIVersions), ``/apis`` (APIGroupList), ``/api/v1`` and ``/apis/<g>/<v>``
(APIResourceList). Aggregated (``apidiscovery.k8s.io`` v2 and v2beta1, same shape): one
document for ``/api`` and one for ``/apis``; kubectl recognises it only by its exact media
type, and old kubectl asks for v2beta1 alone, so the caller picks the version asked for.
"""

from __future__ import annotations

from typing import Any

from k3py.api.resources import Resource, ResourceTable

AGGREGATED_MEDIA_TYPE = (
    "application/json;g=apidiscovery.k8s.io;v={version};as=APIGroupDiscoveryList")


def api_versions(server_address: str) -> dict[str, Any]:
    """``/api``. The Python client requires ``serverAddressByClientCIDRs``."""
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0",
                                            "serverAddress": server_address}]}


def _group_versions(name: str, versions: list[str]) -> dict[str, Any]:
    entries = [{"groupVersion": f"{name}/{v}", "version": v} for v in versions]
    return {"name": name, "versions": entries, "preferredVersion": entries[0]}


def api_group_list(table: ResourceTable) -> dict[str, Any]:
    """``/apis``: every named group, versions in preference order."""
    groups = [_group_versions(g, v) for g, v in table.groups().items() if g]
    return {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}


def api_group(table: ResourceTable, group: str) -> dict[str, Any] | None:
    """``/apis/<group>``, or None when no such group is served."""
    versions = table.groups().get(group)
    if not group or not versions:
        return None
    return {"kind": "APIGroup", "apiVersion": "v1", **_group_versions(group, versions)}


def _legacy_entry(r: Resource) -> list[dict[str, Any]]:
    entry: dict[str, Any] = {"name": r.plural, "singularName": r.singular,
                             "namespaced": r.namespaced, "kind": r.kind, "verbs": list(r.verbs)}
    if r.short_names:
        entry["shortNames"] = list(r.short_names)
    if r.categories:
        entry["categories"] = list(r.categories)
    entries = [entry]
    for sub in r.subresources:
        s: dict[str, Any] = {"name": f"{r.plural}/{sub.name}", "singularName": "",
                             "namespaced": r.namespaced, "kind": sub.kind,
                             "verbs": list(sub.verbs)}
        if sub.group is not None:
            s["group"], s["version"] = sub.group, sub.version
        entries.append(s)
    return entries


def api_resource_list(table: ResourceTable, group: str, version: str) -> dict[str, Any] | None:
    """``/api/v1`` or ``/apis/<g>/<v>``, or None when the group-version is not served."""
    resources = table.in_group_version(group, version)
    if not resources:
        return None
    entries = [e for r in resources for e in _legacy_entry(r)]
    return {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": f"{group}/{version}" if group else version, "resources": entries}


def _aggregated_resource(r: Resource) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "resource": r.plural,
        "responseKind": {"group": r.group, "version": r.version, "kind": r.kind},
        "scope": "Namespaced" if r.namespaced else "Cluster",
        "singularResource": r.singular, "verbs": list(r.verbs),
    }
    if r.short_names:
        entry["shortNames"] = list(r.short_names)
    if r.categories:
        entry["categories"] = list(r.categories)
    if r.subresources:
        entry["subresources"] = [
            {"subresource": s.name,
             "responseKind": {"group": r.group if s.group is None else s.group,
                              "version": r.version if s.version is None else s.version,
                              "kind": s.kind},
             "verbs": list(s.verbs)}
            for s in r.subresources]
    return entry


def aggregated(table: ResourceTable, *, core: bool, version: str = "v2") -> dict[str, Any]:
    """The aggregated document for ``/api`` (``core``) or ``/apis``."""
    items = []
    for group, versions in table.groups().items():
        if bool(group) == core:
            continue
        metadata = {"name": group} if group else {}
        items.append({"metadata": metadata, "versions": [
            {"version": v, "freshness": "Current",
             "resources": [_aggregated_resource(r) for r in table.in_group_version(group, v)]}
            for v in versions]})
    return {"kind": "APIGroupDiscoveryList", "apiVersion": f"apidiscovery.k8s.io/{version}",
            "metadata": {}, "items": items}


def wanted_aggregated_version(accept: str) -> str | None:
    """The aggregated discovery version an Accept header asks for first, if any."""
    for part in accept.split(","):
        params = {k.strip(): v.strip() for k, _, v in
                  (p.partition("=") for p in part.split(";")[1:])}
        if params.get("g") == "apidiscovery.k8s.io" and params.get("as") == \
                "APIGroupDiscoveryList" and params.get("v") in ("v2", "v2beta1"):
            return params["v"]
    return None
