"""Consistency of one schema node's Kubernetes extensions in a CRD: list and map types,
list-map keys, and the static shape of ``x-kubernetes-validations`` rules (their CEL is not
compiled here)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from k3py.api.crd.render import forbidden, invalid, not_supported, required
from k3py.api.gorender import go_string_list
from k3py.api.validators.errors import Cause

_NEWLINE = re.compile(r"\r\n|\r|\n")
_REASONS = ["FieldValueDuplicate", "FieldValueForbidden", "FieldValueInvalid",
            "FieldValueRequired"]


def extension_causes(s: Mapping[str, Any], path: str) -> list[Cause]:
    out: list[Cause] = []
    raw_type = s.get("type")
    kind = raw_type if isinstance(raw_type, str) else ""
    if s.get("x-kubernetes-preserve-unknown-fields") is False:
        out.append(invalid(f"{path}.x-kubernetes-preserve-unknown-fields", False,
                           "must be true or undefined"))
    map_type = s.get("x-kubernetes-map-type")
    if map_type is not None and kind != "object":
        detail = "must be object if x-kubernetes-map-type is specified"
        out.append(invalid(f"{path}.type", kind, detail) if kind else
                   required(f"{path}.type", detail))
    if map_type is not None and map_type not in ("atomic", "granular"):
        out.append(not_supported(f"{path}.x-kubernetes-map-type", map_type,
                                 ["atomic", "granular"]))
    out.extend(_list_type(s, kind, path))
    out.extend(_rules(s, path))
    return out


def _list_type(s: Mapping[str, Any], kind: str, path: str) -> list[Cause]:
    out: list[Cause] = []
    list_type = s.get("x-kubernetes-list-type")
    items = s.get("items")
    item = items if isinstance(items, Mapping) else None
    if list_type is not None and kind != "array":
        detail = "must be array if x-kubernetes-list-type is specified"
        out.append(invalid(f"{path}.type", kind, detail) if kind else
                   required(f"{path}.type", detail))
    elif list_type == "set" and item is not None:
        detail = "must be atomic as item of a list with x-kubernetes-list-type=set"
        if item.get("type") == "array" and item.get("x-kubernetes-list-type") not in (
                None, "atomic"):
            out.append(invalid(f"{path}.items.x-kubernetes-list-type",
                               item.get("x-kubernetes-list-type"), detail))
        elif item.get("type") == "object" and item.get("x-kubernetes-map-type") != "atomic":
            out.append(invalid(f"{path}.items.x-kubernetes-map-type",
                               item.get("x-kubernetes-list-type"), detail))
    if list_type is not None and list_type not in ("atomic", "set", "map"):
        out.append(not_supported(f"{path}.x-kubernetes-list-type", list_type,
                                 ["atomic", "set", "map"]))
    keys = s.get("x-kubernetes-list-map-keys")
    keys = [k for k in keys if isinstance(k, str)] if isinstance(keys, list) else []
    if keys and list_type is None:
        out.append(required(f"{path}.x-kubernetes-list-type",
                            "must be map if x-kubernetes-list-map-keys is non-empty"))
    elif keys and list_type != "map":
        out.append(invalid(f"{path}.x-kubernetes-list-type", list_type,
                           "must be map if x-kubernetes-list-map-keys is non-empty"))
    if list_type == "map":
        out.extend(_map_list(items, keys, path))
    if item is not None and list_type in ("set", "map"):
        out.extend(_map_set_items(item, list_type, keys, path))
    return out


def _map_list(items: Any, keys: list[str], path: str) -> list[Cause]:
    out: list[Cause] = []
    if not keys:
        out.append(required(f"{path}.x-kubernetes-list-map-keys",
                            "must not be empty if x-kubernetes-list-type is map"))
    if items is None:
        out.append(required(f"{path}.items", "must have a schema if x-kubernetes-list-type is map"))
        return out
    if not isinstance(items, Mapping):
        out.append(invalid(f"{path}.items", items,
                           "must only have a single schema if x-kubernetes-list-type is map"))
        return out
    if items.get("type") != "object":
        out.append(invalid(f"{path}.items.type", items.get("type", ""),
                           "must be object if parent array's x-kubernetes-list-type is map"))
        return out
    props = _mapping(items.get("properties"))
    shown = go_string_list(keys)
    seen: set[str] = set()
    for k in keys:
        prop = props.get(k)
        if isinstance(prop, Mapping):
            if prop.get("type") in ("array", "object"):
                out.append(invalid(f"{path}.items.properties[{k}].type", "object",
                                   "must be a scalar type if parent array's "
                                   "x-kubernetes-list-type is map"))
        else:
            out.append(invalid(f"{path}.x-kubernetes-list-map-keys", shown,
                               "entries must all be names of item properties"))
        if k in seen:
            out.append(invalid(f"{path}.x-kubernetes-list-map-keys", shown,
                               "must not contain duplicate entries"))
        seen.add(k)
    return out


def _map_set_items(item: Mapping[str, Any], list_type: str, keys: list[str],
                   path: str) -> list[Cause]:
    """Items of set and map lists cannot be null, and map keys need a value."""
    out: list[Cause] = []
    if item.get("nullable") is True:
        out.append(forbidden(f"{path}.items.nullable",
                             f"cannot be nullable when x-kubernetes-list-type is {list_type}"))
    if list_type != "map":
        return out
    raw_required = item.get("required")
    required_keys = raw_required if isinstance(raw_required, list) else []
    props = _mapping(item.get("properties"))
    for k in keys:
        prop = props.get(k)
        if not isinstance(prop, Mapping):
            continue
        if k not in required_keys and prop.get("default") is None:
            out.append(required(f"{path}.items.properties[{k}].default",
                                "this property is in x-kubernetes-list-map-keys, so it must "
                                "have a default or be a required property"))
        if prop.get("nullable") is True:
            out.append(forbidden(f"{path}.items.properties[{k}].nullable",
                                 "this property is in x-kubernetes-list-map-keys, so it "
                                 "cannot be nullable"))
    return out


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _rules(s: Mapping[str, Any], path: str) -> list[Cause]:
    rules = s.get("x-kubernetes-validations")
    if not isinstance(rules, list):
        return []
    out: list[Cause] = []
    for i, rule in enumerate(rules):
        if not isinstance(rule, Mapping):
            continue
        at = f"{path}.x-kubernetes-validations[{i}]"
        text, message = str(rule.get("rule") or ""), str(rule.get("message") or "")
        if not text.strip():
            out.append(required(f"{at}.rule", "rule is not specified"))
        elif message and not message.strip():
            out.append(invalid(f"{at}.message", message, "must be non-empty if specified"))
        elif _NEWLINE.search(message.strip()):
            out.append(invalid(f"{at}.message", message, "must not contain line breaks"))
        elif _NEWLINE.search(text.strip()) and not message.strip():
            out.append(required(f"{at}.message",
                                "message must be specified if rule contains line breaks"))
        expression = str(rule.get("messageExpression") or "")
        if expression and not expression.strip():
            out.append(required(f"{at}.messageExpression",
                                "messageExpression must be non-empty if specified"))
        reason = rule.get("reason")
        if reason is not None and reason not in _REASONS:
            out.append(not_supported(f"{at}.reason", reason, _REASONS))
        field_path = str(rule.get("fieldPath") or "")
        if field_path and not field_path.strip():
            out.append(invalid(f"{at}.fieldPath", field_path, "must be non-empty if specified"))
        if _NEWLINE.search(field_path):
            out.append(invalid(f"{at}.fieldPath", field_path, "must not contain line breaks"))
    return out
