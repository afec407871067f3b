"""The table of built-in resources a Kubernetes 1.33 server serves: names, scope, verbs,
short names, categories and subresources. Discovery, routing and storage keys all read it.

Custom resources get :class:`Resource` values too (from their CRD), so every layer above
handles both the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

ALL_VERBS = ("create", "delete", "deletecollection", "get", "list", "patch", "update", "watch")
NO_COLLECTION = ("create", "delete", "get", "list", "patch", "update", "watch")
READ_VERBS = ("get", "list")
CREATE_ONLY = ("create",)
STATUS_VERBS = ("get", "patch", "update")


@dataclass(frozen=True, slots=True)
class Subresource:
    """``<resource>/<name>``; its response kind may live in another group (Scale, Eviction)."""

    name: str
    kind: str
    verbs: tuple[str, ...]
    group: str | None = None  # None: the parent's group and version
    version: str | None = None


@dataclass(frozen=True, slots=True)
class CustomResourceInfo:
    """What a CRD version adds to a served resource: its schema, printer columns, scale
    paths and selectable fields (None/empty when the CRD gives none)."""

    crd_name: str
    schema: Mapping[str, Any] | None = None
    printer_columns: tuple[Mapping[str, Any], ...] | None = None
    scale: Mapping[str, Any] | None = None
    selectable_fields: tuple[str, ...] = ()
    storage_version: str = ""


@dataclass(frozen=True, slots=True)
class Resource:
    """One resource of one group-version, as discovery describes it."""

    group: str
    version: str
    kind: str
    plural: str
    namespaced: bool
    verbs: tuple[str, ...] = ALL_VERBS
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    subresources: tuple[Subresource, ...] = ()
    singular: str = ""
    stored: bool = True  # False: a virtual resource (reviews, bindings): nothing persisted
    list_kind: str = field(default="")
    custom: CustomResourceInfo | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        if not self.singular:
            object.__setattr__(self, "singular", self.kind.lower())
        if not self.list_kind:
            object.__setattr__(self, "list_kind", self.kind + "List")

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_version(self) -> tuple[str, str]:
        return self.group, self.version

    @property
    def group_resource(self) -> str:
        """``deployments.apps``; just ``pods`` for the core group (as in error messages)."""
        return f"{self.plural}.{self.group}" if self.group else self.plural

    def subresource(self, name: str) -> Subresource | None:
        return next((s for s in self.subresources if s.name == name), None)

    def key_prefix(self, namespace: str | None = None) -> str:
        """The datastore prefix of this resource's objects, within one namespace if given."""
        base = f"/registry/{self.group or 'core'}/{self.plural}/"
        return base if namespace is None or not self.namespaced else f"{base}{namespace}/"

    def key(self, namespace: str | None, name: str) -> str:
        return f"{self.key_prefix(namespace)}{name}"


def _status(kind: str) -> Subresource:
    return Subresource("status", kind, STATUS_VERBS)


def _scale() -> Subresource:
    return Subresource("scale", "Scale", STATUS_VERBS, "autoscaling", "v1")


def _workload(kind: str, plural: str, short: tuple[str, ...], *, group: str = "apps",
              scale: bool = True) -> Resource:
    subs = (_scale(), _status(kind)) if scale else (_status(kind),)
    return Resource(group, "v1", kind, plural, True, short_names=short, categories=("all",),
                    subresources=subs)


_CONNECT = ("create", "delete", "get", "head", "options", "patch", "post", "put", "update")

