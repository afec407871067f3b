"""Label and field selectors parse, refuse and match as kube-apiserver 1.33 does: kubectl prints
the server's message verbatim, so the texts are asserted exactly."""

from __future__ import annotations

from typing import Any

import pytest

from k3py.api import selectors
from k3py.api.selectors import (
    EVERYTHING,
    GREATER_THAN,
    NOTHING,
    FieldRequirement,
    compile_field_selector,
    compile_label_selector,
    escape_field_value,
    field_set,
    format_label_selector,
    parse_field_selector,
    parse_label_selector,
    requirement,
    selector_from_set,
    supported_field_labels,
)
from k3py.errors import BadRequest

QNAME_RULE = (
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for "
    "validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')")
VALUE_RULE = (
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
    "'my_value',  or '12345', regex used for validation is "
    "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")


def label_error(text: str) -> str:
    with pytest.raises(BadRequest) as caught:
        parse_label_selector(text)
    assert caught.value.code == 400
    return caught.value.message


def field_error(text: str, group: str = "", resource: str = "pods", *,
                namespaced: bool = True, **kwargs: Any) -> str:
    with pytest.raises(BadRequest) as caught:
        compile_field_selector(text, group=group, resource=resource, namespaced=namespaced,
                               **kwargs)
    return caught.value.message


# -- label selectors: parsing ------------------------------------------------------------------


@pytest.mark.parametrize(("text", "shown"), [
    ("a=b", "a=b"),
    ("a==b", "a==b"),
    ("a!=b", "a!=b"),
    ("a in (y,x)", "a in (x,y)"),
    ("a notin (x)", "a notin (x)"),
    ("a", "a"),
    ("!a", "!a"),
    ("a>1", "a>1"),
    ("a<10", "a<10"),
    ("example.com/tier=web", "example.com/tier=web"),
    ("b=2,a in (z,x),!c", "a in (x,z),b=2,!c"),  # sorted by key, values sorted
    ("  a  =  b ,\tc in ( x , y ) \n", "a=b,c in (x,y)"),
    ("a=", "a="),
])
def test_query_forms_parse_and_print_normalised(text: str, shown: str) -> None:
    assert str(parse_label_selector(text)) == shown


def test_empty_text_selects_everything() -> None:
    for text in ("", "   ", "\t\n"):
        selector = parse_label_selector(text)
        assert selector == EVERYTHING and selector.empty
        assert selector.matches({}) and selector.matches({"a": "b"})


@pytest.mark.parametrize(("text", "values"), [
    ("x in ()", ("",)),
    ("x in (,a)", ("", "a")),
    ("x in (a,)", ("", "a")),
    ("x in (a,,b)", ("", "a", "b")),
    ("x in (b,a,b)", ("a", "b")),
    ("x in (in,notin)", ("in", "notin")),  # keywords are plain values inside the parentheses
])
def test_set_values_keep_upstreams_empty_members(text: str, values: tuple[str, ...]) -> None:
    (req,) = parse_label_selector(text).requirements
    assert req.values == values


def test_keywords_are_keys_too() -> None:
    (req,) = parse_label_selector("in in (notin)").requirements
    assert (req.key, req.operator, req.values) == ("in", "in", ("notin",))


@pytest.mark.parametrize(("text", "message"), [
    ("a b", "unable to parse requirement: found 'b', expected: in, notin, =, ==, !=, gt, lt"),
    ("a=b,", "found '', expected: identifier after ','"),
    ("a,,b", "found ',', expected: identifier after ','"),
    (",", "found ',', expected: !, identifier, or 'end of string'"),
    ("=a", "found '=', expected: !, identifier, or 'end of string'"),
    ("a=b c", "found 'c', expected: ',' or 'end of string'"),
    ("a=b=c", "found '=', expected: ',' or 'end of string'"),
    ("!a=b", "found '=', expected: ',' or 'end of string'"),
    ("!", "unable to parse requirement: found '', expected: identifier"),
    ("a in", "unable to parse requirement: found '' expected: '('"),
    ("a in (b", "unable to parse requirement: found '', expected: ',' or ')'"),
    ("a in (b c)", "unable to parse requirement: found 'c', expected: ',' or ')'"),
    ("a in (=)", "unable to parse requirement: found '=', expected: ',', ')' or identifier"),
    ("a in (b,=)", "unable to parse requirement: found '=', expected: ',', or identifier"),
    ("a=(b)", "unable to parse requirement: found '(', expected: identifier"),
    ("a>b", "unable to parse requirement: values[0]: Invalid value: \"b\": for 'Gt', 'Lt' "
            "operators, the value must be an integer"),
])
def test_syntax_errors_carry_upstreams_text(text: str, message: str) -> None:
    assert label_error(text) == message


