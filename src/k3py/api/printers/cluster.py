"""Cluster plumbing: rbac bindings, leases, priority and runtime classes, certificate signing
requests, admission webhooks and policies, disruption budgets, and kube-aggregator's
APIService (whose table always carries its headers)."""

from __future__ import annotations

from typing import Any

from k3py.api.printers._base import (
    EMPTY,
    Obj,
    Printer,
    age,
    age_col,
    col,
    human_duration,
    int_or_string,
    name,
    name_col,
    num,
    printer,
    spec,
    status,
)


def binding_cells(obj: Obj, now: float) -> list[Any]:
    ref = obj.get("roleRef") or EMPTY
    users: list[str] = []
    groups: list[str] = []
    accounts: list[str] = []
    for subject in obj.get("subjects") or ():
        kind, who = subject.get("kind"), str(subject.get("name") or "")
        if kind == "ServiceAccount":
            accounts.append(f"{subject.get('namespace') or ''}/{who}")
        elif kind == "User":
            users.append(who)
        elif kind == "Group":
            groups.append(who)
    return [name(obj), f"{ref.get('kind') or ''}/{ref.get('name') or ''}", age(obj, now),
            ", ".join(users), ", ".join(groups), ", ".join(accounts)]


def csr_condition(obj: Obj) -> str:
    kinds = {c.get("type") for c in status(obj).get("conditions") or ()}
    shown = ("Denied" if "Denied" in kinds else "Approved" if "Approved" in kinds
             else "Pending")
    if "Failed" in kinds:
        shown += ",Failed"
    if status(obj).get("certificate"):
        shown += ",Issued"
    return shown


def csr_cells(obj: Obj, now: float) -> list[Any]:
    obj_spec = spec(obj)
    seconds = obj_spec.get("expirationSeconds")
    return [name(obj), age(obj, now), obj_spec.get("signerName") or "<none>",
            obj_spec.get("username") or "",
            "<none>" if seconds is None else human_duration(num(seconds)), csr_condition(obj)]


def pdb_cells(obj: Obj, now: float) -> list[Any]:
    obj_spec = spec(obj)
    low, high = obj_spec.get("minAvailable"), obj_spec.get("maxUnavailable")
    return [name(obj), "N/A" if low is None else int_or_string(low),
            "N/A" if high is None else int_or_string(high),
            num(status(obj).get("disruptionsAllowed")), age(obj, now)]


def api_service_cells(obj: Obj, now: float) -> list[Any]:
    service = spec(obj).get("service")
    where = "Local" if service is None else \
        f"{service.get('namespace') or ''}/{service.get('name') or ''}"
    available = "Unknown"
    for cond in status(obj).get("conditions") or ():
        if cond.get("type") == "Available":
            state = str(cond.get("status") or "")
            reason = cond.get("reason")
            available = f"{state} ({reason})" if state != "True" and reason else state
            break
    return [name(obj), where, available, age(obj, now)]


def _param_ref(ref: Obj | None) -> str:
    if ref is None:
        return "<unset>"
    if ref.get("name"):
        return f"{ref.get('namespace') or '*'}/{ref['name']}"
    if ref.get("selector") is not None:
        return go_selector_string(ref["selector"])
    return "<unset>"


def go_selector_string(selector: Obj) -> str:
    """The generated ``(*LabelSelector).String()`` Go debug form upstream prints here."""
    labels = selector.get("matchLabels") or EMPTY
    pairs = "".join(f"{k}: {labels[k]}," for k in sorted(labels))
    exprs = "".join(
        f"LabelSelectorRequirement{{Key:{e.get('key') or ''},Operator:{e.get('operator') or ''},"
        f"Values:[{' '.join(str(v) for v in e.get('values') or ())}],}},"
        for e in selector.get("matchExpressions") or ())
    return (f"&LabelSelector{{MatchLabels:map[string]string{{{pairs}}},"
            f"MatchExpressions:[]LabelSelectorRequirement{{{exprs}}},}}")


