"""Quota and LimitRange arithmetic."""

from __future__ import annotations

from fractions import Fraction

from k3py.api import quota


def _pod(*containers: dict[str, object], init: tuple[dict[str, object], ...] = (),
         phase: str = "Pending") -> dict[str, object]:
    return {"spec": {"containers": list(containers), "initContainers": list(init)},
            "status": {"phase": phase}}


def test_a_pod_uses_the_sum_of_its_containers_or_its_largest_init_container() -> None:
    pod = _pod({"resources": {"requests": {"cpu": "250m", "memory": "64Mi"}}},
               {"resources": {"requests": {"cpu": "250m"}, "limits": {"cpu": "1"}}},
               init=({"resources": {"requests": {"cpu": "2"}}},))
    usage = quota.usage_of("", "pods", pod)
    assert usage["pods"] == usage["count/pods"] == 1
    assert usage["requests.cpu"] == usage["cpu"] == 2
    assert usage["requests.memory"] == 64 * 1024 * 1024
    assert usage["limits.cpu"] == 1
    assert quota.usage_of("", "pods", _pod(phase="Succeeded")) == {}


def test_counts_for_groups_and_node_ports() -> None:
    assert quota.usage_of("apps", "deployments", {}) == {"count/deployments.apps": 1}
    service = {"spec": {"type": "NodePort", "ports": [{"port": 80}, {"port": 443}]}}
    usage = quota.usage_of("", "services", service)
    assert usage["services"] == 1 and usage["services.nodeports"] == 2


def test_exceeded_and_the_refusal_text() -> None:
    q = {"metadata": {"name": "q"}, "spec": {"hard": {"pods": "2", "requests.cpu": "1"}},
         "status": {"used": {"pods": "2", "requests.cpu": "500m"}}}
    over, totals = quota.exceeded(q, {"pods": Fraction(1), "requests.cpu": Fraction(1, 4)})
    assert over == ["pods"]
    assert totals == {"pods": 3, "requests.cpu": Fraction(3, 4)}
    assert quota.refusal(q, {"pods": Fraction(1)}, over) == \
        "exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2"
    assert quota.render(Fraction(3, 4)) == "750m"


def test_limit_ranges_default_then_bound() -> None:
    ranges = [{"spec": {"limits": [{"type": "Container", "default": {"cpu": "200m"},
                                    "min": {"memory": "10Mi"}}]}}]
    pod = {"spec": {"containers": [{"name": "c"}]}}
    limited, problems = quota.apply_limit_ranges(pod, ranges)
    assert limited["spec"]["containers"][0]["resources"] == {
        "limits": {"cpu": "200m"}, "requests": {"cpu": "200m"}}
    assert problems == ["minimum memory usage per Container is 10Mi, but request is 0"]
    assert pod == {"spec": {"containers": [{"name": "c"}]}}  # the input is untouched
