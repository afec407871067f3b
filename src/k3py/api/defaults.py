"""Defaulting of built-in objects: the fields kube-apiserver 1.33 fills in on create and
update, so ``kubectl get -o yaml`` shows here what a real cluster shows and ``kubectl apply``
diffs the same way.

``apply_defaults`` returns a new object and never modifies its argument; unchanged subtrees are
shared with the argument (copy before mutating nested parts of the result). It also writes
what Go's serializer always writes for these types (``resources: {}`` in containers,
``creationTimestamp: null`` in embedded templates, canonical quantities such as ``1Gi`` for
``1024Mi``). What the registry adds beyond defaulting is left to the server: status resets,
uid/timestamps, ClusterIP and NodePort allocation (see :func:`carry_service_allocations`) and
the Job selector (:func:`job_selector_defaults`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from k3py.api.defaulting import core, others, workloads
from k3py.api.defaulting.core import carry_service_allocations
from k3py.api.defaulting.workloads import job_selector_defaults

__all__ = ["apply_defaults", "carry_service_allocations", "has_defaults",
           "job_selector_defaults"]

Defaulter = Callable[[dict[str, Any]], dict[str, Any]]

_RBAC, _NET, _ADM = "rbac.authorization.k8s.io", "networking.k8s.io", \
    "admissionregistration.k8s.io"
_BY_KIND: dict[tuple[str, str], Defaulter] = {
    ("", "Pod"): core.pod,
    ("", "Service"): core.service,
    ("", "Namespace"): core.namespace,
    ("", "Secret"): core.secret,
    ("", "PersistentVolume"): core.persistent_volume,
    ("", "PersistentVolumeClaim"): core.pvc,
    ("", "Endpoints"): core.endpoints,
    ("", "LimitRange"): core.limit_range,
    ("", "ResourceQuota"): core.resource_quota,
    ("", "Node"): core.node,
    ("", "ReplicationController"): core.replication_controller,
    ("", "PodTemplate"): core.pod_template_object,
    ("", "Event"): core.event,
    ("apps", "Deployment"): workloads.deployment,
    ("apps", "ReplicaSet"): workloads.replica_set,
    ("apps", "DaemonSet"): workloads.daemon_set,
    ("apps", "StatefulSet"): workloads.stateful_set,
    ("batch", "Job"): workloads.job,
    ("batch", "CronJob"): workloads.cron_job,
    (_NET, "NetworkPolicy"): others.network_policy,
    (_NET, "Ingress"): others.ingress,
    (_NET, "IngressClass"): others.ingress_class,
    (_RBAC, "RoleBinding"): others.role_binding,
    (_RBAC, "ClusterRoleBinding"): others.role_binding,
    ("storage.k8s.io", "StorageClass"): others.storage_class,
    ("storage.k8s.io", "CSIDriver"): others.csi_driver,
    ("scheduling.k8s.io", "PriorityClass"): others.priority_class,
    ("discovery.k8s.io", "EndpointSlice"): others.endpoint_slice,
    (_ADM, "ValidatingWebhookConfiguration"):
        lambda o: others.webhook_configuration(o, mutating=False),
    (_ADM, "MutatingWebhookConfiguration"):
        lambda o: others.webhook_configuration(o, mutating=True),
    ("apiextensions.k8s.io", "CustomResourceDefinition"): others.custom_resource_definition,
    ("flowcontrol.apiserver.k8s.io", "FlowSchema"): others.flow_schema,
    ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"): others.priority_level,
}


def has_defaults(group: str, version: str, kind: str) -> bool:
    """Whether ``apply_defaults`` may change objects of this kind (others pass through)."""
    return (group, kind) in _BY_KIND or (group, kind) == ("autoscaling",
                                                          "HorizontalPodAutoscaler")


def apply_defaults(group: str, version: str, kind: str, obj: dict[str, Any]) -> dict[str, Any]:
    """``obj`` with kube-apiserver's defaults filled in (the same object if none were missing).

    Unknown kinds, custom resources included, come back unchanged.
    """
    if (group, kind) == ("autoscaling", "HorizontalPodAutoscaler"):
        return others.hpa(obj, version=version)
    defaulter = _BY_KIND.get((group, kind))
    return obj if defaulter is None else defaulter(obj)