CORE = (
    Resource("", "v1", "Binding", "bindings", True, CREATE_ONLY, stored=False),
    Resource("", "v1", "ComponentStatus", "componentstatuses", False, READ_VERBS,
             short_names=("cs",), stored=False),
    Resource("", "v1", "ConfigMap", "configmaps", True, short_names=("cm",)),
    Resource("", "v1", "Endpoints", "endpoints", True, short_names=("ep",)),
    Resource("", "v1", "Event", "events", True, short_names=("ev",)),
    Resource("", "v1", "LimitRange", "limitranges", True, short_names=("limits",)),
    Resource("", "v1", "Namespace", "namespaces", False, NO_COLLECTION, short_names=("ns",),
             subresources=(Subresource("finalize", "Namespace", ("update",)),
                           _status("Namespace"))),
    Resource("", "v1", "Node", "nodes", False, short_names=("no",),
             subresources=(Subresource("proxy", "NodeProxyOptions", _CONNECT),
                           _status("Node"))),
    Resource("", "v1", "PersistentVolumeClaim", "persistentvolumeclaims", True,
             short_names=("pvc",), subresources=(_status("PersistentVolumeClaim"),)),
    Resource("", "v1", "PersistentVolume", "persistentvolumes", False, short_names=("pv",),
             subresources=(_status("PersistentVolume"),)),
    Resource("", "v1", "Pod", "pods", True, short_names=("po",), categories=("all",),
             subresources=(
                 Subresource("attach", "PodAttachOptions", ("create", "get")),
                 Subresource("binding", "Binding", CREATE_ONLY),
                 Subresource("ephemeralcontainers", "Pod", STATUS_VERBS),
                 Subresource("eviction", "Eviction", CREATE_ONLY, "policy", "v1"),
                 Subresource("exec", "PodExecOptions", ("create", "get")),
                 Subresource("log", "Pod", ("get",)),
                 Subresource("portforward", "PodPortForwardOptions", ("create", "get")),
                 Subresource("proxy", "PodProxyOptions", _CONNECT),
                 Subresource("resize", "Pod", STATUS_VERBS),
                 _status("Pod"))),
    Resource("", "v1", "PodTemplate", "podtemplates", True),
    Resource("", "v1", "ReplicationController", "replicationcontrollers", True,
             short_names=("rc",), categories=("all",),
             subresources=(_scale(), _status("ReplicationController"))),
    Resource("", "v1", "ResourceQuota", "resourcequotas", True, short_names=("quota",),
             subresources=(_status("ResourceQuota"),)),
    Resource("", "v1", "Secret", "secrets", True),
    Resource("", "v1", "ServiceAccount", "serviceaccounts", True, short_names=("sa",),
             subresources=(Subresource("token", "TokenRequest", CREATE_ONLY,
                                       "authentication.k8s.io", "v1"),)),
    Resource("", "v1", "Service", "services", True, short_names=("svc",),
             categories=("all",),
             subresources=(Subresource("proxy", "ServiceProxyOptions", _CONNECT),
                           _status("Service"))),
)

_EXT = ("api-extensions",)


def _cluster(group: str, kind: str, plural: str, *, short: tuple[str, ...] = (),
             status: bool = False, categories: tuple[str, ...] = (),
             version: str = "v1") -> Resource:
    return Resource(group, version, kind, plural, False, short_names=short,
                    categories=categories, subresources=(_status(kind),) if status else ())


def _namespaced(group: str, kind: str, plural: str, *, short: tuple[str, ...] = (),
                status: bool = False, categories: tuple[str, ...] = (),
                version: str = "v1") -> Resource:
    return Resource(group, version, kind, plural, True, short_names=short,
                    categories=categories, subresources=(_status(kind),) if status else ())


def _review(group: str, kind: str, plural: str, *, namespaced: bool = False) -> Resource:
    return Resource(group, "v1", kind, plural, namespaced, CREATE_ONLY, stored=False)


_AUTHN = "authentication.k8s.io"
_AUTHZ = "authorization.k8s.io"
_ADMISSION = "admissionregistration.k8s.io"
_RBAC = "rbac.authorization.k8s.io"
_FLOW = "flowcontrol.apiserver.k8s.io"

