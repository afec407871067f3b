"""Admission that needs the namespace's other objects: LimitRange defaults and bounds for
pods, and ResourceQuota charges for every new object. A quota is charged by a
compare-and-swap on its ``status.used`` before the object is written, so concurrent creates
through any server can never overshoot it together; the quota controller's recount gives
usage back when objects go (or when a create failed after its charge)."""

from __future__ import annotations

import copy
from typing import Any

from k3py.api import quota, strategy
from k3py.api.resources import Resource, builtin
from k3py.errors import Forbidden
from k3py.storage import ObjectStore

RESOURCE_QUOTAS = builtin("", "resourcequotas")
LIMIT_RANGES = builtin("", "limitranges")


def _forbidden(resource: Resource, name: str, message: str) -> Forbidden:
    return Forbidden(f'{resource.group_resource} "{name}" is forbidden: {message}',
                     details={"name": name, "group": resource.group,
                              "kind": resource.plural})


def limit_pod(store: ObjectStore, resource: Resource, obj: dict[str, Any]) -> dict[str, Any]:
    """A new pod with its namespace's LimitRange defaults, or 403 when it breaks a bound."""
    if (resource.group, resource.plural) != ("", "pods"):
        return obj
    namespace = obj["metadata"].get("namespace")
    ranges = [lr for _, lr in store.cache.items(LIMIT_RANGES.key_prefix(namespace))]
    if not ranges:
        return obj
    limited, problems = quota.apply_limit_ranges(obj, ranges)
    if problems:
        text = problems[0] if len(problems) == 1 else "[" + ", ".join(problems) + "]"
        raise _forbidden(resource, obj["metadata"]["name"], text)
    limited["status"] = {**(limited.get("status") or {}),
                         "qosClass": strategy.qos_class(limited.get("spec") or {})}
    return limited


async def charge_quota(store: ObjectStore, resource: Resource, obj: dict[str, Any]) -> None:
    """Count ``obj`` against every quota of its namespace, or refuse it (403)."""
    namespace = obj["metadata"].get("namespace")
    if not resource.namespaced or not namespace:
        return
    quotas = [q for _, q in store.cache.items(RESOURCE_QUOTAS.key_prefix(namespace))
              if quota.tracked(q)]
    if not quotas:
        return
    delta = quota.usage_of(resource.group, resource.plural, obj)
    name = obj["metadata"]["name"]
    for item in quotas:
        hard = (item.get("spec") or {}).get("hard") or {}
        if not any(k in hard for k in delta):
            continue

        async def charge(current: dict[str, Any] | None) -> dict[str, Any] | None:
            assert current is not None
            if not (current.get("status") or {}).get("used"):
                current = {**current, "status": {
                    "hard": dict((current.get("spec") or {}).get("hard") or {}),
                    "used": _count_now(store, namespace, current)}}
            over, totals = quota.exceeded(current, delta)
            if over:
                raise _forbidden(resource, name, quota.refusal(current, delta, over))
            new = copy.deepcopy(current)
            new["status"] = {"hard": dict((current.get("spec") or {}).get("hard") or {}),
                             "used": {k: quota.render(v) for k, v in totals.items()}}
            return new

        await store.update(RESOURCE_QUOTAS, namespace, item["metadata"]["name"], charge)


def _count_now(store: ObjectStore, namespace: str, item: dict[str, Any]) -> dict[str, str]:
    """Usage recounted from the cache, for a quota the controller has not counted yet."""
    hard = (item.get("spec") or {}).get("hard") or {}
    objects = [(group, plural, obj) for group, plural in quota.counted_resources(hard)
               for _, obj in store.cache.items(
                   f"/registry/{group or 'core'}/{plural}/{namespace}/")]
    return quota.used_totals(item, objects)
