"""apps/v1: Deployment, ReplicaSet, StatefulSet, DaemonSet (``pkg/apis/apps/validation`` plus
the apps/v1 strategies' rule that ``spec.selector`` never changes)."""

from __future__ import annotations

from typing import Any

from k3py.api.gorender import Rendered, go_label_selector
from k3py.api.validators import meta, names
from k3py.api.validators.errors import (
    Cause,
    Obj,
    as_dict,
    as_str,
    forbidden,
    immutable,
    invalid,
    nonnegative,
    not_supported,
    required,
)
from k3py.api.validators.pods import (
    always_restarted,
    selector_mismatch,
    template_labels,
    validate_pod_template_spec,
)


def _int_or_percent_value(value: Any) -> int:
    if isinstance(value, str):
        return int(value[:-1]) if not names.percent(value) else 0
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _render_int_or_string(value: Any) -> Rendered:
    if isinstance(value, str):
        return Rendered(f'intstr.IntOrString{{Type:1, IntVal:0, StrVal:"{value}"}}')
    return Rendered(f'intstr.IntOrString{{Type:0, IntVal:{value}, StrVal:""}}')


def positive_int_or_percent(value: Any, path: str) -> list[Cause]:
    if isinstance(value, str):
        return [invalid(path, _render_int_or_string(value), m) for m in names.percent(value)]
    if isinstance(value, int) and not isinstance(value, bool):
        return nonnegative(path, value)
    return [invalid(path, value, "must be an integer or percentage (e.g '5%%')")]


def not_more_than_100_percent(value: Any, path: str) -> list[Cause]:
    if isinstance(value, str) and not names.percent(value) and int(value[:-1]) > 100:
        return [invalid(path, _render_int_or_string(value), "must not be greater than 100%")]
    return []


def _selected_template(spec: Obj, *, selector_kind: str, template_kind: str,
                       unconvertible: str, full_spec: bool = True) -> list[Cause]:
    """``spec.selector``, then the template checked against it as
    ``ValidatePodTemplateSpecForReplicaSet`` and its StatefulSet sibling do; a selector that
    cannot become a label selector matches nothing, so it is reported instead
    (``unconvertible``)."""
    selector = spec.get("selector")
    if selector is None:
        causes = [required("spec.selector")]
    else:
        causes = meta.validate_label_selector(selector, "spec.selector")
        if meta.selector_is_empty(selector):
            causes.append(invalid("spec.selector", go_label_selector(as_dict(selector)),
                                  f"empty selector is invalid for {selector_kind}"))
        if not meta.selector_convertible(selector):
            return [*causes, invalid("spec.selector", go_label_selector(as_dict(selector)),
                                     unconvertible)]
    labels = template_labels(spec)
    if not meta.selector_is_empty(selector) and not meta.selector_matches(selector, labels):
        causes.append(selector_mismatch(labels))
    template = as_dict(spec.get("template"))
    if full_spec:
        causes.extend(validate_pod_template_spec(template, "spec.template"))
    else:
        metadata = as_dict(template.get("metadata"))
        causes.extend(meta.validate_labels(metadata.get("labels"), "spec.template.labels"))
        causes.extend(meta.validate_annotations(metadata.get("annotations"),
                                                "spec.template.annotations"))
    return causes + always_restarted(template, template_kind)


def _meta(obj: Obj, name_fn: names.NameFn = names.name_is_dns_subdomain) -> list[Cause]:
    return meta.validate_object_meta(as_dict(obj.get("metadata")), namespaced=True,
                                     name_fn=name_fn)


def _deployment_strategy(strategy: Obj) -> list[Cause]:
    kind = strategy.get("type")
    rolling = strategy.get("rollingUpdate")
    path = "spec.strategy.rollingUpdate"
    if kind == "Recreate":
        if rolling is not None:
            return [forbidden(path, "may not be specified when strategy `type` is 'Recreate'")]
        return []
    if kind != "RollingUpdate":
        return [not_supported("spec.strategy", strategy, ("Recreate", "RollingUpdate"))]
    if rolling is None:
        return [required(path, "this should be defaulted and never be nil")]
    rolling = as_dict(rolling)
    unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    causes = positive_int_or_percent(unavailable, f"{path}.maxUnavailable")
    causes.extend(positive_int_or_percent(surge, f"{path}.maxSurge"))
    if _int_or_percent_value(unavailable) == 0 and _int_or_percent_value(surge) == 0:
        causes.append(invalid(f"{path}.maxUnavailable", _render_int_or_string(unavailable),
                              "may not be 0 when `maxSurge` is 0"))
    causes.extend(not_more_than_100_percent(unavailable, f"{path}.maxUnavailable"))
    return causes


