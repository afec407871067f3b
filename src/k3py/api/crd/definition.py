"""Validation and defaults of ``apiextensions.k8s.io/v1`` CustomResourceDefinitions, as
kube-apiserver 1.33 applies them.

Upstream validates the internal form of a CRD, into which v1 converts with one twist that
shows in error paths: per-version ``schema``, ``subresources``, ``additionalPrinterColumns``
and ``selectableFields`` that are identical in every version move to the top level. So a
single-version CRD's schema errors read ``spec.validation.openAPIV3Schema...`` and its
column errors ``spec.additionalPrinterColumns[0]...``; this module reports the same paths.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from k3py.api.crd.render import invalid, not_supported, required
from k3py.api.crd.schemacheck import schema_causes
from k3py.api.crd.specparts import (
    columns_causes,
    conversion_causes,
    names_causes,
    selectable_causes,
    subresources_causes,
    versions_value,
)
from k3py.api.defaulting.others import custom_resource_definition
from k3py.api.gorender import go_string_list
from k3py.api.validators import meta as meta_rules
from k3py.api.validators import names
from k3py.api.validators.errors import Cause, as_dict, as_list, as_str, dedupe

Obj = Mapping[str, Any]
_HOISTED = ("schema", "subresources", "additionalPrinterColumns", "selectableFields")
APPROVAL = "api-approved.kubernetes.io"


def crd_defaults(crd: Obj) -> dict[str, Any]:
    """The CRD with upstream's v1 defaults (``names.singular`` = lowercase kind,
    ``names.listKind`` = kind + "List", ``conversion.strategy: None``, webhook service port
    443) and, as the CRD strategy adds on create and update, the storage version appended
    to ``status.storedVersions``. Call it after the status has been reset (create) or taken
    from the stored CRD (update)."""
    out = custom_resource_definition(dict(crd))
    storage = next((as_str(v.get("name")) for v in _versions(as_dict(out.get("spec")))
                    if v.get("storage") is True), None)
    status = as_dict(out.get("status"))
    stored = [as_str(v) for v in as_list(status.get("storedVersions"))]
    if storage is not None and storage not in stored:
        out["status"] = {**status, "storedVersions": [*stored, storage]}
    return out


def _versions(spec: Obj) -> list[dict[str, Any]]:
    return [v if isinstance(v, dict) else {} for v in as_list(spec.get("versions"))]


def _hoisted(versions: list[dict[str, Any]]) -> dict[str, bool]:
    """Which per-version fields the v1 -> internal conversion moves to the top level."""
    out = {}
    for key in _HOISTED:
        first = versions[0].get(key) if versions else None
        out[key] = bool(versions) and all(_empty_equal(v.get(key), first) for v in versions)
    return out


def _empty_equal(a: Any, b: Any) -> bool:
    return (a or None) == (b or None)


def _crd_name_fn(spec: Obj) -> names.NameFn:
    wanted = f"{as_str(as_dict(spec.get('names')).get('plural'))}.{as_str(spec.get('group'))}"

    def check(name: str, prefix: bool) -> list[str]:
        errs = names.name_is_dns_subdomain(name, prefix)
        if name != wanted:
            errs.append('must be spec.names.plural+"."+spec.group')
        return errs

    return check


def validate_crd(crd: Obj, old: Obj | None = None) -> list[Cause]:
    """Why ``crd`` (defaults applied, ``status.storedVersions`` set as the strategy sets
    it) may not be created, or replace ``old``; empty when it may."""
    spec, status = as_dict(crd.get("spec")), as_dict(crd.get("status"))
    metadata = as_dict(crd.get("metadata"))
    if old is None:
        causes = meta_rules.validate_object_meta(metadata, namespaced=False,
                                                 name_fn=_crd_name_fn(spec),
                                                 kube_finalizers=False)
    else:
        causes = meta_rules.validate_object_meta_update(
            metadata, as_dict(old.get("metadata")), kube_finalizers=False)
    causes.extend(_spec(spec))
    if old is not None:
        old_spec = as_dict(old.get("spec"))
        for path, new, was in (("spec.group", spec.get("group"), old_spec.get("group")),
                               ("spec.names.plural", as_dict(spec.get("names")).get("plural"),
                                as_dict(old_spec.get("names")).get("plural"))):
            if new != was:
                causes.append(invalid(path, as_str(new), "field is immutable"))
    causes.extend(names_causes(as_dict(status.get("acceptedNames")), "status.acceptedNames"))
    causes.extend(_stored_versions(status, _versions(spec)))
    causes.extend(_approval(crd, old))
    old_preserve = old is not None and as_dict(old.get("spec")).get("preserveUnknownFields")
    if spec.get("preserveUnknownFields") is True and not old_preserve:
        causes.append(invalid("spec.preserveUnknownFields", True, "cannot set to true, set "
                              "x-kubernetes-preserve-unknown-fields to true in "
                              "spec.versions[*].schema instead"))
    return dedupe(causes)


def _spec(spec: Obj) -> list[Cause]:
    causes: list[Cause] = []
    group = as_str(spec.get("group"))
    if not group:
        causes.append(required("spec.group"))
    elif names.dns1123_subdomain(group):
        causes.append(invalid("spec.group", group, ",".join(names.dns1123_subdomain(group))))
    elif "." not in group:
        causes.append(invalid("spec.group", group, "should be a domain with at least one dot"))
    scope = as_str(spec.get("scope"))
    if not scope:
        causes.append(required("spec.scope"))
    elif scope not in ("Cluster", "Namespaced"):
        causes.append(not_supported("spec.scope", scope, ["Cluster", "Namespaced"]))
    versions = _versions(spec)
    hoisted = _hoisted(versions)
    preserve = spec.get("preserveUnknownFields") is True
    top_schema = as_dict(as_dict(versions[0].get("schema")).get("openAPIV3Schema")) \
        if versions and hoisted["schema"] else {}
    if not top_schema:
        causes.extend(required(f"spec.versions[{i}].schema.openAPIV3Schema")
                      for i, v in enumerate(versions)
                      if not as_dict(as_dict(v.get("schema")).get("openAPIV3Schema")))
    if preserve and any(_has_default(as_dict(v.get("schema")).get("openAPIV3Schema"))
                        for v in versions):
        causes.append(invalid("spec.preserveUnknownFields", True,
                              "must be false in order to use defaults in the schema"))
    causes.extend(_each_version(versions, hoisted, preserve))
    version_names = [as_str(v.get("name")) for v in versions]
    if len(set(version_names)) != len(version_names):
        causes.append(invalid("spec.versions", versions_value(versions, hoisted),
                              "must contain unique version names"))
    if sum(1 for v in versions if v.get("storage") is True) != 1:
        causes.append(invalid("spec.versions", versions_value(versions, hoisted),
                              "must have exactly one version marked as storage version"))
    spec_names = as_dict(spec.get("names"))
    for key in ("plural", "singular", "kind", "listKind"):
        if not as_str(spec_names.get(key)):
            causes.append(required(f"spec.names.{key}"))
    causes.extend(names_causes(spec_names, "spec.names"))
    first = versions[0] if versions else {}
    if top_schema:
        causes.extend(schema_causes(top_schema, "spec.validation.openAPIV3Schema",
                                    status_enabled=_any_status(versions),
                                    structural=_structural(preserve, versions)))
    if hoisted["subresources"]:
        causes.extend(subresources_causes(as_dict(first.get("subresources")),
                                          "spec.subresources"))
    if hoisted["additionalPrinterColumns"]:
        causes.extend(columns_causes(first.get("additionalPrinterColumns"),
                                     "spec.additionalPrinterColumns"))
    if hoisted["selectableFields"] and first.get("selectableFields"):
        causes.extend(selectable_causes(first.get("selectableFields"), top_schema or None,
                                        "spec.selectableFields", top=True))
    conversion = as_dict(spec.get("conversion"))
    if conversion.get("strategy") not in (None, "None") and preserve:
        causes.append(invalid("spec.conversion.strategy", conversion.get("strategy"),
                              "must be None if spec.preserveUnknownFields is true"))
    if "conversion" in spec:
        causes.extend(conversion_causes(conversion, "spec.conversion"))
    return causes


def _nodes(schema: Any) -> Iterator[Mapping[str, Any]]:
    """Every schema node: the root, properties, items, additionalProperties, compositions."""
    if not isinstance(schema, Mapping):
        return
    yield schema
    for key in ("properties", "patternProperties", "definitions"):
        for sub in _mapping(schema.get(key)).values():
            yield from _nodes(sub)
    for key in ("items", "additionalProperties", "not", "additionalItems"):
        yield from _nodes(schema.get(key))
    for key in ("allOf", "anyOf", "oneOf", "items"):
        for sub in as_list(schema.get(key)):
            yield from _nodes(sub)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _has_default(schema: Any) -> bool:
    return any(node.get("default") is not None for node in _nodes(schema))


def _structural(preserve: bool, versions: list[dict[str, Any]]) -> bool:
    """Whether the schemas must be structural: always, unless the CRD preserves unknown
    fields without using defaults or Kubernetes extensions."""
    schemas = [as_dict(v.get("schema")).get("openAPIV3Schema") for v in versions]
    return not preserve or any(
        node.get("default") is not None or any(k.startswith("x-kubernetes-") for k in node)
        for schema in schemas for node in _nodes(schema))


def _any_status(versions: list[dict[str, Any]]) -> bool:
    return any("status" in as_dict(v.get("subresources")) for v in versions)


def _each_version(versions: list[dict[str, Any]], hoisted: dict[str, bool],
                  preserve: bool) -> list[Cause]:
    causes: list[Cause] = []
    for i, version in enumerate(versions):
        at = f"spec.versions[{i}]"
        name = as_str(version.get("name"))
        errs = names.dns1035_label(name)
        if errs:
            causes.append(invalid(f"{at}.name", name, ",".join(errs)))
        warning = version.get("deprecationWarning")
        if warning is not None:
            causes.extend(invalid(f"{at}.deprecationWarning", warning, why)
                          for why in _deprecation_problems(version, as_str(warning)))
        subresources = as_dict(version.get("subresources"))
        schema = as_dict(as_dict(version.get("schema")).get("openAPIV3Schema"))
        if not hoisted["schema"] and schema:
            causes.extend(schema_causes(schema, f"{at}.schema.openAPIV3Schema",
                                        status_enabled="status" in subresources,
                                        structural=_structural(preserve, versions)))
        if not hoisted["subresources"]:
            causes.extend(subresources_causes(subresources, f"{at}.subresources"))
        if not hoisted["additionalPrinterColumns"]:
            causes.extend(columns_causes(version.get("additionalPrinterColumns"),
                                         f"{at}.additionalPrinterColumns"))
        if not hoisted["selectableFields"] and version.get("selectableFields"):
            if hoisted["schema"]:
                schema = as_dict(as_dict(versions[0].get("schema")).get("openAPIV3Schema"))
            causes.extend(selectable_causes(version.get("selectableFields"), schema or None,
                                            f"{at}.selectableFields", top=False))
    return causes


def _deprecation_problems(version: Obj, warning: str) -> list[str]:
    if version.get("deprecated") is not True:
        return ["can only be set for deprecated versions"]
    problems = []
    if len(warning.encode()) > 256:
        problems.append("must be <= 256 characters long")
    if not warning:
        problems.append("must not be an empty string")
    for i, ch in enumerate(warning):
        if not ch.isprintable():
            problems.append("must only contain printable UTF-8 characters; non-printable "
                            f"character found at index {len(warning[:i].encode())}")
            break
    return problems


def _stored_versions(status: Obj, versions: list[dict[str, Any]]) -> list[Cause]:
    path = "status.storedVersions"
    stored = [as_str(v) for v in as_list(status.get("storedVersions"))]
    if not stored:
        return [invalid(path, go_string_list(stored or None),
                        "must have at least one stored version")]
    causes = []
    remaining = {v: i for i, v in enumerate(stored)}
    for version in versions:
        name = as_str(version.get("name"))
        if version.get("storage") is True and name not in remaining and name not in stored:
            causes.append(invalid(path, go_string_list(stored),
                                  f"must have the storage version {name}"))
        remaining.pop(name, None)
    for name, i in sorted(remaining.items(), key=lambda item: item[1]):
        causes.append(invalid(f"{path}[{i}]", name, (
            f"missing from spec.versions; {name} was previously a storage version, and must "
            f"remain in spec.versions until a storage migration ensures no data remains "
            f"persisted in {name} and removes {name} from status.storedVersions")))
    return causes


def _approval_state(annotations: Obj) -> tuple[str, str]:
    value = as_str(annotations.get(APPROVAL))
    if not value:
        return "missing", (f'protected groups must have approval annotation "{APPROVAL}", see '
                           "https://github.com/kubernetes/enhancements/pull/1111")
    if value.startswith("unapproved"):
        return "bypassed", f'not approved: "{value}"'
    scheme, sep, rest = value.partition("://")
    if sep and scheme and rest.split("/", 1)[0]:
        return "approved", f"approved in {value}"
    return "invalid", (f'protected groups must have approval annotation "{APPROVAL}" with '
                       'either a URL or a reason starting with "unapproved", see '
                       "https://github.com/kubernetes/enhancements/pull/1111")


def _approval(crd: Obj, old: Obj | None) -> list[Cause]:
    """CRDs in the k8s.io and kubernetes.io groups need the API-approval annotation."""
    group = as_str(as_dict(crd.get("spec")).get("group"))
    if not any(group == g or group.endswith("." + g) for g in ("k8s.io", "kubernetes.io")):
        return []
    annotations = as_dict(as_dict(crd.get("metadata")).get("annotations"))
    state, reason = _approval_state(annotations)
    if old is not None:
        old_state, _ = _approval_state(as_dict(as_dict(old.get("metadata")).get("annotations")))
        if old_state == state:
            return []
    path = f"metadata.annotations[{APPROVAL}]"
    if state == "missing":
        return [required(path, reason)]
    if state == "invalid":
        return [invalid(path, as_str(annotations.get(APPROVAL)), reason)]
    return []