def test_invalid_keys_are_reported_with_upstreams_nil_path() -> None:
    assert label_error("a/b/c=d") == (
        f'unable to parse requirement: <nil>: Invalid value: "a/b/c": a qualified name '
        f"{QNAME_RULE} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')")
    assert label_error("-a") == (
        f'unable to parse requirement: <nil>: Invalid value: "-a": name part {QNAME_RULE}')
    assert label_error("x/") == (
        'unable to parse requirement: <nil>: Invalid value: "x/": name part must be '
        f"non-empty; name part {QNAME_RULE}")
    assert label_error("k" * 64) == (
        f'unable to parse requirement: <nil>: Invalid value: "{"k" * 64}": name part must be no '
        "more than 63 characters")
    assert label_error("Example.com/x") == (
        'unable to parse requirement: <nil>: Invalid value: "Example.com/x": prefix part a '
        "lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' "
        "or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
        r"regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*"
        "[a-z0-9])?)*')")
    assert label_error('a"b') == (
        f'unable to parse requirement: <nil>: Invalid value: "a\\"b": name part {QNAME_RULE}')


def test_invalid_values_name_their_index_and_key() -> None:
    assert label_error("app=-web") == (
        f'unable to parse requirement: values[0][app]: Invalid value: "-web": {VALUE_RULE}')
    # indexes count the sorted, de-duplicated set
    assert label_error("app in (ok,-y,-x,-x)") == (
        f'unable to parse requirement: [values[0][app]: Invalid value: "-x": {VALUE_RULE}, '
        f'values[1][app]: Invalid value: "-y": {VALUE_RULE}]')
    # "-1" is an integer but not a label value
    assert label_error("a>-1") == (
        f'unable to parse requirement: values[0][a]: Invalid value: "-1": {VALUE_RULE}')
    assert label_error("a=" + "v" * 64) == (
        f'unable to parse requirement: values[0][a]: Invalid value: "{"v" * 64}": must be no '
        "more than 63 characters")
    assert label_error("a=-" + "v" * 63) == (
        f'unable to parse requirement: values[0][a]: Invalid value: "-{"v" * 63}": must be no '
        f"more than 63 characters; {VALUE_RULE}")


# -- label selectors: matching -------------------------------------------------------------------


@pytest.mark.parametrize(("text", "labels", "expected"), [
    ("a=b", {"a": "b"}, True),
    ("a=b", {"a": "c"}, False),
    ("a=b", {}, False),
    ("a=", {"a": ""}, True),
    ("a=", {}, False),  # equality needs the key, even for ""
    ("a!=b", {}, True),
    ("a!=b", {"a": "b"}, False),
    ("a!=", {"a": ""}, False),
    ("a in (x,y)", {"a": "y"}, True),
    ("a in (x,y)", {}, False),
    ("a notin (x,y)", {}, True),  # notin also matches a missing key
    ("a notin (x,y)", {"a": "x"}, False),
    ("a notin (x,y)", {"a": "z"}, True),
    ("a", {"a": ""}, True),
    ("a", {"b": "a"}, False),
    ("!a", {}, True),
    ("!a", {"a": "x"}, False),
    ("a>5", {"a": "6"}, True),
    ("a>5", {"a": "5"}, False),
    ("a>5", {"a": "six"}, False),  # a non-integer label never compares
    ("a>5", {}, False),
    ("a<5", {"a": "-7"}, True),
    ("a<5", {"a": "+4"}, True),
    ("a=b,c in (d),!e", {"a": "b", "c": "d"}, True),
    ("a=b,c in (d),!e", {"a": "b", "c": "d", "e": ""}, False),
])
def test_set_based_matching(text: str, labels: dict[str, str], expected: bool) -> None:
    assert parse_label_selector(text).matches(labels) is expected