def _deployment_spec(spec: Obj) -> list[Cause]:
    causes = nonnegative("spec.replicas", spec.get("replicas"))
    causes.extend(_selected_template(spec, selector_kind="deployment", template_kind="ReplicaSet",
                                     unconvertible="invalid label selector"))
    causes.extend(_deployment_strategy(as_dict(spec.get("strategy"))))
    min_ready = spec.get("minReadySeconds") or 0
    causes.extend(nonnegative("spec.minReadySeconds", min_ready))
    causes.extend(nonnegative("spec.revisionHistoryLimit", spec.get("revisionHistoryLimit")))
    deadline = spec.get("progressDeadlineSeconds")
    if isinstance(deadline, int):
        causes.extend(nonnegative("spec.progressDeadlineSeconds", deadline))
        if isinstance(min_ready, int) and deadline <= min_ready:
            causes.append(invalid("spec.progressDeadlineSeconds", deadline,
                                  "must be greater than minReadySeconds"))
    return causes


def validate_deployment(obj: Obj) -> list[Cause]:
    return _meta(obj) + _deployment_spec(as_dict(obj.get("spec")))


def _selector_immutable(obj: Obj, old: Obj) -> list[Cause]:
    new_sel = as_dict(obj.get("spec")).get("selector")
    old_sel = as_dict(old.get("spec")).get("selector")
    return immutable("spec.selector", new_sel, old=old_sel,
                     value=go_label_selector(new_sel if isinstance(new_sel, dict) else None))


def validate_deployment_update(obj: Obj, old: Obj) -> list[Cause]:
    return _deployment_spec(as_dict(obj.get("spec"))) + _selector_immutable(obj, old)


def _replica_set_spec(spec: Obj) -> list[Cause]:
    causes = nonnegative("spec.replicas", spec.get("replicas"))
    causes.extend(nonnegative("spec.minReadySeconds", spec.get("minReadySeconds")))
    causes.extend(_selected_template(spec, selector_kind="deployment", template_kind="ReplicaSet",
                                     unconvertible="invalid label selector"))
    return causes


def validate_replica_set(obj: Obj) -> list[Cause]:
    return _meta(obj) + _replica_set_spec(as_dict(obj.get("spec")))


def validate_replica_set_update(obj: Obj, old: Obj) -> list[Cause]:
    return _replica_set_spec(as_dict(obj.get("spec"))) + _selector_immutable(obj, old)


def _daemon_set_strategy(strategy: Obj) -> list[Cause]:
    kind = strategy.get("type")
    if kind == "OnDelete":
        return []
    if kind != "RollingUpdate":
        return [not_supported("spec.updateStrategy", strategy, ("RollingUpdate", "OnDelete"))]
    path = "spec.updateStrategy.rollingUpdate"
    if strategy.get("rollingUpdate") is None:
        return [required(path)]
    rolling = as_dict(strategy["rollingUpdate"])
    unavailable, surge = rolling.get("maxUnavailable"), rolling.get("maxSurge")
    causes = positive_int_or_percent(unavailable, f"{path}.maxUnavailable")
    causes.extend(positive_int_or_percent(surge, f"{path}.maxSurge"))
    causes.extend(not_more_than_100_percent(unavailable, f"{path}.maxUnavailable"))
    causes.extend(not_more_than_100_percent(surge, f"{path}.maxSurge"))
    has_unavailable = _int_or_percent_value(unavailable) != 0
    has_surge = _int_or_percent_value(surge) != 0
    if has_unavailable and has_surge:
        causes.append(invalid(f"{path}.maxSurge", _render_int_or_string(surge),
                              "may not be set when maxUnavailable is non-zero"))
    elif not has_unavailable and not has_surge:
        causes.append(required(f"{path}.maxUnavailable", "cannot be 0 when maxSurge is 0"))
    return causes


