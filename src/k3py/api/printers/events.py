"""Events, core/v1 and events.k8s.io/v1. kube-apiserver serves both from one store and prints
both with the core printer, so an events.k8s.io object is read through its core field names
(``regarding`` is ``involvedObject``, ``note`` is ``message``, ``deprecated*`` the old fields).
"""

from __future__ import annotations

from typing import Any

from k3py.api.printers._base import (
    EMPTY,
    Obj,
    Printer,
    col,
    name,
    num,
    printer,
    since,
)

EVENT_COLUMNS = (
    col("Last Seen", desc="How long ago the event last happened."),
    col("Type", desc="Normal or Warning."),
    col("Reason", desc="Short machine-readable cause."),
    col("Object", desc="The object the event is about."),
    col("Subobject", priority=1, desc="Part of the object the event is about."),
    col("Source", priority=1, desc="Component (and host) that reported the event."),
    col("Message", desc="Human-readable description."),
    col("First Seen", priority=1, desc="How long ago the event first happened."),
    col("Count", priority=1, desc="How many times the event happened."),
    col("Name", priority=1, fmt="name", desc="Name of the event object."),
)

# events.k8s.io/v1 field -> the core/v1 field it converts to
_FROM_EVENTS_V1 = (("regarding", "involvedObject"), ("note", "message"),
                   ("deprecatedSource", "source"), ("deprecatedFirstTimestamp", "firstTimestamp"),
                   ("deprecatedLastTimestamp", "lastTimestamp"), ("deprecatedCount", "count"),
                   ("reportingController", "reportingComponent"))


def event_cells(event: Obj, now: float) -> list[Any]:
    """LAST SEEN TYPE REASON OBJECT | SUBOBJECT SOURCE | MESSAGE | FIRST SEEN COUNT NAME."""
    first = (since(event["firstTimestamp"], now) if event.get("firstTimestamp")
             else since(event.get("eventTime"), now))
    last = since(event["lastTimestamp"], now) if event.get("lastTimestamp") else first
    count = num(event.get("count"))
    series = event.get("series")
    if series is not None:
        last = since(series.get("lastObservedTime"), now)
        count = num(series.get("count"))
    elif count == 0:
        count = 1  # singleton events of the new API carry no count
    involved = event.get("involvedObject") or EMPTY
    kind = str(involved.get("kind") or "").lower()
    target = f"{kind}/{involved['name']}" if involved.get("name") else kind
    source = event.get("source") or EMPTY
    component = source.get("component") or event.get("reportingComponent") or ""
    host = source.get("host") or event.get("reportingInstance") or ""
    return [last, event.get("type") or "", event.get("reason") or "", target,
            involved.get("fieldPath") or "", f"{component}, {host}" if host else component,
            str(event.get("message") or "").strip(), first, count, name(event)]


def events_v1_cells(event: Obj, now: float) -> list[Any]:
    core = dict(event)
    for new, old in _FROM_EVENTS_V1:
        core[old] = event.get(new)
    return event_cells(core, now)


PRINTERS: dict[tuple[str, str], Printer] = {
    ("", "Event"): printer(EVENT_COLUMNS, event_cells),
    ("events.k8s.io", "Event"): printer(EVENT_COLUMNS, events_v1_cells),
}
