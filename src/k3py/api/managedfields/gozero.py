"""Which fields a Go-typed object always shows, and as what, when our dict lacks them.

Why: kube-apiserver compares *typed* objects. A non-pointer struct (``spec``,
``spec.template``, ``spec.strategy``, a container's ``resources``) or a slice without
``omitempty`` (``containers``) is present in Go's JSON even when empty: as ``{}`` or
``null``. Upstream therefore never sees ``spec`` appear on create, and the ``fieldsV1`` it
writes has no ``"."`` under ``f:spec`` or ``f:containers``, while it does under
``f:labels`` (a map that really was absent). Our objects are plain dicts that may omit
those fields, so the comparison asks here what Go would have shown instead.

The answer comes from the Go shapes in the protobuf field tables
(:mod:`k3py.api.protobuf.tables`); types they do not describe fall back to the one rule
true of every Kubernetes kind (``metadata``, ``spec`` and ``status`` are value structs) and
a short list for the workload kinds (``template``, ``updateStrategy``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, Final

from k3py.api.protobuf.schema import MSG, SINGLE, Field, Message, registry
from k3py.api.schemas import Schema

ABSENT: Final[Any] = object()
"""Marks a field that is not there at all (as opposed to JSON ``null``)."""

_META_PREFIX: Final = "io.k8s.apimachinery.pkg.apis.meta.v1."
_API_PREFIX: Final = "io.k8s.api."
_VALUE_STRUCTS: Final = frozenset({"metadata", "spec", "status"})
# Value structs of workload kinds the protobuf tables do not describe (k8s.io/api apps/v1).
_MORE_VALUE_STRUCTS: Final = frozenset({
    ("io.k8s.api.apps.v1.StatefulSetSpec", "template"),
    ("io.k8s.api.apps.v1.StatefulSetSpec", "updateStrategy"),
    ("io.k8s.api.apps.v1.DaemonSetSpec", "template"),
    ("io.k8s.api.apps.v1.DaemonSetSpec", "updateStrategy"),
    ("io.k8s.api.apps.v1.ReplicaSetSpec", "template"),
})
_EMPTY: Final[Mapping[str, Any]] = {}


def zero_fields(parent: Schema | None) -> Mapping[str, Any]:
    """Every field Go's JSON shows for a struct of type ``parent`` even when unset, with
    what it shows: ``{}`` for a value struct, ``null`` for a nil slice, map or pointer printed
    anyway, or a zero scalar. Empty for types that are not Go-typed (custom resources)."""
    if parent is None or parent.name is None:
        return _EMPTY
    return _zero_fields(parent.name, parent)


def zero_for(parent: Schema | None, name: str) -> Any:
    """What Go's JSON shows for field ``name`` of ``parent`` when it is unset, or
    :data:`ABSENT` when Go omits it too."""
    return zero_fields(parent).get(name, ABSENT)


@functools.lru_cache(maxsize=4096)
def _zero_fields(definition: str, parent: Schema) -> Mapping[str, Any]:
    message = _message(definition)
    found: dict[str, Any] = {}
    if message is not None:
        _collect(message, found)
        return found
    if not definition.startswith("io.k8s."):
        return found  # a custom resource: unstructured on the server too
    for name in parent.properties:
        if name in _VALUE_STRUCTS or (definition, name) in _MORE_VALUE_STRUCTS:
            child = parent.prop(name)
            if child is not None and child.properties:
                found[name] = _EMPTY
    return found


def _collect(message: Message, found: dict[str, Any]) -> None:
    for field in message.fields.values():
        if field.inline:
            assert field.message is not None
            _collect(field.message, found)
        elif field.shown_when_zero():
            found[field.name] = _EMPTY if _is_struct(field) else field.zero()


def _is_struct(field: Field) -> bool:
    return field.kind == MSG and field.shape == SINGLE and not field.pointer


def _message(definition: str) -> Message | None:
    if definition.startswith(_META_PREFIX):
        name = "meta/v1." + definition[len(_META_PREFIX):]
    elif definition.startswith(_API_PREFIX):
        group, _, rest = definition[len(_API_PREFIX):].partition(".")
        version, _, kind = rest.partition(".")
        name = f"{group}/{version}.{kind}"
    else:
        return None
    return registry().get(name)
