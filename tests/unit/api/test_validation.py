"""Validation: the causes kube-apiserver 1.33 reports, with its field paths, reasons and
messages (the text kubectl prints after ``is invalid:``)."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from k3py.api.defaults import apply_defaults, job_selector_defaults
from k3py.api.meta import invalid
from k3py.api.validation import validate
from k3py.api.validators.cron import CronError, parse_standard
from k3py.api.validators.quantity import QuantityError, canonical, parse_quantity

Obj = dict[str, Any]

LABEL_MSG = ("a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
             "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
             "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')")
SUBDOMAIN_MSG = ("a lowercase RFC 1123 subdomain must consist of lower case alphanumeric "
                 "characters, '-' or '.', and must start and end with an alphanumeric character "
                 "(e.g. 'example.com', regex used for validation is "
                 "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")
DNS1035_MSG = ("a DNS-1035 label must consist of lower case alphanumeric characters or '-', "
               "start with an alphabetic character, and end with an alphanumeric character "
               "(e.g. 'my-name',  or 'abc-123', regex used for validation is "
               "'[a-z]([-a-z0-9]*[a-z0-9])?')")


def defaulted(group: str, kind: str, obj: Obj, version: str = "v1") -> Obj:
    return apply_defaults(group, version, kind, obj)


def deployment(**labels: str) -> Obj:
    return defaulted("apps", "Deployment", {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
        "spec": {"selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": labels or {"app": "web"}},
                              "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}})


def pod(**spec: Any) -> Obj:
    body = {"containers": [{"name": "app", "image": "nginx"}], **spec}
    return defaulted("", "Pod", {"apiVersion": "v1", "kind": "Pod",
                                 "metadata": {"name": "p", "namespace": "default"},
                                 "spec": body})


def stored(obj: Obj, rv: str = "1") -> Obj:
    """``obj`` as the server would hold it: identity fields filled in."""
    out = copy.deepcopy(obj)
    out["metadata"].setdefault("uid", "5e5b2bd1-0000-0000-0000-000000000001")
    out["metadata"].update(resourceVersion=rv, creationTimestamp="2025-05-01T10:00:00Z")
    return out


def test_valid_deployment_has_no_causes() -> None:
    assert validate("apps", "v1", "Deployment", deployment()) == []


def test_selector_must_match_template_labels() -> None:
    causes = validate("apps", "v1", "Deployment", deployment(app="x"))
    assert causes == [("spec.template.metadata.labels", "FieldValueInvalid",
                       'Invalid value: map[string]string{"app":"x"}: `selector` does not match '
                       "template `labels`")]
    error = invalid("Deployment", "web", causes, group="apps")
    assert str(error).endswith('"web" is invalid: spec.template.metadata.labels: Invalid value: '
                               'map[string]string{"app":"x"}: `selector` does not match template '
                               "`labels`")


def test_deployment_selector_is_required_non_empty_and_immutable() -> None:
    obj = deployment()
    del obj["spec"]["selector"]
    assert ("spec.selector", "FieldValueRequired", "Required value") in validate(
        "apps", "v1", "Deployment", obj)
    obj["spec"]["selector"] = {}
    assert validate("apps", "v1", "Deployment", obj) == [
        ("spec.selector", "FieldValueInvalid",
         "Invalid value: v1.LabelSelector{MatchLabels:map[string]string(nil), "
         "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: empty selector is invalid for "
         "deployment")]
    old = stored(deployment())
    new = copy.deepcopy(old)
    new["spec"]["selector"] = {"matchLabels": {"app": "web2"}}
    new["spec"]["template"]["metadata"]["labels"] = {"app": "web2"}
    assert validate("apps", "v1", "Deployment", new, old) == [
        ("spec.selector", "FieldValueInvalid",
         'Invalid value: v1.LabelSelector{MatchLabels:map[string]string{"app":"web2"}, '
         "MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable")]


def test_deployment_replicas_strategy_and_restart_policy() -> None:
    obj = deployment()
    obj["spec"]["replicas"] = -1
    obj["spec"]["strategy"] = {"type": "RollingUpdate",
                               "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 0}}
    obj["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    assert validate("apps", "v1", "Deployment", obj) == [
        ("spec.replicas", "FieldValueInvalid",
         "Invalid value: -1: must be greater than or equal to 0"),
        ("spec.template.spec.restartPolicy", "FieldValueNotSupported",
         'Unsupported value: "Never": supported values: "Always"'),
        ("spec.strategy.rollingUpdate.maxUnavailable", "FieldValueInvalid",
         'Invalid value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when '
         "`maxSurge` is 0"),
    ]


def test_name_is_required_unless_generate_name() -> None:
    obj = deployment()
    del obj["metadata"]["name"]
    assert validate("apps", "v1", "Deployment", obj) == [
        ("metadata.name", "FieldValueRequired",
         "Required value: name or generateName is required")]
    obj["metadata"]["generateName"] = "web-"
    obj["metadata"]["name"] = "web-x7k2p"
    assert validate("apps", "v1", "Deployment", obj) == []


@pytest.mark.parametrize(("group", "kind", "name", "messages"), [
    ("", "ConfigMap", "Bad_Name", [SUBDOMAIN_MSG]),
    ("", "Service", "1web", [DNS1035_MSG]),
    ("apps", "StatefulSet", "db.prod", ["must not contain dots"]),
    ("", "Namespace", "x" * 64, ["must be no more than 63 characters"]),
    ("rbac.authorization.k8s.io", "ClusterRole", "a/b", ["may not contain '/'"]),
    ("example.com", "Widget", "..", ["may not be '..'"]),
])
def test_names_are_checked_per_resource(group: str, kind: str, name: str,
                                        messages: list[str]) -> None:
    obj: Obj = {"metadata": {"name": name}}
    if kind not in ("Namespace", "ClusterRole"):
        obj["metadata"]["namespace"] = "default"
    causes = validate(group, "v1", kind, defaulted(group, kind, obj))
    name_causes = [c for c in causes if c[0] == "metadata.name"]
    from k3py.api.gorender import go_quote
    assert name_causes == [("metadata.name", "FieldValueInvalid",
                            f"Invalid value: {go_quote(name)}: {m}") for m in messages]


def test_namespace_is_required_for_namespaced_kinds_and_forbidden_otherwise() -> None:
    cm = {"metadata": {"name": "c"}}
    assert validate("", "v1", "ConfigMap", cm) == [
        ("metadata.namespace", "FieldValueRequired", "Required value")]
    ns = defaulted("", "Namespace", {"metadata": {"name": "a", "namespace": "b"}})
    assert validate("", "v1", "Namespace", ns) == [
        ("metadata.namespace", "FieldValueForbidden", "Forbidden: not allowed on this type")]


def test_label_and_annotation_syntax_and_size() -> None:
    cm = {"metadata": {"name": "c", "namespace": "d",
                       "labels": {"ok": "fine", "bad key": "-v-"},
                       "annotations": {"example.com/": "x", "big": "x" * (256 * 1024)}}}
    assert validate("", "v1", "ConfigMap", cm) == [
        ("metadata.labels", "FieldValueInvalid",
         'Invalid value: "bad key": name part must consist of alphanumeric characters, \'-\', '
         "'_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or "
         "'my.name',  or '123-abc', regex used for validation is "
         "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"),
        ("metadata.labels", "FieldValueInvalid",
         'Invalid value: "-v-": a valid label must be an empty string or consist of '
         "alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric "
         "character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
         "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"),
        ("metadata.annotations", "FieldValueInvalid",
         'Invalid value: "example.com/": name part must be non-empty'),
        ("metadata.annotations", "FieldValueInvalid",
         "Invalid value: \"example.com/\": name part must consist of alphanumeric characters, "
         "'-', '_' or '.', and must start and end with an alphanumeric character (e.g. "
         "'MyName',  or 'my.name',  or '123-abc', regex used for validation is "
         "'([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')"),
        ("metadata.annotations", "FieldValueTooLong",
         "Too long: may not be more than 262144 bytes"),
    ]


def test_update_needs_resource_version_and_keeps_identity() -> None:
    old = stored(deployment())
    new = copy.deepcopy(old)
    del new["metadata"]["resourceVersion"]
    new["metadata"]["uid"] = "other"
    assert validate("apps", "v1", "Deployment", new, old) == [
        ("metadata.resourceVersion", "FieldValueInvalid",
         'Invalid value: "": must be specified for an update'),
        ("metadata.uid", "FieldValueInvalid", 'Invalid value: "other": field is immutable')]


def test_config_map_keys_size_and_immutability() -> None:
    cm = {"metadata": {"name": "c", "namespace": "d"},
          "data": {"a b": "1", "ok": "x" * (1024 * 1024)}}
    assert validate("", "v1", "ConfigMap", cm) == [
        ("data[a b]", "FieldValueInvalid",
         "Invalid value: \"a b\": a valid config key must consist of alphanumeric characters, "
         "'-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for "
         "validation is '[-._a-zA-Z0-9]+')"),
        ("", "FieldValueTooLong", "Too long: may not be more than 1048576 bytes")]
    old = stored({"metadata": {"name": "c", "namespace": "d"}, "immutable": True,
                  "data": {"a": "1"}})
    new = copy.deepcopy(old)
    new["data"]["a"] = "2"
    assert validate("", "v1", "ConfigMap", new, old) == [
        ("data", "FieldValueForbidden", "Forbidden: field is immutable when `immutable` is set")]


def test_secret_types_need_their_keys() -> None:
    def secret(kind: str, data: Obj, **meta: Any) -> Obj:
        return defaulted("", "Secret", {"metadata": {"name": "s", "namespace": "d", **meta},
                                        "type": kind, "data": data})

    assert validate("", "v1", "Secret", secret("kubernetes.io/tls", {"tls.crt": "eA=="})) == [
        ("data[tls.key]", "FieldValueRequired", "Required value")]
    assert validate("", "v1", "Secret", secret("kubernetes.io/dockerconfigjson", {})) == [
        ("data[.dockerconfigjson]", "FieldValueRequired", "Required value")]
    assert validate("", "v1", "Secret", secret("kubernetes.io/service-account-token", {})) == [
        ("metadata.annotations[kubernetes.io/service-account.name]", "FieldValueRequired",
         "Required value")]
    good = secret("kubernetes.io/dockerconfigjson", {".dockerconfigjson": "eyJhdXRocyI6e319"})
    assert validate("", "v1", "Secret", good) == []
    old = stored(secret("Opaque", {}))
    new = copy.deepcopy(old)
    new["type"] = "kubernetes.io/basic-auth"
    new["data"] = {"username": "YQ=="}
    assert validate("", "v1", "Secret", new, old) == [
        ("type", "FieldValueInvalid",
         'Invalid value: "kubernetes.io/basic-auth": field is immutable')]


def test_pod_containers_ports_and_policies() -> None:
    assert validate("", "v1", "Pod", pod()) == []
    bad = pod(containers=[{"name": "app", "image": "nginx", "ports": [{"containerPort": 70000}]},
                          {"name": "app"}], restartPolicy="Sometimes")
    assert validate("", "v1", "Pod", bad) == [
        ("spec.containers[0].ports[0].containerPort", "FieldValueInvalid",
         "Invalid value: 70000: must be between 1 and 65535, inclusive"),
        ("spec.containers[1].image", "FieldValueRequired", "Required value"),
        ("spec.containers[1].name", "FieldValueDuplicate", 'Duplicate value: "app"'),
        ("spec.restartPolicy", "FieldValueNotSupported",
         'Unsupported value: "Sometimes": supported values: "Always", "OnFailure", "Never"')]
    assert validate("", "v1", "Pod", pod(containers=[])) == [
        ("spec.containers", "FieldValueRequired", "Required value")]
    caps = validate("", "v1", "Pod", pod(containers=[{"name": "Web_1", "image": "x"}]))
    assert caps == [("spec.containers[0].name", "FieldValueInvalid",
                     f'Invalid value: "Web_1": {LABEL_MSG}')]


def test_pod_resources_and_mounts() -> None:
    obj = pod(containers=[{"name": "app", "image": "nginx",
                           "resources": {"requests": {"cpu": "2", "memory": "1Mb"},
                                         "limits": {"cpu": "1"}},
                           "volumeMounts": [{"name": "data", "mountPath": "/data"}]}])
    assert validate("", "v1", "Pod", obj) == [
        ("spec.containers[0].volumeMounts[0].name", "FieldValueNotFound",
         'Not found: "data"'),
        ("spec.containers[0].resources.requests", "FieldValueInvalid",
         'Invalid value: "2": must be less than or equal to cpu limit of 1'),
        ("spec.containers[0].resources.requests[memory]", "FieldValueInvalid",
         "Invalid value: \"1Mb\": quantities must match the regular expression "
         "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")]


def test_pod_update_may_only_change_images_and_a_few_fields() -> None:
    old = stored(pod())
    new = copy.deepcopy(old)
    new["spec"]["containers"][0]["image"] = "nginx:1.27"
    assert validate("", "v1", "Pod", new, old) == []
    new["spec"]["containers"][0]["ports"] = [{"containerPort": 80, "protocol": "TCP"}]
    assert validate("", "v1", "Pod", new, old) == [
        ("spec", "FieldValueForbidden",
         "Forbidden: pod updates may not change fields other than `spec.containers[*].image`,"
         "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only "
         "additions to existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be "
         "set to 1 if it was previously negative)")]


def test_job_restart_policy_and_generated_selector() -> None:
    job = defaulted("batch", "Job", {"metadata": {"name": "pi", "namespace": "default"},
                                     "spec": {"template": {"spec": {
                                         "containers": [{"name": "pi", "image": "perl"}]}}}})
    uid = "0f0b1b2c-1111-2222-3333-444455556666"
    job = job_selector_defaults(job, uid)
    job["metadata"]["uid"] = uid
    assert validate("batch", "v1", "Job", job) == [
        ("spec.template.spec.restartPolicy", "FieldValueRequired",
         'Required value: valid values: "OnFailure", "Never"')]
    job["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    assert validate("batch", "v1", "Job", job) == []
    old = stored(job)
    new = copy.deepcopy(old)
    new["spec"]["template"]["spec"]["containers"][0]["image"] = "perl:5.40"
    causes = validate("batch", "v1", "Job", new, old)
    assert [(f, r) for f, r, _ in causes] == [("spec.template", "FieldValueInvalid")]
    assert causes[0][2].endswith(": field is immutable")


def test_job_without_uid_fails_the_generated_selector_check() -> None:
    job = defaulted("batch", "Job", {"metadata": {"name": "pi", "namespace": "default"},
                                     "spec": {"template": {"spec": {
                                         "restartPolicy": "Never",
                                         "containers": [{"name": "pi", "image": "perl"}]}}}})
    job = job_selector_defaults(job, "u1")
    assert validate("batch", "v1", "Job", job)[0] == (
        "metadata.uid", "FieldValueRequired", "Required value")


def cron_job(schedule: str, name: str = "backup", **spec: Any) -> Obj:
    return defaulted("batch", "CronJob", {
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"schedule": schedule, **spec, "jobTemplate": {"spec": {"template": {"spec": {
            "restartPolicy": "OnFailure", "containers": [{"name": "c", "image": "busybox"}]}}}}}})


@pytest.mark.parametrize("schedule", ["*/5 * * * *", "0 3 * * mon-fri", "@hourly",
                                      "@every 1h30m", "0 0 1 jan,jul *", "15,45 */2 1-7 * 0"])
def test_cron_job_accepts_standard_schedules(schedule: str) -> None:
    assert validate("batch", "v1", "CronJob", cron_job(schedule)) == []


@pytest.mark.parametrize(("schedule", "message"), [
    ("* * *", "expected exactly 5 fields, found 3: [* * *]"),
    ("60 * * * *", "end of range (60) above maximum (59): 60"),
    ("@fortnightly", "unrecognized descriptor: @fortnightly"),
    ("x * * * *", 'failed to parse int from x: strconv.Atoi: parsing "x": invalid syntax'),
    ("5-1 * * * *", "beginning of range (5) beyond end of range (1): 5-1"),
])
def test_cron_job_schedule_errors(schedule: str, message: str) -> None:
    assert validate("batch", "v1", "CronJob", cron_job(schedule)) == [
        ("spec.schedule", "FieldValueInvalid", f'Invalid value: "{schedule}": {message}')]


def test_cron_job_time_zone_rules_and_name_length() -> None:
    assert validate("batch", "v1", "CronJob", cron_job("TZ=UTC 0 * * * *")) == [
        ("spec.schedule", "FieldValueInvalid", 'Invalid value: "TZ=UTC 0 * * * *": cannot use '
         "TZ or CRON_TZ in schedule, use timeZone field instead")]
    assert validate("batch", "v1", "CronJob", cron_job("0 * * * *",
                                                      timeZone="Europe/Berlin")) == []
    assert validate("batch", "v1", "CronJob", cron_job("0 * * * *", timeZone="Mars/Olympus")) == [
        ("spec.timeZone", "FieldValueInvalid",
         'Invalid value: "Mars/Olympus": unknown time zone Mars/Olympus')]
    assert validate("batch", "v1", "CronJob", cron_job("0 * * * *", name="c" * 53)) == [
        ("metadata.name", "FieldValueInvalid",
         f'Invalid value: "{"c" * 53}": must be no more than 52 characters')]


def service(**spec: Any) -> Obj:
    return defaulted("", "Service", {"metadata": {"name": "web", "namespace": "default"},
                                     "spec": spec})


def test_service_ports_types_and_node_ports() -> None:
    assert validate("", "v1", "Service", service(ports=[{"port": 80}])) == []
    assert validate("", "v1", "Service", service()) == [
        ("spec.ports", "FieldValueRequired", "Required value")]
    assert validate("", "v1", "Service", service(clusterIP="None")) == []
    two = service(type="NodePort", ports=[{"port": 80, "nodePort": 80}, {"port": 443}])
    assert validate("", "v1", "Service", two) == [
        ("spec.ports[0].name", "FieldValueRequired", "Required value"),
        ("spec.ports[1].name", "FieldValueRequired", "Required value"),
        ("spec.ports[0].nodePort", "FieldValueInvalid", "Invalid value: 80: provided port is "
         "not in the valid range. The range of valid ports is 30000-32767")]
    assert validate("", "v1", "Service", service(type="Magic", ports=[{"port": 1}]))[0] == (
        "spec.type", "FieldValueNotSupported", 'Unsupported value: "Magic": supported values: '
        '"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"')


def test_service_cluster_ip_cannot_change() -> None:
    old = stored(service(ports=[{"port": 80}], clusterIP="10.43.0.10"))
    new = copy.deepcopy(old)
    new["spec"]["clusterIP"] = "10.43.0.11"
    new["spec"]["clusterIPs"] = ["10.43.0.11"]
    assert validate("", "v1", "Service", new, old) == [
        ("spec.clusterIPs[0]", "FieldValueInvalid",
         'Invalid value: []string{"10.43.0.11"}: may not change once set')]


def test_rbac_rules_and_role_ref() -> None:
    role = {"metadata": {"name": "r", "namespace": "d"}, "rules": [{"resources": ["pods"]}]}
    assert validate("rbac.authorization.k8s.io", "v1", "Role", role) == [
        ("rules[0].verbs", "FieldValueRequired",
         "Required value: verbs must contain at least one value"),
        ("rules[0].apiGroups", "FieldValueRequired",
         "Required value: resource rules must supply at least one api group")]
    binding = defaulted("rbac.authorization.k8s.io", "RoleBinding", {
        "metadata": {"name": "b", "namespace": "d"},
        "roleRef": {"kind": "ClusterRole", "name": "view"},
        "subjects": [{"kind": "User", "name": "jane"}]})
    assert validate("rbac.authorization.k8s.io", "v1", "RoleBinding", binding) == []
    old = stored(binding)
    new = copy.deepcopy(old)
    new["roleRef"]["name"] = "edit"
    assert validate("rbac.authorization.k8s.io", "v1", "RoleBinding", new, old) == [
        ("roleRef", "FieldValueInvalid",
         'Invalid value: rbac.RoleRef{APIGroup:"rbac.authorization.k8s.io", '
         'Kind:"ClusterRole", Name:"edit"}: cannot change roleRef')]


def test_pdb_ingress_and_priority_class() -> None:
    pdb = {"metadata": {"name": "p", "namespace": "d"},
           "spec": {"minAvailable": 1, "maxUnavailable": "150%"}}
    causes = validate("policy", "v1", "PodDisruptionBudget", pdb)
    assert [(f, m.split(":")[-1].strip()) for f, _, m in causes] == [
        ("spec", "minAvailable and maxUnavailable cannot be both set"),
        ("spec.maxUnavailable", "must not be greater than 100%")]
    ing = {"metadata": {"name": "i", "namespace": "d"}, "spec": {"rules": [{"http": {"paths": [
        {"path": "api", "pathType": "Prefix",
         "backend": {"service": {"name": "web", "port": {"number": 80}}}},
        {"path": "/", "backend": {"service": {"name": "web", "port": {"number": 80}}}}]}}]}}
    assert validate("networking.k8s.io", "v1", "Ingress", ing) == [
        ("spec.rules[0].http.paths[0].path", "FieldValueInvalid",
         'Invalid value: "api": must be an absolute path'),
        ("spec.rules[0].http.paths[1].pathType", "FieldValueRequired",
         "Required value: pathType must be specified")]
    pc = defaulted("scheduling.k8s.io", "PriorityClass", {"metadata": {"name": "high"},
                                                          "value": 2_000_000_000})
    assert validate("scheduling.k8s.io", "v1", "PriorityClass", pc) == [
        ("value", "FieldValueForbidden",
         "Forbidden: maximum allowed value of a user defined priority is 1000000000")]


def test_stateful_set_spec_is_mostly_immutable() -> None:
    sts = defaulted("apps", "StatefulSet", {
        "metadata": {"name": "db", "namespace": "d"},
        "spec": {"selector": {"matchLabels": {"app": "db"}}, "serviceName": "db",
                 "template": {"metadata": {"labels": {"app": "db"}}, "spec": {
                     "containers": [{"name": "db", "image": "postgres"}]}}}})
    assert validate("apps", "v1", "StatefulSet", sts) == []
    old = stored(sts)
    new = copy.deepcopy(old)
    new["spec"]["replicas"] = 3
    assert validate("apps", "v1", "StatefulSet", new, old) == []
    new["spec"]["serviceName"] = "other"
    assert validate("apps", "v1", "StatefulSet", new, old) == [
        ("spec", "FieldValueForbidden",
         "Forbidden: updates to statefulset spec for fields other than 'replicas', 'ordinals', "
         "'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and "
         "'minReadySeconds' are forbidden")]


def test_status_updates_check_metadata_only() -> None:
    old = stored(deployment())
    new = copy.deepcopy(old)
    new["spec"]["template"]["metadata"]["labels"] = {"app": "x"}
    assert validate("apps", "v1", "Deployment", new, old, subresource="status") == []


def test_repeated_causes_are_reported_once() -> None:
    old = stored(deployment())
    new = copy.deepcopy(old)
    new["metadata"]["labels"] = {"a": "-"}
    causes = validate("apps", "v1", "Deployment", new, old)
    assert len(causes) == len(set(causes)) == 1


@pytest.mark.parametrize(("raw", "expected"), [
    ("1Gi", "1Gi"), ("1024Ki", "1Mi"), ("0.1", "100m"), ("1.1m", "1100u"), ("-2", "-2"),
    ("12e6", "12e6"), ("0.1Mi", "104857600m"), (".5", "500m"),
])
def test_quantity_canonical_forms(raw: str, expected: str) -> None:
    assert canonical(raw) == expected


@pytest.mark.parametrize("raw", ["", "1.2.3", "1Mb", "abc", "1e", True, None, [1]])
def test_quantity_rejects_malformed_values(raw: Any) -> None:
    with pytest.raises(QuantityError):
        parse_quantity(raw)


def test_cron_parser_directly() -> None:
    parse_standard("CRON_TZ=Europe/Berlin 0 8 * * *")
    with pytest.raises(CronError, match="provided bad location Nowhere/Land"):
        parse_standard("TZ=Nowhere/Land 0 8 * * *")
    with pytest.raises(CronError, match="too many slashes"):
        parse_standard("*/2/3 * * * *")
