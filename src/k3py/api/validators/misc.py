"""The smaller groups: RBAC, PodDisruptionBudget, PriorityClass, Lease, StorageClass,
EndpointSlice and HorizontalPodAutoscaler."""

from __future__ import annotations

import ipaddress

from k3py.api.gorender import Rendered, go_quote
from k3py.api.validators import meta, names
from k3py.api.validators.apps import not_more_than_100_percent, positive_int_or_percent
from k3py.api.validators.containers import PROTOCOLS
from k3py.api.validators.errors import (
    Cause,
    Obj,
    as_dict,
    as_list,
    as_str,
    duplicate,
    forbidden,
    immutable,
    invalid,
    not_supported,
    objects,
    required,
)

RBAC_GROUP = "rbac.authorization.k8s.io"
HIGHEST_USER_PRIORITY = 1_000_000_000
SYSTEM_PRIORITY_CLASSES = {"system-node-critical": 2_000_001_000,
                           "system-cluster-critical": 2_000_000_000}


def _meta(obj: Obj, *, namespaced: bool, name_fn: names.NameFn) -> list[Cause]:
    return meta.validate_object_meta(as_dict(obj.get("metadata")), namespaced=namespaced,
                                     name_fn=name_fn)


def _rules(obj: Obj, *, namespaced: bool) -> list[Cause]:
    causes: list[Cause] = []
    for i, rule in objects(obj.get("rules")):
        at = f"rules[{i}]"
        if not as_list(rule.get("verbs")):
            causes.append(required(f"{at}.verbs", "verbs must contain at least one value"))
        urls = as_list(rule.get("nonResourceURLs"))
        if urls:
            if namespaced:
                causes.append(invalid(f"{at}.nonResourceURLs", urls,
                                      "namespaced rules cannot apply to non-resource URLs"))
            if any(as_list(rule.get(k)) for k in ("apiGroups", "resources", "resourceNames")):
                causes.append(invalid(f"{at}.nonResourceURLs", urls, "rules cannot apply to both "
                                      "regular resources and non-resource URLs"))
            continue
        if not as_list(rule.get("apiGroups")):
            causes.append(required(f"{at}.apiGroups",
                                   "resource rules must supply at least one api group"))
        if not as_list(rule.get("resources")):
            causes.append(required(f"{at}.resources",
                                   "resource rules must supply at least one resource"))
    return causes


def validate_role(role: Obj) -> list[Cause]:
    return (_meta(role, namespaced=True, name_fn=names.name_is_path_segment)
            + _rules(role, namespaced=True))


def validate_cluster_role(role: Obj) -> list[Cause]:
    causes = _meta(role, namespaced=False, name_fn=names.name_is_path_segment)
    causes.extend(_rules(role, namespaced=False))
    aggregation = role.get("aggregationRule")
    if aggregation is not None:
        selectors = as_list(as_dict(aggregation).get("clusterRoleSelectors"))
        if not selectors:
            causes.append(required("aggregationRule.clusterRoleSelectors", "at least one "
                                   "clusterRoleSelector required if aggregationRule is non-nil"))
        for i, selector in enumerate(selectors):
            causes.extend(meta.validate_label_selector(
                selector, f"aggregationRule.clusterRoleSelectors[{i}]"))
    return causes


def _subject(subject: Obj, path: str, *, namespaced: bool) -> list[Cause]:
    causes: list[Cause] = []
    name, kind, group = (as_str(subject.get(k)) for k in ("name", "kind", "apiGroup"))
    if not name:
        causes.append(required(f"{path}.name"))
    if kind == "ServiceAccount":
        if name:
            causes.extend(invalid(f"{path}.name", name, m)
                          for m in names.name_is_dns_subdomain(name, False))
        if group:
            causes.append(not_supported(f"{path}.apiGroup", group, ("",)))
        if not namespaced and not subject.get("namespace"):
            causes.append(required(f"{path}.namespace"))
    elif kind in ("User", "Group"):
        if group != RBAC_GROUP:
            causes.append(not_supported(f"{path}.apiGroup", group, (RBAC_GROUP,)))
    else:
        causes.append(not_supported(f"{path}.kind", kind, ("ServiceAccount", "User", "Group")))
    return causes


def _binding(binding: Obj, *, namespaced: bool) -> list[Cause]:
    causes = _meta(binding, namespaced=namespaced, name_fn=names.name_is_path_segment)
    ref = as_dict(binding.get("roleRef"))
    group, kind, name = (as_str(ref.get(k)) for k in ("apiGroup", "kind", "name"))
    if group != RBAC_GROUP:
        causes.append(not_supported("roleRef.apiGroup", group, (RBAC_GROUP,)))
    kinds = ("Role", "ClusterRole") if namespaced else ("ClusterRole",)
    if kind not in kinds:
        causes.append(not_supported("roleRef.kind", kind, kinds))
    if not name:
        causes.append(required("roleRef.name"))
    else:
        causes.extend(invalid("roleRef.name", name, m) for m in names.path_segment(name))
    for i, subject in enumerate(as_list(binding.get("subjects"))):
        causes.extend(_subject(as_dict(subject), f"subjects[{i}]", namespaced=namespaced))
    return causes


