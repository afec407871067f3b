"""Containers inside a PodSpec: names, images, ports, env, mounts, probes and resources, as
``validateContainers`` / ``validateInitContainers`` check them."""

from __future__ import annotations

from typing import Any

from k3py.api.validators import names
from k3py.api.validators.errors import (
    NEGATIVE,
    Cause,
    Obj,
    as_dict,
    as_list,
    as_str,
    child,
    duplicate,
    forbidden,
    invalid,
    nonnegative,
    not_found,
    not_supported,
    objects,
    one_member,
    required,
)
from k3py.api.validators.quantity import QuantityError, parse_quantity

PROTOCOLS = ("SCTP", "TCP", "UDP")
_PULL_POLICIES = ("Always", "IfNotPresent", "Never")
_TERMINATION_POLICIES = ("File", "FallbackToLogsOnError")
_STANDARD_CONTAINER = frozenset({"cpu", "memory", "ephemeral-storage"})
_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc", "sleep")
_INIT_ONLY_FORBIDDEN = ("lifecycle", "livenessProbe", "readinessProbe", "startupProbe")


def _is_native(name: str) -> bool:
    return "/" not in name or "kubernetes.io/" in name


def _is_hugepages(name: str) -> bool:
    return name.startswith("hugepages-")


def _resource_name(name: str, path: str) -> list[Cause]:
    causes = [invalid(path, name, m) for m in names.qualified_name(name)]
    if causes:
        return causes
    if "/" not in name:
        if name not in _STANDARD_CONTAINER and not _is_hugepages(name):
            return [invalid(path, name, "must be a standard resource for containers")]
    elif not _is_native(name) and names.qualified_name("requests." + name):
        return [invalid(path, name, "doesn't follow extended resource name standard")]
    return []


def quantity_value(raw: Any, path: str, *, integer: bool = False) -> tuple[list[Cause], Any]:
    """Causes for one quantity, and its parsed value (None when it does not parse)."""
    try:
        quantity = parse_quantity(raw)
    except QuantityError as exc:
        return [invalid(path, str(raw), str(exc))], None
    if quantity.value < 0:
        return [invalid(path, quantity.canonical(), NEGATIVE)], quantity
    if integer and (quantity.value * 1000) % 1000:
        return [invalid(path, quantity.canonical(), "must be an integer")], quantity
    return [], quantity


def validate_resources(resources: Obj, path: str) -> list[Cause]:
    causes: list[Cause] = []
    limits, requests = as_dict(resources.get("limits")), as_dict(resources.get("requests"))
    parsed_limits = {}
    for name in sorted(limits):
        at = f"{path}.limits[{name}]"
        causes.extend(_resource_name(name, at))
        errs, value = quantity_value(limits[name], at, integer=not _is_native(name))
        causes.extend(errs)
        parsed_limits[name] = value
    for name in sorted(requests):
        at = f"{path}.requests[{name}]"
        causes.extend(_resource_name(name, at))
        errs, value = quantity_value(requests[name], at, integer=not _is_native(name))
        causes.extend(errs)
        limit = parsed_limits.get(name)
        overcommit = _is_native(name) and not _is_hugepages(name)
        if value is None:
            continue
        if name in limits and limit is not None:
            if value.value != limit.value and not overcommit:
                causes.append(invalid(child(path, "requests"), value.canonical(),
                                      f"must be equal to {name} limit of {limit.canonical()}"))
            elif value.value > limit.value:
                causes.append(invalid(child(path, "requests"), value.canonical(),
                                      f"must be less than or equal to {name} limit of "
                                      f"{limit.canonical()}"))
        elif name not in limits and not overcommit:
            causes.append(required(child(path, "limits"),
                                   "Limit must be set for non overcommitable resources"))
    return causes


def _port_or_name(value: Any, path: str) -> list[Cause]:
    if isinstance(value, str):
        return [invalid(path, value, m) for m in names.port_name(value)]
    return [invalid(path, value, m) for m in names.port_number(value)]


def _handler(handler: Obj, path: str, *, grace: Any) -> list[Cause]:
    kind, others = one_member(handler, _HANDLERS, path=path, what="handler type")
    if kind is None:
        return others
    causes: list[Cause] = []
    action = as_dict(handler[kind])
    at = child(path, kind)
    if kind == "exec" and not as_list(action.get("command")):
        causes.append(required(child(at, "command")))
    elif kind == "httpGet":
        if not action.get("path"):
            causes.append(required(child(at, "path")))
        causes.extend(_port_or_name(action.get("port"), child(at, "port")))
        scheme = as_str(action.get("scheme"))
        if scheme not in ("HTTP", "HTTPS"):
            causes.append(not_supported(child(at, "scheme"), scheme, ("HTTP", "HTTPS")))
        for header in as_list(action.get("httpHeaders")):
            header_name = as_str(as_dict(header).get("name"))
            causes.extend(invalid(child(at, "httpHeaders"), header_name, m)
                          for m in names.http_header_name(header_name))
    elif kind in ("tcpSocket", "grpc"):
        causes.extend(_port_or_name(action.get("port"), child(at, "port")))
    elif kind == "sleep" and isinstance(grace, int):
        seconds = action.get("seconds")
        if isinstance(seconds, int) and not 0 <= seconds <= grace:
            causes.append(invalid(at, seconds, "must be non-negative and less than "
                                  f"terminationGracePeriodSeconds ({grace})"))
    return causes + others


