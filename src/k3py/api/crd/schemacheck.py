"""Checks of a CRD version's ``openAPIV3Schema`` itself, as apiextensions validation does
them: the structural-schema rules (every field typed, no additionalProperties at the root,
value validations in allOf/anyOf/oneOf/not that only restate the structure, metadata only
constrained in name and generateName), defaults that are pruned and valid, and the OpenAPI
features Kubernetes does not support.

Structural errors are sorted by their text as upstream sorts them; the rest follow the
schema's own order (upstream walks Go maps, in no fixed order).
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from k3py.api.crd.compiled import Node
from k3py.api.crd.listchecks import extension_causes
from k3py.api.crd.patterns import unsupported
from k3py.api.crd.render import forbidden, invalid, not_supported, required
from k3py.api.crd.structural import copy_json, embedded_causes, prune
from k3py.api.crd.values import _same, validate_value
from k3py.api.gorender import Rendered
from k3py.api.validators.errors import Cause

Raw = Mapping[str, Any]
TYPES = ["array", "boolean", "integer", "number", "object", "string"]
_META = ("metadata", "kind", "apiVersion")
_ROOT_ALLOWED = frozenset({
    "description", "type", "format", "title", "maximum", "exclusiveMaximum", "minimum",
    "exclusiveMinimum", "maxLength", "minLength", "pattern", "maxItems", "minItems",
    "uniqueItems", "multipleOf", "required", "items", "properties", "externalDocs", "example",
    "x-kubernetes-preserve-unknown-fields", "x-kubernetes-validations"})
# JSONSchemaProps' fields in Go struct order (the order upstream finds the first offender).
_FIELD_ORDER = (
    "id", "$schema", "$ref", "description", "type", "nullable", "format", "title", "default",
    "maximum", "exclusiveMaximum", "minimum", "exclusiveMinimum", "maxLength", "minLength",
    "pattern", "maxItems", "minItems", "uniqueItems", "multipleOf", "enum", "maxProperties",
    "minProperties", "required", "items", "allOf", "oneOf", "anyOf", "not", "properties",
    "additionalProperties", "patternProperties", "dependencies", "additionalItems",
    "definitions", "externalDocs", "example", "x-kubernetes-preserve-unknown-fields",
    "x-kubernetes-embedded-resource", "x-kubernetes-int-or-string",
    "x-kubernetes-list-map-keys", "x-kubernetes-list-type", "x-kubernetes-map-type",
    "x-kubernetes-validations")
_ROOT_NAMES = ("Description Type Format Title Maximum ExclusiveMaximum Minimum ExclusiveMinimum "
               "MaxLength MinLength Pattern MaxItems MinItems UniqueItems MultipleOf Required "
               "Items Properties ExternalDocs Example XPreserveUnknownFields XValidations")
_INT_OR_STRING = [{"type": "integer"}, {"type": "string"}]


def _dict(value: Any) -> Raw:
    return value if isinstance(value, Mapping) else {}


def _props(s: Raw) -> Iterator[tuple[str, Raw]]:
    props = s.get("properties")
    if isinstance(props, Mapping):
        for k, v in props.items():
            if isinstance(v, Mapping):
                yield k, v


def _schemas(value: Any) -> list[Raw]:
    return [v for v in value if isinstance(v, Mapping)] if isinstance(value, list) else []


def _zero(value: Any) -> bool:
    if value is None or value is False or value in ("", [], {}):
        return True
    return value == 0 and not isinstance(value, bool)


def schema_causes(schema: Raw, path: str, *, status_enabled: bool,
                  structural: bool = True) -> list[Cause]:
    """Why ``schema`` (at field path ``path``, e.g. ``spec.validation.openAPIV3Schema``)
    cannot be a CRD version's schema."""
    causes: list[Cause] = []
    if status_enabled:
        for key in _FIELD_ORDER:
            if _zero(schema.get(key)):
                continue
            if key == "type":
                if schema["type"] != "object":
                    causes.append(invalid(f"{path}.type", schema["type"], 'only "object" is '
                                          "allowed as the type at the root of the schema if "
                                          "the status subresource is enabled"))
                    break
                continue
            if key not in _ROOT_ALLOWED:
                causes.append(invalid(path, Rendered("apiextensions.JSONSchemaProps{...}"),
                                      f"only [{_ROOT_NAMES}] fields are allowed at the root of "
                                      "the schema if the status subresource is enabled"))
                break
    if schema.get("nullable") is True:
        causes.append(forbidden(f"{path}.nullable", "nullable cannot be true at the root"))
    if structural:
        found = _invariants(schema, "root", path) + _completeness(schema, path)
        found.sort(key=lambda c: f"{c[0]}: {c[2]}")
        if not found:
            found = _defaults(schema, Node(schema), path, inside_meta=False, root=True)
        causes.extend(found)
    causes.extend(_openapi(schema, path, allow_defaults=True, reason="", in_meta=False,
                           root=True))
    return causes


