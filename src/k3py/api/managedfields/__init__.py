"""Server-side apply and ``metadata.managedFields``, as kube-apiserver 1.33 keeps them.

Two entry points, called by the API server on every write of an object:

- :func:`apply` for ``PATCH`` with ``application/apply-patch+yaml`` (also when the object
  does not exist yet: apply creates it);
- :func:`record_update` for every other create, update and patch, after the new object
  is computed, to give its manager the fields the write changed.

:func:`default_manager` names the manager of a write without ``?fieldManager=``.

Where upstream calls them, and so where the API server should: on create, update and
non-apply patch, ``record_update(live_or_None, new, manager=fieldManager or
default_manager(user_agent), ...)`` once the new object is decoded, patched and defaulted
and *before* mutating admission and the strategy's reset of status or spec; on an apply
patch, ``apply(live_or_None, body, manager=fieldManager, force=force, ...)`` instead, then
defaulting, admission and validation of its result. Status writes pass
``subresource="status"``; ``/scale`` writes pass the parent objects and
``subresource="scale"``. ``schema`` is the kind's :class:`~k3py.api.schemas.Schema` (a
CRD's ``openAPIV3Schema`` wrapped in one) or None; ``now`` is RFC 3339 in seconds.

Modules: ``fieldset`` (paths and the ``fieldsV1`` encoding), ``typed`` (the schema's view:
list and map types, the fields an object sets), ``walk`` (compare, merge, remove),
``gozero`` (fields Go always shows), ``manager`` (entries and updates), ``apply``,
``conflicts`` (the 409).
"""

from __future__ import annotations

from k3py.api.managedfields.apply import LAST_APPLIED, apply
from k3py.api.managedfields.conflicts import conflict_error
from k3py.api.managedfields.fieldset import (
    FieldSet,
    Path,
    from_fields_v1,
    path_string,
    to_fields_v1,
)
from k3py.api.managedfields.manager import (
    ANCIENT_CHANGES,
    BEFORE_FIRST_APPLY,
    MAX_UPDATE_MANAGERS,
    NEVER_OWNED,
    Entry,
    decode,
    default_manager,
    encode,
    record_update,
)
from k3py.api.managedfields.typed import field_set
from k3py.api.managedfields.walk import Comparison, compare, merge, remove_items

__all__ = [
    "ANCIENT_CHANGES",
    "BEFORE_FIRST_APPLY",
    "LAST_APPLIED",
    "MAX_UPDATE_MANAGERS",
    "NEVER_OWNED",
    "Comparison",
    "Entry",
    "FieldSet",
    "Path",
    "apply",
    "compare",
    "conflict_error",
    "decode",
    "default_manager",
    "encode",
    "field_set",
    "from_fields_v1",
    "merge",
    "path_string",
    "record_update",
    "remove_items",
    "to_fields_v1",
]