def test_plain_equality_is_exposed_for_indexes_and_filters_fast() -> None:
    plain = parse_label_selector("app=web,tier in (front)")
    assert plain.is_plain_equality
    assert plain.equality == {"app": "web", "tier": "front"}
    assert plain.requires_exact_match("app") == "web"
    assert plain.requires_exact_match("other") is None
    mixed = parse_label_selector("app=web,tier in (a,b),!canary")
    assert not mixed.is_plain_equality
    assert mixed.equality == {"app": "web"}
    assert mixed.requires_exact_match("tier") is None

    pods = [{"app": "web" if i % 10 == 0 else "db", "tier": "front"} for i in range(10_000)]
    assert sum(plain.matches(labels) for labels in pods) == 1_000
    assert sum(mixed.matches(labels) for labels in pods) == 0
    assert plain.matches(None) is False and EVERYTHING.matches(None)


# -- label selectors: object forms -------------------------------------------------------------


def test_label_selector_objects_match_like_controllers_expect() -> None:
    selector = compile_label_selector({
        "matchLabels": {"app": "web"},
        "matchExpressions": [
            {"key": "tier", "operator": "In", "values": ["front", "edge"]},
            {"key": "env", "operator": "NotIn", "values": ["dev"]},
            {"key": "team", "operator": "Exists"},
            {"key": "canary", "operator": "DoesNotExist", "values": []},
        ],
    })
    assert str(selector) == "app=web,!canary,env notin (dev),team,tier in (edge,front)"
    assert selector.matches({"app": "web", "tier": "edge", "team": "a"})
    assert selector.matches({"app": "web", "tier": "edge", "team": "a", "env": "prod"})
    assert not selector.matches({"app": "web", "tier": "edge", "team": "a", "env": "dev"})
    assert not selector.matches({"app": "web", "tier": "edge"})
    assert not selector.matches({"app": "web", "tier": "edge", "team": "a", "canary": "1"})


def test_nil_selects_nothing_and_empty_selects_everything() -> None:
    assert compile_label_selector(None) is NOTHING
    assert not NOTHING.matches({}) and not NOTHING.matches({"a": "b"})
    assert not NOTHING.empty and not NOTHING.is_plain_equality
    empties: list[dict[str, Any]] = [
        {}, {"matchLabels": {}}, {"matchLabels": None, "matchExpressions": []}]
    for empty in empties:
        assert compile_label_selector(empty) is EVERYTHING
    assert selector_from_set(None) is EVERYTHING and selector_from_set({}) is EVERYTHING
    service = selector_from_set({"app": "web", "tier": "front"})
    assert service.matches({"app": "web", "tier": "front", "x": "y"})
    assert not service.matches({"app": "web"})


