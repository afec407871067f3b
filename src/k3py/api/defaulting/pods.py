"""Defaults for PodSpec and what it embeds (containers, probes, volumes), PodTemplateSpec,
PersistentVolumeClaimSpec and resource lists (``pkg/apis/core/v1/defaults.go``)."""

from __future__ import annotations

import re
from typing import Any

from k3py.api.defaulting.edit import Edit, Obj, at, each
from k3py.api.validators.pods import VOLUME_SOURCES
from k3py.api.validators.quantity import canonical

_REPO = re.compile(r"(?:[a-zA-Z0-9-]+(?:\.[a-zA-Z0-9-]+)*(?::[0-9]+)?/)?"
                   r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*")
_TAG = re.compile(r"[\w][\w.-]{0,127}")
_MODE_SOURCES = ("configMap", "secret", "downwardAPI", "projected")


def pull_policy(image: Any) -> str:
    """``Always`` for ``:latest`` or an untagged image, else ``IfNotPresent`` (as kubelet's
    image name parser sees the tag)."""
    if not isinstance(image, str) or not image:
        return "IfNotPresent"
    name, at, digest = image.partition("@")
    slash, colon = name.rfind("/"), name.rfind(":")
    tag = name[colon + 1:] if colon > slash else ""
    repo = name[:colon] if colon > slash else name
    if not _REPO.fullmatch(repo) or (colon > slash and not _TAG.fullmatch(tag)) or (
            at and not digest):
        return "IfNotPresent"
    if not tag and not digest:
        tag = "latest"
    return "Always" if tag == "latest" else "IfNotPresent"


def resource_list(values: Obj) -> Obj:
    """Quantities in canonical form, rounded up to milli units (``SetDefaults_ResourceList``)."""
    out = None
    for key, raw in values.items():
        fixed = canonical(raw, milli=True)
        if fixed is not None and fixed != raw:
            if out is None:
                out = dict(values)
            out[key] = fixed
    return values if out is None else out


def resources(res: Obj, *, requests_from_limits: bool = False) -> Obj:
    edit = Edit(res)
    edit.sub("limits", resource_list)
    edit.sub("requests", resource_list)
    limits = edit.get("limits")
    if requests_from_limits and isinstance(limits, dict) and limits:
        requests = edit.get("requests")
        requests = requests if isinstance(requests, dict) else {}
        missing = {k: v for k, v in limits.items() if k not in requests}
        if missing:
            edit.set("requests", {**requests, **missing})
    return edit.done()


def _http_get(action: Obj) -> Obj:
    edit = Edit(action)
    edit.default_str("path", "/")
    edit.default_str("scheme", "HTTP")
    return edit.done()


def probe(p: Obj) -> Obj:
    edit = Edit(p)
    edit.default_int("timeoutSeconds", 1)
    edit.default_int("periodSeconds", 10)
    edit.default_int("successThreshold", 1)
    edit.default_int("failureThreshold", 3)
    edit.sub("httpGet", _http_get)
    edit.sub("grpc", _set("service", ""))
    return edit.done()


def _lifecycle(lifecycle: Obj) -> Obj:
    edit = Edit(lifecycle)
    for hook in ("postStart", "preStop"):
        edit.sub(hook, lambda handler: at(handler, "httpGet", fn=_http_get))
    return edit.done()


def field_ref(ref: Obj) -> Obj:
    edit = Edit(ref)
    edit.default_str("apiVersion", "v1")
    return edit.done()


def resource_field_ref(ref: Obj) -> Obj:
    edit = Edit(ref)
    divisor = edit.get("divisor")
    fixed = "0" if divisor is None else canonical(divisor)
    if fixed is not None and fixed != divisor:
        edit.set("divisor", fixed)
    return edit.done()


def _field_refs(source: Obj) -> Obj:
    """An env var's ``valueFrom`` or a downward API item: both may name a field or a
    resource."""
    edit = Edit(source)
    edit.sub("fieldRef", field_ref)
    edit.sub("resourceFieldRef", resource_field_ref)
    return edit.done()


def _container(ctr: Obj, *, pod: bool, host_network: bool) -> Obj:
    edit = Edit(ctr)
    if not edit.get("imagePullPolicy"):
        edit.set("imagePullPolicy", pull_policy(edit.get("image")))
    edit.default_str("terminationMessagePath", "/dev/termination-log")
    edit.default_str("terminationMessagePolicy", "File")
    edit.sub("resources", lambda r: resources(r, requests_from_limits=pod), create=True)

    def port(p: Obj) -> Obj:
        pe = Edit(p)
        pe.default_str("protocol", "TCP")
        if host_network and not pe.get("hostPort"):
            pe.set("hostPort", pe.get("containerPort"))
        return pe.done()

    edit.each("ports", port)
    edit.each("env", lambda var: at(var, "valueFrom", fn=_field_refs))
    for kind in ("livenessProbe", "readinessProbe", "startupProbe"):
        edit.sub(kind, probe)
    edit.sub("lifecycle", _lifecycle)
    return edit.done()


def _items_with_field_refs(source: Obj) -> Obj:
    return each(source, "items", fn=_field_refs)


def _projection(source: Obj) -> Obj:
    def token(t: Obj) -> Obj:
        edit = Edit(t)
        edit.default("expirationSeconds", 3600)
        return edit.done()

    edit = Edit(source)
    edit.sub("serviceAccountToken", token)
    edit.sub("downwardAPI", _items_with_field_refs)
    return edit.done()


def _set(key: str, value: Any, *, kind: str = "ptr") -> Any:
    def fn(obj: Obj) -> Obj:
        edit = Edit(obj)
        if kind == "str":
            edit.default_str(key, value)
        else:
            edit.default(key, value)
        return edit.done()
    return fn


def volume_sources(edit: Edit) -> None:
    """Defaults shared by Pod volumes and PersistentVolume sources."""
    edit.sub("hostPath", _set("type", ""))
    edit.sub("iscsi", _set("iscsiInterface", "default", kind="str"))

    def azure_disk(source: Obj) -> Obj:
        e = Edit(source)
        e.default("cachingMode", "ReadWrite")
        e.default("kind", "Shared")
        e.default("fsType", "ext4")
        e.default("readOnly", False)
        return e.done()

    def scale_io(source: Obj) -> Obj:
        e = Edit(source)
        e.default_str("storageMode", "ThinProvisioned")
        e.default_str("fsType", "xfs")
        return e.done()

    edit.sub("azureDisk", azure_disk)
    edit.sub("scaleIO", scale_io)


def _empty_dir(source: Obj) -> Obj:
    edit = Edit(source)
    limit = edit.get("sizeLimit")
    fixed = canonical(limit) if limit is not None else None
    if fixed is not None and fixed != limit:
        edit.set("sizeLimit", fixed)
    return edit.done()


def _ephemeral(source: Obj) -> Obj:
    def claim_template(template: Obj) -> Obj:
        edit = Edit(template)
        edit.sub("metadata", embedded_meta, create=True)
        edit.sub("spec", pvc_spec)
        return edit.done()

    edit = Edit(source)
    edit.sub("volumeClaimTemplate", claim_template)
    return edit.done()


def volume(vol: Obj) -> Obj:
    edit = Edit(vol)
    if not any(vol.get(kind) is not None for kind in VOLUME_SOURCES):
        edit.set("emptyDir", {})
    for kind in _MODE_SOURCES:
        edit.sub(kind, _set("defaultMode", 420))
    edit.sub("downwardAPI", _items_with_field_refs)
    edit.sub("projected", lambda p: each(p, "sources", fn=_projection))
    edit.sub("emptyDir", _empty_dir)
    edit.sub("ephemeral", _ephemeral)
    volume_sources(edit)
    return edit.done()


def pod_spec(spec: Obj, *, pod: bool) -> Obj:
    """``SetDefaults_PodSpec`` and, when ``pod``, what ``SetDefaults_Pod`` adds (a Pod, not a
    template: requests from limits, ``enableServiceLinks``, host ports under hostNetwork)."""
    edit = Edit(spec)
    edit.default_str("dnsPolicy", "ClusterFirst")
    edit.default_str("restartPolicy", "Always")
    edit.default("securityContext", {})
    edit.default("terminationGracePeriodSeconds", 30)
    edit.default_str("schedulerName", "default-scheduler")
    if pod:
        edit.default("enableServiceLinks", True)
    host_network = pod and spec.get("hostNetwork") is True
    for kind in ("containers", "initContainers"):
        edit.each(kind, lambda c: _container(c, pod=pod, host_network=host_network))
    edit.each("ephemeralContainers", lambda c: _container(c, pod=False, host_network=False))
    edit.each("volumes", volume)
    edit.sub("overhead", resource_list)
    return edit.done()


def embedded_meta(metadata: Obj) -> Obj:
    """An embedded ObjectMeta as Go 1.33 serializes it: a zero ``creationTimestamp`` is
    written as null."""
    if "creationTimestamp" in metadata:
        return metadata
    return {"creationTimestamp": None, **metadata}


def pod_template(template: Obj) -> Obj:
    edit = Edit(template)
    edit.sub("metadata", embedded_meta, create=True)
    edit.sub("spec", lambda s: pod_spec(s, pod=False))
    return edit.done()


def pvc_spec(spec: Obj) -> Obj:
    edit = Edit(spec)
    edit.default("volumeMode", "Filesystem")
    edit.sub("resources", resources, create=True)
    return edit.done()
