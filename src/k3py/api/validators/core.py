"""Core (``v1``) kinds other than Pod: ConfigMap, Secret, Namespace, Node, Service,
PersistentVolumeClaim, ReplicationController, PodTemplate, ServiceAccount, Endpoints."""

from __future__ import annotations

import base64
import binascii
from typing import Any

import orjson

from k3py.api.validators import meta, names
from k3py.api.validators.containers import PROTOCOLS, quantity_value
from k3py.api.validators.errors import (
    Cause,
    Obj,
    as_dict,
    as_list,
    as_str,
    child,
    forbidden,
    immutable,
    invalid,
    nonnegative,
    not_supported,
    objects,
    required,
    too_long,
)
from k3py.api.validators.pods import (
    always_restarted,
    selector_mismatch,
    template_labels,
    validate_pod_template_spec,
)

MAX_SECRET_SIZE = 1024 * 1024
IMMUTABLE_SET = "field is immutable when `immutable` is set"
_ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")


def _meta(obj: Obj, *, namespaced: bool = True,
          name_fn: names.NameFn = names.name_is_dns_subdomain) -> list[Cause]:
    return meta.validate_object_meta(as_dict(obj.get("metadata")), namespaced=namespaced,
                                     name_fn=name_fn)


def _decoded_len(value: Any) -> int:
    """Bytes of a base64 ``data`` value (what Go sees after decoding)."""
    if not isinstance(value, str):
        return 0
    try:
        return len(base64.b64decode(value, validate=False))
    except (binascii.Error, ValueError):
        return len(value)


def meta_key(key: str, path: str) -> list[Cause]:
    return [invalid(path, key, m) for m in names.config_map_key(key)]


def validate_config_map(cm: Obj) -> list[Cause]:
    causes = _meta(cm)
    data, binary = as_dict(cm.get("data")), as_dict(cm.get("binaryData"))
    total = 0
    for key in sorted(data):
        causes.extend(meta_key(key, f"data[{key}]"))
        if key in binary:
            causes.append(invalid(f"data[{key}]", key, "duplicate of key present in binaryData"))
        total += names.blen(as_str(data[key]))
    for key in sorted(binary):
        causes.extend(meta_key(key, f"binaryData[{key}]"))
        total += _decoded_len(binary[key])
    if total > MAX_SECRET_SIZE:
        causes.append(too_long("", MAX_SECRET_SIZE))
    return causes


def validate_config_map_update(cm: Obj, old: Obj) -> list[Cause]:
    causes: list[Cause] = []
    if old.get("immutable") is True:
        if cm.get("immutable") is not True:
            causes.append(forbidden("immutable", IMMUTABLE_SET))
        for key in ("data", "binaryData"):
            if (cm.get(key) or None) != (old.get(key) or None):
                causes.append(forbidden(key, IMMUTABLE_SET))
    return causes + validate_config_map(cm)


def _docker_json(data: Obj, key: str) -> list[Cause]:
    raw = data.get(key)
    if raw is None:
        return [required(f"data[{key}]")]
    try:
        parsed = orjson.loads(base64.b64decode(as_str(raw)))
    except (binascii.Error, ValueError):
        parsed = None
    if not isinstance(parsed, dict):
        return [invalid(f"data[{key}]", "<secret contents redacted>",
                        "unexpected end of JSON input")]
    return []


def validate_secret(secret: Obj) -> list[Cause]:
    causes = _meta(secret)
    data = as_dict(secret.get("data"))
    total = 0
    for key in sorted(data):
        causes.extend(meta_key(key, f"data[{key}]"))
        total += _decoded_len(data[key])
    if total > MAX_SECRET_SIZE:
        causes.append(too_long("data", MAX_SECRET_SIZE))
    kind = as_str(secret.get("type"))
    annotations = as_dict(as_dict(secret.get("metadata")).get("annotations"))
    if kind == "kubernetes.io/service-account-token":
        if not annotations.get("kubernetes.io/service-account.name"):
            causes.append(required("metadata.annotations[kubernetes.io/service-account.name]"))
    elif kind == "kubernetes.io/dockercfg":
        causes.extend(_docker_json(data, ".dockercfg"))
    elif kind == "kubernetes.io/dockerconfigjson":
        causes.extend(_docker_json(data, ".dockerconfigjson"))
    elif kind == "kubernetes.io/basic-auth":
        if "username" not in data and "password" not in data:
            causes.extend((required("data[username]"), required("data[password]")))
    elif kind == "kubernetes.io/ssh-auth":
        if not data.get("ssh-privatekey"):
            causes.append(required("data[ssh-privatekey]"))
    elif kind == "kubernetes.io/tls":
        causes.extend(required(f"data[{key}]") for key in ("tls.crt", "tls.key")
                      if key not in data)
    return causes