@pytest.mark.parametrize(("selector", "message"), [
    ({"matchExpressions": [{"key": "a", "operator": "Equals", "values": ["b"]}]},
     '"Equals" is not a valid label selector operator'),
    ({"matchExpressions": [{"key": "a"}]}, '"" is not a valid label selector operator'),
    ({"matchExpressions": [{"key": "a", "operator": "In"}]},
     "values: Invalid value: []string(nil): for 'in', 'notin' operators, values set can't be "
     "empty"),
    ({"matchExpressions": [{"key": "a", "operator": "Exists", "values": ["x", "y"]}]},
     'values: Invalid value: []string{"x", "y"}: values set must be empty for exists and does '
     "not exist"),
    ({"matchLabels": {"a b": "c"}}, f'key: Invalid value: "a b": name part {QNAME_RULE}'),
    ({"matchLabels": {"-a": "-c"}},
     f'[key: Invalid value: "-a": name part {QNAME_RULE}, values[0][-a]: Invalid value: "-c": '
     f"{VALUE_RULE}]"),
])
def test_invalid_label_selector_objects(selector: dict[str, Any], message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        compile_label_selector(selector)
    assert caught.value.message == message


def test_requirements_built_in_code_are_validated() -> None:
    assert requirement("a", GREATER_THAN, ["3"]).matches({"a": "4"})
    with pytest.raises(BadRequest, match="for 'Gt', 'Lt' operators, exactly one value"):
        requirement("a", GREATER_THAN, ["1", "2"])


def test_format_label_selector_is_unchanged() -> None:
    obj = {"matchLabels": {"b": "2", "a": "1"},
           "matchExpressions": [{"key": "t", "operator": "In", "values": ["y", "x"]},
                                {"key": "u", "operator": "DoesNotExist"}]}
    assert format_label_selector(obj) == "a=1,b=2,t in (x,y),!u"
    assert format_label_selector(None) == "" and format_label_selector({}) == ""


# -- field selectors: syntax ----------------------------------------------------------------------


def test_field_terms_parse_sorted_with_all_three_operators() -> None:
    assert parse_field_selector("status.phase!=Failed,spec.nodeName==n1,metadata.name=a") == (
        FieldRequirement("metadata.name", "a"),
        FieldRequirement("spec.nodeName", "n1"),
        FieldRequirement("status.phase", "Failed", negated=True),
    )
    assert parse_field_selector("") == () and parse_field_selector(",,a=,") == (
        FieldRequirement("a", ""),)
    # a term with neither label nor value is dropped before any label check
    assert parse_field_selector("=,!=,a=b") == (FieldRequirement("a", "b"),)
    assert pods_selector("=").empty


def test_field_values_unescape_and_print_escaped_again() -> None:
    (term,) = parse_field_selector(r"metadata.name=a\,b\=c\\d")
    assert term.value == "a,b=c\\d"
    assert str(term) == r"metadata.name=a\,b\=c\\d"
    assert escape_field_value("x=1,y\\") == r"x\=1\,y\\"
    selector = compile_field_selector(r"metadata.name=a\,b", group="", resource="configmaps",
                                      namespaced=True)
    assert selector.matches({"metadata": {"name": "a,b"}})
    assert str(selector) == r"metadata.name=a\,b"


@pytest.mark.parametrize(("text", "message"), [
    ("foo", "invalid selector: 'foo'; can't understand 'foo'"),
    ("a=1,foo", "invalid selector: 'a=1,foo'; can't understand 'foo'"),
    ("a=b=c", "invalid field selector: unescaped character in value: 61"),
    (r"a=\x", r"invalid field selector: invalid escape sequence: \x"),
    ("a=b\\", "invalid field selector: invalid escape sequence: \\"),
])
def test_field_syntax_errors(text: str, message: str) -> None:
    with pytest.raises(BadRequest) as caught:
        parse_field_selector(text)
    assert caught.value.message == message


# -- field selectors: pods --------------------------------------------------------------------


def pod(name: str, *, node: str = "", phase: str = "Running", **spec: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": "default"},
            "spec": {"nodeName": node, **spec} if node else dict(spec),
            "status": {"phase": phase}}


def pods_selector(text: str) -> selectors.FieldSelector:
    return compile_field_selector(text, group="", resource="pods", namespaced=True)


def test_describe_node_pod_selector() -> None:
    selector = pods_selector("spec.nodeName=n1,status.phase!=Succeeded,status.phase!=Failed")
    found = [p["metadata"]["name"] for p in (
        pod("run", node="n1"), pod("done", node="n1", phase="Succeeded"),
        pod("failed", node="n1", phase="Failed"), pod("pending", node="n1", phase="Pending"),
        pod("elsewhere", node="n2"), pod("unscheduled"))
        if selector.matches(p)]
    assert found == ["run", "pending"]
    assert pods_selector("spec.nodeName=").matches(pod("unscheduled"))
    assert pods_selector("spec.host=n1").matches(pod("old-client", node="n1"))


def test_pod_fields_read_as_the_registry_prints_them() -> None:
    host = pod("h", node="n1", hostNetwork=True, serviceAccount="legacy")
    host["status"].update(podIPs=[{"ip": "10.0.0.7"}, {"ip": "fd00::7"}])
    assert pods_selector("spec.hostNetwork=true").matches(host)
    assert pods_selector("spec.hostNetwork=false").matches(pod("plain"))
    assert pods_selector("status.podIP=10.0.0.7").matches(host)
    assert pods_selector("spec.serviceAccountName=legacy").matches(host)
    # accepted by the conversion, absent from the field set: reads as ""
    assert not pods_selector("status.podIPs=10.0.0.7").matches(host)
    assert pods_selector("status.podIPs=").matches(host)
    assert field_set(host, group="", resource="pods", namespaced=True) == {
        "metadata.name": "h", "metadata.namespace": "default", "spec.nodeName": "n1",
        "spec.restartPolicy": "", "spec.schedulerName": "", "spec.serviceAccountName": "legacy",
        "spec.hostNetwork": "true", "status.phase": "Running", "status.podIP": "10.0.0.7",
        "status.nominatedNodeName": "",
    }


def test_unsupported_pod_labels_are_refused() -> None:
    assert field_error("spec.containers=x") == "field label not supported: spec.containers"
    # no trimming: the label keeps its space
    assert field_error("status.phase = Running") == "field label not supported: status.phase "
    # the first failing term in sorted order is the one reported
    assert field_error("zeta=1,alpha=2") == "field label not supported: alpha"


# -- field selectors: events ----------------------------------------------------------------------


def core_event(**fields: Any) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "Event", "metadata": {"name": "e", "namespace": "ns"},
            "involvedObject": {"kind": "Node", "name": "n1", "uid": "u-1"},
            "reason": "Starting", "type": "Normal", **fields}


