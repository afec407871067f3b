"""ResourceQuota and LimitRange arithmetic: what an object uses of a namespace's quota, whether
a quota can take it, and the container defaults and bounds a LimitRange sets. Pure functions
over plain dicts; quantities are exact fractions."""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from fractions import Fraction
from typing import Any

from k3py.api.validators.quantity import QuantityError, parse_quantity

Usage = dict[str, Fraction]

# Object counts with their own quota names (besides count/<resource>[.<group>]).
_LEGACY_COUNTS = {"pods": "pods", "services": "services", "configmaps": "configmaps",
                  "secrets": "secrets", "persistentvolumeclaims": "persistentvolumeclaims",
                  "replicationcontrollers": "replicationcontrollers",
                  "resourcequotas": "resourcequotas"}
_COMPUTE = ("cpu", "memory", "ephemeral-storage")


def quantity(raw: Any) -> Fraction:
    try:
        return parse_quantity(raw).value
    except QuantityError:
        return Fraction(0)


def render(value: Fraction) -> str:
    """A quantity as text (whole numbers plainly, fractions in milli units)."""
    if value.denominator == 1:
        return str(value.numerator)
    return f"{round(value * 1000)}m"


def _pod_terminal(pod: Mapping[str, Any]) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed")


def _pod_compute(pod: Mapping[str, Any]) -> Usage:
    """Requests and limits of a pod: the sum over containers, or the largest init container
    when that is more (init containers run one at a time)."""
    spec = pod.get("spec") or {}
    totals: Usage = {}
    for kind in ("requests", "limits"):
        for name in _COMPUTE:
            regular = sum((quantity(((c.get("resources") or {}).get(kind) or {}).get(name, 0))
                           for c in spec.get("containers") or ()), Fraction(0))
            init = max((quantity(((c.get("resources") or {}).get(kind) or {}).get(name, 0))
                        for c in spec.get("initContainers") or ()), default=Fraction(0))
            value = max(regular, init)
            if value:
                totals[f"{kind}.{name}"] = value
    for name in ("cpu", "memory"):
        if f"requests.{name}" in totals:
            totals[name] = totals[f"requests.{name}"]
    return totals


def usage_of(group: str, plural: str, obj: Mapping[str, Any]) -> Usage:
    """What one object counts against a quota."""
    if plural == "pods" and not group and _pod_terminal(obj):
        return {}
    usage: Usage = {f"count/{plural}" + (f".{group}" if group else ""): Fraction(1)}
    if not group and plural in _LEGACY_COUNTS:
        usage[_LEGACY_COUNTS[plural]] = Fraction(1)
    if not group and plural == "pods":
        usage.update(_pod_compute(obj))
    elif not group and plural == "services":
        kind = (obj.get("spec") or {}).get("type", "ClusterIP")
        if kind in ("NodePort", "LoadBalancer"):
            usage["services.nodeports"] = Fraction(len((obj.get("spec") or {}).get("ports")
                                                       or ()))
        if kind == "LoadBalancer":
            usage["services.loadbalancers"] = Fraction(1)
    elif not group and plural == "persistentvolumeclaims":
        storage = (((obj.get("spec") or {}).get("resources") or {}).get("requests") or {}
                   ).get("storage")
        if storage is not None:
            usage["requests.storage"] = quantity(storage)
    return usage


def tracked(quota: Mapping[str, Any]) -> bool:
    """Quotas with scopes or a scope selector are not enforced yet; plain ones are."""
    spec = quota.get("spec") or {}
    return not spec.get("scopes") and not spec.get("scopeSelector")


def exceeded(quota: Mapping[str, Any], delta: Usage) -> tuple[list[str], Usage]:
    """Names over the hard limit if ``delta`` were added, and the new used totals."""
    hard = {k: quantity(v) for k, v in ((quota.get("spec") or {}).get("hard") or {}).items()}
    used = {k: quantity(v) for k, v in ((quota.get("status") or {}).get("used") or {}).items()}
    over = [name for name, limit in hard.items()
            if delta.get(name) and used.get(name, Fraction(0)) + delta[name] > limit]
    totals = {name: used.get(name, Fraction(0)) + delta.get(name, Fraction(0))
              for name in hard}
    return sorted(over), totals


