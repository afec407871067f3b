"""Server-side apply (``PATCH`` with ``application/apply-patch+yaml``), as kube-apiserver 1.33.

One apply, in upstream's order:

1. An object that exists but has no managed fields first gets a ``before-first-apply``
   Update entry owning everything it holds, so the apply cannot silently take it over.
2. The applied configuration (without reset fields: ``status`` on the main resource) is
   merged over the live object; the applier's entry becomes exactly the fields it applied.
3. Fields the applier applied last time and not this time are removed from the object
   unless some manager (the applier included) still owns them.
4. Fields the result changes that other managers own are conflicts: a 409 listing them,
   unless ``force``, in which case those managers lose them.
5. ``kubectl`` (the manager name ``kubectl apply --server-side`` uses) gets the client-side
   apply migration: conflicts on fields whose live value still equals the
   ``last-applied-configuration`` annotation are forced, and an object carrying that
   annotation has it rewritten to the applied configuration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Final

import orjson

from k3py.api.gorender import go_json
from k3py.api.managedfields.conflicts import conflict_error
from k3py.api.managedfields.fieldset import FieldSet, Path, recursive_difference
from k3py.api.managedfields.manager import (
    APPLY,
    BEFORE_FIRST_APPLY,
    NEVER_OWNED,
    Entry,
    Managed,
    identifier,
    managed_of,
    record_changes,
    reset_paths,
    take_fields,
    with_managed_fields,
    without_managed_fields,
)
from k3py.api.managedfields.typed import TypingError, ensure_named, field_set
from k3py.api.managedfields.walk import compare, merge, remove_items
from k3py.api.schemas import Schema
from k3py.errors import BadRequest, InternalError

LAST_APPLIED: Final = "kubectl.kubernetes.io/last-applied-configuration"
CSA_MIGRATING_MANAGER: Final = "kubectl"
TOTAL_ANNOTATION_SIZE_LIMIT: Final = 256 * 1024


class _Conflicts(Exception):
    def __init__(self, found: dict[str, FieldSet]) -> None:
        super().__init__("apply conflicts")
        self.found = found


def apply(live: Mapping[str, Any] | None, applied: Mapping[str, Any], *, manager: str,
          force: bool, schema: Schema | None, now: str, subresource: str | None = None,
          reset_fields: Iterable[Sequence[str]] | None = None) -> dict[str, Any]:
    """The object after ``manager`` applies ``applied`` to ``live`` (None: create it).

    Raises Conflict (409) on conflicts unless ``force``, BadRequest (400) when ``applied``
    carries ``metadata.managedFields``, InternalError (500, upstream's text) when a list in
    it cannot be keyed. Returns a fresh dict sharing untouched subtrees with its inputs."""
    if not isinstance(applied, Mapping):
        raise BadRequest("the applied configuration must be a JSON object")
    meta = applied.get("metadata")
    if isinstance(meta, Mapping) and isinstance(meta.get("managedFields"), list):
        raise BadRequest("metadata.managedFields must be nil")
    ignored = reset_paths(subresource, live, applied, reset_fields=reset_fields)
    try:
        try:
            result = _apply(live, applied, manager=manager, force=force, schema=schema,
                            now=now, subresource=subresource or "", ignored=ignored)
        except _Conflicts as conflicts:
            allowed = _allowed_by_last_applied(live, applied, manager=manager, schema=schema)
            remaining = {key: paths - allowed for key, paths in conflicts.found.items()}
            remaining = {key: paths for key, paths in remaining.items() if paths}
            if remaining:
                raise conflict_error(remaining) from None
            result = _apply(live, applied, manager=manager, force=True, schema=schema,
                            now=now, subresource=subresource or "", ignored=ignored)
    except TypingError as err:
        raise InternalError(f"failed to create typed patch object ({_describe(applied)}): "
                            f"{err}") from None
    if manager == CSA_MIGRATING_MANAGER:
        result = _sync_last_applied(result, applied)
    return result


def _apply(live: Mapping[str, Any] | None, applied: Mapping[str, Any], *, manager: str,
           force: bool, schema: Schema | None, now: str, subresource: str,
           ignored: FieldSet) -> dict[str, Any]:
    api_version = str(applied.get("apiVersion") or (live or {}).get("apiVersion") or "")
    managed = managed_of(live)
    current = without_managed_fields(live) if live is not None else {}
    if live is not None and not managed:
        record_changes(managed, {}, current, manager=BEFORE_FIRST_APPLY,
                       api_version=api_version, subresource=subresource, now=now,
                       schema=schema, ignored=ignored)
    config = remove_items(dict(applied), ignored, schema) if ignored else applied
    key = identifier(manager, APPLY, "", subresource)
    last = managed.get(key)
    merged = merge(current, config, schema)
    entry = Entry(manager, APPLY, api_version, subresource, last.time if last else None,
                  recursive_difference(field_set(config, schema), ignored))
    managed[key] = entry
    if last is not None and last.fields:
        merged = _prune(merged, last.fields, managed, schema)
    comparison = compare(current, merged, schema).excluding(ignored)
    changed = comparison.changed()
    found = {k: e.fields & changed for k, e in managed.items() if k != key}
    found = {k: paths for k, paths in found.items() if paths}
    if found and not force:
        raise _Conflicts(found)
    take_fields(managed, changed=changed, removed=comparison.removed, skip=key)
    entry.fields = entry.fields - NEVER_OWNED
    if not entry.fields:
        del managed[key]
    if merged != current:
        entry.time = now
    return with_managed_fields(dict(merged), managed)


def _prune(merged: dict[str, Any], last: FieldSet, managed: Managed,
           schema: Schema | None) -> dict[str, Any]:
    """Remove what the applier owned last time, owns no longer, and nobody else owns."""
    cache: dict[Path, Schema | None] = {}
    owned: FieldSet = set().union(*(e.fields for e in managed.values()))
    drop = ensure_named(last, schema, cache) - ensure_named(owned, schema, cache)
    return remove_items(merged, drop, schema) if drop else merged


# -- client-side apply migration ----------------------------------------------------------------


def _annotations(obj: Mapping[str, Any] | None) -> Mapping[str, Any]:
    meta = obj.get("metadata") if obj else None
    annotations = meta.get("annotations") if isinstance(meta, Mapping) else None
    return annotations if isinstance(annotations, Mapping) else {}


def _allowed_by_last_applied(live: Mapping[str, Any] | None, applied: Mapping[str, Any], *,
                             manager: str, schema: Schema | None) -> FieldSet:
    """Fields ``kubectl`` may take over without force: those the last client-side apply set
    and the live object still holds unchanged."""
    if manager != CSA_MIGRATING_MANAGER or live is None:
        return set()
    text = _annotations(live).get(LAST_APPLIED)
    if not isinstance(text, str) or not text:
        return set()
    try:
        last = orjson.loads(text)
    except orjson.JSONDecodeError:
        return set()
    if not isinstance(last, dict) or last.get("apiVersion") != applied.get("apiVersion"):
        return set()
    try:
        current = without_managed_fields(live)
        differs = compare(last, current, schema)
        return field_set(last, schema) - differs.modified - differs.added - differs.removed
    except TypingError:
        return set()


def _sync_last_applied(result: dict[str, Any], applied: Mapping[str, Any]) -> dict[str, Any]:
    """An object that carries the client-side apply annotation keeps it in step with what
    ``kubectl apply --server-side`` applied (dropped if annotations would exceed 256 KiB)."""
    annotations = _annotations(result)
    if not annotations.get(LAST_APPLIED):
        return result
    updated = dict(annotations)
    updated[LAST_APPLIED] = _last_applied_value(applied)
    if sum(len(k.encode()) + len(str(v).encode()) for k, v in updated.items()) > (
            TOTAL_ANNOTATION_SIZE_LIMIT):
        del updated[LAST_APPLIED]
    meta = dict(result["metadata"])
    meta["annotations"] = updated
    result["metadata"] = meta
    return result


def _last_applied_value(applied: Mapping[str, Any]) -> str:
    obj = dict(applied)
    meta = obj.get("metadata")
    if isinstance(meta, Mapping):
        meta = dict(meta)
        annotations = meta.get("annotations")
        if isinstance(annotations, Mapping):
            meta["annotations"] = {k: v for k, v in annotations.items() if k != LAST_APPLIED}
        obj["metadata"] = meta
    return go_json(obj) + "\n"


def _describe(obj: Mapping[str, Any]) -> str:
    """``default/web; apps/v1, Kind=Deployment`` as upstream names the object in errors."""
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    api_version = str(obj.get("apiVersion") or "")
    group_version = api_version if "/" in api_version else "/" + api_version
    return (f"{meta.get('namespace') or ''}/{meta.get('name') or ''}; {group_version}, "
            f"Kind={obj.get('kind') or ''}")
