"""PodSpec, PodTemplateSpec and Pod: ``ValidatePodSpec``, ``ValidatePodTemplateSpec``,
``ValidatePodCreate`` and ``ValidatePodUpdate`` (the spec of a running pod is mostly
immutable)."""

from __future__ import annotations

from typing import Any

from k3py.api.gorender import go_string_map
from k3py.api.validators import meta, names
from k3py.api.validators.containers import validate_containers
from k3py.api.validators.errors import (
    Cause,
    Obj,
    as_dict,
    as_list,
    as_str,
    child,
    duplicate,
    forbidden,
    invalid,
    not_supported,
    objects,
    one_member,
    required,
)
from k3py.api.validators.quantity import QuantityError, parse_quantity

# VolumeSource members in the order Go checks them ("may not specify more than 1 volume type").
VOLUME_SOURCES = ("emptyDir", "hostPath", "gitRepo", "gcePersistentDisk", "awsElasticBlockStore",
                  "secret", "nfs", "iscsi", "glusterfs", "flocker", "persistentVolumeClaim", "rbd",
                  "cinder", "cephfs", "quobyte", "downwardAPI", "fc", "flexVolume", "configMap",
                  "azureFile", "vsphereVolume", "photonPersistentDisk", "portworxVolume",
                  "azureDisk", "storageos", "projected", "scaleIO", "csi", "ephemeral", "image")
_RESTART_POLICIES = ("Always", "OnFailure", "Never")
_DNS_POLICIES = ("ClusterFirstWithHostNet", "ClusterFirst", "Default", "None")
_FILE_MODE = "must be a number between 0 and 0777 (octal), both inclusive"
_MAX_INT32 = 2**31 - 1
UPDATABLE_POD_FIELDS = ",".join((
    "`spec.containers[*].image`", "`spec.initContainers[*].image`",
    "`spec.activeDeadlineSeconds`",
    "`spec.tolerations` (only additions to existing tolerations)",
    "`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was previously "
    "negative)"))


def _volume_source(volume: Obj, path: str) -> list[Cause]:
    kind, others = one_member(volume, VOLUME_SOURCES, path=path, what="volume type")
    if kind is None:
        return others
    causes: list[Cause] = []
    source, at = as_dict(volume[kind]), child(path, kind)
    if kind == "hostPath" and not source.get("path"):
        causes.append(required(child(at, "path")))
    elif kind == "secret" and not source.get("secretName"):
        causes.append(required(child(at, "secretName")))
    elif kind == "configMap" and not source.get("name"):
        causes.append(required(child(at, "name")))
    elif kind == "persistentVolumeClaim" and not source.get("claimName"):
        causes.append(required(child(at, "claimName")))
    elif kind == "emptyDir" and source.get("sizeLimit") is not None:
        try:
            negative = parse_quantity(source["sizeLimit"]).value < 0
        except QuantityError:
            negative = True
        if negative:
            causes.append(forbidden(child(at, "sizeLimit"),
                                    "SizeLimit field must be a valid resource quantity"))
    mode = source.get("defaultMode")
    if isinstance(mode, int) and not 0 <= mode <= 0o777:
        causes.append(invalid(child(at, "defaultMode"), mode, _FILE_MODE))
    return causes + others


def validate_volumes(volumes: Any, path: str) -> tuple[dict[str, Obj], list[Cause]]:
    """The valid volumes by name (for mount checks) and the causes."""
    valid: dict[str, Obj] = {}
    causes: list[Cause] = []
    for i, volume in objects(volumes):
        at = f"{path}[{i}]"
        errs = _volume_source(volume, at)
        name = as_str(volume.get("name"))
        if not name:
            errs.append(required(child(at, "name")))
        else:
            errs.extend(invalid(child(at, "name"), name, m) for m in names.dns1123_label(name))
        if name in valid:
            errs.append(duplicate(child(at, "name"), name))
        if errs:
            causes.extend(errs)
        else:
            valid[name] = volume
    return valid, causes


def _tolerations(tolerations: Any, path: str) -> list[Cause]:
    causes: list[Cause] = []
    for i, toleration in objects(tolerations):
        at = f"{path}[{i}]"
        key, operator = as_str(toleration.get("key")), as_str(toleration.get("operator"))
        effect, value = as_str(toleration.get("effect")), as_str(toleration.get("value"))
        if key:
            causes.extend(invalid(child(at, "key"), key, m) for m in names.qualified_name(key))
        if not key and operator != "Exists":
            causes.append(invalid(child(at, "operator"), operator, "operator must be Exists when "
                                  '`key` is empty, which means "match all values and all keys"'))
        if toleration.get("tolerationSeconds") is not None and effect != "NoExecute":
            causes.append(invalid(child(at, "effect"), effect,
                                  "effect must be 'NoExecute' when `tolerationSeconds` is set"))
        if operator in ("Equal", ""):
            problems = names.label_value(value)
            if problems:
                causes.append(invalid(child(at, "operator"), value, ";".join(problems)))
        elif operator == "Exists":
            if value:
                causes.append(invalid(child(at, "operator"), value,
                                      "value must be empty when `operator` is 'Exists'"))
        else:
            causes.append(not_supported(child(at, "operator"), operator, ("Equal", "Exists")))
        if effect and effect not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            causes.append(not_supported(child(at, "effect"), effect,
                                        ("NoSchedule", "PreferNoSchedule", "NoExecute")))
    return causes