def _daemon_set_spec(spec: Obj) -> list[Cause]:
    selector = spec.get("selector")
    causes = meta.validate_label_selector(selector, "spec.selector")
    labels = template_labels(spec)
    if meta.selector_convertible(selector) and not meta.selector_matches(selector, labels):
        causes.append(selector_mismatch(labels))
    if isinstance(selector, dict) and meta.selector_is_empty(selector):
        causes.append(invalid("spec.selector", go_label_selector(selector),
                              "empty selector is invalid for daemonset"))
    template = as_dict(spec.get("template"))
    causes.extend(validate_pod_template_spec(template, "spec.template"))
    causes.extend(always_restarted(template, "DaemonSet"))
    causes.extend(nonnegative("spec.minReadySeconds", spec.get("minReadySeconds")))
    causes.extend(_daemon_set_strategy(as_dict(spec.get("updateStrategy"))))
    causes.extend(nonnegative("spec.revisionHistoryLimit", spec.get("revisionHistoryLimit")))
    return causes


def validate_daemon_set(obj: Obj) -> list[Cause]:
    return _meta(obj) + _daemon_set_spec(as_dict(obj.get("spec")))


def validate_daemon_set_update(obj: Obj, old: Obj) -> list[Cause]:
    return _daemon_set_spec(as_dict(obj.get("spec"))) + _selector_immutable(obj, old)


def _stateful_set_spec(spec: Obj) -> list[Cause]:
    causes: list[Cause] = []
    policy = as_str(spec.get("podManagementPolicy"))
    if not policy:
        causes.append(required("spec.podManagementPolicy"))
    elif policy not in ("OrderedReady", "Parallel"):
        causes.append(invalid("spec.podManagementPolicy", policy,
                              "must be 'OrderedReady' or 'Parallel'"))
    strategy = as_dict(spec.get("updateStrategy"))
    kind, rolling = strategy.get("type"), strategy.get("rollingUpdate")
    if not kind:
        causes.append(required("spec.updateStrategy"))
    elif kind == "OnDelete" and rolling is not None:
        causes.append(invalid("spec.updateStrategy.rollingUpdate", rolling,
                              "only allowed for updateStrategy 'RollingUpdate'"))
    elif kind == "RollingUpdate" and isinstance(rolling, dict):
        causes.extend(nonnegative("spec.updateStrategy.rollingUpdate.partition",
                                  rolling.get("partition")))
    elif kind not in ("OnDelete", "RollingUpdate"):
        causes.append(invalid("spec.updateStrategy", strategy,
                              "must be 'RollingUpdate' or 'OnDelete'"))
    retention = spec.get("persistentVolumeClaimRetentionPolicy")
    if isinstance(retention, dict):
        for key in ("whenDeleted", "whenScaled"):
            value = as_str(retention.get(key))
            if value not in ("Retain", "Delete"):
                causes.append(not_supported(f"spec.persistentVolumeClaimRetentionPolicy.{key}",
                                            value, ("Retain", "Delete")))
    causes.extend(nonnegative("spec.replicas", spec.get("replicas")))
    causes.extend(nonnegative("spec.minReadySeconds", spec.get("minReadySeconds")))
    ordinals = spec.get("ordinals")
    if isinstance(ordinals, dict):
        causes.extend(nonnegative("spec.ordinals.start", ordinals.get("start")))
    causes.extend(_selected_template(spec, selector_kind="statefulset",
                                     template_kind="StatefulSet", unconvertible="",
                                     full_spec=False))
    return causes


def validate_stateful_set(obj: Obj) -> list[Cause]:
    return _meta(obj, names.name_is_dns_label) + _stateful_set_spec(as_dict(obj.get("spec")))


def validate_stateful_set_update(obj: Obj, old: Obj) -> list[Cause]:
    spec, old_spec = as_dict(obj.get("spec")), as_dict(old.get("spec"))
    causes = _stateful_set_spec(spec)
    mutable = ("replicas", "template", "updateStrategy", "minReadySeconds", "ordinals",
               "persistentVolumeClaimRetentionPolicy")
    if {k: v for k, v in spec.items() if k not in mutable} != {
            k: v for k, v in old_spec.items() if k not in mutable}:
        causes.append(forbidden("spec", "updates to statefulset spec for fields other than "
                                "'replicas', 'ordinals', 'template', 'updateStrategy', "
                                "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are "
                                "forbidden"))
    return causes
