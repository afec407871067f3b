"""Server-side field validation (``fieldValidation=Ignore|Warn|Strict``)."""

from __future__ import annotations

import copy
from typing import Any

import orjson
import pytest

from k3py.api import fieldvalidation as fv
from k3py.api.openapi import custom_resource_schema
from k3py.api.schemas import schema
from k3py.errors import BadRequest, Invalid

DEPLOYMENT = schema("io.k8s.api.apps.v1.Deployment")


def deployment() -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app.kubernetes.io/name": "web"},
                     "annotations": {"example.com/anything": "x"},
                     "ownerReferences": [{"apiVersion": "v1", "kind": "X", "name": "x",
                                          "uid": "1"}]},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": "RollingUpdate",
                         "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
            "template": {
                "metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{
                    "name": "c", "image": "nginx",
                    "resources": {"limits": {"cpu": "500m", "memory": 1073741824},
                                  "requests": {"nvidia.com/gpu": "1"}},
                    "ports": [{"containerPort": 80, "name": "http"}],
                    "env": [{"name": "A", "valueFrom": {"fieldRef": {"fieldPath": "x"}}}],
                    "readinessProbe": {"httpGet": {"port": "http", "path": "/"}},
                }]},
            },
        },
        "status": {"replicas": 1, "conditions": [{"type": "Available", "status": "True"}]},
    }


def test_a_valid_deployment_has_no_unknown_fields() -> None:
    assert fv.unknown_fields(deployment(), DEPLOYMENT) == []


def test_unknown_fields_are_found_with_their_paths() -> None:
    obj = deployment()
    obj["spec"]["replica"] = 3
    container = obj["spec"]["template"]["spec"]["containers"][0]
    container["imagePullPolcy"] = "Always"
    container["ports"][0]["hostPorts"] = {"deep": {"ignored": 1}}
    obj["metadata"]["labelz"] = {}
    assert fv.unknown_fields(obj, DEPLOYMENT) == [  # document order; not below unknowns
        ".metadata.labelz",
        ".spec.template.spec.containers[0].ports[0].hostPorts",
        ".spec.template.spec.containers[0].imagePullPolcy",
        ".spec.replica",
    ]


def test_int_or_string_and_free_form_values() -> None:
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
               "spec": {"ports": [{"port": 80, "targetPort": "http"},
                                  {"port": 81, "targetPort": 8080}],
                        "selector": {"any-key": "v"}}}
    assert fv.unknown_fields(service, schema("io.k8s.api.core.v1.Service")) == []
    revision = {"apiVersion": "apps/v1", "kind": "ControllerRevision", "revision": 1,
                "metadata": {"name": "r"}, "data": {"spec": {"whatever": [1, {"x": 2}]}}}
    assert fv.unknown_fields(revision, schema("io.k8s.api.apps.v1.ControllerRevision")) == []
    managed = {"metadata": {"managedFields": [{"manager": "m",
                                               "fieldsV1": {"f:spec": {"f:x": {}}}}]}}
    assert fv.unknown_fields(managed, DEPLOYMENT) == []


def test_duplicate_fields_in_the_raw_body() -> None:
    raw = (b'{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"w",'
           b'"labels":{"a":"1","a":"2"}},"spec":{"replicas":1,"replicas":2,'
           b'"template":{"spec":{"containers":[{"name":"c","name":"d"}]}}}}')
    assert fv.duplicate_fields(raw) == [
        ".metadata.labels.a", ".spec.replicas", ".spec.template.spec.containers[0].name"]
    assert fv.duplicate_fields(b'{"a": 1, "b": {"a": 2}}') == []
    with pytest.raises(BadRequest, match="not valid JSON"):
        fv.duplicate_fields(b"{nope")


def test_strict_errors_come_in_document_order() -> None:
    raw = b'{"spec":{"foo":1,"replicas":1,"replicas":2},"metadata":{"bar":1,"bar":2}}'
    assert fv.strict_errors(orjson.loads(raw), DEPLOYMENT, raw=raw) == [
        'unknown field "spec.foo"', 'duplicate field "spec.replicas"',
        'unknown field "metadata.bar"']
    # A patch: its own duplicates first, then the patched object's unknown fields.
    patched = deployment()
    patched["spec"]["foo"] = 1
    assert fv.strict_errors(patched, DEPLOYMENT, patch=b'{"spec":{"foo":1,"foo":1}}') == [
        'duplicate field "spec.foo"', 'unknown field "spec.foo"']


def test_errors_are_deduplicated_and_capped() -> None:
    obj = {"spec": {f"f{i}": i for i in range(150)}}
    errors = fv.strict_errors(obj, DEPLOYMENT)
    assert len(errors) == fv.MAX_ERRORS
    assert errors[0] == 'unknown field "spec.f0"'
    patch = b'{"spec":{"foo":1,"foo":2,"foo":3}}'
    assert fv.strict_errors({}, DEPLOYMENT, patch=patch) == ['duplicate field "spec.foo"']


