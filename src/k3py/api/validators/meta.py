"""ObjectMeta, labels, annotations and label selectors, as apimachinery validates them on
create and on update. Keys are visited in sorted order (Go visits maps randomly)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from k3py.api.gorender import Rendered, go_string_list, go_time
from k3py.api.validators import names
from k3py.api.validators.errors import (
    IMMUTABLE,
    Cause,
    Obj,
    as_dict,
    as_list,
    as_str,
    child,
    forbidden,
    invalid,
    nonnegative,
    objects,
    required,
    too_long,
)

TOTAL_ANNOTATION_SIZE = 256 * 1024
STANDARD_FINALIZERS = frozenset({"kubernetes", "orphan", "foregroundDeletion"})
_OPERATORS = ("In", "NotIn", "Exists", "DoesNotExist")


def validate_labels(labels: Any, path: str) -> list[Cause]:
    causes: list[Cause] = []
    if not isinstance(labels, dict):
        return causes
    for key in sorted(labels):
        causes.extend(invalid(path, key, m) for m in names.qualified_name(str(key)))
        value = labels[key]
        causes.extend(invalid(path, value, m) for m in names.label_value(as_str(value)))
    return causes


def validate_annotations(annotations: Any, path: str) -> list[Cause]:
    causes: list[Cause] = []
    if not isinstance(annotations, dict):
        return causes
    total = 0
    for key in sorted(annotations):
        causes.extend(invalid(path, key, m) for m in names.qualified_name(str(key).lower()))
        total += names.blen(str(key)) + names.blen(as_str(annotations[key]))
    if total > TOTAL_ANNOTATION_SIZE:
        causes.append(too_long(path, TOTAL_ANNOTATION_SIZE))
    return causes


def _kube_finalizer(name: str, path: str) -> list[Cause]:
    if "/" not in name and name not in STANDARD_FINALIZERS:
        return [invalid(path, name, "name is neither a standard finalizer name nor is it fully "
                                    "qualified")]
    return []


def validate_finalizer_name(name: str, path: str) -> list[Cause]:
    causes = [invalid(path, name, m) for m in names.qualified_name(name)]
    return causes + _kube_finalizer(name, path)


def _owner_references(refs: Any, path: str) -> list[Cause]:
    causes: list[Cause] = []
    controller = ""
    for _, ref in objects(refs):
        api_version = as_str(ref.get("apiVersion"))
        kind = as_str(ref.get("kind"))
        parts = api_version.split("/")
        version = "" if len(parts) > 2 else parts[-1]
        if not version:
            causes.append(invalid(child(path, "apiVersion"), api_version,
                                  "version must not be empty"))
        if not kind:
            causes.append(invalid(child(path, "kind"), kind, "kind must not be empty"))
        if not ref.get("name"):
            causes.append(invalid(child(path, "name"), as_str(ref.get("name")),
                                  "name must not be empty"))
        if not ref.get("uid"):
            causes.append(invalid(child(path, "uid"), as_str(ref.get("uid")),
                                  "uid must not be empty"))
        if api_version == "v1" and kind == "Event":
            causes.append(invalid(path, ref, "/v1, Kind=Event is disallowed from being an owner"))
        if ref.get("controller") is True:
            current = f"{kind}/{ref.get('name', '')}"
            if controller:
                causes.append(invalid(path, refs, "Only one reference can have Controller set to "
                                      f'true. Found "true" in references for {controller} and '
                                      f"{current}"))
            else:
                controller = current
    return causes


def _finalizers(finalizers: Any, path: str, *, kube: bool) -> list[Cause]:
    causes: list[Cause] = []
    items = [f for f in as_list(finalizers) if isinstance(f, str)]
    for name in items:
        causes.extend(invalid(path, name, m) for m in names.qualified_name(name))
    if "orphan" in items and "foregroundDeletion" in items:
        causes.append(invalid(path, Rendered(go_string_list(items)),
                              "finalizer orphan and foregroundDeletion cannot be both set"))
    if kube:
        for i, name in enumerate(items):
            causes.extend(_kube_finalizer(name, f"{path}[{i}]"))
    return causes


def _managed_fields(entries: Any, path: str) -> list[Cause]:
    causes: list[Cause] = []
    for i, entry in objects(entries):
        at = f"{path}[{i}]"
        operation = as_str(entry.get("operation"))
        if operation not in ("Apply", "Update"):
            causes.append(invalid(child(at, "operation"), operation, "must be `Apply` or `Update`"))
        fields_type = as_str(entry.get("fieldsType"))
        if fields_type and fields_type != "FieldsV1":
            causes.append(invalid(child(at, "fieldsType"), fields_type, "must be `FieldsV1`"))
    return causes


def validate_object_meta(meta: Obj, *, namespaced: bool, name_fn: names.NameFn,
                         path: str = "metadata", kube_finalizers: bool = True) -> list[Cause]:
    """``ValidateObjectMeta``; ``kube_finalizers`` adds the rule of core's wrapper that
    unqualified finalizer names must be standard ones."""
    causes: list[Cause] = []
    generate_name = as_str(meta.get("generateName"))
    if generate_name:
        causes.extend(invalid(child(path, "generateName"), generate_name, m)
                      for m in name_fn(generate_name, True))
    name = as_str(meta.get("name"))
    if not name:
        causes.append(required(child(path, "name"), "name or generateName is required"))
    else:
        causes.extend(invalid(child(path, "name"), name, m) for m in name_fn(name, False))
    namespace = as_str(meta.get("namespace"))
    if namespaced:
        if not namespace:
            causes.append(required(child(path, "namespace")))
        else:
            causes.extend(invalid(child(path, "namespace"), namespace, m)
                          for m in names.name_is_dns_label(namespace, False))
    elif namespace:
        causes.append(forbidden(child(path, "namespace"), "not allowed on this type"))
    causes.extend(nonnegative(child(path, "generation"), meta.get("generation")))
    causes.extend(validate_labels(meta.get("labels"), child(path, "labels")))
    causes.extend(validate_annotations(meta.get("annotations"), child(path, "annotations")))
    causes.extend(_owner_references(meta.get("ownerReferences"), child(path, "ownerReferences")))
    causes.extend(_finalizers(meta.get("finalizers"), child(path, "finalizers"),
                              kube=kube_finalizers))
    causes.extend(_managed_fields(meta.get("managedFields"), child(path, "managedFields")))
    return causes


def _strings(value: Any) -> set[str]:
    return {v for v in as_list(value) if isinstance(v, str)}


def validate_object_meta_update(new: Obj, old: Obj, *, path: str = "metadata",
                                kube_finalizers: bool = True) -> list[Cause]:
    """``ValidateObjectMetaUpdate``: identity fields may not change; rv must be given."""
    causes: list[Cause] = []
    if old.get("deletionTimestamp"):
        added = sorted(_strings(new.get("finalizers")) - _strings(old.get("finalizers")))
        if added:
            causes.append(forbidden(child(path, "finalizers"),
                                    "no new finalizers can be added if the object is being "
                                    f"deleted, found new finalizers {go_string_list(added)}"))
    if not new.get("resourceVersion"):
        causes.append(invalid(child(path, "resourceVersion"), as_str(new.get("resourceVersion")),
                              "must be specified for an update"))
    new_gen, old_gen = new.get("generation") or 0, old.get("generation") or 0
    if isinstance(new_gen, int) and isinstance(old_gen, int) and new_gen < old_gen:
        causes.append(invalid(child(path, "generation"), new_gen, "must not be decremented"))
    for key in ("name", "namespace", "uid"):
        if as_str(new.get(key)) != as_str(old.get(key)):
            causes.append(invalid(child(path, key), as_str(new.get(key)), IMMUTABLE))
    for key in ("creationTimestamp", "deletionTimestamp"):
        if new.get(key) != old.get(key):
            causes.append(invalid(child(path, key), go_time(new.get(key)), IMMUTABLE))
    if new.get("deletionGracePeriodSeconds") != old.get("deletionGracePeriodSeconds"):
        causes.append(invalid(child(path, "deletionGracePeriodSeconds"),
                              new.get("deletionGracePeriodSeconds"), IMMUTABLE))
    causes.extend(validate_labels(new.get("labels"), child(path, "labels")))
    causes.extend(validate_annotations(new.get("annotations"), child(path, "annotations")))
    causes.extend(_owner_references(new.get("ownerReferences"), child(path, "ownerReferences")))
    causes.extend(_managed_fields(new.get("managedFields"), child(path, "managedFields")))
    for i, name in enumerate(as_list(new.get("finalizers")) if kube_finalizers else ()):
        if isinstance(name, str):
            causes.extend(_kube_finalizer(name, f"{path}.finalizers[{i}]"))
    return causes


def validate_label_selector(selector: Any, path: str, *,
                            allow_invalid_values: bool = False) -> list[Cause]:
    """``ValidateLabelSelector``: keys are qualified names, operators known, values sane."""
    if not isinstance(selector, dict):
        return []
    causes = validate_labels(selector.get("matchLabels"), child(path, "matchLabels"))
    for i, expr in objects(selector.get("matchExpressions")):
        at = f"{path}.matchExpressions[{i}]"
        operator = as_str(expr.get("operator"))
        values = as_list(expr.get("values"))
        if operator in ("In", "NotIn"):
            if not values:
                causes.append(required(child(at, "values"),
                                       "must be specified when `operator` is 'In' or 'NotIn'"))
        elif operator in ("Exists", "DoesNotExist"):
            if values:
                causes.append(forbidden(child(at, "values"), "may not be specified when "
                                        "`operator` is 'Exists' or 'DoesNotExist'"))
        else:
            causes.append(invalid(child(at, "operator"), operator, "not a valid selector operator"))
        key = as_str(expr.get("key"))
        causes.extend(invalid(child(at, "key"), key, m) for m in names.qualified_name(key))
        if not allow_invalid_values:
            for j, value in enumerate(values):
                causes.extend(invalid(f"{at}.values[{j}]", value, m)
                              for m in names.label_value(as_str(value)))
    return causes


def selector_is_empty(selector: Any) -> bool:
    """``Selector.Empty()``: true for ``{}`` (selects everything), false for a missing
    selector (``LabelSelectorAsSelector(nil)`` selects nothing)."""
    if selector is None:
        return False
    selector = as_dict(selector)
    return not selector.get("matchLabels") and not selector.get("matchExpressions")


def selector_convertible(selector: Any) -> bool:
    """Whether ``LabelSelectorAsSelector`` accepts it (nil and empty selectors do)."""
    if selector is None:
        return True
    if not isinstance(selector, dict):
        return False
    for key, value in as_dict(selector.get("matchLabels")).items():
        if names.qualified_name(str(key)) or names.label_value(as_str(value)):
            return False
    for _, expr in objects(selector.get("matchExpressions")):
        operator, values = expr.get("operator"), as_list(expr.get("values"))
        if operator not in _OPERATORS or names.qualified_name(as_str(expr.get("key"))):
            return False
        if (operator in ("In", "NotIn")) != bool(values):
            return False
        if any(names.label_value(as_str(v)) for v in values):
            return False
    return True


def selector_matches(selector: Any, labels: Mapping[str, Any] | None) -> bool:
    """Whether a (convertible) LabelSelector selects an object with ``labels``; a missing
    selector selects nothing."""
    if selector is None:
        return False
    selector = as_dict(selector)
    labels = labels if isinstance(labels, Mapping) else {}
    for label, value in as_dict(selector.get("matchLabels")).items():
        if labels.get(label) != value:
            return False
    for _, expr in objects(selector.get("matchExpressions")):
        key, operator = as_str(expr.get("key")), expr.get("operator")
        values = as_list(expr.get("values"))
        present = key in labels
        if operator == "In" and not (present and labels[key] in values):
            return False
        if operator == "NotIn" and present and labels[key] in values:
            return False
        if operator == "Exists" and not present:
            return False
        if operator == "DoesNotExist" and present:
            return False
    return True
