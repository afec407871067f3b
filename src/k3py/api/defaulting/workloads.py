"""Defaults for apps/v1 and batch/v1 workloads (``pkg/apis/apps/v1/defaults.go``,
``pkg/apis/batch/v1/defaults.go``), and the selector a Job's strategy generates on create."""

from __future__ import annotations

from typing import Any

from k3py.api.defaulting.core import claim_template
from k3py.api.defaulting.edit import Edit, Fn, Obj, at, dig, each
from k3py.api.defaulting.pods import embedded_meta, pod_template

INT32_MAX = 2**31 - 1


def _template(edit: Edit) -> None:
    edit.sub("template", pod_template, create=True)


def _rolling(key_defaults: dict[str, object]) -> Fn:
    def fn(rolling: Obj) -> Obj:
        edit = Edit(rolling)
        for key, value in key_defaults.items():
            edit.default(key, value)
        return edit.done()
    return fn


def _deployment_spec(spec: Obj) -> Obj:
    edit = Edit(spec)
    edit.default("replicas", 1)

    def strategy(s: Obj) -> Obj:
        se = Edit(s)
        se.default_str("type", "RollingUpdate")
        if se.get("type") == "RollingUpdate":
            se.sub("rollingUpdate", _rolling({"maxUnavailable": "25%", "maxSurge": "25%"}),
                   create=True)
        return se.done()

    edit.sub("strategy", strategy, create=True)
    edit.default("revisionHistoryLimit", 10)
    edit.default("progressDeadlineSeconds", 600)
    _template(edit)
    return edit.done()


def deployment(obj: Obj) -> Obj:
    return at(obj, "spec", fn=_deployment_spec, create=True)


def replica_set(obj: Obj) -> Obj:
    def spec(s: Obj) -> Obj:
        edit = Edit(s)
        edit.default("replicas", 1)
        _template(edit)
        return edit.done()
    return at(obj, "spec", fn=spec, create=True)


def daemon_set(obj: Obj) -> Obj:
    def spec(s: Obj) -> Obj:
        edit = Edit(s)

        def strategy(st: Obj) -> Obj:
            se = Edit(st)
            se.default_str("type", "RollingUpdate")
            if se.get("type") == "RollingUpdate":
                se.sub("rollingUpdate", _rolling({"maxUnavailable": 1, "maxSurge": 0}),
                       create=True)
            return se.done()

        edit.sub("updateStrategy", strategy, create=True)
        edit.default("revisionHistoryLimit", 10)
        _template(edit)
        return edit.done()
    return at(obj, "spec", fn=spec, create=True)


def stateful_set(obj: Obj) -> Obj:
    def spec(s: Obj) -> Obj:
        edit = Edit(s)
        edit.default_str("podManagementPolicy", "OrderedReady")

        def strategy(st: Obj) -> Obj:
            se = Edit(st)
            if not se.get("type"):
                se.set("type", "RollingUpdate")
                se.default("rollingUpdate", {})
            if se.get("type") == "RollingUpdate":
                se.sub("rollingUpdate", _rolling({"partition": 0}))
            return se.done()

        edit.sub("updateStrategy", strategy, create=True)

        def retention(r: Obj) -> Obj:
            re = Edit(r)
            re.default_str("whenDeleted", "Retain")
            re.default_str("whenScaled", "Retain")
            return re.done()

        edit.sub("persistentVolumeClaimRetentionPolicy", retention, create=True)
        edit.default("replicas", 1)
        edit.default("revisionHistoryLimit", 10)
        _template(edit)
        edit.each("volumeClaimTemplates", claim_template)
        return edit.done()
    return at(obj, "spec", fn=spec, create=True)


def _pod_failure_policy(policy: Obj) -> Obj:
    def pattern(p: Obj) -> Obj:
        return p if p.get("status") else {**p, "status": "True"}

    def rule(r: Obj) -> Obj:
        return each(r, "onPodConditions", fn=pattern)

    return each(policy, "rules", fn=rule)