GROUPS = (
    _cluster("apiregistration.k8s.io", "APIService", "apiservices", status=True,
             categories=_EXT),
    _namespaced("apps", "ControllerRevision", "controllerrevisions"),
    _workload("DaemonSet", "daemonsets", ("ds",), scale=False),
    _workload("Deployment", "deployments", ("deploy",)),
    _workload("ReplicaSet", "replicasets", ("rs",)),
    _workload("StatefulSet", "statefulsets", ("sts",)),
    _namespaced("events.k8s.io", "Event", "events", short=("ev",)),
    _review(_AUTHN, "SelfSubjectReview", "selfsubjectreviews"),
    _review(_AUTHN, "TokenReview", "tokenreviews"),
    _review(_AUTHZ, "LocalSubjectAccessReview", "localsubjectaccessreviews", namespaced=True),
    _review(_AUTHZ, "SelfSubjectAccessReview", "selfsubjectaccessreviews"),
    _review(_AUTHZ, "SelfSubjectRulesReview", "selfsubjectrulesreviews"),
    _review(_AUTHZ, "SubjectAccessReview", "subjectaccessreviews"),
    Resource("autoscaling", "v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers", True,
             short_names=("hpa",), categories=("all",),
             subresources=(_status("HorizontalPodAutoscaler"),)),
    _workload("CronJob", "cronjobs", ("cj",), group="batch", scale=False),
    _workload("Job", "jobs", (), group="batch", scale=False),
    Resource("certificates.k8s.io", "v1", "CertificateSigningRequest",
             "certificatesigningrequests", False, short_names=("csr",),
             subresources=(Subresource("approval", "CertificateSigningRequest", STATUS_VERBS),
                           _status("CertificateSigningRequest"))),
    _cluster("networking.k8s.io", "IngressClass", "ingressclasses"),
    _namespaced("networking.k8s.io", "Ingress", "ingresses", short=("ing",), status=True),
    _cluster("networking.k8s.io", "IPAddress", "ipaddresses", short=("ip",)),
    _namespaced("networking.k8s.io", "NetworkPolicy", "networkpolicies", short=("netpol",)),
    _cluster("networking.k8s.io", "ServiceCIDR", "servicecidrs", status=True),
    _namespaced("policy", "PodDisruptionBudget", "poddisruptionbudgets", short=("pdb",),
                status=True),
    _cluster(_RBAC, "ClusterRoleBinding", "clusterrolebindings"),
    _cluster(_RBAC, "ClusterRole", "clusterroles"),
    _namespaced(_RBAC, "RoleBinding", "rolebindings"),
    _namespaced(_RBAC, "Role", "roles"),
    _cluster("storage.k8s.io", "CSIDriver", "csidrivers"),
    _cluster("storage.k8s.io", "CSINode", "csinodes"),
    _namespaced("storage.k8s.io", "CSIStorageCapacity", "csistoragecapacities"),
    _cluster("storage.k8s.io", "StorageClass", "storageclasses", short=("sc",)),
    _cluster("storage.k8s.io", "VolumeAttachment", "volumeattachments", status=True),
    _cluster(_ADMISSION, "MutatingWebhookConfiguration", "mutatingwebhookconfigurations",
             categories=_EXT),
    _cluster(_ADMISSION, "ValidatingAdmissionPolicy", "validatingadmissionpolicies",
             status=True, categories=_EXT),
    _cluster(_ADMISSION, "ValidatingAdmissionPolicyBinding",
             "validatingadmissionpolicybindings", categories=_EXT),
    _cluster(_ADMISSION, "ValidatingWebhookConfiguration", "validatingwebhookconfigurations",
             categories=_EXT),
    _cluster("apiextensions.k8s.io", "CustomResourceDefinition", "customresourcedefinitions",
             short=("crd", "crds"), status=True, categories=_EXT),
    _cluster("scheduling.k8s.io", "PriorityClass", "priorityclasses", short=("pc",)),
    _namespaced("coordination.k8s.io", "Lease", "leases"),
    _cluster("node.k8s.io", "RuntimeClass", "runtimeclasses"),
    _namespaced("discovery.k8s.io", "EndpointSlice", "endpointslices"),
    _cluster(_FLOW, "FlowSchema", "flowschemas", status=True),
    _cluster(_FLOW, "PriorityLevelConfiguration", "prioritylevelconfigurations", status=True),
)

BUILTIN: tuple[Resource, ...] = CORE + GROUPS