def refusal(quota: Mapping[str, Any], delta: Usage, over: Iterable[str]) -> str:
    """kube-apiserver's words: ``exceeded quota: q, requested: pods=1, used: pods=2,
    limited: pods=2``."""
    names = sorted(over)
    hard = (quota.get("spec") or {}).get("hard") or {}
    used = (quota.get("status") or {}).get("used") or {}
    requested = ",".join(f"{n}={render(delta[n])}" for n in names)
    in_use = ",".join(f"{n}={used.get(n, '0')}" for n in names)
    limited = ",".join(f"{n}={hard[n]}" for n in names)
    name = (quota.get("metadata") or {}).get("name", "")
    return f"exceeded quota: {name}, requested: {requested}, used: {in_use}, limited: {limited}"


def used_totals(quota: Mapping[str, Any], objects: Iterable[tuple[str, str, Mapping[str, Any]]]
                ) -> dict[str, str]:
    """``status.used`` recomputed from every object in the namespace: (group, plural, obj)."""
    hard = (quota.get("spec") or {}).get("hard") or {}
    totals = {name: Fraction(0) for name in hard}
    for group, plural, obj in objects:
        for name, value in usage_of(group, plural, obj).items():
            if name in totals:
                totals[name] += value
    return {name: render(value) for name, value in totals.items()}


_COMPUTE_PREFIXES = ("requests.", "limits.")


def counted_resources(hard: dict[str, Any]) -> set[tuple[str, str]]:
    """(group, plural) whose objects a quota with these limits counts."""
    wanted: set[tuple[str, str]] = set()
    for name in hard:
        if name.startswith("count/"):
            plural, _, group = name[len("count/"):].partition(".")
            wanted.add((group, plural))
        elif name.startswith("services."):
            wanted.add(("", "services"))
        elif name == "requests.storage":
            wanted.add(("", "persistentvolumeclaims"))
        elif name.startswith(_COMPUTE_PREFIXES) or name in ("cpu", "memory"):
            wanted.add(("", "pods"))
        else:
            wanted.add(("", name))
    return wanted


# -- LimitRange ------------------------------------------------------------------------------

def apply_limit_ranges(pod: dict[str, Any], limit_ranges: Iterable[Mapping[str, Any]]
                       ) -> tuple[dict[str, Any], list[str]]:
    """The pod with each container's missing requests and limits filled from the namespace's
    LimitRange defaults, and every min/max bound it breaks (as kube-apiserver words them)."""
    items = [item for lr in limit_ranges for item in (lr.get("spec") or {}).get("limits") or ()
             if item.get("type") == "Container"]
    if not items:
        return pod, []
    pod = copy.deepcopy(pod)
    problems: list[str] = []
    spec = pod.setdefault("spec", {})
    for container in [*(spec.get("initContainers") or ()), *(spec.get("containers") or ())]:
        resources = container.setdefault("resources", {})
        for item in items:
            for kind, default_key in (("limits", "default"), ("requests", "defaultRequest")):
                for name, value in (item.get(default_key) or {}).items():
                    resources.setdefault(kind, {}).setdefault(name, value)
            limits = resources.get("limits") or {}
            for name, value in (limits.items()):
                resources.setdefault("requests", {}).setdefault(name, value)
            requests = resources.get("requests") or {}
            for name, bound in (item.get("min") or {}).items():
                asked = requests.get(name)
                if asked is None or quantity(asked) < quantity(bound):
                    problems.append(f"minimum {name} usage per Container is {bound}, but "
                                    f"request is {asked if asked is not None else 0}")
            for name, bound in (item.get("max") or {}).items():
                given = limits.get(name)
                if given is None:
                    problems.append(f"maximum {name} usage per Container is {bound}, but "
                                    "limit is unbounded")
                elif quantity(given) > quantity(bound):
                    problems.append(f"maximum {name} usage per Container is {bound}, but "
                                    f"limit is {given}")
    return pod, problems