def validate_role_binding(binding: Obj) -> list[Cause]:
    return _binding(binding, namespaced=True)


def validate_cluster_role_binding(binding: Obj) -> list[Cause]:
    return _binding(binding, namespaced=False)


def _role_ref(ref: Obj) -> Rendered:
    fields = ", ".join(f"{k.title() if k != 'apiGroup' else 'APIGroup'}:"
                       f"{go_quote(as_str(ref.get(k)))}" for k in ("apiGroup", "kind", "name"))
    return Rendered(f"rbac.RoleRef{{{fields}}}")


def validate_binding_update(binding: Obj, old: Obj) -> list[Cause]:
    namespaced = binding.get("kind") != "ClusterRoleBinding"
    causes = _binding(binding, namespaced=namespaced)
    ref, old_ref = as_dict(binding.get("roleRef")), as_dict(old.get("roleRef"))
    if ref != old_ref:
        causes.append(invalid("roleRef", _role_ref(ref), "cannot change roleRef"))
    return causes


def validate_pdb(pdb: Obj) -> list[Cause]:
    spec = as_dict(pdb.get("spec"))
    causes: list[Cause] = []
    low, high = spec.get("minAvailable"), spec.get("maxUnavailable")
    if low is not None and high is not None:
        causes.append(invalid("spec", spec, "minAvailable and maxUnavailable cannot be both set"))
    for key, value in (("minAvailable", low), ("maxUnavailable", high)):
        if value is not None:
            causes.extend(positive_int_or_percent(value, f"spec.{key}"))
            causes.extend(not_more_than_100_percent(value, f"spec.{key}"))
    causes.extend(meta.validate_label_selector(spec.get("selector"), "spec.selector"))
    policy = spec.get("unhealthyPodEvictionPolicy")
    if policy is not None and policy not in ("AlwaysAllow", "IfHealthyBudget"):
        causes.append(not_supported("spec.unhealthyPodEvictionPolicy", policy,
                                    ("AlwaysAllow", "IfHealthyBudget")))
    return causes


def validate_priority_class(pc: Obj) -> list[Cause]:
    causes = _meta(pc, namespaced=False, name_fn=names.name_is_dns_subdomain)
    name = as_str(as_dict(pc.get("metadata")).get("name"))
    value = pc.get("value")
    if name.startswith("system-"):
        known = SYSTEM_PRIORITY_CLASSES.get(name)
        problem = ""
        if known is None:
            problem = f"{name} is not a known system priority class"
        elif value != known:
            problem = f"value of {name} PriorityClass must be {known}"
        elif pc.get("globalDefault"):
            problem = f"globalDefault of {name} PriorityClass must be false"
        if problem:
            causes.append(forbidden("metadata.name", "priority class names with 'system-' prefix "
                                    f"are reserved for system use only. error: {problem}"))
    elif isinstance(value, int) and value > HIGHEST_USER_PRIORITY:
        causes.append(forbidden("value", "maximum allowed value of a user defined priority is "
                                f"{HIGHEST_USER_PRIORITY}"))
    policy = pc.get("preemptionPolicy")
    if policy is not None and policy not in ("PreemptLowerPriority", "Never"):
        causes.append(not_supported("preemptionPolicy", policy, ("PreemptLowerPriority", "Never")))
    return causes


def validate_priority_class_update(pc: Obj, old: Obj) -> list[Cause]:
    causes = []
    if pc.get("value") != old.get("value"):
        causes.append(forbidden("value", "may not be changed in an update."))
    causes.extend(immutable("preemptionPolicy", pc.get("preemptionPolicy"),
                            old=old.get("preemptionPolicy")))
    return causes


def validate_lease(lease: Obj) -> list[Cause]:
    causes = _meta(lease, namespaced=True, name_fn=names.name_is_dns_subdomain)
    spec = as_dict(lease.get("spec"))
    duration, transitions = spec.get("leaseDurationSeconds"), spec.get("leaseTransitions")
    if isinstance(duration, int) and duration <= 0:
        causes.append(invalid("spec.leaseDurationSeconds", duration, "must be greater than 0"))
    if isinstance(transitions, int) and transitions < 0:
        causes.append(invalid("spec.leaseTransitions", transitions,
                              "must be greater than or equal to 0"))
    if spec.get("preferredHolder") and not spec.get("strategy"):
        causes.append(forbidden("spec.preferredHolder",
                                "may only be specified if `strategy` is defined"))
    return causes


