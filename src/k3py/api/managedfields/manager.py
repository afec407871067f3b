"""``metadata.managedFields`` bookkeeping: who owns which fields, kept on every write.

An object's entries are decoded into :class:`Entry` values keyed by their *identifier*
(upstream's manager identifier: the entry as Go JSON without fields, time, and for
appliers without apiVersion), so one manager using one operation on one subresource is
one entry. :func:`record_update` is what every create, update and patch runs: the fields
the write changed go to its manager and leave everyone else's sets. Rules copied in
behaviour from ``k8s.io/apimachinery/pkg/util/managedfields``:

- a client may replace ``managedFields`` wholesale on the main resource; sending ``[]``
  (or one empty entry) clears them; omitting them keeps the live ones; on a subresource
  they are ignored;
- an update of an object that has no managed fields stays untracked (until the first
  apply), while a create is always tracked;
- ``apiVersion``, ``kind``, ``metadata.name``/``namespace``/``uid``/``resourceVersion``/
  ``generation``/``creationTimestamp``/``selfLink``/``managedFields`` are never owned;
- an entry's ``time`` moves only when its write changed something;
- past 10 update entries the oldest fold into ``ancient-changes`` (one per apiVersion).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final, Literal

import orjson

from k3py.api.managedfields.fieldset import (
    FieldSet,
    Path,
    field_element,
    from_fields_v1,
    to_fields_v1,
)
from k3py.api.managedfields.typed import TypingError
from k3py.api.managedfields.walk import compare
from k3py.api.schemas import Schema

APPLY: Final = "Apply"
UPDATE: Final = "Update"
MAX_UPDATE_MANAGERS: Final = 10
FIELD_MANAGER_MAX_LENGTH: Final = 128
ANCIENT_CHANGES: Final = "ancient-changes"
BEFORE_FIRST_APPLY: Final = "before-first-apply"

NEVER_OWNED: Final[frozenset[Path]] = frozenset(
    {(field_element("apiVersion"),), (field_element("kind"),), (field_element("metadata"),)}
    | {(field_element("metadata"), field_element(name)) for name in (
        "name", "namespace", "creationTimestamp", "selfLink", "uid", "clusterName",
        "generation", "managedFields", "resourceVersion")})


@dataclass(slots=True)
class Entry:
    """One ``managedFields`` entry: a manager's fields for one operation and subresource."""

    manager: str
    operation: str
    api_version: str
    subresource: str
    time: str | None
    fields: FieldSet

    @property
    def key(self) -> str:
        return identifier(self.manager, self.operation, self.api_version, self.subresource)

    def encode(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.manager:
            out["manager"] = self.manager
        out["operation"] = self.operation
        out["apiVersion"] = self.api_version
        if self.time:
            out["time"] = self.time
        out["fieldsType"] = "FieldsV1"
        out["fieldsV1"] = to_fields_v1(self.fields)
        if self.subresource:
            out["subresource"] = self.subresource
        return out


Managed = dict[str, Entry]


def identifier(manager: str, operation: str, api_version: str, subresource: str) -> str:
    """Upstream's manager identifier (it also orders multi-manager conflict messages)."""
    parts: dict[str, str] = {}
    if manager:
        parts["manager"] = manager
    if operation:
        parts["operation"] = operation
    if api_version and operation != APPLY:
        parts["apiVersion"] = api_version
    if subresource:
        parts["subresource"] = subresource
    text = orjson.dumps(parts).decode()
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def default_manager(user_agent: str) -> str:
    """The manager of a write that names none: the User-Agent up to its first ``/``,
    printable characters only, at most 128 bytes (``kubectl/v1.33.0 (...)`` -> ``kubectl``)."""
    out: list[str] = []
    size = 0
    for char in user_agent.split("/", 1)[0]:
        if not char.isprintable():  # Python's rule is Go's unicode.IsPrint
            continue
        size += len(char.encode())
        if size > FIELD_MANAGER_MAX_LENGTH:
            break
        out.append(char)
    return "".join(out)


# -- decoding and encoding ----------------------------------------------------------------------


def decode(entries: Any) -> Managed | None:
    """The entries of a ``managedFields`` list, or None if any entry is not valid."""
    if not isinstance(entries, list):
        return None
    managed: Managed = {}
    for raw in entries:
        if not isinstance(raw, dict):
            return None
        operation, api_version = raw.get("operation"), raw.get("apiVersion")
        if operation not in (APPLY, UPDATE) or not isinstance(api_version, str) or not (
                api_version and raw.get("fieldsType") == "FieldsV1"):
            return None
        try:
            fields = from_fields_v1(raw.get("fieldsV1") or {})
        except ValueError:
            return None
        time = raw.get("time")
        entry = Entry(_str(raw.get("manager")), operation, api_version,
                      _str(raw.get("subresource")), time if isinstance(time, str) else None,
                      fields)
        managed[entry.key] = entry
    return managed


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def managed_of(obj: Mapping[str, Any] | None) -> Managed:
    """The live entries of ``obj`` (none if it has none or they do not decode)."""
    meta = obj.get("metadata") if obj else None
    if not isinstance(meta, dict):
        return {}
    return decode(meta.get("managedFields")) or {}


def encode(managed: Managed) -> list[dict[str, Any]]:
    """Entries in upstream's order: Apply before Update, then oldest first, then by name."""
    entries = sorted(managed.values(), key=lambda e: (
        e.operation, _seconds(e.time), e.manager, e.api_version, e.subresource))
    return [e.encode() for e in entries]


@functools.lru_cache(maxsize=1024)
def _seconds(time: str | None) -> float:
    if not time:
        return 0.0
    try:
        return datetime.fromisoformat(time.replace("Z", "+00:00")).timestamp()
    except ValueError:
        return 0.0


def without_managed_fields(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A shallow copy of ``obj`` whose metadata (also copied) has no ``managedFields``."""
    out = dict(obj)
    meta = out.get("metadata")
    if isinstance(meta, dict) and "managedFields" in meta:
        out["metadata"] = {k: v for k, v in meta.items() if k != "managedFields"}
    return out


def with_managed_fields(obj: dict[str, Any], managed: Managed) -> dict[str, Any]:
    """``obj`` (already a fresh shallow copy) carrying ``managed``; no entries, no field."""
    meta = obj.get("metadata")
    meta = {k: v for k, v in meta.items() if k != "managedFields"} if isinstance(
        meta, dict) else {}
    if managed:
        meta["managedFields"] = encode(managed)
    obj["metadata"] = meta
    return obj


# -- the shared step of every write --------------------------------------------------------------


def take_fields(managed: Managed, *, changed: FieldSet, removed: FieldSet,
                skip: str | None = None) -> None:
    """Everyone but ``skip`` loses the fields a write changed or removed; empty entries go."""
    for key in list(managed):
        if key == skip:
            continue
        entry = managed[key]
        if entry.fields & changed or entry.fields & removed:
            entry.fields = entry.fields - changed - removed
            if not entry.fields:
                del managed[key]


def record_changes(managed: Managed, old: Any, new: Any, *, manager: str, api_version: str,
                   subresource: str, now: str, schema: Schema | None,
                   ignored: FieldSet) -> None:
    """Give ``manager`` (an Update) every field ``new`` changed relative to ``old``."""
    comparison = compare(old, new, schema).excluding(ignored)
    changed = comparison.changed()
    take_fields(managed, changed=changed, removed=comparison.removed)
    own = changed - NEVER_OWNED
    if not own:
        return
    key = identifier(manager, UPDATE, api_version, subresource)
    previous = managed.get(key)
    if previous is not None:
        previous.fields = previous.fields | own
        previous.time = now
    else:
        managed[key] = Entry(manager, UPDATE, api_version, subresource, now, own)
    cap_update_managers(managed)


def cap_update_managers(managed: Managed, limit: int = MAX_UPDATE_MANAGERS) -> None:
    """Fold the oldest update entries into one ``ancient-changes`` entry per apiVersion
    until at most ``limit`` update entries remain."""
    updaters = [k for k, e in managed.items() if e.operation == UPDATE]
    if len(updaters) <= limit:
        return
    updaters.sort(key=lambda k: (int(_seconds(managed[k].time)), k))
    first_of_version: dict[str, str] = {}
    count = len(updaters)
    for key in updaters:
        if count <= limit:
            break
        entry = managed[key]
        version = entry.api_version
        bucket = identifier(ANCIENT_CHANGES, UPDATE, version, "")
        if version not in first_of_version:
            first_of_version[version] = key
            continue
        if key == bucket:
            continue
        if bucket not in managed:
            first = managed.pop(first_of_version[version])
            managed[bucket] = Entry(ANCIENT_CHANGES, UPDATE, version, "", None, first.fields)
        folded = managed[bucket]
        folded.fields = folded.fields | entry.fields
        folded.time = entry.time
        del managed[key]
        count -= 1


def reset_paths(subresource: str | None, *objects: Mapping[str, Any] | None,
                reset_fields: Iterable[Sequence[str]] | None = None) -> FieldSet:
    """The fields a write may not set: the caller's ``reset_fields`` (field names), else
    upstream's usual rule: ``status`` on the main resource, on ``/status`` every top-level
    field but ``metadata`` and ``status``."""
    if reset_fields is not None:
        return {tuple(field_element(n) for n in names) for names in reset_fields}
    if subresource is None:
        return {(field_element("status"),)}
    if subresource == "status":
        names = {k for obj in objects if obj for k in obj}
        return {(field_element(n),) for n in names
                if n not in ("apiVersion", "kind", "metadata", "status")}
    return set()


# -- record_update ----------------------------------------------------------------------------


def record_update(old: Mapping[str, Any] | None, new: Mapping[str, Any], *, manager: str,
                  schema: Schema | None, now: str, subresource: str | None = None,
                  operation: Literal["Update"] = UPDATE,
                  reset_fields: Iterable[Sequence[str]] | None = None) -> dict[str, Any]:
    """``new`` with ``metadata.managedFields`` brought up to date after a create (``old``
    None), update or patch by ``manager`` (empty means ``unknown``). Returns a fresh shallow
    copy of ``new`` (root and metadata); nested values are shared."""
    del operation  # always Update: apply has its own entry point
    sub = subresource or ""
    sent = _sent_managed_fields(new)
    if subresource or sent is None:
        managed = managed_of(old)
    elif sent == [] or (len(sent) == 1 and not any(v for v in sent[0].values())):
        managed = {}
    else:
        managed = decode(sent) or managed_of(old)
    out = without_managed_fields(new)
    if old is not None and not managed:
        return with_managed_fields(out, {})
    before = without_managed_fields(old) if old is not None else {}
    try:
        record_changes(managed, before, out, manager=manager or "unknown",
                       api_version=_str(new.get("apiVersion")), subresource=sub, now=now,
                       schema=schema, ignored=reset_paths(subresource, old, new,
                                                          reset_fields=reset_fields))
    except TypingError:
        # As upstream's UpdateNoErrors: an object the schema cannot type keeps its entries.
        return with_managed_fields(out, managed_of(old))
    return with_managed_fields(out, managed)


def _sent_managed_fields(new: Mapping[str, Any]) -> list[dict[str, Any]] | None:
    meta = new.get("metadata")
    sent = meta.get("managedFields") if isinstance(meta, dict) else None
    if not isinstance(sent, list) or not all(isinstance(e, dict) for e in sent):
        return None
    return sent