# -- structural schema invariants ---------------------------------------------------------

def _invariants(s: Raw, level: str, path: str) -> list[Cause]:
    out: list[Cause] = []
    kind = s.get("type") if isinstance(s.get("type"), str) else ""
    items = s.get("items")
    if kind == "array" and items is None:
        out.append(required(f"{path}.items", "must be specified"))
    if isinstance(items, Mapping):
        out.extend(_invariants(items, "item", f"{path}.items"))
    for k, sub in _props(s):
        out.extend(_invariants(sub, "field", f"{path}.properties[{k}]"))
    additional = s.get("additionalProperties")
    if additional is not None:
        if level == "root":
            out.append(forbidden(f"{path}.additionalProperties", "must not be used at the root"))
        if isinstance(additional, Mapping):
            out.extend(_invariants(additional, "field", f"{path}.additionalProperties"))
    int_or_string = s.get("x-kubernetes-int-or-string") is True
    preserve = s.get("x-kubernetes-preserve-unknown-fields") is True
    embedded = s.get("x-kubernetes-embedded-resource") is True
    if int_or_string and preserve:
        out.append(invalid(f"{path}.x-kubernetes-preserve-unknown-fields", True,
                           "must be false if x-kubernetes-int-or-string is true"))
    if int_or_string and embedded:
        out.append(invalid(f"{path}.x-kubernetes-embedded-resource", True,
                           "must be false if x-kubernetes-int-or-string is true"))
    out.extend(_value_validation(s, level, path, skip_any_of=s.get("anyOf") == _INT_OR_STRING,
                                 skip_first_all_of=_int_or_string_all_of(s)))
    if embedded and kind != "object":
        detail = "must be object if x-kubernetes-embedded-resource is true"
        out.append(invalid(f"{path}.type", kind, detail) if kind else
                   required(f"{path}.type", detail))
    elif not kind and not int_or_string and not preserve:
        where = {"root": "at the root", "item": "for specified array items",
                 "field": "for specified object fields"}[level]
        out.append(required(f"{path}.type", f"must not be empty {where}"))
    if embedded and additional is not None:
        out.append(forbidden(f"{path}.additionalProperties",
                             "must not be used if x-kubernetes-embedded-resource is set"))
    if level == "root" and kind and kind != "object":
        out.append(invalid(f"{path}.type", kind, "must be object at the root"))
    check_meta = level == "root" or embedded
    props = dict(_props(s))
    for name in ("kind", "apiVersion"):
        if name in props and check_meta and props[name].get("type") != "string":
            out.append(invalid(f"{path}.properties[{name}].type", props[name].get("type", ""),
                               "must be string"))
    if "metadata" in props:
        out.extend(_metadata(props["metadata"], check_meta, level == "root",
                             f"{path}.properties[metadata]"))
    if embedded and not preserve and not props:
        out.append(required(f"{path}.properties", "must not be empty if "
                            "x-kubernetes-embedded-resource is true without "
                            "x-kubernetes-preserve-unknown-fields"))
    return out


def _int_or_string_all_of(s: Raw) -> bool:
    all_of = _schemas(s.get("allOf"))
    return bool(all_of) and all_of[0].get("anyOf") == _INT_OR_STRING


def _metadata(s: Raw, check_meta: bool, root: bool, path: str) -> list[Cause]:
    out: list[Cause] = []
    if check_meta and s.get("type") != "object":
        out.append(invalid(f"{path}.type", s.get("type", ""), "must be object"))
    if root:
        names = set(dict(_props(s)))
        only_names = bool(names) and names <= {"name", "generateName"}
        extra = [k for k in s if k not in ("type", "default", "example", "externalDocs") and
                 not (k == "properties" and only_names)]
        if extra:
            out.append(forbidden(path, "must not specify anything other than name and "
                                       "generateName, but metadata is implicitly specified"))
    return out


