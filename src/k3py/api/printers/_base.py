"""What every printer shares: the :class:`Printer` value, column definitions, time and age
formatting, and the small renderers kube-apiserver's print functions reuse (labels, selectors,
container lists, load-balancer addresses, access modes).

Printers read objects in their served JSON form and never mutate them. Times are seconds since
the epoch as floats; ``now`` is passed in so a whole table shares one clock reading.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from k3py.api.selectors import format_label_selector

Obj = Mapping[str, Any]
Cells = Callable[[Obj, float], list[Any]]
Conditions = Callable[[Obj], list[dict[str, Any]] | None]

EMPTY: Mapping[str, Any] = {}
NAME_DESC = "Name of the object, unique among objects of its kind in its namespace."
AGE_DESC = "How long ago the object was created."
CONTAINERS_DESC = "Names of the containers in the pod template."
IMAGES_DESC = "Images of the containers in the pod template."


@dataclass(frozen=True, slots=True)
class Printer:
    """How one kind becomes Table rows: the columns (wide ones included, as the server always
    sends them) and the function that computes one row's cells."""

    columns: tuple[dict[str, Any], ...]
    cells: Cells
    conditions: Conditions | None = None
    honours_no_headers: bool = True  # kube-aggregator's APIService table always has headers


def col(name: str, kind: str = "string", *, desc: str, fmt: str = "",
        priority: int = 0) -> dict[str, Any]:
    """One ``TableColumnDefinition``; ``kind`` is its JSON ``type``."""
    return {"name": name, "type": kind, "format": fmt, "description": desc, "priority": priority}


def name_col() -> dict[str, Any]:
    return col("Name", fmt="name", desc=NAME_DESC)


def age_col() -> dict[str, Any]:
    return col("Age", desc=AGE_DESC)


def template_columns(*, selector: str = "") -> tuple[dict[str, Any], ...]:
    """The wide columns of a workload: its pod template's containers and images, then its
    selector (``selector`` describes it) when the kind prints one."""
    wide = (col("Containers", priority=1, desc=CONTAINERS_DESC),
            col("Images", priority=1, desc=IMAGES_DESC))
    return (*wide, col("Selector", priority=1, desc=selector)) if selector else wide


def printer(columns: Sequence[dict[str, Any]], cells: Cells, **kw: Any) -> Printer:
    return Printer(tuple(columns), cells, **kw)


# ---------------------------------------------------------------- time