def _probe(probe: Any, path: str, *, grace: Any, kind: str) -> list[Cause]:
    if probe is None:
        return []
    probe = as_dict(probe)
    causes = _handler({k: probe.get(k) for k in _HANDLERS if k != "sleep"}, path,
                      grace=grace)
    for key in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold",
                "failureThreshold"):
        causes.extend(nonnegative(child(path, key), probe.get(key)))
    tgps = probe.get("terminationGracePeriodSeconds")
    if isinstance(tgps, int) and tgps <= 0:
        causes.append(invalid(child(path, "terminationGracePeriodSeconds"), tgps,
                              "must be greater than 0"))
    if kind == "readinessProbe" and tgps is not None:
        causes.append(invalid(child(path, "terminationGracePeriodSeconds"), tgps,
                              "must not be set for readinessProbes"))
    if kind != "readinessProbe" and probe.get("successThreshold", 1) != 1:
        causes.append(invalid(child(path, "successThreshold"), probe.get("successThreshold"),
                              "must be 1"))
    return causes


def _lifecycle_and_probes(ctr: Obj, path: str, *, grace: Any) -> list[Cause]:
    causes: list[Cause] = []
    lifecycle = ctr.get("lifecycle")
    if isinstance(lifecycle, dict):
        for hook in ("postStart", "preStop"):
            if lifecycle.get(hook) is not None:
                causes.extend(_handler(as_dict(lifecycle[hook]), f"{path}.lifecycle.{hook}",
                                       grace=grace))
    for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
        causes.extend(_probe(ctr.get(kind), child(path, kind), grace=grace, kind=kind))
    return causes


def _ports(ports: Any, path: str) -> list[Cause]:
    causes: list[Cause] = []
    seen: set[str] = set()
    for i, port in objects(ports):
        at = f"{path}[{i}]"
        name = as_str(port.get("name"))
        if name:
            problems = names.port_name(name)
            causes.extend(invalid(child(at, "name"), name, m) for m in problems)
            if not problems and name in seen:
                causes.append(duplicate(child(at, "name"), name))
            seen.add(name)
        container_port = port.get("containerPort")
        if not container_port:
            causes.append(required(child(at, "containerPort")))
        else:
            causes.extend(invalid(child(at, "containerPort"), container_port, m)
                          for m in names.port_number(container_port))
        host_port = port.get("hostPort")
        if host_port:
            causes.extend(invalid(child(at, "hostPort"), host_port, m)
                          for m in names.port_number(host_port))
        protocol = as_str(port.get("protocol"))
        if not protocol:
            causes.append(required(child(at, "protocol")))
        elif protocol not in PROTOCOLS:
            causes.append(not_supported(child(at, "protocol"), protocol, PROTOCOLS))
    return causes


def _env(ctr: Obj, path: str) -> list[Cause]:
    env, env_from = ctr.get("env"), ctr.get("envFrom")
    causes: list[Cause] = []
    for i, var in objects(env):
        at = f"{path}.env[{i}]"
        name = as_str(var.get("name"))
        if not name:
            causes.append(required(child(at, "name")))
        else:
            causes.extend(invalid(child(at, "name"), name, m)
                          for m in names.relaxed_env_var_name(name))
        source = var.get("valueFrom")
        if source is None:
            continue
        source = as_dict(source)
        kinds = [k for k in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")
                 if source.get(k) is not None]
        at = child(at, "valueFrom")
        if not kinds:
            causes.append(invalid(at, "", "must specify one of: `fieldRef`, `resourceFieldRef`, "
                                  "`configMapKeyRef` or `secretKeyRef`"))
        elif var.get("value"):
            causes.append(invalid(at, "", "may not be specified when `value` is not empty"))
        elif len(kinds) > 1:
            causes.append(invalid(at, "", "may not have more than one field specified at a "
                                  "time"))
        for kind in ("configMapKeyRef", "secretKeyRef"):
            ref = source.get(kind)
            if isinstance(ref, dict):
                key = as_str(ref.get("key"))
                if not key:
                    causes.append(required(f"{at}.{kind}.key"))
                else:
                    causes.extend(invalid(f"{at}.{kind}.key", key, m)
                                  for m in names.config_map_key(key))
    for i, source in objects(env_from):
        at = f"{path}.envFrom[{i}]"
        kinds = [k for k in ("configMapRef", "secretRef") if source.get(k) is not None]
        if not kinds:
            causes.append(invalid(child(path, "envFrom"), "",
                                  "must specify one of: `configMapRef` or `secretRef`"))
        elif len(kinds) > 1:
            causes.append(invalid(child(path, "envFrom"), "",
                                  "may not have more than one field specified at a time"))
    return causes