def _value_validation(s: Raw, level: str, path: str, *, skip_any_of: bool,
                      skip_first_all_of: bool) -> list[Cause]:
    out: list[Cause] = []
    if not skip_any_of:
        for i, sub in enumerate(_schemas(s.get("anyOf"))):
            out.extend(_nested(sub, level, f"{path}.anyOf[{i}]"))
    for i, sub in enumerate(_schemas(s.get("allOf"))):
        skip = skip_first_all_of and i == 0
        out.extend(_nested(sub, level, f"{path}.allOf[{i}]", skip_any_of=skip))
    for i, sub in enumerate(_schemas(s.get("oneOf"))):
        out.extend(_nested(sub, level, f"{path}.oneOf[{i}]"))
    if isinstance(s.get("not"), Mapping):
        out.extend(_nested(s["not"], level, f"{path}.not"))
    pattern = s.get("pattern")
    if isinstance(pattern, str) and pattern:
        why = unsupported(pattern)
        if why:
            out.append(invalid(f"{path}.pattern", pattern,
                               f"must be a valid regular expression, but isn't: {why}"))
    return out


_NESTED_FORBIDDEN = (
    ("type", "must be empty to be structural"),
    ("additionalProperties", "must be undefined to be structural"),
    ("default", "must be undefined to be structural"),
    ("title", "must be empty to be structural"),
    ("description", "must be empty to be structural"),
    ("nullable", "must be false to be structural"),
    ("x-kubernetes-preserve-unknown-fields", "must be false to be structural"),
    ("x-kubernetes-embedded-resource", "must be false to be structural"),
    ("x-kubernetes-int-or-string", "must be false to be structural"),
    ("x-kubernetes-list-map-keys", "must be empty to be structural"),
    ("x-kubernetes-list-type", "must be undefined to be structural"),
    ("x-kubernetes-map-type", "must be undefined to be structural"),
    ("x-kubernetes-validations", "must be empty to be structural"),
)


def _nested(v: Raw, level: str, path: str, *, skip_any_of: bool = False) -> list[Cause]:
    """A schema inside allOf/anyOf/oneOf/not: value validations only."""
    out = _value_validation(v, level, path, skip_any_of=skip_any_of, skip_first_all_of=False)
    if isinstance(v.get("items"), Mapping):
        out.extend(_nested(v["items"], level, f"{path}.items"))
    for k, sub in _props(v):
        out.extend(_nested(sub, "field", f"{path}.properties[{k}]"))
    for key, detail in _NESTED_FORBIDDEN:
        if not _zero(v.get(key)) or (key == "additionalProperties" and key in v):
            out.append(forbidden(f"{path}.{key}", detail))
    if any(k == "metadata" for k, _ in _props(v)):
        out.append(forbidden(f"{path}.properties[metadata]",
                             "must not be specified in a nested context"))
    return out


def _completeness(s: Raw, path: str) -> list[Cause]:
    """Value validations may only name fields the structural schema defines (root only,
    as upstream checks it)."""
    out: list[Cause] = []
    for key in ("not", "allOf", "anyOf", "oneOf"):
        subs = [s["not"]] if key == "not" and isinstance(s.get("not"), Mapping) else \
            _schemas(s.get(key)) if key != "not" else []
        for i, v in enumerate(subs):
            at = f"{path}.not" if key == "not" else f"{path}.{key}[{i}]"
            out.extend(_complete(v, s, path, at))
    return out


def _complete(v: Raw, s: Raw | None, s_path: str, v_path: str) -> list[Cause]:
    if s is None:
        return [required(s_path, f"because it is defined in {v_path}")]
    out = _completeness_value(v, s, s_path, v_path)
    if isinstance(v.get("items"), Mapping):
        items = s.get("items")
        out.extend(_complete(v["items"], items if isinstance(items, Mapping) else None,
                             f"{s_path}.items", f"{v_path}.items"))
    s_props = dict(_props(s))
    for k, sub in _props(v):
        if k not in s_props:
            out.append(required(f"{s_path}.properties[{k}]",
                                f"because it is defined in {v_path}.properties[{k}]"))
        else:
            out.extend(_complete(sub, s_props[k], f"{s_path}.properties[{k}]",
                                 f"{v_path}.properties[{k}]"))
    return out


def _completeness_value(v: Raw, s: Raw, s_path: str, v_path: str) -> list[Cause]:
    out: list[Cause] = []
    if isinstance(v.get("not"), Mapping):
        out.extend(_complete(v["not"], s, s_path, f"{v_path}.not"))
    for key in ("allOf", "anyOf", "oneOf"):
        for i, sub in enumerate(_schemas(v.get(key))):
            out.extend(_complete(sub, s, s_path, f"{v_path}.{key}[{i}]"))
    return out


# -- defaults -----------------------------------------------------------------------------