def test_check_modes() -> None:
    obj = deployment()
    obj["spec"]["replica"] = 3
    kwargs: dict[str, Any] = {"group": "apps", "version": "v1", "kind": "Deployment"}
    assert fv.check(obj, mode="Ignore", **kwargs) == []
    assert fv.check(obj, mode="Warn", **kwargs) == ['unknown field "spec.replica"']
    assert fv.check(obj, mode="", **kwargs) == ['unknown field "spec.replica"']  # the default
    assert fv.check(obj, mode=None, **kwargs) == ['unknown field "spec.replica"']
    assert fv.check(deployment(), mode="Strict", **kwargs) == []
    obj["spec"]["bar"] = 1
    with pytest.raises(BadRequest) as created:
        fv.check(obj, mode="Strict", **kwargs)
    assert created.value.message == (
        'Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: '
        'unknown field "spec.replica", unknown field "spec.bar"')
    assert created.value.code == 400
    with pytest.raises(BadRequest) as patched:
        fv.check(obj, mode="Strict", verb="patch", **kwargs)
    assert patched.value.message == (
        'strict decoding error: unknown field "spec.replica", unknown field "spec.bar"')


def test_check_uses_the_body_kind_and_version_in_the_create_message() -> None:
    obj = {"apiVersion": "apps/v1beta9", "kind": "Deploymint", "spec": {"x": 1}}
    with pytest.raises(BadRequest, match=r'^Deploymint in version "v1beta9" cannot be handled '
                                         r'as a Deployment: strict decoding error'):
        fv.check(obj, group="apps", version="v1", kind="Deployment", mode="Strict",
                 verb="update")


def test_kinds_without_a_schema_are_not_checked() -> None:
    assert fv.check({"spec": {"x": 1}}, group="example.com", version="v1", kind="Widget",
                    mode="Strict") == []


@pytest.mark.parametrize(("verb", "options"), [("create", "CreateOptions"),
                                                ("update", "UpdateOptions"),
                                                ("patch", "PatchOptions")])
def test_an_unsupported_mode_is_invalid(verb: str, options: str) -> None:
    with pytest.raises(Invalid) as caught:
        fv.check(deployment(), group="apps", version="v1", kind="Deployment", mode="strict",
                 verb=verb)
    message = ('Unsupported value: "strict": supported values: "", "Ignore", "Strict", '
               '"Warn"')
    assert caught.value.message == f'{options}.meta.k8s.io "" is invalid: fieldValidation: ' \
                                   f"{message}"
    assert caught.value.code == 422
    assert caught.value.details == {
        "group": "meta.k8s.io", "kind": options,
        "causes": [{"reason": "FieldValueNotSupported", "message": message,
                    "field": "fieldValidation"}]}
    assert fv.directive("Strict") == "Strict"


def test_custom_resources() -> None:
    custom = custom_resource_schema({
        "type": "object",
        "properties": {"spec": {"type": "object", "properties": {
            "size": {"type": "integer"},
            "port": {"x-kubernetes-int-or-string": True},
            "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "template": {"type": "object", "x-kubernetes-embedded-resource": True,
                         "properties": {"spec": {"type": "object"}}},
        }}},
    }, group="example.com", version="v1", kind="Widget")
    at = fv.schema_for("example.com", "v1", "Widget", custom_schemas=custom)
    assert at is not None
    widget = {"apiVersion": "example.com/v1", "kind": "Widget",
              "metadata": {"name": "w", "labels": {"a": "b"}},
              "spec": {"size": 1, "port": "http", "extra": {"anything": {"goes": [1]}},
                       "labels": {"k": "v"},
                       "template": {"apiVersion": "v1", "kind": "Pod",
                                    "metadata": {"name": "p"}, "spec": {}}}}
    assert fv.unknown_fields(widget, at) == []
    wrong = copy.deepcopy(widget)
    wrong["spec"]["sise"] = 2
    wrong["metadata"]["nmae"] = "x"
    wrong["spec"]["template"]["metadata"]["bogus"] = 1
    assert fv.unknown_fields(wrong, at) == [
        ".metadata.nmae", ".spec.template.metadata.bogus", ".spec.sise"]
    with pytest.raises(BadRequest, match=r'^Widget in version "v1" cannot be handled as a '
                                         r'Widget: strict decoding error: unknown field '
                                         r'"metadata.nmae"'):
        fv.check(wrong, group="example.com", version="v1", kind="Widget", mode="Strict", schema=at)
    preserve = custom_resource_schema(None, group="example.com", version="v1", kind="Gadget")
    free = fv.schema_for("example.com", "v1", "Gadget", custom_schemas=preserve)
    assert free is not None
    assert fv.unknown_fields({"spec": {"x": 1}, "metadata": {"name": "g", "zzz": 1}}, free) == [
        ".metadata.zzz"]
