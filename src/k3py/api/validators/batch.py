"""batch/v1: Job and CronJob (``pkg/apis/batch/validation``), with the generated-selector
rules a Job gets when ``manualSelector`` is not true."""

from __future__ import annotations

from typing import Any

from k3py.api.gorender import go_label_selector, go_string_map
from k3py.api.validators import meta, names
from k3py.api.validators.cron import CronError, load_location, parse_standard
from k3py.api.validators.errors import (
    IMMUTABLE,
    Cause,
    Obj,
    as_dict,
    as_str,
    immutable,
    invalid,
    nonnegative,
    not_supported,
    required,
)
from k3py.api.validators.pods import (
    selector_mismatch,
    template_labels,
    validate_pod_template_spec,
)

LEGACY_UID, UID = "controller-uid", "batch.kubernetes.io/controller-uid"
LEGACY_NAME, NAME = "job-name", "batch.kubernetes.io/job-name"
_MAX_PARALLELISM_INDEXED = 100_000
_CONCURRENCY = ("Allow", "Forbid", "Replace")
_TIME_ZONE_PART = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz.-_0123456789+")


def _has_label(labels: Any, key: str, *, expected: str) -> list[Cause]:
    path = f"spec.template.metadata.labels[{key}]"
    labels = labels if isinstance(labels, dict) else {}
    if key not in labels:
        return [required(path, f"must be '{expected}'")]
    if labels[key] != expected:
        return [invalid(path, go_string_map(labels), f"must be '{expected}'")]
    return []


def _generated_selector(job: Obj, *, prefixed: bool) -> list[Cause]:
    spec, metadata = as_dict(job.get("spec")), as_dict(job.get("metadata"))
    if spec.get("manualSelector") is True or spec.get("selector") is None:
        return []
    uid, name = as_str(metadata.get("uid")), as_str(metadata.get("name"))
    causes = [] if uid else [required("metadata.uid")]
    labels = template_labels(spec)
    causes.extend(_has_label(labels, LEGACY_UID, expected=uid))
    causes.extend(_has_label(labels, LEGACY_NAME, expected=name))
    expected = {LEGACY_UID: uid, LEGACY_NAME: name}
    if prefixed:
        causes.extend(_has_label(labels, UID, expected=uid))
        causes.extend(_has_label(labels, NAME, expected=name))
        expected |= {UID: uid, NAME: name}
    selector = spec["selector"]
    if meta.selector_convertible(selector) and not meta.selector_matches(selector, expected):
        causes.append(invalid("spec.selector", go_label_selector(as_dict(selector)),
                              "`selector` not auto-generated"))
    return causes


def _job_spec(spec: Obj, path: str) -> list[Cause]:
    causes: list[Cause] = []
    for key in ("parallelism", "completions", "activeDeadlineSeconds", "backoffLimit",
                "ttlSecondsAfterFinished", "backoffLimitPerIndex", "maxFailedIndexes"):
        causes.extend(nonnegative(f"{path}.{key}", spec.get(key)))
    if spec.get("maxFailedIndexes") is not None and spec.get("backoffLimitPerIndex") is None:
        causes.append(required(f"{path}.backoffLimitPerIndex", "when maxFailedIndexes is "
                               "specified"))
    mode = spec.get("completionMode")
    if mode is not None and mode not in ("NonIndexed", "Indexed"):
        causes.append(not_supported(f"{path}.completionMode", mode, ("NonIndexed", "Indexed")))
    if mode == "Indexed":
        if spec.get("completions") is None:
            causes.append(required(f"{path}.completions", "when completion mode is Indexed"))
        parallelism = spec.get("parallelism")
        if isinstance(parallelism, int) and parallelism > _MAX_PARALLELISM_INDEXED:
            causes.append(invalid(f"{path}.parallelism", parallelism, "must be less than or equal "
                                  f"to {_MAX_PARALLELISM_INDEXED} when completion mode is Indexed"))
    else:
        for key in ("backoffLimitPerIndex", "maxFailedIndexes"):
            if spec.get(key) is not None:
                causes.append(invalid(f"{path}.{key}", spec[key], "requires indexed completion "
                                      "mode"))
    replacement = spec.get("podReplacementPolicy")
    if replacement is not None:
        allowed = ("Failed",) if spec.get("podFailurePolicy") is not None else (
            "Failed", "TerminatingOrFailed")
        if replacement not in allowed:
            causes.append(not_supported(f"{path}.podReplacementPolicy", replacement, allowed))
    template = as_dict(spec.get("template"))
    causes.extend(validate_pod_template_spec(template, f"{path}.template"))
    restart = as_str(as_dict(template.get("spec")).get("restartPolicy"))
    at = f"{path}.template.spec.restartPolicy"
    if restart in ("Always", ""):
        causes.append(required(at, 'valid values: "OnFailure", "Never"'))
    elif restart not in ("OnFailure", "Never"):
        causes.append(not_supported(at, restart, ("OnFailure", "Never")))
    elif spec.get("podFailurePolicy") is not None and restart != "Never":
        causes.append(invalid(at, restart, 'only "Never" is supported when podFailurePolicy is '
                              "specified"))
    return causes