def _host_network(spec: Obj, path: str, *, is_pod: bool) -> list[Cause]:
    causes: list[Cause] = []
    if spec.get("hostNetwork") is not True:
        return causes
    for i, ctr in enumerate(as_list(spec.get("containers"))):
        for j, port in objects(as_dict(ctr).get("ports")):
            host, container = port.get("hostPort") or 0, port.get("containerPort") or 0
            if (is_pod or host != 0) and host != container:
                causes.append(invalid(f"{path}.containers[{i}].ports[{j}].hostPort", host,
                                      "must match `containerPort` when `hostNetwork` is true"))
    return causes


def _enum(value: Any, path: str, *, valid: tuple[str, ...]) -> list[Cause]:
    text = as_str(value)
    if not text:
        return [required(path)]
    return [] if text in valid else [not_supported(path, text, valid)]


def validate_pod_spec(spec: Obj, path: str, *, is_pod: bool) -> list[Cause]:
    causes: list[Cause] = []
    if spec.get("terminationGracePeriodSeconds") is None:
        causes.append(required(child(path, "terminationGracePeriodSeconds")))
    volumes, errs = validate_volumes(spec.get("volumes"), child(path, "volumes"))
    causes.extend(errs)
    causes.extend(validate_containers(spec, path, volumes=volumes))
    causes.extend(_host_network(spec, path, is_pod=is_pod))
    causes.extend(_enum(spec.get("restartPolicy"), child(path, "restartPolicy"),
                        valid=_RESTART_POLICIES))
    causes.extend(_enum(spec.get("dnsPolicy"), child(path, "dnsPolicy"),
                        valid=_DNS_POLICIES))
    causes.extend(meta.validate_labels(spec.get("nodeSelector"), child(path, "nodeSelector")))
    if spec.get("dnsPolicy") == "None" and not as_list(as_dict(spec.get("dnsConfig"))
                                                          .get("nameservers")):
        if spec.get("dnsConfig") is None:
            causes.append(required(child(path, "dnsConfig"),
                                   "must provide `dnsConfig` when `dnsPolicy` is None"))
        else:
            causes.append(required(f"{path}.dnsConfig.nameservers", "must provide at least one "
                                   "DNS nameserver when `dnsPolicy` is None"))
    for key, fn in (("serviceAccountName", names.name_is_dns_subdomain),
                    ("nodeName", names.name_is_dns_subdomain),
                    ("priorityClassName", names.name_is_dns_subdomain)):
        value = as_str(spec.get(key))
        if value:
            causes.extend(invalid(child(path, key), value, m) for m in fn(value, False))
    deadline = spec.get("activeDeadlineSeconds")
    if isinstance(deadline, int) and not 1 <= deadline <= _MAX_INT32:
        causes.append(invalid(child(path, "activeDeadlineSeconds"), deadline,
                              names.inclusive_range_error(1, _MAX_INT32)))
    for key in ("hostname", "subdomain"):
        value = as_str(spec.get(key))
        if value:
            causes.extend(invalid(child(path, key), value, m) for m in names.dns1123_label(value))
    causes.extend(_tolerations(spec.get("tolerations"), child(path, "tolerations")))
    preemption = spec.get("preemptionPolicy")
    if preemption is not None:
        causes.extend(_enum(preemption, child(path, "preemptionPolicy"),
                            valid=("PreemptLowerPriority", "Never")))
    os_spec = spec.get("os")
    if isinstance(os_spec, dict):
        os_name = as_str(os_spec.get("name"))
        if not os_name:
            causes.append(required(f"{path}.os.name", "cannot be empty"))
        elif os_name not in ("linux", "windows"):
            causes.append(not_supported(child(path, "os"), os_name, ("linux", "windows")))
    return causes


def validate_pod_template_spec(template: Obj, path: str) -> list[Cause]:
    metadata = as_dict(template.get("metadata"))
    causes = meta.validate_labels(metadata.get("labels"), f"{path}.labels")
    causes.extend(meta.validate_annotations(metadata.get("annotations"), f"{path}.annotations"))
    spec = as_dict(template.get("spec"))
    causes.extend(validate_pod_spec(spec, child(path, "spec"), is_pod=False))
    if as_list(spec.get("ephemeralContainers")):
        causes.append(forbidden(f"{path}.spec.ephemeralContainers",
                                "ephemeral containers not allowed in pod template"))
    return causes


def template_labels(spec: Obj) -> Any:
    """A workload spec's ``template.metadata.labels`` (None when unset)."""
    return as_dict(as_dict(spec.get("template")).get("metadata")).get("labels")


def selector_mismatch(labels: Any) -> Cause:
    """The cause of a workload whose selector does not select its own template's ``labels``."""
    return invalid("spec.template.metadata.labels", go_string_map(labels),
                   "`selector` does not match template `labels`")