def test_describe_node_event_selector() -> None:
    selector = compile_field_selector(
        "involvedObject.namespace=,involvedObject.kind=Node,involvedObject.uid=u-1,"
        "involvedObject.name=n1", group="", resource="events", namespaced=True)
    assert selector.matches(core_event())
    assert not selector.matches(core_event(involvedObject={"kind": "Pod", "name": "n1"}))


def test_event_source_falls_back_to_the_reporting_controller() -> None:
    def events(text: str) -> selectors.FieldSelector:
        return compile_field_selector(text, group="", resource="events", namespaced=True)
    kubelet = core_event(source={"component": "kubelet"}, reportingComponent="kubelet")
    new_style = core_event(reportingComponent="my-controller")
    assert events("source=kubelet").matches(kubelet)
    assert events("source=my-controller").matches(new_style)
    assert events("reportingComponent=my-controller,type=Normal,reason=Starting").matches(
        new_style)
    assert field_error("involvedObject.foo=x", resource="events") == (
        "field label not supported: involvedObject.foo")


def test_events_k8s_io_uses_its_own_names_over_the_same_fields() -> None:
    def events(text: str) -> selectors.FieldSelector:
        return compile_field_selector(text, group="events.k8s.io", resource="events",
                                      namespaced=True)
    new_api = {"apiVersion": "events.k8s.io/v1", "kind": "Event",
               "metadata": {"name": "e", "namespace": "ns"},
               "regarding": {"kind": "Pod", "name": "web-0"}, "reason": "Pulled",
               "reportingController": "kubelet", "type": "Normal"}
    assert events("regarding.kind=Pod,regarding.name=web-0").matches(new_api)
    assert events("reportingController=kubelet,source=kubelet").matches(new_api)
    assert events("regarding.name=web-0").matches(core_event(involvedObject={"name": "web-0"}))
    assert field_error("involvedObject.name=x", "events.k8s.io", "events") == (
        "field label not supported: involvedObject.name")


# -- field selectors: other built-ins -----------------------------------------------------------


def matches(text: str, obj: dict[str, Any], group: str, resource: str, *,
            namespaced: bool = True) -> bool:
    return compile_field_selector(text, group=group, resource=resource,
                                  namespaced=namespaced).matches(obj)


def test_nodes_namespaces_secrets_services() -> None:
    node = {"metadata": {"name": "n1"}, "spec": {}}
    assert matches("spec.unschedulable=false", node, "", "nodes", namespaced=False)
    assert matches("spec.unschedulable=true", {"spec": {"unschedulable": True}}, "", "nodes",
                   namespaced=False)
    assert field_error("metadata.namespace=", "", "nodes", namespaced=False) == (
        "field label not supported: metadata.namespace")
    ns = {"metadata": {"name": "kube-system"}, "status": {"phase": "Terminating"}}
    assert matches("status.phase=Terminating,metadata.name=kube-system", ns, "", "namespaces",
                   namespaced=False)
    assert field_error("name=x", "", "namespaces", namespaced=False) == (
        "field label not supported: name")
    secret = {"metadata": {"name": "s", "namespace": "a"}, "type": "kubernetes.io/tls"}
    assert matches("type=kubernetes.io/tls,metadata.namespace=a", secret, "", "secrets")
    headless = {"metadata": {"name": "h"}, "spec": {"clusterIP": "None", "type": "ClusterIP"}}
    assert not matches("spec.clusterIP!=None", headless, "", "services")
    assert matches("spec.type=ClusterIP", headless, "", "services")