def _job_spec_with_selector(spec: Obj) -> list[Cause]:
    causes = _job_spec(spec, "spec")
    selector = spec.get("selector")
    if selector is None:
        causes.append(required("spec.selector"))
    else:
        causes.extend(meta.validate_label_selector(selector, "spec.selector"))
    labels = template_labels(spec)
    if meta.selector_convertible(selector) and not meta.selector_matches(selector, labels):
        causes.append(selector_mismatch(labels))
    return causes


def validate_job(job: Obj) -> list[Cause]:
    metadata = as_dict(job.get("metadata"))
    causes = meta.validate_object_meta(metadata, namespaced=True,
                                       name_fn=names.name_is_dns_subdomain)
    causes.extend(_generated_selector(job, prefixed=True))
    spec = as_dict(job.get("spec"))
    causes.extend(_job_spec_with_selector(spec))
    completions = spec.get("completions")
    if spec.get("completionMode") == "Indexed" and isinstance(completions, int) and completions:
        hostname = f"{as_str(metadata.get('name'))}-{completions - 1}"
        if names.dns1123_label(hostname):
            causes.append(invalid("metadata.name", as_str(metadata.get("name")),
                                  f"will not able to create pod with invalid DNS label: "
                                  f"{hostname}"))
    return causes


def _mutable_template(job: Obj, old: Obj) -> bool:
    """Whether the scheduling directives of a suspended, never-started job may change."""
    return as_dict(job.get("spec")).get("suspend") is True and not as_dict(
        old.get("status")).get("startTime")


def validate_job_update(job: Obj, old: Obj) -> list[Cause]:
    spec, old_spec = as_dict(job.get("spec")), as_dict(old.get("spec"))
    old_labels = as_dict(as_dict(old_spec.get("template")).get("metadata")).get("labels")
    prefixed = isinstance(old_labels, dict) and UID in old_labels
    causes = _generated_selector(job, prefixed=prefixed)
    causes.extend(_job_spec_with_selector(spec))
    if spec.get("completionMode") == "Indexed" and spec.get("completions") != old_spec.get(
            "completions"):
        if spec.get("completions") != spec.get("parallelism"):
            causes.append(invalid("spec.completions", spec.get("completions"),
                                  "can only be modified in tandem with spec.parallelism"))
    else:
        causes.extend(immutable("spec.completions", spec.get("completions"),
                                old=old_spec.get("completions")))
    causes.extend(immutable("spec.selector", spec.get("selector"), old=old_spec.get("selector"),
                            value=go_label_selector(as_dict(spec.get("selector")))))
    template, old_template = as_dict(spec.get("template")), as_dict(old_spec.get("template"))
    if _mutable_template(job, old):
        template, old_template = _without_scheduling(template), _without_scheduling(old_template)
    if template != old_template:
        causes.append(invalid("spec.template", spec.get("template"), IMMUTABLE))
    for key in ("completionMode", "podFailurePolicy", "backoffLimitPerIndex", "managedBy",
                "successPolicy"):
        causes.extend(immutable(f"spec.{key}", spec.get(key), old=old_spec.get(key)))
    return causes


