"""fieldsV1: paths, the wire encoding both ways, ordering, and printing paths."""

from __future__ import annotations

import json

import orjson
import pytest

from k3py.api.managedfields import from_fields_v1, path_string, to_fields_v1
from k3py.api.managedfields.fieldset import (
    canonical_element,
    key_element,
    recursive_difference,
    value_element,
)

# What kube-apiserver 1.33 writes for `kubectl create deployment nginx --image=nginx` (the
# creator's entry) and for the deployment controller's status writes, as the JSON text the
# API returns: the exact key order matters, kubectl shows it as is.
CREATE_FIELDS = (
    '{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:progressDeadlineSeconds":{},'
    '"f:replicas":{},"f:revisionHistoryLimit":{},"f:selector":{},"f:strategy":{'
    '"f:rollingUpdate":{".":{},"f:maxSurge":{},"f:maxUnavailable":{}},"f:type":{}},'
    '"f:template":{"f:metadata":{"f:labels":{".":{},"f:app":{}}},"f:spec":{"f:containers":{'
    '"k:{\\"name\\":\\"nginx\\"}":{".":{},"f:image":{},"f:imagePullPolicy":{},"f:name":{},'
    '"f:resources":{},"f:terminationMessagePath":{},"f:terminationMessagePolicy":{}}},'
    '"f:dnsPolicy":{},"f:restartPolicy":{},"f:schedulerName":{},"f:securityContext":{},'
    '"f:terminationGracePeriodSeconds":{}}}}}'
)
STATUS_FIELDS = (
    '{"f:metadata":{"f:annotations":{".":{},"f:deployment.kubernetes.io/revision":{}}},'
    '"f:status":{"f:availableReplicas":{},"f:conditions":{".":{},'
    '"k:{\\"type\\":\\"Available\\"}":{".":{},"f:lastTransitionTime":{},"f:lastUpdateTime":{},'
    '"f:message":{},"f:reason":{},"f:status":{},"f:type":{}},'
    '"k:{\\"type\\":\\"Progressing\\"}":{".":{},"f:lastTransitionTime":{},'
    '"f:lastUpdateTime":{},"f:message":{},"f:reason":{},"f:status":{},"f:type":{}}},'
    '"f:observedGeneration":{},"f:readyReplicas":{},"f:replicas":{},"f:updatedReplicas":{}}}'
)
PORTS_FIELDS = (
    '{"f:spec":{"f:ports":{".":{},"k:{\\"port\\":80,\\"protocol\\":\\"TCP\\"}":{".":{},'
    '"f:port":{},"f:protocol":{},"f:targetPort":{}},"k:{\\"port\\":53,\\"protocol\\":\\"UDP\\"}"'
    ':{".":{},"f:port":{},"f:protocol":{}}}},"f:metadata":{"f:finalizers":{".":{},'
    '"v:\\"b\\"":{},"v:\\"a\\"":{}}}}'
)


@pytest.mark.parametrize("text", [CREATE_FIELDS, STATUS_FIELDS])
def test_real_deployment_fields_round_trip_byte_for_byte(text: str) -> None:
    paths = from_fields_v1(orjson.loads(text))
    assert orjson.dumps(to_fields_v1(paths)).decode() == text


def test_decoded_paths_are_the_owned_leaves_and_members() -> None:
    paths = from_fields_v1(orjson.loads(CREATE_FIELDS))
    container = ("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"nginx"}')
    assert ("f:spec", "f:replicas") in paths
    assert ("f:metadata", "f:labels") in paths  # ".": the map itself
    assert ("f:metadata",) not in paths          # only a parent, not owned
    assert container in paths and (*container, "f:image") in paths
    assert ("f:spec", "f:strategy") not in paths
    assert len(paths) == 24


def test_encoding_sorts_fields_before_keys_values_and_indexes() -> None:
    paths = {("f:a", "i:10"), ("f:a", "i:9"), ("f:a", 'v:"x"'), ("f:a", "v:2"),
             ("f:a", 'k:{"name":"b"}'), ("f:a", 'k:{"name":"a"}'), ("f:a", "f:z"),
             ("f:a", "f:b"), ("f:a",)}
    encoded = to_fields_v1(paths)
    assert list(encoded["f:a"]) == [".", "f:b", "f:z", 'k:{"name":"a"}', 'k:{"name":"b"}',
                                    "v:2", 'v:"x"', "i:9", "i:10"]
    assert from_fields_v1(encoded) == paths


def test_composite_keys_sort_by_field_then_value() -> None:
    ports = from_fields_v1(orjson.loads(PORTS_FIELDS))
    encoded = json.dumps(to_fields_v1(ports), separators=(",", ":"))
    # containerPort 53 sorts before 80 (numbers numerically); fields precede their keys
    assert encoded.index('"f:metadata"') < encoded.index('"f:spec"')
    assert encoded.index("53") < encoded.index("80")
    assert encoded.index('v:\\"a\\"') < encoded.index('v:\\"b\\"')


def test_client_spellings_are_canonicalised() -> None:
    messy = {'k:{"protocol": "TCP", "containerPort": 80}': {"f:name": {}},
             "v:  \"a\"": {}, "x:unknown": {"f:dropped": {}}}
    assert from_fields_v1(messy) == {('k:{"containerPort":80,"protocol":"TCP"}', "f:name"),
                                     ('v:"a"',)}
    assert canonical_element("i:007") == "i:7"
    assert key_element({"b": 1, "a": "<&>"}) == 'k:{"a":"\\u003c\\u0026\\u003e","b":1}'
    assert value_element(2.0) == "v:2"


@pytest.mark.parametrize("bad", [[], {"f:a": []}, {"k:notjson": {}}, {"x": {}}, {"i:z": {}}])
def test_malformed_fields_are_refused(bad: object) -> None:
    with pytest.raises(ValueError, match=r"fieldsV1|path element"):
        from_fields_v1(bad)


def test_an_entry_with_only_a_dot_or_nothing_is_a_member() -> None:
    assert from_fields_v1({"f:a": {".": {}}, "f:b": {}}) == {("f:a",), ("f:b",)}
    assert to_fields_v1({("f:a",), ("f:b",)}) == {"f:a": {}, "f:b": {}}
    assert from_fields_v1({}) == set()


def test_paths_print_as_upstream_conflict_messages_do() -> None:
    path = ("f:spec", "f:template", "f:spec", "f:containers", 'k:{"name":"nginx"}',
            "f:ports", 'k:{"containerPort":80,"protocol":"TCP"}', "f:hostPort")
    assert path_string(path) == ('.spec.template.spec.containers[name="nginx"]'
                                 '.ports[containerPort=80,protocol="TCP"].hostPort')
    assert path_string(("f:metadata", "f:finalizers", 'v:"x"')) == '.metadata.finalizers[="x"]'
    assert path_string(("f:a", "i:3")) == ".a[3]"


def test_recursive_difference_takes_subtrees() -> None:
    paths = {("f:status",), ("f:status", "f:replicas"), ("f:spec", "f:replicas")}
    assert recursive_difference(paths, {("f:status",)}) == {("f:spec", "f:replicas")}