def validate_secret_update(secret: Obj, old: Obj) -> list[Cause]:
    causes = immutable("type", as_str(secret.get("type")), old=as_str(old.get("type")))
    if old.get("immutable") is True:
        if secret.get("immutable") is not True:
            causes.append(forbidden("immutable", IMMUTABLE_SET))
        if (secret.get("data") or None) != (old.get("data") or None):
            causes.append(forbidden("data", IMMUTABLE_SET))
    return causes + validate_secret(secret)


def validate_namespace(ns: Obj) -> list[Cause]:
    causes = _meta(ns, namespaced=False, name_fn=names.name_is_dns_label)
    for name in as_list(as_dict(ns.get("spec")).get("finalizers")):
        causes.extend(meta.validate_finalizer_name(as_str(name), "spec.finalizers"))
    return causes


def _node_body(node: Obj) -> list[Cause]:
    causes: list[Cause] = []
    seen: set[tuple[str, str]] = set()
    for i, taint in objects(as_dict(node.get("spec")).get("taints")):
        at = f"metadata.taints[{i}]"
        key, value, effect = (as_str(taint.get(k)) for k in ("key", "value", "effect"))
        causes.extend(invalid(child(at, "key"), key, m) for m in names.qualified_name(key))
        problems = names.label_value(value)
        if problems:
            causes.append(invalid(child(at, "value"), value, ";".join(problems)))
        if not effect:
            causes.append(required(child(at, "effect")))
        elif effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            causes.append(not_supported(child(at, "effect"), effect,
                                        ("NoSchedule", "PreferNoSchedule", "NoExecute")))
        if (effect, key) in seen:
            causes.append((at, "FieldValueDuplicate",
                           f"Duplicate value: {orjson.dumps(taint).decode()}: taints must be "
                           "unique by key and effect pair"))
        seen.add((effect, key))
    status = as_dict(node.get("status"))
    for part in ("capacity", "allocatable"):
        for name, raw in sorted(as_dict(status.get(part)).items()):
            causes.extend(quantity_value(raw, f"status.{part}.{name}")[0])
    return causes


def validate_node(node: Obj) -> list[Cause]:
    return _meta(node, namespaced=False) + _node_body(node)


def validate_node_update(node: Obj, old: Obj) -> list[Cause]:
    causes = _node_body(node)
    spec, old_spec = as_dict(node.get("spec")), as_dict(old.get("spec"))
    old_cidrs = as_list(old_spec.get("podCIDRs"))
    if old_cidrs and old_cidrs != as_list(spec.get("podCIDRs")):
        causes.append(forbidden("spec.podCIDRs",
                                'node updates may not change podCIDR except from "" to valid'))
    if old_spec.get("providerID") and old_spec["providerID"] != spec.get("providerID"):
        causes.append(forbidden("spec.providerID",
                                'node updates may not change providerID except from "" to valid'))
    return causes


def validate_pvc_spec(spec: Obj, path: str) -> list[Cause]:
    causes: list[Cause] = []
    modes = as_list(spec.get("accessModes"))
    if not modes:
        causes.append(required(child(path, "accessModes"), "at least 1 access mode is required"))
    if spec.get("selector") is not None:
        causes.extend(meta.validate_label_selector(spec["selector"], child(path, "selector")))
    for mode in modes:
        if mode not in _ACCESS_MODES:
            causes.append(not_supported(child(path, "accessModes"), mode, _ACCESS_MODES))
    if "ReadWriteOncePod" in modes and any(m != "ReadWriteOncePod" and m in _ACCESS_MODES
                                           for m in modes):
        causes.append(forbidden(child(path, "accessModes"),
                                "may not use ReadWriteOncePod with other access modes"))
    requests = as_dict(as_dict(spec.get("resources")).get("requests"))
    at = f"{path}.resources[storage]"
    if "storage" not in requests:
        causes.append(required(at))
    else:
        errs, value = quantity_value(requests["storage"], at)
        if value is not None and value.value <= 0:
            errs = [invalid(at, value.canonical(), "must be greater than zero")]
        causes.extend(errs)
    class_name = as_str(spec.get("storageClassName"))
    if class_name:
        causes.extend(invalid(child(path, "storageClassName"), class_name, m)
                      for m in names.name_is_dns_subdomain(class_name, False))
    mode = spec.get("volumeMode")
    if mode is not None and mode not in ("Block", "Filesystem"):
        causes.append(not_supported(child(path, "volumeMode"), mode, ("Block", "Filesystem")))
    return causes