def _job_spec(spec: Obj) -> Obj:
    edit = Edit(spec)
    if edit.get("completions") is None and edit.get("parallelism") is None:
        edit.set("completions", 1)
        edit.set("parallelism", 1)
    edit.default("parallelism", 1)
    edit.default("backoffLimit", INT32_MAX if edit.get("backoffLimitPerIndex") is not None
                 else 6)
    edit.default("completionMode", "NonIndexed")
    edit.default("suspend", False)
    edit.sub("podFailurePolicy", _pod_failure_policy)
    edit.default("podReplacementPolicy",
                 "Failed" if edit.get("podFailurePolicy") is not None else "TerminatingOrFailed")
    edit.default("manualSelector", False)
    _template(edit)
    return edit.done()


def job(obj: Obj) -> Obj:
    """``SetDefaults_Job``; when the Job already has its uid (the create path sets it before
    defaulting) and no selector, also the selector the Job strategy generates."""
    edit = Edit(obj)
    edit.sub("spec", _job_spec, create=True)
    uid = dig(obj, "metadata", "uid")
    out = edit.done()
    if isinstance(uid, str) and uid and dig(out, "spec", "selector") is None:
        out = job_selector_defaults(out, uid)
    labels = dig(out, "spec", "template", "metadata", "labels")
    if isinstance(labels, dict) and not dig(out, "metadata", "labels"):
        out = at(out, "metadata", fn=lambda m: {**m, "labels": dict(labels)}, create=True)
    return out


def cron_job(obj: Obj) -> Obj:
    def job_template(template: Obj) -> Obj:
        edit = Edit(template)
        edit.sub("metadata", embedded_meta, create=True)

        def spec(s: Obj) -> Obj:
            se = Edit(s)
            se.sub("podFailurePolicy", _pod_failure_policy)
            _template(se)
            return se.done()

        edit.sub("spec", spec, create=True)
        return edit.done()

    def spec(s: Obj) -> Obj:
        edit = Edit(s)
        edit.default_str("concurrencyPolicy", "Allow")
        edit.default("suspend", False)
        edit.default("successfulJobsHistoryLimit", 3)
        edit.default("failedJobsHistoryLimit", 1)
        edit.sub("jobTemplate", job_template, create=True)
        return edit.done()

    return at(obj, "spec", fn=spec, create=True)


def _obj(value: Any) -> Obj:
    return value if isinstance(value, dict) else {}


def job_selector_defaults(obj: Obj, uid: str) -> Obj:
    """What the Job strategy adds on create unless ``spec.manualSelector`` is true: the
    ``controller-uid``/``job-name`` labels (legacy and ``batch.kubernetes.io/`` forms) on the
    pod template, a selector on the uid, and - when the Job has no labels of its own - those
    template labels on the Job too (Go shares one map between them). ``apply_defaults`` does
    this itself when ``metadata.uid`` is set; call it directly otherwise."""
    spec = obj.get("spec")
    if not isinstance(spec, dict) or spec.get("manualSelector") is True:
        return obj
    metadata = _obj(obj.get("metadata"))
    name = str(metadata.get("name") or "")
    template = _obj(spec.get("template"))
    tmeta = _obj(template.get("metadata"))
    labels = dict(_obj(tmeta.get("labels")))
    for key, value in (("batch.kubernetes.io/controller-uid", uid),
                       ("batch.kubernetes.io/job-name", name),
                       ("controller-uid", uid), ("job-name", name)):
        labels.setdefault(key, value)
    selector = dict(_obj(spec.get("selector")))
    match_labels = dict(_obj(selector.get("matchLabels")))
    match_labels.setdefault("batch.kubernetes.io/controller-uid", uid)
    selector["matchLabels"] = match_labels
    new_spec = {**spec, "selector": selector,
                "template": {**template, "metadata": {**tmeta, "labels": labels}}}
    out = {**obj, "spec": new_spec}
    if not metadata.get("labels") or metadata.get("labels") == tmeta.get("labels"):
        out["metadata"] = {**metadata, "labels": dict(labels)}
    return out
