"""The smaller parts of a CRD spec, validated as apiextensions does: names, printer columns,
subresources, selectable fields and conversion (internal field names in the paths, e.g.
``spec.conversion.webhookClientConfig``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from k3py.api.crd.render import duplicate, forbidden, invalid, not_supported, required, too_many
from k3py.api.gorender import Rendered, go_quote
from k3py.api.validators import names
from k3py.api.validators.errors import Cause, as_dict, as_list, as_str

COLUMN_TYPES = ["boolean", "date", "integer", "number", "string"]
COLUMN_FORMATS = ["byte", "date", "date-time", "double", "float", "int32", "int64", "password"]
MAX_SELECTABLE_FIELDS = 8
_REVIEW_VERSIONS = ("v1", "v1beta1")
_URL_FORM = "; desired format: https://host[/path]"


def names_causes(spec_names: Mapping[str, Any], path: str) -> list[Cause]:
    """``ValidateCustomResourceDefinitionNames`` (emptiness is checked by the caller)."""
    causes: list[Cause] = []
    for key in ("plural", "singular"):
        value = as_str(spec_names.get(key))
        if value and names.dns1035_label(value):
            causes.append(invalid(f"{path}.{key}", value, ",".join(names.dns1035_label(value))))
    for key in ("kind", "listKind"):
        value = as_str(spec_names.get(key))
        errs = names.dns1035_label(value.lower()) if value else []
        if errs:
            causes.append(invalid(f"{path}.{key}", value, "may have mixed case, but should "
                                  "otherwise match: " + ",".join(errs)))
    causes.extend(_labels(spec_names.get("shortNames"), f"{path}.shortNames"))
    kind = as_str(spec_names.get("kind"))
    if kind and kind == spec_names.get("listKind"):
        causes.append(invalid(f"{path}.listKind", kind, "kind and listKind may not be the same"))
    causes.extend(_labels(spec_names.get("categories"), f"{path}.categories"))
    return causes


def _labels(values: Any, path: str) -> list[Cause]:
    causes = []
    for i, value in enumerate(as_list(values)):
        errs = names.dns1035_label(as_str(value))
        if errs:
            causes.append(invalid(f"{path}[{i}]", as_str(value), ",".join(errs)))
    return causes


def simple_json_path(value: str, path: str) -> list[Cause]:
    if not value:
        return [invalid(path, value, "must not be empty")]
    if not value.startswith("."):
        return [invalid(path, value, "must be a simple json path starting with .")]
    return []


def columns_causes(columns: Any, path: str) -> list[Cause]:
    causes: list[Cause] = []
    for i, column in enumerate(as_list(columns)):
        col, at = as_dict(column), f"{path}[{i}]"
        if not as_str(col.get("name")):
            causes.append(required(f"{at}.name"))
        kind = as_str(col.get("type"))
        detail = "must be one of " + ",".join(COLUMN_TYPES)
        if not kind:
            causes.append(required(f"{at}.type", detail))
        elif kind not in COLUMN_TYPES:
            causes.append(invalid(f"{at}.type", kind, detail))
        fmt = as_str(col.get("format"))
        if fmt and fmt not in COLUMN_FORMATS:
            causes.append(invalid(f"{at}.format", fmt,
                                  "must be one of " + ",".join(COLUMN_FORMATS)))
        json_path = as_str(col.get("jsonPath"))
        if not json_path:
            causes.append(required(f"{at}.JSONPath"))
        else:
            causes.extend(simple_json_path(json_path, f"{at}.JSONPath"))
    return causes


def subresources_causes(subresources: Mapping[str, Any], path: str) -> list[Cause]:
    scale = subresources.get("scale")
    if not isinstance(scale, Mapping):
        return []
    causes: list[Cause] = []
    for key, under in (("specReplicasPath", (".spec.",)), ("statusReplicasPath", (".status.",))):
        value, at = as_str(scale.get(key)), f"{path}.scale.{key}"
        if not value:
            causes.append(required(at))
        else:
            errs = simple_json_path(value, at)
            causes.extend(errs)
            if not errs and not value.startswith(under):
                causes.append(invalid(at, value, f"should be a json path under {under[0][:-1]}"))
    selector = as_str(scale.get("labelSelectorPath"))
    if selector:
        at = f"{path}.scale.labelSelectorPath"
        errs = simple_json_path(selector, at)
        causes.extend(errs)
        if not errs and not selector.startswith((".spec.", ".status.")):
            causes.append(invalid(at, selector, "should be a json path under either .spec or "
                                                ".status"))
    return causes


def _field_schema(json_path: str, schema: Mapping[str, Any]) -> tuple[str, Any, str]:
    """cel.ValidFieldPath without array notation: (field path, schema found, error)."""
    tokens = json_path.replace(".", "\0.\0").replace("[", "\0[\0").split("\0")
    tokens = [t for t in tokens if t]
    node: Any = schema
    parts: list[str] = []
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token == "[":
            return "", None, "array notation is not allowed"
        if token != ".":
            return "", None, f"expected [ or . but got: {token}"
        if i + 1 >= len(tokens):
            return "", None, "unexpected end of JSON path"
        name = tokens[i + 1]
        props = node.get("properties") if isinstance(node, Mapping) else None
        if isinstance(props, Mapping):
            if name not in props:
                return "", None, "does not refer to a valid field"
            node = props[name]
            parts.append(name)
        elif isinstance(node, Mapping) and node.get("additionalProperties") is not None:
            node = node.get("additionalProperties")
            parts.append(f"[{name}]")
        else:
            return "", None, "does not refer to a valid field"
        i += 2
    return ".".join(parts).replace(".[", "["), node, ""


def selectable_causes(fields: Any, schema: Mapping[str, Any] | None, path: str, *,
                      top: bool) -> list[Cause]:
    if schema is None:
        if top:
            return [invalid(path, "", "may only be set when validations.schema is included")]
        return [invalid(path, "", "may only be set when `version.schema.openAPIV3Schema` is "
                                  "not included")]
    causes: list[Cause] = []
    unique: set[str] = set()
    for i, entry in enumerate(as_list(fields)):
        at = f"{path}[{i}].jsonPath"
        json_path = as_str(as_dict(entry).get("jsonPath"))
        if not json_path:
            causes.append(required(at))
            continue
        found, node, error = _field_schema(json_path, schema)
        if error:
            causes.append(invalid(at, json_path, f"is an invalid path: {error}"))
            continue
        if found.split(".")[0].split("[")[0] == "metadata":
            causes.append(invalid(at, json_path, "must not point to fields in metadata"))
        if as_dict(node).get("type") not in ("string", "boolean", "integer"):
            causes.append(invalid(at, json_path, "must point to a field of type string, boolean "
                                                 "or integer. Enum string fields and strings "
                                                 "with formats are allowed."))
        if found in unique:
            causes.append(duplicate(at, json_path))
        unique.add(found)
    if len(unique) > MAX_SELECTABLE_FIELDS:
        causes.append(too_many(path, len(unique), MAX_SELECTABLE_FIELDS))
    return causes


def _webhook_url(url: str, path: str) -> list[Cause]:
    try:
        parts = urlsplit(url)
    except ValueError as err:
        return [required(path, f"url must be a valid URL: {err}{_URL_FORM}")]
    causes = []
    if parts.scheme != "https":
        causes.append(invalid(path, parts.scheme, "'https' is the only allowed URL scheme" +
                              _URL_FORM))
    if not parts.netloc.rsplit("@", 1)[-1]:
        causes.append(invalid(path, "", "host must be specified" + _URL_FORM))
    if "@" in parts.netloc:
        causes.append(invalid(path, parts.netloc.rsplit("@", 1)[0],
                              "user information is not permitted in the URL"))
    if parts.fragment:
        causes.append(invalid(path, parts.fragment, "fragments are not permitted in the URL"))
    if parts.query:
        causes.append(invalid(path, parts.query, "query parameters are not permitted in the URL"))
    return causes


def _webhook_service(service: Mapping[str, Any], path: str) -> list[Cause]:
    causes = []
    if not as_str(service.get("name")):
        causes.append(required(f"{path}.name", "service name is required"))
    if not as_str(service.get("namespace")):
        causes.append(required(f"{path}.namespace", "service namespace is required"))
    port = service.get("port", 443)
    if not isinstance(port, int) or not 1 <= port <= 65535:
        causes.append(invalid(f"{path}.port", port, "port is not valid: must be between 1 and "
                                                    "65535, inclusive"))
    url_path = service.get("path")
    if not isinstance(url_path, str) or url_path in ("", "/"):
        return causes
    if url_path == "//":
        return [*causes, invalid(f"{path}.path", url_path, "segment[0] may not be empty")]
    if not url_path.startswith("/"):
        causes.append(invalid(f"{path}.path", url_path, "must start with a '/'"))
    steps = url_path[1:]
    steps = steps[:-1] if steps.endswith("/") else steps
    for i, step in enumerate(steps.split("/")):
        if not step:
            causes.append(invalid(f"{path}.path", url_path, f"segment[{i}] may not be empty"))
            continue
        causes.extend(invalid(f"{path}.path", url_path, f"segment[{i}]: {failure}")
                      for failure in names.dns1123_subdomain(step))
    return causes


def conversion_causes(conversion: Mapping[str, Any], path: str) -> list[Cause]:
    causes: list[Cause] = []
    strategy = as_str(conversion.get("strategy"))
    if not strategy:
        causes.append(required(f"{path}.strategy"))
    elif strategy not in ("None", "Webhook"):
        causes.append(not_supported(f"{path}.strategy", strategy, ["None", "Webhook"]))
    webhook = conversion.get("webhook")
    config = as_dict(webhook).get("clientConfig")
    versions = as_dict(webhook).get("conversionReviewVersions")
    if strategy != "Webhook":
        if isinstance(config, Mapping):
            causes.append(forbidden(f"{path}.webhookClientConfig",
                                    "should not be set when strategy is not set to Webhook"))
        if versions:
            causes.append(forbidden(f"{path}.conversionReviewVersions",
                                    "should not be set when strategy is not set to Webhook"))
        return causes
    at = f"{path}.webhookClientConfig"
    if not isinstance(config, Mapping):
        causes.append(required(at, "required when strategy is set to Webhook"))
    elif ("url" in config) == ("service" in config):
        causes.append(required(at, "exactly one of url or service is required"))
    elif "url" in config:
        causes.extend(_webhook_url(as_str(config.get("url")), f"{at}.url"))
    else:
        causes.extend(_webhook_service(as_dict(config.get("service")), f"{at}.service"))
    causes.extend(_review_versions(as_list(versions), f"{path}.conversionReviewVersions"))
    return causes


def _review_versions(versions: list[Any], path: str) -> list[Cause]:
    if not versions:
        return [required(path)]
    causes = []
    seen: set[str] = set()
    for i, version in enumerate(as_str(v) for v in versions):
        if version in seen:
            causes.append(invalid(f"{path}[{i}]", version, "duplicate version"))
            continue
        seen.add(version)
        causes.extend(invalid(f"{path}[{i}]", version, e) for e in names.dns1035_label(version))
    if not seen & set(_REVIEW_VERSIONS):
        shown = Rendered("[]string{" + ", ".join(go_quote(as_str(v)) for v in versions) + "}")
        causes.append(invalid(path, shown, "must include at least one of v1, v1beta1"))
    return causes


def versions_value(versions: list[dict[str, Any]], hoisted: Mapping[str, bool]) -> Rendered:
    """``%#v`` of the internal versions list (pointers shown as addresses, as Go does)."""
    def pointer(kind: str, present: bool) -> str:
        return f"(*{kind})(0xc000010000)" if present else f"(*{kind})(nil)"

    def one(v: Mapping[str, Any]) -> str:
        warning = v.get("deprecationWarning")
        columns = [] if hoisted.get("additionalPrinterColumns") else \
            as_list(v.get("additionalPrinterColumns"))
        fields = [] if hoisted.get("selectableFields") else as_list(v.get("selectableFields"))
        cols = "[]apiextensions.CustomResourceColumnDefinition(nil)" if not columns else (
            "[]apiextensions.CustomResourceColumnDefinition{" + ", ".join(
                "apiextensions.CustomResourceColumnDefinition{"
                f"Name:{go_quote(as_str(as_dict(c).get('name')))}, "
                f"Type:{go_quote(as_str(as_dict(c).get('type')))}, "
                f"Format:{go_quote(as_str(as_dict(c).get('format')))}, "
                f"Description:{go_quote(as_str(as_dict(c).get('description')))}, "
                f"Priority:{as_dict(c).get('priority') or 0}, "
                f"JSONPath:{go_quote(as_str(as_dict(c).get('jsonPath')))}}}" for c in columns)
            + "}")
        sel = "[]apiextensions.SelectableField(nil)" if not fields else (
            "[]apiextensions.SelectableField{" + ", ".join(
                f"apiextensions.SelectableField{{JSONPath:"
                f"{go_quote(as_str(as_dict(f).get('jsonPath')))}}}" for f in fields) + "}")
        flags = ", ".join(f"{k.capitalize()}:{'true' if v.get(k) is True else 'false'}"
                          for k in ("served", "storage", "deprecated"))
        schema = pointer("apiextensions.CustomResourceValidation", _own(v, "schema", hoisted))
        subresources = pointer("apiextensions.CustomResourceSubresources",
                               _own(v, "subresources", hoisted))
        return (f"apiextensions.CustomResourceDefinitionVersion{{Name:"
                f"{go_quote(as_str(v.get('name')))}, {flags}, DeprecationWarning:"
                f"{pointer('string', warning is not None)}, Schema:{schema}, "
                f"Subresources:{subresources}, AdditionalPrinterColumns:{cols}, "
                f"SelectableFields:{sel}}}")

    return Rendered("[]apiextensions.CustomResourceDefinitionVersion{" +
                    ", ".join(one(v) for v in versions) + "}")


def _own(version: Mapping[str, Any], key: str, hoisted: Mapping[str, bool]) -> bool:
    return not hoisted.get(key) and version.get(key) is not None
