"""Causes for custom-resource errors: the builders of :mod:`k3py.api.validators.errors`, with
bad values printed the way apimachinery's ``field.Error`` prints an ``interface{}`` decoded from
JSON (``map[string]interface {}{...}``, floats as float64), which differs from the typed values
the built-in validators print. Builders that print no value are the built-in ones."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from k3py.api.gorender import Rendered, go_value
from k3py.api.validators import errors
from k3py.api.validators.errors import Cause, forbidden, required, too_long, too_many

__all__ = ["TYPE_INVALID", "duplicate", "field_of", "forbidden", "invalid", "not_supported",
           "required", "too_long", "too_many", "type_invalid"]

TYPE_INVALID = "FieldValueTypeInvalid"


def _decoded(value: Any) -> Rendered:
    return Rendered(go_value(value, decoded=True))


def field_of(base: str, name: str) -> str:
    """The cause field of a kube-openapi error named ``name`` under the path ``base``
    (empty ``base``: a nil path, which Go prints as ``<nil>``)."""
    if name and name != ".":
        if name.startswith("."):
            name = name[1:]
        return f"{base}.{name}" if base else name
    return base or "<nil>"


def invalid(field: str, value: Any, detail: str) -> Cause:
    return errors.invalid(field, _decoded(value), detail)


def type_invalid(field: str, value: Any, detail: str) -> Cause:
    return (field, TYPE_INVALID, f"Invalid value: {_decoded(value)}: {detail}")


def duplicate(field: str, value: Any) -> Cause:
    return errors.duplicate(field, _decoded(value))


def not_supported(field: str, value: Any, valid: Iterable[str]) -> Cause:
    return errors.not_supported(field, _decoded(value), valid)
