"""batch/v1 jobs (STATUS, COMPLETIONS, DURATION) and cron jobs (SCHEDULE, TIMEZONE, SUSPEND,
ACTIVE, LAST SCHEDULE), as kube-apiserver 1.33 prints them."""

from __future__ import annotations

from typing import Any

from k3py.api.printers._base import (
    EMPTY,
    Obj,
    Printer,
    age,
    age_col,
    bool_ptr,
    col,
    condition_true,
    container_cells,
    deleting,
    format_selector,
    human_duration,
    name,
    name_col,
    num,
    printer,
    since,
    spec,
    status,
    template_columns,
    template_containers,
    timestamp,
)

_WIDE = template_columns(selector="Labels of the pods the job manages.")


def job_status(job: Obj) -> str:
    conditions = status(job).get("conditions")
    if condition_true(conditions, "Complete"):
        return "Complete"
    if condition_true(conditions, "Failed"):
        return "Failed"
    if deleting(job):
        return "Terminating"
    if condition_true(conditions, "Suspended"):
        return "Suspended"
    if condition_true(conditions, "FailureTarget"):
        return "FailureTarget"
    return "Running"


def job_cells(job: Obj, now: float) -> list[Any]:
    job_spec, job_status_ = spec(job), status(job)
    succeeded = num(job_status_.get("succeeded"))
    completions, parallelism = job_spec.get("completions"), job_spec.get("parallelism")
    if completions is None and parallelism is None:
        completions = 1  # the API defaults both to 1 when both are unset
    if completions is not None:
        done = f"{succeeded}/{num(completions)}"
    elif num(parallelism, 1) > 1:
        done = f"{succeeded}/1 of {num(parallelism)}"
    else:
        done = f"{succeeded}/1"
    started = timestamp(job_status_.get("startTime"))
    finished = timestamp(job_status_.get("completionTime"))
    took = ("" if started is None else
            human_duration(now - started) if finished is None else
            human_duration(finished - started))
    names, images = container_cells(template_containers(job))
    return [name(job), job_status(job), done, took, age(job, now), names, images,
            format_selector(job_spec.get("selector"))]


def cron_job_cells(cron: Obj, now: float) -> list[Any]:
    cron_spec, cron_status = spec(cron), status(cron)
    job_spec = spec(cron_spec.get("jobTemplate") or EMPTY)
    last = cron_status.get("lastScheduleTime")
    names, images = container_cells(spec(job_spec.get("template") or EMPTY).get("containers"))
    zone = cron_spec.get("timeZone")
    return [name(cron), cron_spec.get("schedule") or "", "<none>" if zone is None else zone,
            bool_ptr(cron_spec.get("suspend", False)), len(cron_status.get("active") or ()),
            "<none>" if last is None else since(last, now), age(cron, now), names, images,
            format_selector(job_spec.get("selector"))]


PRINTERS: dict[tuple[str, str], Printer] = {
    ("batch", "Job"): printer(
        (name_col(), col("Status", desc="Where the job stands."),
         col("Completions", desc="Succeeded pods out of the completions wanted."),
         col("Duration", desc="How long the job ran, or has been running."), age_col(),
         *_WIDE),
        job_cells),
    ("batch", "CronJob"): printer(
        (name_col(), col("Schedule", desc="Cron schedule."),
         col("Timezone", desc="Time zone of the schedule."),
         col("Suspend", "boolean", desc="Whether new runs are held back."),
         col("Active", "integer", desc="Jobs running now."),
         col("Last Schedule", desc="How long ago a job was last scheduled."), age_col(),
         *_WIDE),
        cron_job_cells),
}
