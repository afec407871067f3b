"""Field selectors (``fieldSelector=spec.nodeName=n1,status.phase!=Failed``) as kube-apiserver
1.33 parses, checks and matches them.

Three steps, each with upstream's error text because kubectl prints it verbatim:

* parsing: terms split on unescaped commas, sorted, each split at its first ``!=``, ``==`` or
  ``=``; values unescaped (``\\,`` ``\\=`` ``\\\\``);
* label conversion: each resource accepts its own field labels (the scheme's field label
  conversion functions, keyed here by group and plural), with its own refusal message;
* matching: against the field set the resource's registry builds from an object (its
  ``GetAttrs``), where an absent field reads as ``""`` and numbers and booleans read as Go
  prints them (``status.replicas`` ``"0"``, ``spec.unschedulable`` ``"false"``).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from k3py.api.gorender import go_quote
from k3py.errors import BadRequest

Getter = Callable[[Mapping[str, Any]], str]

_ESCAPE_SEQUENCES = ("\\", ",", "=")


# -- syntax -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FieldRequirement:
    """One term: ``field=value`` (or ``==``), or ``field!=value`` when ``negated``."""

    field: str
    value: str
    negated: bool = False

    def __str__(self) -> str:
        return f"{self.field}{'!=' if self.negated else '='}{escape_field_value(self.value)}"


def escape_field_value(value: str) -> str:
    """A literal value made safe inside a field selector (what client-go's EscapeValue does)."""
    return value.replace("\\", "\\\\").replace(",", "\\,").replace("=", "\\=")


def unescape_field_value(value: str) -> str:
    """The literal behind an escaped value; bad escapes are refused as upstream refuses them."""
    if not any(ch in value for ch in _ESCAPE_SEQUENCES):
        return value
    out: list[str] = []
    in_escape = False
    for ch in value:
        if in_escape:
            if ch not in _ESCAPE_SEQUENCES:
                raise BadRequest(f"invalid field selector: invalid escape sequence: \\{ch}")
            out.append(ch)
            in_escape = False
        elif ch == "\\":
            in_escape = True
        elif ch in ",=":
            # upstream prints the rune with %v: its code point, e.g. 61 for '='
            raise BadRequest(f"invalid field selector: unescaped character in value: {ord(ch)}")
        else:
            out.append(ch)
    if in_escape:
        raise BadRequest("invalid field selector: invalid escape sequence: \\")
    return "".join(out)


def _split_terms(text: str) -> list[str]:
    terms: list[str] = []
    start, in_escape = 0, False
    for i, ch in enumerate(text):
        if in_escape:
            in_escape = False
        elif ch == "\\":
            in_escape = True
        elif ch == ",":
            terms.append(text[start:i])
            start = i + 1
    terms.append(text[start:])
    return terms


def _split_term(term: str) -> tuple[str, str, str] | None:
    for i in range(len(term)):
        for op in ("!=", "==", "="):
            if term.startswith(op, i):
                return term[:i], op, term[i + len(op):]
    return None


def parse_field_selector(text: str) -> tuple[FieldRequirement, ...]:
    """The terms of ``text`` in upstream's (sorted) order, labels not yet checked.

    No whitespace is trimmed: ``a = b`` is the label ``"a "`` with the value ``" b"``.
    """
    requirements: list[FieldRequirement] = []
    for part in sorted(_split_terms(text)) if text else ():
        if not part:
            continue
        split = _split_term(part)
        if split is None:
            raise BadRequest(f"invalid selector: '{text}'; can't understand '{part}'")
        label, op, raw = split
        value = unescape_field_value(raw)
        if label or value:  # upstream drops a term with neither ("=", "!=")
            requirements.append(FieldRequirement(label, value, op == "!="))
    return tuple(requirements)


# -- field sets: what each resource's GetAttrs exposes ---------------------------------------


def _lookup(obj: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    cur: Any = obj
    for key in path:
        cur = cur.get(key) if isinstance(cur, Mapping) else None
    return cur


def _at(*path: str) -> Getter:
    """A string field; ``""`` when absent."""
    def get(obj: Mapping[str, Any]) -> str:
        value = _lookup(obj, path)
        return value if isinstance(value, str) else ""
    return get


def _int_at(*path: str) -> Getter:
    """An integer field as Go's Itoa prints it: ``"0"`` when absent (the zero value)."""
    def get(obj: Mapping[str, Any]) -> str:
        value = _lookup(obj, path)
        return str(value) if isinstance(value, int) and not isinstance(value, bool) else "0"
    return get


def _bool_at(*path: str) -> Getter:
    """A boolean field as Go prints it: ``"false"`` when absent."""
    def get(obj: Mapping[str, Any]) -> str:
        return "true" if _lookup(obj, path) is True else "false"
    return get


def _absent(obj: Mapping[str, Any]) -> str:
    """A label the conversion accepts but the field set lacks (pods' status.podIPs)."""
    return ""


_NAME = _at("metadata", "name")
_NAMESPACE = _at("metadata", "namespace")


def _pod_ip(obj: Mapping[str, Any]) -> str:
    # internal PodIPs[0]; v1 podIP wins over podIPs when both are set (v1 -> internal conversion)
    status = obj.get("status")
    if not isinstance(status, Mapping):
        return ""
    ip = status.get("podIP")
    if isinstance(ip, str) and ip:
        return ip
    ips = status.get("podIPs")
    if isinstance(ips, list) and ips and isinstance(ips[0], Mapping):
        first = ips[0].get("ip")
        return first if isinstance(first, str) else ""
    return ""


def _pod_service_account(obj: Mapping[str, Any]) -> str:
    # v1's deprecated serviceAccount stands in when serviceAccountName is empty
    return _at("spec", "serviceAccountName")(obj) or _at("spec", "serviceAccount")(obj)


def _events_api(obj: Mapping[str, Any]) -> bool:
    version = obj.get("apiVersion")
    if isinstance(version, str) and version:
        return version.startswith("events.k8s.io/")
    return "regarding" in obj


def _involved(name: str) -> Getter:
    core, new = _at("involvedObject", name), _at("regarding", name)
    return lambda obj: new(obj) if _events_api(obj) else core(obj)


def _reporting(obj: Mapping[str, Any]) -> str:
    return _at("reportingController" if _events_api(obj) else "reportingComponent")(obj)


def _event_source(obj: Mapping[str, Any]) -> str:
    source = _at("deprecatedSource" if _events_api(obj) else "source", "component")(obj)
    return source or _reporting(obj)


@dataclass(frozen=True, slots=True, eq=False)
class _Kind:
    """What one resource accepts (request label -> matched label) and how it reads values."""

    labels: Mapping[str, str]
    getters: Mapping[str, Getter]
    refusal: Callable[[str], str]


def _kind(getters: Mapping[str, Getter], refusal: Callable[[str], str], *,
          renames: Mapping[str, str] | None = None, extra: Iterable[str] = ()) -> _Kind:
    labels = {label: label for label in getters}
    labels.update({label: label for label in extra})
    labels.update(renames or {})
    return _Kind(labels, dict(getters), refusal)


def _not_supported(label: str) -> str:
    return f"field label not supported: {label}"


def _unknown(label: str) -> str:
    return f'{go_quote(label)} is not a known field selector: only "metadata.name", ' \
           '"metadata.namespace"'


_META = {"metadata.name": _NAME, "metadata.namespace": _NAMESPACE}
_EVENT_GETTERS: dict[str, Getter] = {
    **_META,
    **{f"involvedObject.{f}": _involved(f) for f in (
        "kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")},
    "reason": _at("reason"), "reportingComponent": _reporting, "source": _event_source,
    "type": _at("type"),
}

_KINDS: dict[tuple[str, str], _Kind] = {
    ("", "pods"): _kind({
        **_META, "spec.nodeName": _at("spec", "nodeName"),
        "spec.restartPolicy": _at("spec", "restartPolicy"),
        "spec.schedulerName": _at("spec", "schedulerName"),
        "spec.serviceAccountName": _pod_service_account,
        "spec.hostNetwork": _bool_at("spec", "hostNetwork"),
        "status.phase": _at("status", "phase"), "status.podIP": _pod_ip,
        "status.nominatedNodeName": _at("status", "nominatedNodeName"),
    }, _not_supported, extra=["status.podIPs"], renames={"spec.host": "spec.nodeName"}),
    ("", "nodes"): _kind({"metadata.name": _NAME,
                          "spec.unschedulable": _bool_at("spec", "unschedulable")},
                         _not_supported),
    ("", "replicationcontrollers"): _kind(
        {**_META, "status.replicas": _int_at("status", "replicas")}, _not_supported),
    ("", "events"): _kind(_EVENT_GETTERS, _not_supported),
    # events.k8s.io names map onto the field set core events expose
    ("events.k8s.io", "events"): _Kind({
        "reason": "reason", "type": "type", "source": "source",
        "metadata.name": "metadata.name", "metadata.namespace": "metadata.namespace",
        "reportingController": "reportingComponent",
        **{f"regarding.{f}": f"involvedObject.{f}" for f in (
            "kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath")},
    }, _EVENT_GETTERS, _not_supported),
    ("", "namespaces"): _kind({"metadata.name": _NAME, "status.phase": _at("status", "phase")},
                              _not_supported),
    ("", "secrets"): _kind({**_META, "type": _at("type")}, _not_supported),
    ("", "services"): _kind({**_META, "spec.clusterIP": _at("spec", "clusterIP"),
                             "spec.type": _at("spec", "type")}, _not_supported),
    ("batch", "jobs"): _kind(
        {**_META, "status.successful": _int_at("status", "succeeded")},
        lambda label: f"field label {go_quote(label)} not supported for batchv1.Job"),
    ("certificates.k8s.io", "certificatesigningrequests"): _kind(
        {"metadata.name": _NAME, "spec.signerName": _at("spec", "signerName")}, _not_supported),
    ("certificates.k8s.io", "clustertrustbundles"): _kind(
        {"metadata.name": _NAME, "spec.signerName": _at("spec", "signerName")}, _not_supported),
    ("resource.k8s.io", "resourceslices"): _kind(
        {"metadata.name": _NAME, "spec.nodeName": _at("spec", "nodeName"),
         "spec.driver": _at("spec", "driver")},
        lambda label: "field label not supported for resource.k8s.io/v1beta1, "
                      f"Kind=ResourceSlice: {label}"),
}

BUILTIN_GROUPS = frozenset({
    "", "admissionregistration.k8s.io", "apiextensions.k8s.io", "apiregistration.k8s.io",
    "apps", "authentication.k8s.io", "authorization.k8s.io", "autoscaling", "batch",
    "certificates.k8s.io", "coordination.k8s.io", "discovery.k8s.io", "events.k8s.io",
    "flowcontrol.apiserver.k8s.io", "internal.apiserver.k8s.io", "metrics.k8s.io",
    "networking.k8s.io", "node.k8s.io", "policy", "rbac.authorization.k8s.io",
    "resource.k8s.io", "scheduling.k8s.io", "storage.k8s.io", "storagemigration.k8s.io",
})


def _custom_value(path: tuple[str, ...]) -> Getter:
    """A CRD selectable field, printed as Go's fmt.Sprint prints JSON scalars."""
    def get(obj: Mapping[str, Any]) -> str:
        cur = _lookup(obj, path)
        if isinstance(cur, bool):
            return "true" if cur else "false"
        if isinstance(cur, str):
            return cur
        if isinstance(cur, int):
            return str(cur)
        if isinstance(cur, float):
            return str(int(cur)) if cur.is_integer() and abs(cur) < 1e21 else repr(cur)
        return ""
    return get


@functools.lru_cache(maxsize=256)
def _kind_for(group: str, resource: str, namespaced: bool, extra_fields: tuple[str, ...],
              custom: bool) -> _Kind:
    if not custom:
        known = _KINDS.get((group, resource))
        if known is not None:
            return known
        # scheme default: name and namespace, whatever the scope
        getters = {"metadata.name": _NAME}
        if namespaced:
            getters["metadata.namespace"] = _NAMESPACE
        return _kind(getters, _unknown, extra=["metadata.namespace"])
    getters = dict(_META) if namespaced else {"metadata.name": _NAME}
    for json_path in extra_fields:
        label = json_path.removeprefix(".")
        getters[label] = _custom_value(tuple(label.split(".")))
    return _kind(getters, _not_supported)


def _resolve(group: str, resource: str, namespaced: bool, extra_fields: Iterable[str],
             custom: bool | None) -> _Kind:
    extra = tuple(extra_fields)
    if custom is None:
        custom = bool(extra) or group not in BUILTIN_GROUPS
    return _kind_for(group, resource, namespaced, extra, custom)


# -- compiled selectors -----------------------------------------------------------------------


class FieldSelector:
    """Field requirements (labels already converted) ANDed, with the resource's value readers.

    ``matches`` takes the object as its JSON dict; an empty selector matches everything.
    """

    __slots__ = ("_checks", "requirements")

    def __init__(self, requirements: Iterable[FieldRequirement] = (),
                 getters: Mapping[str, Getter] | None = None) -> None:
        self.requirements = tuple(requirements)
        readers = getters or {}
        self._checks = tuple((readers.get(r.field, _absent), r.value, r.negated)
                             for r in self.requirements)

    def matches(self, obj: Mapping[str, Any]) -> bool:
        for read, value, negated in self._checks:  # noqa: SIM110 -- a loop beats all() here
            if (read(obj) == value) is negated:
                return False
        return True

    @property
    def empty(self) -> bool:
        return not self.requirements

    def requires_exact_match(self, field: str) -> str | None:
        """The value an ``=`` term demands of ``field`` (the first such term), else None."""
        for requirement in self.requirements:
            if requirement.field == field and not requirement.negated:
                return requirement.value
        return None

    def name(self) -> str | None:
        """The name a ``metadata.name=X`` term pins, so a list or watch can become a point
        read. Like upstream's MatchesSingle, other terms may remain: still apply ``matches``."""
        return self.requires_exact_match("metadata.name")

    def namespace(self) -> str | None:
        """The namespace a ``metadata.namespace=X`` term pins, else None."""
        return self.requires_exact_match("metadata.namespace")

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)

    def __repr__(self) -> str:
        return f"FieldSelector({str(self)!r})"

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, FieldSelector):
            return NotImplemented
        return self.requirements == other.requirements

    def __hash__(self) -> int:
        return hash(self.requirements)


