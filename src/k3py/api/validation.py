"""Validation of built-in objects on create and update, as kube-apiserver 1.33 does it.

``validate`` returns causes ``(field, reason, message)``; the API server turns a non-empty
list into a 422 with :func:`k3py.api.meta.invalid`. Like the generic registry it runs the
kind's own rules first and, on create, the generic ObjectMeta rules (names as path segments)
only when those pass; on update the generic ObjectMeta-update rules (identity fields are
immutable, ``resourceVersion`` is required) come first. Kinds without rules of their own get
the generic ones only. Callers are expected to have applied defaults (and, for a Job on
create, :func:`k3py.api.defaults.job_selector_defaults` with the new uid) first.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from k3py.api.resources import BUILTIN
from k3py.api.validators import apps, batch, core, meta, misc, names, networking, pods, services
from k3py.api.validators.errors import Cause, Obj, as_dict, dedupe

Create = Callable[[Obj], list[Cause]]
Update = Callable[[Obj, Obj], list[Cause]]

__all__ = ["Cause", "validate"]


@dataclass(frozen=True, slots=True)
class _Rules:
    create: Create
    update: Update


def _same(create: Create) -> Update:
    """An update rule that re-runs the create rule on the new object."""
    return lambda obj, _old: create(obj)


def _none(_obj: Obj, _old: Obj) -> list[Cause]:
    return []


_RBAC, _NET = "rbac.authorization.k8s.io", "networking.k8s.io"
_RULES: dict[tuple[str, str], _Rules] = {
    ("", "Pod"): _Rules(pods.validate_pod, pods.validate_pod_update),
    ("", "ConfigMap"): _Rules(core.validate_config_map, core.validate_config_map_update),
    ("", "Secret"): _Rules(core.validate_secret, core.validate_secret_update),
    ("", "Namespace"): _Rules(core.validate_namespace, _none),
    ("", "Node"): _Rules(core.validate_node, core.validate_node_update),
    ("", "Service"): _Rules(services.validate_service, services.validate_service_update),
    ("", "PersistentVolumeClaim"): _Rules(core.validate_pvc, core.validate_pvc_update),
    ("", "ReplicationController"): _Rules(core.validate_replication_controller,
                                          core.validate_replication_controller_spec),
    ("", "PodTemplate"): _Rules(core.validate_pod_template, core.validate_pod_template_update),
    ("", "ServiceAccount"): _Rules(core.validate_service_account,
                                   _same(core.validate_service_account)),
    ("", "Endpoints"): _Rules(core.validate_endpoints, _same(core.validate_endpoints)),
    ("apps", "Deployment"): _Rules(apps.validate_deployment, apps.validate_deployment_update),
    ("apps", "ReplicaSet"): _Rules(apps.validate_replica_set, apps.validate_replica_set_update),
    ("apps", "DaemonSet"): _Rules(apps.validate_daemon_set, apps.validate_daemon_set_update),
    ("apps", "StatefulSet"): _Rules(apps.validate_stateful_set, apps.validate_stateful_set_update),
    ("batch", "Job"): _Rules(batch.validate_job, batch.validate_job_update),
    ("batch", "CronJob"): _Rules(batch.validate_cron_job, batch.validate_cron_job_update),
    (_NET, "Ingress"): _Rules(networking.validate_ingress, networking.validate_ingress_update),
    (_NET, "IngressClass"): _Rules(networking.validate_ingress_class,
                                   networking.validate_ingress_class_update),
    (_NET, "NetworkPolicy"): _Rules(networking.validate_network_policy,
                                    networking.validate_network_policy_update),
    (_RBAC, "Role"): _Rules(misc.validate_role, _same(misc.validate_role)),
    (_RBAC, "ClusterRole"): _Rules(misc.validate_cluster_role, _same(misc.validate_cluster_role)),
    (_RBAC, "RoleBinding"): _Rules(misc.validate_role_binding, misc.validate_binding_update),
    (_RBAC, "ClusterRoleBinding"): _Rules(misc.validate_cluster_role_binding,
                                          misc.validate_binding_update),
    ("policy", "PodDisruptionBudget"): _Rules(misc.validate_pdb, _same(misc.validate_pdb)),
    ("scheduling.k8s.io", "PriorityClass"): _Rules(misc.validate_priority_class,
                                                   misc.validate_priority_class_update),
    ("coordination.k8s.io", "Lease"): _Rules(misc.validate_lease, _same(misc.validate_lease)),
    ("storage.k8s.io", "StorageClass"): _Rules(misc.validate_storage_class,
                                               misc.validate_storage_class_update),
    ("discovery.k8s.io", "EndpointSlice"): _Rules(misc.validate_endpoint_slice,
                                                  misc.validate_endpoint_slice_update),
    ("autoscaling", "HorizontalPodAutoscaler"): _Rules(misc.validate_hpa,
                                                       _same(misc.validate_hpa)),
}
_NAMESPACED = {(r.group, r.kind): r.namespaced for r in BUILTIN}


def has_rules(group: str, kind: str) -> bool:
    """Whether ``kind`` gets more than the generic ObjectMeta checks."""
    return (group, kind) in _RULES


def validate(group: str, version: str, kind: str, obj: dict[str, Any],
             old: dict[str, Any] | None = None, *, subresource: str = "") -> list[Cause]:
    """Why ``obj`` may not be created (``old`` None) or replace ``old``; empty when it may.

    ``subresource="status"`` checks only what a status write may not change (metadata).
    ``version`` is accepted for symmetry with defaulting: the rules are the internal ones.
    """
    rules = _RULES.get((group, kind))
    namespaced = _NAMESPACED.get((group, kind), bool(as_dict(obj.get("metadata"))
                                                      .get("namespace")))
    new_meta = as_dict(obj.get("metadata"))
    if old is None:
        causes = rules.create(obj) if rules is not None else []
        if not causes:
            causes = meta.validate_object_meta(new_meta, namespaced=namespaced,
                                               name_fn=names.name_is_path_segment,
                                               kube_finalizers=False)
        return dedupe(causes)
    causes = meta.validate_object_meta(new_meta, namespaced=namespaced,
                                       name_fn=names.name_is_path_segment, kube_finalizers=False)
    causes.extend(meta.validate_object_meta_update(new_meta, as_dict(old.get("metadata"))))
    if rules is not None and subresource != "status":
        causes.extend(rules.update(obj, old))
    return dedupe(causes)