def always_restarted(template: Obj, kind: str) -> list[Cause]:
    """A controller that keeps pods running (``kind`` as upstream names it) restarts them
    forever: its template must say ``restartPolicy: Always`` and set no deadline."""
    causes: list[Cause] = []
    spec = as_dict(template.get("spec"))
    if spec.get("restartPolicy") != "Always":
        causes.append(not_supported("spec.template.spec.restartPolicy",
                                    as_str(spec.get("restartPolicy")), ("Always",)))
    if spec.get("activeDeadlineSeconds") is not None:
        causes.append(forbidden("spec.template.spec.activeDeadlineSeconds",
                                f"activeDeadlineSeconds in {kind} is not Supported"))
    return causes


def _pod_metadata_and_spec(pod: Obj) -> list[Cause]:
    causes = meta.validate_object_meta(as_dict(pod.get("metadata")), namespaced=True,
                                       name_fn=names.name_is_dns_subdomain)
    spec = as_dict(pod.get("spec"))
    causes.extend(validate_pod_spec(spec, "spec", is_pod=True))
    for kind in ("containers", "initContainers"):
        for i, ctr in enumerate(as_list(spec.get(kind))):
            image = as_dict(ctr).get("image")
            if isinstance(image, str) and image != image.strip():
                causes.append(invalid(f"spec.{kind}[{i}].image", image,
                                      "must not have leading or trailing whitespace"))
    return causes


def validate_pod(pod: Obj) -> list[Cause]:
    causes = _pod_metadata_and_spec(pod)
    spec = as_dict(pod.get("spec"))
    if as_list(spec.get("ephemeralContainers")):
        causes.append(forbidden("spec.ephemeralContainers", "cannot be set on create"))
    if spec.get("nodeName") and as_list(spec.get("schedulingGates")):
        causes.append(forbidden("spec.nodeName",
                                "cannot be set until all schedulingGates have been cleared"))
    return causes


def _old_image(ctr: Any, old: Any) -> Obj:
    out = {k: v for k, v in as_dict(ctr).items() if k != "image"}
    if "image" in as_dict(old):
        out["image"] = as_dict(old)["image"]
    return out


def _munged(new_spec: Obj, old_spec: Obj) -> Obj:
    """``new_spec`` with the fields a pod update may change set back to their old values."""
    munged = dict(new_spec)
    for kind in ("containers", "initContainers"):
        if kind in new_spec:
            munged[kind] = [_old_image(c, o) for c, o in zip(
                as_list(new_spec[kind]), as_list(old_spec.get(kind)), strict=False)]
    for key in ("activeDeadlineSeconds", "schedulingGates", "tolerations"):
        munged.pop(key, None)
        if key in old_spec:
            munged[key] = old_spec[key]
    old_grace = old_spec.get("terminationGracePeriodSeconds")
    if isinstance(old_grace, int) and old_grace < 0 and munged.get(
            "terminationGracePeriodSeconds") == 1:
        munged["terminationGracePeriodSeconds"] = old_grace
    return munged


def validate_pod_update(pod: Obj, old: Obj) -> list[Cause]:
    causes = meta.validate_object_meta_update(as_dict(pod.get("metadata")),
                                              as_dict(old.get("metadata")))
    causes.extend(_pod_metadata_and_spec(pod))
    spec, old_spec = as_dict(pod.get("spec")), as_dict(old.get("spec"))
    for kind in ("containers", "initContainers"):
        new_list, old_list = as_list(spec.get(kind)), as_list(old_spec.get(kind))
        if len(new_list) != len(old_list):
            causes.append(forbidden(f"spec.{kind}", "pod updates may not add or remove "
                                    "containers"))
            return causes
    deadline, old_deadline = spec.get("activeDeadlineSeconds"), old_spec.get(
        "activeDeadlineSeconds")
    if isinstance(deadline, int):
        if not 0 <= deadline <= _MAX_INT32:
            causes.append(invalid("spec.activeDeadlineSeconds", deadline,
                                  names.inclusive_range_error(0, _MAX_INT32)))
            return causes
        if isinstance(old_deadline, int) and old_deadline < deadline:
            causes.append(invalid("spec.activeDeadlineSeconds", deadline,
                                  "must be less than or equal to previous value"))
            return causes
    elif old_deadline is not None:
        causes.append(invalid("spec.activeDeadlineSeconds", None,
                              "must not update from a positive integer to nil value"))
    new_tolerations = as_list(spec.get("tolerations"))
    for toleration in as_list(old_spec.get("tolerations")):
        base = {k: v for k, v in as_dict(toleration).items() if k != "tolerationSeconds"}
        if not any({k: v for k, v in as_dict(t).items() if k != "tolerationSeconds"} == base
                   for t in new_tolerations):
            causes.append(forbidden("spec.tolerations", "existing toleration can not be modified "
                                    "except its tolerationSeconds"))
            break
    if spec != old_spec and _munged(spec, old_spec) != old_spec:
        causes.append(forbidden("spec", "pod updates may not change fields other than "
                                + UPDATABLE_POD_FIELDS))
    return causes