def validate_storage_class(sc: Obj) -> list[Cause]:
    causes = _meta(sc, namespaced=False, name_fn=names.name_is_dns_subdomain)
    provisioner = as_str(sc.get("provisioner"))
    if not provisioner:
        causes.append(required("provisioner"))
    else:
        causes.extend(invalid("provisioner", provisioner, m)
                      for m in names.qualified_name(provisioner.lower()))
    policy = sc.get("reclaimPolicy")
    if policy is not None and policy not in ("Delete", "Retain"):
        causes.append(not_supported("reclaimPolicy", policy, ("Delete", "Retain")))
    mode = sc.get("volumeBindingMode")
    if mode is None:
        causes.append(required("volumeBindingMode"))
    elif mode not in ("Immediate", "WaitForFirstConsumer"):
        causes.append(not_supported("volumeBindingMode", mode,
                                    ("Immediate", "WaitForFirstConsumer")))
    return causes


def validate_storage_class_update(sc: Obj, old: Obj) -> list[Cause]:
    causes: list[Cause] = []
    for key in ("parameters", "provisioner", "reclaimPolicy"):
        if sc.get(key) != old.get(key):
            causes.append(forbidden(key, f"updates to {key} are forbidden."))
    causes.extend(immutable("volumeBindingMode", sc.get("volumeBindingMode"),
                            old=old.get("volumeBindingMode")))
    return causes


def _address_ok(address: str, kind: str) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return kind == "FQDN" and not names.dns1123_subdomain(address)
    return (kind == "IPv4") == (ip.version == 4) and kind != "FQDN"


def validate_endpoint_slice(eps: Obj) -> list[Cause]:
    causes = _meta(eps, namespaced=True, name_fn=names.name_is_dns_subdomain)
    kind = as_str(eps.get("addressType"))
    if not kind:
        causes.append(required("addressType"))
    elif kind not in ("FQDN", "IPv4", "IPv6"):
        causes.append(not_supported("addressType", kind, ("FQDN", "IPv4", "IPv6")))
    for i, endpoint in enumerate(as_list(eps.get("endpoints"))):
        addresses = as_list(as_dict(endpoint).get("addresses"))
        at = f"endpoints[{i}].addresses"
        if not addresses:
            causes.append(required(at, "must contain at least 1 address"))
        elif len(addresses) > 100:
            causes.append((at, "FieldValueTooMany", f"Too many: {len(addresses)}: must have at "
                           "most 100 items"))
        for j, address in enumerate(addresses):
            if kind in ("FQDN", "IPv4", "IPv6") and not _address_ok(as_str(address), kind):
                causes.append(invalid(f"{at}[{j}]", address, f"must be a valid {kind} address"))
    seen: set[str] = set()
    for i, port in objects(eps.get("ports")):
        at = f"ports[{i}]"
        name = as_str(port.get("name"))
        if name:
            causes.extend(invalid(f"{at}.name", name, m) for m in names.dns1123_label(name))
        if name in seen:
            causes.append(duplicate(f"{at}.name", name))
        seen.add(name)
        protocol = port.get("protocol")
        if protocol is None:
            causes.append(required(f"{at}.protocol"))
        elif protocol not in PROTOCOLS:
            causes.append(not_supported(f"{at}.protocol", protocol, PROTOCOLS))
    return causes


def validate_endpoint_slice_update(eps: Obj, old: Obj) -> list[Cause]:
    return immutable("addressType", as_str(eps.get("addressType")),
                     old=as_str(old.get("addressType"))) + validate_endpoint_slice(eps)


def validate_hpa(hpa: Obj) -> list[Cause]:
    causes = _meta(hpa, namespaced=True, name_fn=names.name_is_dns_subdomain)
    spec = as_dict(hpa.get("spec"))
    low, high = spec.get("minReplicas"), spec.get("maxReplicas")
    if isinstance(low, int) and low < 1:
        causes.append(invalid("spec.minReplicas", low, "must be greater than or equal to 1"))
    if not isinstance(high, int) or high < 1:
        causes.append(invalid("spec.maxReplicas", high, "must be greater than 0"))
    if isinstance(low, int) and isinstance(high, int) and high < low:
        causes.append(invalid("spec.maxReplicas", high,
                              "must be greater than or equal to `minReplicas`"))
    ref = as_dict(spec.get("scaleTargetRef"))
    for key in ("kind", "name"):
        value = as_str(ref.get(key))
        if not value:
            causes.append(required(f"spec.scaleTargetRef.{key}"))
        else:
            causes.extend(invalid(f"spec.scaleTargetRef.{key}", value, m)
                          for m in names.path_segment(value))
    return causes