def _param_kind(kind: Obj | None) -> str:
    return "<unset>" if kind is None else f"{kind.get('apiVersion') or ''}/{kind.get('kind') or ''}"


_WEBHOOKS = (name_col(), col("Webhooks", "integer", desc="Webhooks configured."), age_col())
_BINDING = (name_col(), col("Role", desc="Role granted."), age_col(),
            col("Users", priority=1, desc="Users bound."),
            col("Groups", priority=1, desc="Groups bound."),
            col("ServiceAccounts", priority=1, desc="Service accounts bound."))
_ADMISSION = "admissionregistration.k8s.io"

PRINTERS: dict[tuple[str, str], Printer] = {
    ("rbac.authorization.k8s.io", "RoleBinding"): printer(_BINDING, binding_cells),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): printer(_BINDING, binding_cells),
    ("coordination.k8s.io", "Lease"): printer(
        (name_col(), col("Holder", desc="Identity holding the lease."), age_col()),
        lambda o, now: [name(o), spec(o).get("holderIdentity") or "", age(o, now)]),
    ("scheduling.k8s.io", "PriorityClass"): printer(
        (name_col(), col("Value", "integer", desc="Priority given to pods."),
         col("Global-Default", "boolean", desc="Whether pods without a class get this one."),
         age_col(), col("PreemptionPolicy", desc="Whether these pods preempt others.")),
        lambda o, now: [name(o), num(o.get("value")), bool(o.get("globalDefault")),
                        age(o, now), o.get("preemptionPolicy") or "PreemptLowerPriority"]),
    ("node.k8s.io", "RuntimeClass"): printer(
        (name_col(), col("Handler", desc="Runtime handler that runs the pods."), age_col()),
        lambda o, now: [name(o), o.get("handler") or "", age(o, now)]),
    ("certificates.k8s.io", "CertificateSigningRequest"): printer(
        (name_col(), age_col(), col("SignerName", desc="Signer asked to sign."),
         col("Requestor", desc="User who made the request."),
         col("RequestedDuration", desc="Validity asked for."),
         col("Condition", desc="Approval and issuance state.")),
        csr_cells),
    (_ADMISSION, "MutatingWebhookConfiguration"): printer(
        _WEBHOOKS, lambda o, now: [name(o), len(o.get("webhooks") or ()), age(o, now)]),
    (_ADMISSION, "ValidatingWebhookConfiguration"): printer(
        _WEBHOOKS, lambda o, now: [name(o), len(o.get("webhooks") or ()), age(o, now)]),
    (_ADMISSION, "ValidatingAdmissionPolicy"): printer(
        (name_col(), col("Validations", "integer", desc="Validation rules."),
         col("ParamKind", desc="Kind of the parameter resource."), age_col()),
        lambda o, now: [name(o), len(spec(o).get("validations") or ()),
                        _param_kind(spec(o).get("paramKind")), age(o, now)]),
    (_ADMISSION, "ValidatingAdmissionPolicyBinding"): printer(
        (name_col(), col("PolicyName", desc="Policy bound."),
         col("ParamRef", desc="Parameter resource used."), age_col()),
        lambda o, now: [name(o), spec(o).get("policyName") or "",
                        _param_ref(spec(o).get("paramRef")), age(o, now)]),
    ("policy", "PodDisruptionBudget"): printer(
        (name_col(), col("Min Available", desc="Pods that must stay available."),
         col("Max Unavailable", desc="Pods that may be unavailable."),
         col("Allowed Disruptions", "integer", desc="Evictions allowed now."), age_col()),
        pdb_cells),
    ("apiregistration.k8s.io", "APIService"): printer(
        (name_col(), col("Service", desc="Service serving the API, or Local."),
         col("Available", desc="Whether the API is reachable."), age_col()),
        api_service_cells, honours_no_headers=False),
}