class ResourceTable:
    """Every served resource, looked up by group-version and plural, or by kind.

    Built-ins are fixed; custom resources are added and removed as CRDs come and go, each
    change replacing the whole table (readers never see a half-updated one).
    """

    def __init__(self, resources: Iterable[Resource]) -> None:
        self._all = tuple(resources)
        self._by_path = {(r.group, r.version, r.plural): r for r in self._all}
        self._by_kind = {(r.group, r.version, r.kind): r for r in self._all if r.stored}
        order: dict[str, list[str]] = {}
        for r in self._all:
            versions = order.setdefault(r.group, [])
            if r.version not in versions:
                versions.append(r.version)
        self._versions = order

    def __iter__(self) -> Iterator[Resource]:
        return iter(self._all)

    def lookup(self, group: str, version: str, plural: str) -> Resource | None:
        return self._by_path.get((group, version, plural))

    def for_kind(self, group: str, version: str, kind: str) -> Resource | None:
        return self._by_kind.get((group, version, kind))

    def groups(self) -> dict[str, list[str]]:
        """Group name → its versions, most preferred first, in serving order."""
        return {g: list(v) for g, v in self._versions.items()}

    def in_group_version(self, group: str, version: str) -> list[Resource]:
        return [r for r in self._all if r.group == group and r.version == version]

    def with_custom(self, custom: Iterable[Resource]) -> ResourceTable:
        """A new table: the built-ins plus ``custom`` (custom resources never shadow one)."""
        builtin = [r for r in self._all if (r.group, r.version, r.plural) in _BUILTIN_PATHS]
        taken = set(_BUILTIN_PATHS)
        extra = [r for r in custom if (r.group, r.version, r.plural) not in taken]
        return ResourceTable([*builtin, *extra])


_BUILTIN_PATHS = frozenset((r.group, r.version, r.plural) for r in BUILTIN)
_BUILTIN_BY_NAME = {(r.group, r.plural): r for r in BUILTIN}


def builtin(group: str, plural: str) -> Resource:
    """The served built-in resource ``plural`` of ``group`` (the core group is "")."""
    return _BUILTIN_BY_NAME[group, plural]


def builtin_table() -> ResourceTable:
    return ResourceTable(BUILTIN)


def resources_from_crd(crd: Mapping[str, Any]) -> list[Resource]:
    """The resources an established CRD serves: one per served version."""
    spec = crd.get("spec") or {}
    names = (crd.get("status") or {}).get("acceptedNames") or spec.get("names") or {}
    group, kind, plural = spec.get("group", ""), names.get("kind", ""), names.get("plural", "")
    if not (group and kind and plural):
        return []
    versions = spec.get("versions") or []
    storage = next((v["name"] for v in versions if v.get("storage")), "")
    served = []
    for version in sorted(versions, key=lambda v: version_priority(v.get("name", ""))):
        if not version.get("served"):
            continue
        subresources = version.get("subresources") or {}
        subs = []
        if "scale" in subresources:
            subs.append(_scale())
        if "status" in subresources:
            subs.append(_status(kind))
        columns = version.get("additionalPrinterColumns")
        info = CustomResourceInfo(
            crd_name=(crd.get("metadata") or {}).get("name", ""),
            schema=(version.get("schema") or {}).get("openAPIV3Schema"),
            printer_columns=tuple(columns) if columns is not None else None,
            scale=subresources.get("scale"),
            selectable_fields=tuple(f.get("jsonPath", "") for f in
                                    version.get("selectableFields") or ()),
            storage_version=storage)
        served.append(Resource(
            group, version["name"], kind, plural, spec.get("scope") == "Namespaced",
            short_names=tuple(names.get("shortNames") or ()),
            categories=tuple(names.get("categories") or ()), subresources=tuple(subs),
            singular=names.get("singular") or kind.lower(),
            list_kind=names.get("listKind") or kind + "List", custom=info))
    return served


def version_priority(version: str) -> tuple[int, int, int, str]:
    """Sort key putting versions in Kubernetes' preference order: GA before beta before
    alpha, higher numbers first, anything else last by name (v1 > v1beta2 > v1alpha1)."""
    match = re.fullmatch(r"v(\d+)(?:(alpha|beta)(\d+))?", version)
    if match is None:
        return (3, 0, 0, version)
    stage = {None: 0, "beta": 1, "alpha": 2}[match.group(2)]
    return (stage, -int(match.group(1)), -int(match.group(3) or 0), version)