def _without_scheduling(template: Obj) -> Obj:
    metadata = {k: v for k, v in as_dict(template.get("metadata")).items()
                if k not in ("labels", "annotations")}
    spec = {k: v for k, v in as_dict(template.get("spec")).items()
            if k not in ("nodeSelector", "tolerations", "schedulingGates")}
    affinity = {k: v for k, v in as_dict(spec.get("affinity")).items() if k != "nodeAffinity"}
    spec.pop("affinity", None)
    if affinity:
        spec["affinity"] = affinity
    return {"metadata": metadata, "spec": spec}


def _schedule(spec: Obj, old_spec: Obj | None) -> list[Cause]:
    schedule = as_str(spec.get("schedule"))
    if not schedule:
        return [required("spec.schedule")]
    causes: list[Cause] = []
    try:
        parse_standard(schedule)
    except CronError as exc:
        causes.append(invalid("spec.schedule", schedule, str(exc)))
    allow_tz = old_spec is not None and "TZ" in as_str(old_spec.get("schedule"))
    if allow_tz and "TZ" in schedule and spec.get("timeZone") is not None:
        causes.append(invalid("spec.schedule", schedule,
                              "cannot use both timeZone field and TZ or CRON_TZ in schedule"))
    elif not allow_tz and "TZ" in schedule:
        causes.append(invalid("spec.schedule", schedule,
                              "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
    return causes


def _time_zone(zone: Any) -> list[Cause]:
    if zone is None:
        return []
    text = as_str(zone)
    if not text:
        return [invalid("spec.timeZone", text, "timeZone must be nil or non-empty string")]
    for part in text.split("/"):
        if part in (".", "..") or part.startswith("-") or not 1 <= len(part) <= 14 or any(
                c not in _TIME_ZONE_PART for c in part):
            return [invalid("spec.timeZone", text, f"unknown time zone {text}")]
    if text.lower() == "local":
        return [invalid("spec.timeZone", text, "timeZone must be an explicit time zone as "
                        "defined in https://www.iana.org/time-zones")]
    problem = load_location(text)
    return [invalid("spec.timeZone", text, problem)] if problem else []


def _cron_job_spec(spec: Obj, old_spec: Obj | None) -> list[Cause]:
    causes = _schedule(spec, old_spec)
    causes.extend(nonnegative("spec.startingDeadlineSeconds", spec.get("startingDeadlineSeconds")))
    if old_spec is None or old_spec.get("timeZone") != spec.get("timeZone"):
        causes.extend(_time_zone(spec.get("timeZone")))
    policy = as_str(spec.get("concurrencyPolicy"))
    if not policy:
        causes.append(required("spec.concurrencyPolicy"))
    elif policy not in _CONCURRENCY:
        causes.append(not_supported("spec.concurrencyPolicy", policy, _CONCURRENCY))
    job_spec = as_dict(as_dict(spec.get("jobTemplate")).get("spec"))
    causes.extend(_job_spec(job_spec, "spec.jobTemplate.spec"))
    if job_spec.get("selector") is not None:
        causes.append(invalid("spec.jobTemplate.spec.selector",
                              go_label_selector(as_dict(job_spec["selector"])),
                              "`selector` will be auto-generated"))
    if job_spec.get("manualSelector") is True:
        causes.append(not_supported("spec.jobTemplate.spec.manualSelector", True,
                                    ("nil", "false")))
    for key in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit"):
        causes.extend(nonnegative(f"spec.{key}", spec.get(key)))
    return causes


def validate_cron_job(cj: Obj) -> list[Cause]:
    metadata = as_dict(cj.get("metadata"))
    causes = meta.validate_object_meta(metadata, namespaced=True,
                                       name_fn=names.name_is_dns_subdomain)
    causes.extend(_cron_job_spec(as_dict(cj.get("spec")), None))
    name = as_str(metadata.get("name"))
    if len(name) > 52:
        causes.append(invalid("metadata.name", name, "must be no more than 52 characters"))
    return causes


def validate_cron_job_update(cj: Obj, old: Obj) -> list[Cause]:
    return _cron_job_spec(as_dict(cj.get("spec")), as_dict(old.get("spec")))

