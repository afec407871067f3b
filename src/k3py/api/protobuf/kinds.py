"""Which (apiVersion, kind) pairs k3py decodes from protobuf, and the message for each.

Why a short list: these are the kinds real clients send as protobuf (kubectl's typed
clients since client-go 1.31, see kubectl-compat.md §7.3). Anything else is refused with 415
and a hint to send JSON.
"""

from __future__ import annotations

# table package -> (apiVersion on the wire, top-level kinds)
_TOP_LEVEL: dict[str, tuple[str, tuple[str, ...]]] = {
    "core/v1": ("v1", ("Namespace", "ConfigMap", "Secret", "Service", "ServiceAccount",
                       "ResourceQuota", "Pod")),
    "apps/v1": ("apps/v1", ("Deployment",)),
    "batch/v1": ("batch/v1", ("Job", "CronJob")),
    "rbac/v1": ("rbac.authorization.k8s.io/v1",
                ("Role", "RoleBinding", "ClusterRole", "ClusterRoleBinding")),
    "scheduling/v1": ("scheduling.k8s.io/v1", ("PriorityClass",)),
    "policy/v1": ("policy/v1", ("PodDisruptionBudget", "Eviction")),
    "networking/v1": ("networking.k8s.io/v1", ("Ingress",)),
    "authentication/v1": ("authentication.k8s.io/v1", ("TokenRequest", "SelfSubjectReview")),
    "authorization/v1": ("authorization.k8s.io/v1",
                         ("SelfSubjectAccessReview", "SelfSubjectRulesReview")),
    "autoscaling/v1": ("autoscaling/v1", ("HorizontalPodAutoscaler",)),
    "autoscaling/v2": ("autoscaling/v2", ("HorizontalPodAutoscaler",)),
    "certificates/v1": ("certificates.k8s.io/v1", ("CertificateSigningRequest",)),
}

KINDS: dict[tuple[str, str], str] = {
    (api_version, kind): f"{package}.{kind}"
    for package, (api_version, kinds) in _TOP_LEVEL.items() for kind in kinds
}

# Options kinds are registered in every group version (a DELETE's body names the group of
# the resource, or plain "v1"), so they are matched on kind alone.
ANY_VERSION: dict[str, str] = {"DeleteOptions": "meta/v1.DeleteOptions"}


def message_for(api_version: str, kind: str) -> str | None:
    """The table message for a body's type, or None when k3py cannot decode it."""
    return KINDS.get((api_version, kind)) or ANY_VERSION.get(kind)