@functools.lru_cache(maxsize=512)
def _compile(text: str, kind: _Kind) -> FieldSelector:
    converted: list[FieldRequirement] = []
    for requirement in parse_field_selector(text):
        label = kind.labels.get(requirement.field)
        if label is None:
            raise BadRequest(kind.refusal(requirement.field))
        converted.append(FieldRequirement(label, requirement.value, requirement.negated))
    return FieldSelector(converted, kind.getters)


def compile_field_selector(text: str, *, group: str, resource: str, namespaced: bool,
                           extra_fields: Iterable[str] = (),
                           custom: bool | None = None) -> FieldSelector:
    """Parse ``text`` and check its labels for ``group``/``resource`` (plural) as 1.33 does.

    ``extra_fields`` are a CRD version's ``selectableFields`` JSON paths (``.spec.color``).
    ``custom`` says whether this is a custom resource; by default, any group outside the
    built-in ones, or any resource given ``extra_fields``. Unparsable text or an unsupported
    label raises :class:`BadRequest` with upstream's message.
    """
    kind = _resolve(group, resource, namespaced, extra_fields, custom)
    return _compile(text, kind)


def supported_field_labels(*, group: str, resource: str, namespaced: bool,
                           extra_fields: Iterable[str] = (),
                           custom: bool | None = None) -> frozenset[str]:
    """Every field label a fieldSelector may name for this resource."""
    return frozenset(_resolve(group, resource, namespaced, extra_fields, custom).labels)


def field_set(obj: Mapping[str, Any], *, group: str, resource: str, namespaced: bool,
              extra_fields: Iterable[str] = (), custom: bool | None = None) -> dict[str, str]:
    """The fields of ``obj`` as the resource's GetAttrs exposes them (what selectors match,
    and what a watch cache may index)."""
    kind = _resolve(group, resource, namespaced, extra_fields, custom)
    return {label: read(obj) for label, read in kind.getters.items()}
