"""Custom objects on create and update: what kube-apiserver's custom-resource handler and
strategy do between decoding a body and storing it.

:func:`prepare_custom_object` prunes unknown fields, applies schema defaults and validates
(TypeMeta, ObjectMeta with DNS-subdomain names, the schema, the scale paths, embedded
resources, list-type uniqueness), raising one 422 that names every problem. The status /
generation split and identity fields are :mod:`k3py.api.strategy`'s job, done before this.
``x-kubernetes-validations`` (CEL) rules are not enforced: :func:`validation_rules` lists
them so callers can say so.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from k3py.api import meta
from k3py.api.crd.compiled import Node, compile_schema
from k3py.api.crd.render import invalid
from k3py.api.crd.structural import apply_defaults, copy_json, embedded_causes, list_causes, prune
from k3py.api.crd.values import MISSING, validate_value
from k3py.api.gorender import go_syntax
from k3py.api.validators import meta as meta_rules
from k3py.api.validators import names
from k3py.api.validators.errors import Cause, as_dict, as_str, dedupe
from k3py.errors import InternalError

Schema = Mapping[str, Any] | Node | None
MAX_INT32 = 2**31 - 1


def _node(schema: Schema) -> Node | None:
    if schema is None or isinstance(schema, Node):
        return schema
    return compile_schema(schema)


def prepare_custom_object(obj: Mapping[str, Any], *, schema: Schema, kind: str, group: str,
                          old: Mapping[str, Any] | None = None, version: str | None = None,
                          namespaced: bool = True, scale: Mapping[str, Any] | None = None,
                          subresource: str | None = None) -> dict[str, Any]:
    """The object to store: a new dict, pruned, defaulted and validated.

    ``schema`` is the served version's ``openAPIV3Schema`` (or its :func:`compile_schema`
    result; None = ``preserveUnknownFields``: kept as sent, unchecked). ``old`` is the
    stored object an update replaces. ``version`` also checks apiVersion and kind;
    ``scale`` is the version's ``subresources.scale``; ``subresource="status"`` validates
    as a status update does (metadata rules and the status schema only). Raises the 422
    :class:`k3py.errors.Invalid` kubectl prints, with the kind and group given.
    """
    node = _node(schema)
    new: dict[str, Any] = prune(dict(obj), node, root=True) if node is not None else \
        copy_json(dict(obj))
    if node is not None:
        apply_defaults(new, node)
    causes = validate_custom_object(new, schema=node, kind=kind, group=group, old=old,
                                    version=version, namespaced=namespaced, scale=scale,
                                    subresource=subresource)
    if causes:
        name = as_str(as_dict(new.get("metadata")).get("name"))
        raise meta.invalid(kind, name, causes, group=group)
    return new


def unknown_fields(obj: Mapping[str, Any], *, schema: Schema) -> list[str]:
    """The paths pruning drops (``spec.foo``, ``metadata.bar``), sorted: what strict field
    validation reports as ``unknown field "spec.foo"`` for custom resources."""
    node = _node(schema)
    if node is None:
        return []
    found: list[str] = []
    prune(obj, node, root=True, unknown=found)
    return sorted(found)


def validate_custom_object(obj: Mapping[str, Any], *, schema: Schema, kind: str, group: str,
                           old: Mapping[str, Any] | None = None, version: str | None = None,
                           namespaced: bool = True, scale: Mapping[str, Any] | None = None,
                           subresource: str | None = None) -> list[Cause]:
    """The causes :func:`prepare_custom_object` raises, for an already pruned and
    defaulted object, in upstream's order."""
    node = _node(schema)
    if version is not None:
        causes = _type_meta(obj, kind=kind, api_version=f"{group}/{version}")
        if causes:
            return causes
    new_meta = as_dict(obj.get("metadata"))
    if old is None:
        causes = meta_rules.validate_object_meta(
            new_meta, namespaced=namespaced, name_fn=names.name_is_dns_subdomain,
            kube_finalizers=False)
    else:
        causes = meta_rules.validate_object_meta_update(
            new_meta, as_dict(old.get("metadata")), kube_finalizers=False)
    if subresource == "status":
        status_node = node.properties.get("status") if node is not None else None
        if status_node is not None and "status" in obj:
            old_status = old.get("status", MISSING) if old is not None else MISSING
            causes.extend(validate_value(status_node, obj["status"], base="status",
                                         old=old_status))
        if scale is not None:
            causes.extend(_scale_causes(obj, scale, spec=False))
        return dedupe(causes + _lists(obj, node, old))
    if node is not None:
        causes.extend(validate_value(node, obj, old=MISSING if old is None else old))
    if scale is not None:
        causes.extend(_scale_causes(obj, scale, spec=True))
        causes.extend(_scale_causes(obj, scale, spec=False))
    if node is not None:
        causes.extend(embedded_causes(obj, node))
    return dedupe(causes + _lists(obj, node, old))


def _lists(obj: Mapping[str, Any], node: Node | None, old: Mapping[str, Any] | None,
           ) -> list[Cause]:
    """List-type causes; on update only when the old object had none (ratcheting)."""
    if node is None:
        return []
    found = list_causes(obj, node)
    if found and old is not None and list_causes(old, node):
        return []
    return found


def _type_meta(obj: Mapping[str, Any], *, kind: str, api_version: str) -> list[Cause]:
    causes = []
    if obj.get("kind") != kind:
        causes.append(invalid("kind", obj.get("kind"), f"must be {kind}"))
    if obj.get("apiVersion") != api_version:
        causes.append(invalid("apiVersion", obj.get("apiVersion"), f"must be {api_version}"))
    return causes