def _mounts(mounts: Any, path: str, *, volumes: dict[str, Obj]) -> list[Cause]:
    causes: list[Cause] = []
    seen: set[str] = set()
    for i, mount in objects(mounts):
        at = f"{path}[{i}]"
        name, mount_path = as_str(mount.get("name")), as_str(mount.get("mountPath"))
        if not name:
            causes.append(required(child(at, "name")))
        if name not in volumes:
            causes.append(not_found(child(at, "name"), name))
        if not mount_path:
            causes.append(required(child(at, "mountPath")))
        if mount_path in seen:
            causes.append(invalid(child(at, "mountPath"), mount_path, "must be unique"))
        seen.add(mount_path)
        if mount.get("subPath") and mount.get("subPathExpr"):
            causes.append(invalid(child(at, "subPathExpr"), mount["subPathExpr"],
                                  "subPathExpr and subPath are mutually exclusive"))
    return causes


def validate_container_common(ctr: Obj, path: str, *, volumes: dict[str, Obj]) -> list[Cause]:
    causes: list[Cause] = []
    name = as_str(ctr.get("name"))
    if not name:
        causes.append(required(child(path, "name")))
    else:
        causes.extend(invalid(child(path, "name"), name, m) for m in names.dns1123_label(name))
    if not ctr.get("image"):
        causes.append(required(child(path, "image")))
    policy = as_str(ctr.get("terminationMessagePolicy"))
    if not policy:
        causes.append(required(child(path, "terminationMessagePolicy")))
    elif policy not in _TERMINATION_POLICIES:
        causes.append(not_supported(child(path, "terminationMessagePolicy"), policy,
                                    _TERMINATION_POLICIES))
    causes.extend(_ports(ctr.get("ports"), child(path, "ports")))
    causes.extend(_env(ctr, path))
    causes.extend(_mounts(ctr.get("volumeMounts"), child(path, "volumeMounts"), volumes=volumes))
    pull = as_str(ctr.get("imagePullPolicy"))
    if not pull:
        causes.append(required(child(path, "imagePullPolicy")))
    elif pull not in _PULL_POLICIES:
        causes.append(not_supported(child(path, "imagePullPolicy"), pull, _PULL_POLICIES))
    causes.extend(validate_resources(as_dict(ctr.get("resources")), child(path, "resources")))
    security = as_dict(ctr.get("securityContext"))
    for key in ("runAsUser", "runAsGroup"):
        value = security.get(key)
        if isinstance(value, int) and not 0 <= value <= 2**31 - 1:
            causes.append(invalid(f"{path}.securityContext.{key}", value,
                                  names.inclusive_range_error(0, 2**31 - 1)))
    return causes


def _host_ports(containers: list[Any], path: str) -> list[Cause]:
    causes: list[Cause] = []
    seen: set[str] = set()
    for ci, ctr in enumerate(containers):
        for pi, port in objects(as_dict(ctr).get("ports")):
            host_port = port.get("hostPort")
            if not host_port:
                continue
            key = f"{as_str(port.get('protocol'))}/{as_str(port.get('hostIP'))}/{host_port}"
            if key in seen:
                causes.append(duplicate(f"{path}[{ci}].ports[{pi}].hostPort", key))
            seen.add(key)
    return causes


def validate_containers(spec: Obj, path: str, *, volumes: dict[str, Obj]) -> list[Cause]:
    """Regular then init containers (``spec.containers``, ``spec.initContainers``)."""
    containers = as_list(spec.get("containers"))
    grace = spec.get("terminationGracePeriodSeconds")
    causes: list[Cause] = []
    if not containers:
        causes.append(required(child(path, "containers")))
    seen: set[str] = set()
    for i, ctr in objects(containers):
        at = f"{path}.containers[{i}]"
        causes.extend(validate_container_common(ctr, at, volumes=volumes))
        name = as_str(ctr.get("name"))
        if name in seen:
            causes.append(duplicate(child(at, "name"), name))
        seen.add(name)
        causes.extend(_lifecycle_and_probes(ctr, at, grace=grace))
        if ctr.get("restartPolicy") is not None:
            causes.append(forbidden(child(at, "restartPolicy"),
                                    "may not be set for non-init containers"))
    if containers:
        causes.extend(_host_ports(containers, child(path, "containers")))
    for i, ctr in objects(spec.get("initContainers")):
        at = f"{path}.initContainers[{i}]"
        causes.extend(validate_container_common(ctr, at, volumes=volumes))
        restart = ctr.get("restartPolicy")
        if restart is not None and restart != "Always":
            causes.append(not_supported(child(at, "restartPolicy"), restart, ("Always",)))
        name = as_str(ctr.get("name"))
        if name in seen:
            causes.append(duplicate(child(at, "name"), name))
        elif name:
            seen.add(name)
        causes.extend(_host_ports([ctr], child(path, "initContainers")))
        if restart == "Always":
            causes.extend(_lifecycle_and_probes(ctr, at, grace=grace))
        else:
            causes.extend(forbidden(child(at, key), "may not be set for init containers "
                                    "without restartPolicy=Always")
                          for key in _INIT_ONLY_FORBIDDEN if ctr.get(key) is not None)
    return causes