def validate_pvc(pvc: Obj) -> list[Cause]:
    return _meta(pvc) + validate_pvc_spec(as_dict(pvc.get("spec")), "spec")


def _without_none(obj: Obj) -> Obj:
    return {k: v for k, v in obj.items() if v is not None}


def validate_pvc_update(pvc: Obj, old: Obj) -> list[Cause]:
    causes = validate_pvc(pvc)
    spec, old_spec = dict(as_dict(pvc.get("spec"))), dict(as_dict(old.get("spec")))
    if not old_spec.get("volumeName"):
        old_spec["volumeName"] = spec.get("volumeName")
    requests = as_dict(as_dict(spec.get("resources")).get("requests"))
    old_requests = as_dict(as_dict(old_spec.get("resources")).get("requests"))
    if as_dict(pvc.get("status")).get("phase") == "Bound" and requests:
        spec["resources"] = dict(as_dict(spec.get("resources")),
                                 requests=dict(requests, storage=old_requests.get("storage")))
        if spec.get("volumeAttributesClassName") is not None:
            spec["volumeAttributesClassName"] = old_spec.get("volumeAttributesClassName")
    if _without_none(spec) != _without_none(old_spec):
        causes.append(forbidden("spec", "spec is immutable after creation except "
                                "resources.requests and volumeAttributesClassName for bound "
                                "claims"))
    new_size = quantity_value(requests.get("storage"), "")[1]
    old_size = quantity_value(old_requests.get("storage"), "")[1]
    capacity = quantity_value(as_dict(as_dict(old.get("status")).get("capacity")).get("storage"),
                              "")[1]
    if new_size is not None and old_size is not None and new_size.value < old_size.value and (
            capacity is None or new_size.value <= capacity.value):
        causes.append(forbidden("spec.resources.requests.storage",
                                "field can not be less than status.capacity"))
    causes.extend(immutable("volumeMode", spec.get("volumeMode"), old=old_spec.get("volumeMode")))
    return causes


def validate_replication_controller(rc: Obj) -> list[Cause]:
    return _meta(rc) + validate_replication_controller_spec(rc, rc)


def validate_replication_controller_spec(rc: Obj, old: Obj) -> list[Cause]:
    spec = as_dict(rc.get("spec"))
    causes = nonnegative("spec.minReadySeconds", spec.get("minReadySeconds"))
    selector = as_dict(spec.get("selector"))
    if not selector:
        causes.append(required("spec.selector"))
    causes.extend(nonnegative("spec.replicas", spec.get("replicas")))
    template = spec.get("template")
    if not isinstance(template, dict):
        return [*causes, required("spec.template")]
    labels = template_labels(spec)
    if selector and not meta.selector_matches({"matchLabels": selector}, labels):
        causes.append(selector_mismatch(labels))
    causes.extend(validate_pod_template_spec(template, "spec.template"))
    return causes + always_restarted(template, "ReplicationController")


def validate_pod_template(pt: Obj) -> list[Cause]:
    return _meta(pt) + validate_pod_template_update(pt, pt)


def validate_pod_template_update(pt: Obj, old: Obj) -> list[Cause]:
    return validate_pod_template_spec(as_dict(pt.get("template")), "template")


def validate_service_account(sa: Obj) -> list[Cause]:
    return _meta(sa)


def validate_endpoints(ep: Obj) -> list[Cause]:
    causes = _meta(ep)
    for i, subset in objects(ep.get("subsets")):
        at = f"subsets[{i}]"
        if not as_list(subset.get("addresses")) and not as_list(subset.get("notReadyAddresses")):
            causes.append(required(at, "must specify `addresses` or `notReadyAddresses`"))
        ports = as_list(subset.get("ports"))
        for j, port in objects(ports):
            pat = f"{at}.ports[{j}]"
            name = as_str(port.get("name"))
            if len(ports) > 1 and not name:
                causes.append(required(child(pat, "name")))
            elif name:
                causes.extend(invalid(child(pat, "name"), name, m)
                              for m in names.dns1123_label(name))
            causes.extend(invalid(child(pat, "port"), port.get("port"), m)
                          for m in names.port_number(port.get("port")))
            protocol = as_str(port.get("protocol"))
            if not protocol:
                causes.append(required(child(pat, "protocol")))
            elif protocol not in PROTOCOLS:
                causes.append(not_supported(child(pat, "protocol"), protocol, PROTOCOLS))
    return causes