def validation_rules(schema: Mapping[str, Any] | None) -> list[tuple[str, dict[str, Any]]]:
    """Every ``x-kubernetes-validations`` rule as (field path, rule), root path ``""``;
    these CEL rules are not enforced by k3py."""
    found: list[tuple[str, dict[str, Any]]] = []

    def walk(s: Any, path: str) -> None:
        if not isinstance(s, Mapping):
            return
        rules = s.get("x-kubernetes-validations")
        if isinstance(rules, list):
            found.extend((path, dict(r)) for r in rules if isinstance(r, Mapping))
        props = s.get("properties")
        if isinstance(props, Mapping):
            for k, sub in props.items():
                walk(sub, f"{path}.{k}" if path else k)
        walk(s.get("items"), f"{path}[*]")
        walk(s.get("additionalProperties"), f"{path}[*]")

    walk(schema, "")
    return found


# -- the status and scale subresources ----------------------------------------------------

def status_of(obj: Mapping[str, Any]) -> dict[str, Any] | None:
    """The object's status, when it has one."""
    status = obj.get("status")
    return status if isinstance(status, dict) else None


def replicas_path(json_path: str) -> tuple[str, ...]:
    """A scale path such as ``.spec.replicas`` as field names."""
    return tuple(json_path.lstrip(".").split("."))


def _go_plain(value: Any) -> str:
    """``%v`` of a JSON value."""
    if value is None:
        return "<nil>"
    if isinstance(value, dict):
        return "map[" + " ".join(f"{k}:{_go_plain(value[k])}" for k in sorted(value)) + "]"
    if isinstance(value, list):
        return "[" + " ".join(_go_plain(v) for v in value) + "]"
    if isinstance(value, bool | int | float):
        return go_syntax(value)
    return str(value)


def _go_type(value: Any) -> str:
    if value is None:
        return "<nil>"
    return {bool: "bool", int: "int64", float: "float64", str: "string",
            dict: "map[string]interface {}", list: "[]interface {}"}.get(type(value), "string")


def _nested(obj: Mapping[str, Any], json_path: str, expected: str) -> tuple[Any, bool, str]:
    """``unstructured.NestedInt64`` / ``NestedString``: (value, found, error text)."""
    fields = replicas_path(json_path)
    value: Any = obj
    for i, name in enumerate(fields):
        if value is None:
            return None, False, ""
        if not isinstance(value, Mapping):
            at = "." + ".".join(fields[:i + 1])
            return None, False, (f"{at} accessor error: {_go_plain(value)} is of the type "
                                 f"{_go_type(value)}, expected map[string]interface{{}}")
        if name not in value:
            return None, False, ""
        value = value[name]
    wanted = int if expected == "int64" else str
    if type(value) is not wanted:
        at = "." + ".".join(fields)
        return None, False, (f"{at} accessor error: {_go_plain(value)} is of the type "
                             f"{_go_type(value)}, expected {expected}")
    return value, True, ""


def _scale_causes(obj: Mapping[str, Any], scale: Mapping[str, Any], *, spec: bool,
                  ) -> list[Cause]:
    causes: list[Cause] = []
    path = as_str(scale.get("specReplicasPath" if spec else "statusReplicasPath"))
    if path:
        replicas, _, error = _nested(obj, path, "int64")
        if error:
            causes.append(invalid(path, 0, error))
        elif replicas is not None and replicas < 0:
            causes.append(invalid(path, replicas, "should be a non-negative integer"))
        elif replicas is not None and replicas > MAX_INT32:
            causes.append(invalid(path, replicas,
                                  f"should be less than or equal to {MAX_INT32}"))
    selector_path = as_str(scale.get("labelSelectorPath"))
    if not spec and selector_path:
        _, _, error = _nested(obj, selector_path, "string")
        if error:
            causes.append(invalid(selector_path, "", error))
    return causes


def scale_of(obj: Mapping[str, Any], scale: Mapping[str, Any]) -> dict[str, Any]:
    """The ``autoscaling/v1`` Scale the ``/scale`` subresource serves for ``obj``."""
    values = {}
    for key in ("specReplicasPath", "statusReplicasPath"):
        value, _, error = _nested(obj, as_str(scale.get(key)), "int64")
        if error:
            raise InternalError(error)
        values[key] = value or 0
    selector = ""
    if scale.get("labelSelectorPath"):
        found, _, error = _nested(obj, as_str(scale.get("labelSelectorPath")), "string")
        if error:
            raise InternalError(error)
        selector = found or ""
    source = as_dict(obj.get("metadata"))
    metadata = {k: source[k] for k in ("name", "namespace", "uid", "resourceVersion")
                if source.get(k)}
    metadata["creationTimestamp"] = source.get("creationTimestamp")
    status: dict[str, Any] = {"replicas": values["statusReplicasPath"]}
    if selector:
        status["selector"] = selector
    spec = {"replicas": values["specReplicasPath"]} if values["specReplicasPath"] else {}
    return {"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": metadata,
            "spec": spec, "status": status}


def with_spec_replicas(obj: Mapping[str, Any], scale: Mapping[str, Any], replicas: int,
                       ) -> dict[str, Any]:
    """A copy of ``obj`` with ``replicas`` at the scale's spec replicas path (what a write
    to ``/scale`` does), creating missing parents."""
    new: dict[str, Any] = copy_json(dict(obj))
    fields = replicas_path(as_str(scale.get("specReplicasPath")))
    target = new
    for i, name in enumerate(fields[:-1]):
        child = target.setdefault(name, {})
        if not isinstance(child, dict):
            at = "." + ".".join(fields[:i + 1])
            raise InternalError(f"value cannot be set because {at} is not a "
                                "map[string]interface{}")
        target = child
    target[fields[-1]] = replicas
    return new