def test_counters_read_as_decimal_with_zero_for_absent() -> None:
    assert matches("status.replicas=0", {"status": {}}, "", "replicationcontrollers")
    assert matches("status.replicas=3", {"status": {"replicas": 3}}, "",
                   "replicationcontrollers")
    assert matches("status.successful=2", {"status": {"succeeded": 2}}, "batch", "jobs")
    assert matches("status.successful=0", {}, "batch", "jobs")
    assert field_error("status.failed=1", "batch", "jobs") == (
        'field label "status.failed" not supported for batchv1.Job')


def test_replicasets_only_have_the_default_labels_in_1_33() -> None:
    assert field_error("status.replicas=0", "apps", "replicasets") == (
        '"status.replicas" is not a known field selector: only "metadata.name", '
        '"metadata.namespace"')
    assert matches("metadata.name=rs", {"metadata": {"name": "rs"}}, "apps", "replicasets")


def test_messages_quote_like_go() -> None:
    assert field_error("a\tb=c", "", "configmaps").startswith('"a\\tb" is not a known')
    assert field_error("é=c", "", "configmaps").startswith('"é" is not a known')


def test_default_resources_accept_namespace_even_when_cluster_scoped() -> None:
    pv = {"metadata": {"name": "pv1"}}
    assert matches("metadata.namespace=", pv, "", "persistentvolumes", namespaced=False)
    assert not matches("metadata.namespace=x", pv, "", "persistentvolumes", namespaced=False)
    assert field_error('a"b=c', "", "configmaps") == (
        '"a\\"b" is not a known field selector: only "metadata.name", "metadata.namespace"')


def test_signer_name_on_certificate_signing_requests() -> None:
    csr = {"metadata": {"name": "c"}, "spec": {"signerName": "kubernetes.io/kubelet-serving"}}
    assert matches("spec.signerName=kubernetes.io/kubelet-serving", csr,
                   "certificates.k8s.io", "certificatesigningrequests", namespaced=False)
    assert field_error("spec.username=x", "certificates.k8s.io", "certificatesigningrequests",
                       namespaced=False) == "field label not supported: spec.username"


# -- field selectors: custom resources and helpers --------------------------------------


def test_custom_resources_add_selectable_fields() -> None:
    fields = (".spec.color", ".spec.size", ".spec.enabled")

    def widgets(text: str, *, namespaced: bool = True) -> selectors.FieldSelector:
        return compile_field_selector(text, group="example.com", resource="widgets",
                                      namespaced=namespaced, extra_fields=fields)
    widget = {"metadata": {"name": "w", "namespace": "a"},
              "spec": {"color": "blue", "size": 3, "enabled": True}}
    assert widgets("spec.color=blue,spec.size=3,spec.enabled=true").matches(widget)
    assert widgets("spec.color=").matches({"metadata": {"name": "w"}})
    assert supported_field_labels(group="example.com", resource="widgets", namespaced=True,
                                  extra_fields=fields) == frozenset({
        "metadata.name", "metadata.namespace", "spec.color", "spec.size", "spec.enabled"})
    assert field_error("spec.shape=x", "example.com", "widgets") == (
        "field label not supported: spec.shape")
    assert field_error("metadata.namespace=a", "example.com", "widgets",
                       namespaced=False) == "field label not supported: metadata.namespace"


def test_name_pins_a_point_read() -> None:
    assert pods_selector("metadata.name=web-0").name() == "web-0"
    assert pods_selector("metadata.name==web-0,status.phase=Running").name() == "web-0"
    assert pods_selector("metadata.name!=web-0").name() is None
    assert pods_selector("").name() is None and pods_selector("").empty
    assert pods_selector("metadata.namespace=a").namespace() == "a"
    assert pods_selector("spec.nodeName=n1").requires_exact_match("spec.nodeName") == "n1"


def test_selectors_compile_once_and_compare_by_value() -> None:
    first = pods_selector("spec.nodeName=n1")
    assert pods_selector("spec.nodeName=n1") is first
    assert parse_label_selector("a=b") == parse_label_selector(" a = b ")