def _defaults(s: Raw, node: Node, path: str, *, inside_meta: bool, root: bool) -> list[Cause]:
    """Every default must be pruned already, and valid against its own schema."""
    out: list[Cause] = []
    embedded = root or node.embedded
    if "default" in s and s["default"] is not None and not inside_meta:
        value = s["default"]
        at = f"{path}.default"
        if not _same(prune(copy_json(value), node, root=node.embedded), value):
            out.append(invalid(at, value, "must not have unknown fields"))
        found = embedded_causes(value, node, at)
        out.extend(found or validate_value(node, value, base=at))
    items = s.get("items")
    if isinstance(items, Mapping) and node.items is not None:
        out.extend(_defaults(items, node.items, f"{path}.items", inside_meta=inside_meta,
                             root=False))
    for k, sub in _props(s):
        child = node.properties.get(k)
        if child is not None:
            meta = inside_meta or (embedded and k in _META)
            out.extend(_defaults(sub, child, f"{path}.properties[{k}]", inside_meta=meta,
                                 root=False))
    return out


# -- OpenAPI features and Kubernetes extensions -------------------------------------------

def _openapi(s: Raw, path: str, *, allow_defaults: bool, reason: str, in_meta: bool,
             root: bool) -> list[Cause]:
    out = _standard(s, path, allow_defaults=allow_defaults, reason=reason, in_meta=in_meta)
    if s.get("uniqueItems") is True:
        out.append(forbidden(f"{path}.uniqueItems", "uniqueItems cannot be set to true since "
                                                    "the runtime complexity becomes quadratic"))
    additional = s.get("additionalProperties")
    has_props = bool(dict(_props(s)))
    if additional is not None:
        if has_props and (additional is False or isinstance(additional, Mapping)):
            out.append(forbidden(f"{path}.additionalProperties",
                                 "additionalProperties and properties are mutual exclusive"))
        if isinstance(additional, Mapping):
            sub_reason = "inside additionalProperties applying to object metadata"
            out.extend(_openapi(additional, f"{path}.additionalProperties",
                                allow_defaults=allow_defaults and not in_meta,
                                reason=sub_reason if in_meta else reason, in_meta=in_meta,
                                root=False))
    embedded = s.get("x-kubernetes-embedded-resource") is True
    for k, sub in _props(s):
        sub_allow, sub_reason, sub_meta = allow_defaults, reason, in_meta
        if (root or embedded) and k in _META:
            sub_meta = True
            if root:
                sub_allow, sub_reason = False, f"in top-level {k}"
        out.extend(_openapi(sub, f"{path}.properties[{k}]", allow_defaults=sub_allow,
                            reason=sub_reason, in_meta=sub_meta, root=False))
    nested = [(s["not"], f"{path}.not")] if isinstance(s.get("not"), Mapping) else []
    for key in ("allOf", "oneOf", "anyOf"):
        nested.extend((v, f"{path}.{key}[{i}]") for i, v in enumerate(_schemas(s.get(key))))
    items = s.get("items")
    if isinstance(items, Mapping):
        nested.append((items, f"{path}.items"))
    elif isinstance(items, list):
        nested.extend((v, f"{path}.items[{i}]") for i, v in enumerate(_schemas(items)))
    for sub, at in nested:
        out.extend(_openapi(sub, at, allow_defaults=allow_defaults, reason=reason,
                            in_meta=in_meta, root=False))
    out.extend(extension_causes(s, path))
    return out


def _standard(s: Raw, path: str, *, allow_defaults: bool, reason: str,
              in_meta: bool) -> list[Cause]:
    out: list[Cause] = []
    kind = s.get("type")
    if isinstance(kind, str) and kind and kind not in TYPES:
        out.append(not_supported(f"{path}.type", kind, TYPES))
    if "default" in s and s["default"] is not None and not allow_defaults:
        out.append(forbidden(f"{path}.default", f"must not be set {reason}".rstrip()))
    for key, detail in (("id", "id is not supported"),
                        ("additionalItems", "additionalItems is not supported"),
                        ("patternProperties", "patternProperties is not supported"),
                        ("definitions", "definitions is not supported"),
                        ("dependencies", "dependencies is not supported"),
                        ("$ref", "$ref is not supported")):
        if not _zero(s.get(key)) or (key in ("additionalItems", "dependencies") and key in s):
            out.append(forbidden(f"{path}.{key}", detail))
    if kind == "null":
        out.append(forbidden(f"{path}.type",
                             "type cannot be set to null, use nullable as an alternative"))
    if isinstance(s.get("items"), list) and s["items"]:
        out.append(forbidden(f"{path}.items", "items must be a schema object and not an array"))
    if in_meta and s.get("x-kubernetes-embedded-resource") is True:
        out.append(forbidden(f"{path}.x-kubernetes-embedded-resource",
                             "must not be used inside of resource meta"))
    return out