def human_duration(seconds: float) -> str:
    """Kubernetes' ``duration.HumanDuration``: about two significant figures, tolerating
    a clock up to two seconds behind (``0s``) and calling anything earlier ``<invalid>``."""
    whole = math.trunc(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 120:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        rest = whole % 60
        return f"{minutes}m{rest}s" if rest else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        rest = minutes % 60
        return f"{hours}h{rest}m" if rest else f"{hours}h"
    if hours < 48:
        return f"{hours}h"
    days = hours // 24
    if hours < 24 * 8:
        rest = hours % 24
        return f"{days}d{rest}h" if rest else f"{days}d"
    if hours < 24 * 365 * 2:
        return f"{days}d"
    years = days // 365
    if hours < 24 * 365 * 8:
        rest = days % 365
        return f"{years}y{rest}d" if rest else f"{years}y"
    return f"{years}y"


def timestamp(value: Any) -> float | None:
    """An RFC 3339 time as epoch seconds; None for a missing, zero or unreadable one (Go's
    zero ``metav1.Time``)."""
    if not value or not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if moment.year <= 1:
        return None
    return moment.timestamp()


def epoch(now: datetime) -> float:
    return (now if now.tzinfo else now.replace(tzinfo=UTC)).timestamp()


def since(value: Any, now: float) -> str:
    """``translateTimestampSince``: the age of a timestamp, ``<unknown>`` when unset."""
    moment = timestamp(value)
    return "<unknown>" if moment is None else human_duration(now - moment)


def age(obj: Obj, now: float) -> str:
    return since(meta(obj).get("creationTimestamp"), now)


def rfc3339(value: Any) -> str:
    """A timestamp as Go prints ``Time.UTC().Format(RFC3339)``; the zero time when unset."""
    moment = timestamp(value)
    if moment is None:
        return "0001-01-01T00:00:00Z"
    return datetime.fromtimestamp(moment, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# ------------------------------------------------------------ accessors

def meta(obj: Obj) -> Obj:
    return obj.get("metadata") or EMPTY


def name(obj: Obj) -> str:
    return str(meta(obj).get("name") or "")


def spec(obj: Obj) -> Obj:
    return obj.get("spec") or EMPTY


def status(obj: Obj) -> Obj:
    return obj.get("status") or EMPTY


def deleting(obj: Obj) -> bool:
    return bool(meta(obj).get("deletionTimestamp"))


def num(value: Any, default: int = 0) -> int:
    """An integer field; JSON may hold it as a float, missing means the API default."""
    if value is None or isinstance(value, bool):
        return default
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def condition_true(conditions: Iterable[Obj] | None, kind: str) -> bool:
    """Whether the first condition of ``kind`` has status True (upstream's helpers stop at the
    first match)."""
    for cond in conditions or ():
        if cond.get("type") == kind:
            return cond.get("status") == "True"
    return False


# ----------------------------------------------------------- renderers

def format_labels(labels: Mapping[str, Any] | None) -> str:
    """``labels.FormatLabels``: sorted ``k=v`` pairs, ``<none>`` when empty."""
    if not labels:
        return "<none>"
    return ",".join(sorted(f"{k}={v}" for k, v in labels.items()))


def format_selector(selector: Mapping[str, Any] | None) -> str:
    """``metav1.FormatLabelSelector``: the selector text, ``<none>`` when it selects all."""
    return format_label_selector(selector) or "<none>"


def container_cells(containers: Iterable[Obj] | None) -> tuple[str, str]:
    """Comma-joined container names and images, as ``layoutContainerCells`` lays them out."""
    items = list(containers or ())
    return (",".join(str(c.get("name") or "") for c in items),
            ",".join(str(c.get("image") or "") for c in items))


def template_containers(obj: Obj) -> list[Obj]:
    return list(spec(spec(obj).get("template") or EMPTY).get("containers") or ())


def bool_ptr(value: Any) -> str:
    """``printBoolPtr``: True/False, ``<unset>`` when the field is absent."""
    if value is None:
        return "<unset>"
    return "True" if value else "False"


def quantity(value: Any) -> str:
    """A resource quantity as text; a missing one is Go's zero Quantity, ``0``. Quantities are
    shown as stored (kube-apiserver stores them canonicalised)."""
    if value is None or value == "":
        return "0"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def int_or_string(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def ingress_addresses(load_balancer: Obj | None) -> str:
    """Unique load-balancer IPs (else hostnames), sorted; never clipped, as the server always
    renders the wide form."""
    found = set()
    for entry in (load_balancer or EMPTY).get("ingress") or ():
        value = entry.get("ip") or entry.get("hostname")
        if value:
            found.add(str(value))
    return ",".join(sorted(found))


_MODES = (("ReadWriteOnce", "RWO"), ("ReadOnlyMany", "ROX"), ("ReadWriteMany", "RWX"),
          ("ReadWriteOncePod", "RWOP"))


def access_modes(modes: Iterable[str] | None) -> str:
    present = set(modes or ())
    return ",".join(short for long, short in _MODES if long in present)


def more(items: list[str], count: int, limit: int, *, empty: str) -> str:
    """``a,b,c + N more...`` once ``count`` passes ``limit``; ``empty`` when nothing."""
    text = ",".join(items)
    if count > limit:
        return f"{text} + {count - limit} more..."
    return text or empty
