"""Custom objects against a CRD schema: pruning, defaulting and validation with upstream's
field paths and messages, ratcheting on update, and the scale/status helpers."""

from __future__ import annotations

import copy
import time
from typing import Any

import pytest

from k3py.api.crd import (
    compile_schema,
    prepare_custom_object,
    replicas_path,
    scale_of,
    status_of,
    unknown_fields,
    validate_custom_object,
    validation_rules,
    with_spec_replicas,
)
from k3py.errors import InternalError, Invalid

GROUP = "stable.example.com"
CRON = r"^(\d+|\*)(/\d+)?(\s+(\d+|\*)(/\d+)?){4}$"

# The CronTab of the Kubernetes docs, plus the fields the other tests need.
SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "spec": {
            "type": "object",
            "required": ["image"],
            "properties": {
                "cronSpec": {"type": "string", "pattern": CRON},
                "image": {"type": "string"},
                "replicas": {"type": "integer", "minimum": 1, "maximum": 10},
                "color": {"type": "string", "enum": ["red", "blue"]},
                "policy": {"type": "string", "default": "Always"},
                "port": {"x-kubernetes-int-or-string": True},
                "note": {"type": "string", "nullable": True},
                "size": {"type": "integer", "default": 3},
                "labels": {"type": "object",
                           "additionalProperties": {"type": "string", "default": "none"}},
                "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True,
                          "properties": {"known": {"type": "object",
                                                   "properties": {"a": {"type": "string"}}}}},
                "ports": {
                    "type": "array", "x-kubernetes-list-type": "map",
                    "x-kubernetes-list-map-keys": ["name"],
                    "items": {"type": "object", "required": ["name"], "properties": {
                        "name": {"type": "string"},
                        "port": {"type": "integer", "default": 80}}}},
                "tags": {"type": "array", "x-kubernetes-list-type": "set",
                         "items": {"type": "string"}},
                "when": {"type": "string", "format": "date-time"},
                "template": {"type": "object", "x-kubernetes-embedded-resource": True,
                             "x-kubernetes-preserve-unknown-fields": True},
            },
        },
        "status": {"type": "object", "properties": {"replicas": {"type": "integer"},
                                                    "selector": {"type": "string"}}},
    },
}


def cron(**spec: Any) -> dict[str, Any]:
    body = {"cronSpec": "* * * * */5", "image": "my-awesome-cron-image", **spec}
    return {"apiVersion": f"{GROUP}/v1", "kind": "CronTab",
            "metadata": {"name": "my-new-cron-object", "namespace": "default"}, "spec": body}


def prepare(obj: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    return prepare_custom_object(obj, schema=SCHEMA, kind="CronTab", group=GROUP, **kwargs)


def causes(obj: dict[str, Any], **kwargs: Any) -> list[tuple[str, str, str]]:
    with pytest.raises(Invalid) as caught:
        prepare(obj, **kwargs)
    return [(c["field"], c["reason"], c["message"]) for c in caught.value.details["causes"]]


def test_a_good_object_is_accepted_as_a_new_dict() -> None:
    obj = cron(replicas=2, color="red")
    out = prepare(obj)
    assert out is not obj and out["spec"] is not obj["spec"]
    assert out["spec"]["replicas"] == 2
    assert obj["spec"].get("policy") is None  # the input is left alone


def test_a_bad_object_gets_upstream_paths_and_messages() -> None:
    bad = cron(cronSpec="bogus", replicas="string", color="pink")
    del bad["spec"]["image"]
    with pytest.raises(Invalid) as caught:
        prepare(bad)
    err = caught.value
    assert err.code == 422
    assert err.details["kind"] == "CronTab" and err.details["group"] == GROUP
    assert [(c["field"], c["reason"], c["message"]) for c in err.details["causes"]] == [
        ("spec.cronSpec", "FieldValueInvalid",
         f"Invalid value: \"bogus\": spec.cronSpec in body should match '{CRON}'"),
        ("spec.replicas", "FieldValueTypeInvalid",
         'Invalid value: "string": spec.replicas in body must be of type integer: "string"'),
        ("spec.color", "FieldValueNotSupported",
         'Unsupported value: "pink": supported values: "red", "blue"'),
        ("spec.image", "FieldValueRequired", "Required value"),
    ]
    assert str(err).startswith(f'CronTab.{GROUP} "my-new-cron-object" is invalid: [')


def test_bounds_and_lengths() -> None:
    assert causes(cron(replicas=0)) == [(
        "spec.replicas", "FieldValueInvalid",
        "Invalid value: 0: spec.replicas in body should be greater than or equal to 1")]
    assert causes(cron(replicas=11)) == [(
        "spec.replicas", "FieldValueInvalid",
        "Invalid value: 11: spec.replicas in body should be less than or equal to 10")]


def test_integers_accept_whole_floats_only() -> None:
    assert prepare(cron(replicas=5.0))["spec"]["replicas"] == 5.0
    assert causes(cron(replicas=2.5)) == [(
        "spec.replicas", "FieldValueTypeInvalid",
        'Invalid value: "number": spec.replicas in body must be of type integer: "number"')]


def test_unknown_fields_are_pruned_everywhere_but_known_ones_kept() -> None:
    obj = cron(bogus=1, ports=[{"name": "a", "junk": True}])
    obj["metadata"]["bogus"] = "x"
    obj["topLevel"] = {"a": 1}
    out = prepare(obj)
    assert "bogus" not in out["spec"] and "topLevel" not in out
    assert out["spec"]["ports"] == [{"name": "a", "port": 80}]
    assert out["metadata"] == {"name": "my-new-cron-object", "namespace": "default"}
    assert out["apiVersion"] == f"{GROUP}/v1" and out["kind"] == "CronTab"
    assert unknown_fields(obj, schema=SCHEMA) == [
        "metadata.bogus", "spec.bogus", "spec.ports[0].junk", "topLevel"]


def test_metadata_is_cut_to_object_meta() -> None:
    obj = cron(template={"apiVersion": "v1", "kind": "Pod",
                         "metadata": {"name": "p", "creationTimestamp": None, "labels": {}}})
    obj["metadata"].update(labels={}, finalizers=[], annotations={"a": "b"}, generation=0)
    out = prepare(obj)
    assert out["metadata"] == {"name": "my-new-cron-object", "namespace": "default",
                               "annotations": {"a": "b"}}
    assert out["spec"]["template"]["metadata"] == {"name": "p"}


def test_preserve_unknown_fields_keeps_the_subtree_but_prunes_known_fields() -> None:
    extra = {"free": {"deep": [1, {"x": 2}]}, "known": {"a": "yes", "b": "pruned"}}
    out = prepare(cron(extra=extra))
    assert out["spec"]["extra"] == {"free": {"deep": [1, {"x": 2}]}, "known": {"a": "yes"}}


def test_defaults_fill_missing_fields_items_and_map_values() -> None:
    out = prepare(cron(ports=[{"name": "a"}, {"name": "b", "port": 81}],
                       labels={"a": None, "b": "set"}))
    spec = out["spec"]
    assert spec["policy"] == "Always" and spec["size"] == 3
    assert spec["ports"] == [{"name": "a", "port": 80}, {"name": "b", "port": 81}]
    assert spec["labels"] == {"a": "none", "b": "set"}


def test_nulls_are_defaulted_dropped_or_kept_by_nullable() -> None:
    out = prepare(cron(policy=None, color=None, note=None))
    assert out["spec"]["policy"] == "Always"  # null where a default exists: defaulted
    assert "color" not in out["spec"]  # non-nullable without default: dropped
    assert out["spec"]["note"] is None  # nullable: kept
    assert causes(cron(tags=["a", None])) == [(
        "spec.tags[1]", "FieldValueTypeInvalid",
        'Invalid value: "null": spec.tags[1] in body must be of type string: "null"')]


def test_int_or_string() -> None:
    assert prepare(cron(port=8080))["spec"]["port"] == 8080
    assert prepare(cron(port="http"))["spec"]["port"] == "http"
    assert causes(cron(port=True)) == [(
        "spec.port", "FieldValueTypeInvalid",
        'Invalid value: "boolean": spec.port in body must be of type integer,string: '
        '"boolean"')]


def test_list_type_map_and_set_duplicates() -> None:
    found = causes(cron(ports=[{"name": "a"}, {"name": "b"}, {"name": "a", "port": 1}],
                        tags=["x", "y", "x"]))
    assert found == [
        ("spec.ports[2]", "FieldValueDuplicate",
         'Duplicate value: map[string]interface {}{"name":"a"}'),
        ("spec.tags[2]", "FieldValueDuplicate", 'Duplicate value: "x"'),
    ]


def test_formats_are_checked() -> None:
    assert prepare(cron(when="2024-05-01T10:00:00Z"))["spec"]["when"]
    assert causes(cron(when="yesterday")) == [(
        "spec.when", "FieldValueTypeInvalid",
        'Invalid value: "yesterday": spec.when in body must be of type date-time: '
        '"yesterday"')]


def test_embedded_resources_need_type_meta() -> None:
    assert causes(cron(template={"metadata": {"name": "x"}})) == [
        ("spec.template.apiVersion", "FieldValueRequired", "Required value"),
        ("spec.template.kind", "FieldValueRequired", "Required value"),
    ]
    ok = prepare(cron(template={"apiVersion": "v1", "kind": "Pod",
                                "metadata": {"name": "p", "junk": 1}, "spec": {"any": 1}}))
    assert ok["spec"]["template"] == {"apiVersion": "v1", "kind": "Pod",
                                      "metadata": {"name": "p"}, "spec": {"any": 1}}


def test_names_must_be_dns_subdomains_and_namespaces_set() -> None:
    obj = cron()
    obj["metadata"] = {"name": "Not_Valid"}
    found = causes(obj)
    assert found[0][0] == "metadata.name"
    assert "a lowercase RFC 1123 subdomain" in found[0][2]
    assert found[1] == ("metadata.namespace", "FieldValueRequired", "Required value")
    cluster = cron()
    del cluster["metadata"]["namespace"]
    assert prepare(cluster, namespaced=False)["metadata"]["name"] == "my-new-cron-object"


def test_type_meta_is_checked_when_the_version_is_given() -> None:
    obj = cron()
    obj["kind"] = "Other"
    assert causes(obj, version="v1") == [
        ("kind", "FieldValueInvalid", 'Invalid value: "Other": must be CronTab')]


def test_composition_keywords() -> None:
    schema = {"type": "object", "properties": {"spec": {
        "type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
        "oneOf": [{"required": ["a"]}, {"required": ["b"]}]}}}
    obj = {"apiVersion": "x.io/v1", "kind": "K", "metadata": {"name": "k"}, "spec": {}}
    with pytest.raises(Invalid) as caught:
        prepare_custom_object(obj, schema=schema, kind="K", group="x.io", namespaced=False)
    assert [(c["field"], c["message"]) for c in caught.value.details["causes"]] == [
        ("<nil>", 'Invalid value: "": "spec" must validate one and only one schema (oneOf). '
                  "Found none valid"),
        ("spec.a", "Required value"),
    ]
    obj["spec"] = {"a": "1"}
    assert prepare_custom_object(obj, schema=schema, kind="K", group="x.io", namespaced=False)


def test_update_ratchets_unchanged_invalid_fields() -> None:
    old = prepare(cron())
    old["spec"]["replicas"] = 20  # stored before the schema tightened
    old["metadata"]["resourceVersion"] = "5"
    changed_image = copy.deepcopy(old)
    changed_image["spec"]["image"] = "new"
    assert prepare(changed_image, old=old)["spec"]["image"] == "new"
    changed_replicas = copy.deepcopy(old)
    changed_replicas["spec"]["replicas"] = 30
    assert causes(changed_replicas, old=old) == [(
        "spec.replicas", "FieldValueInvalid",
        "Invalid value: 30: spec.replicas in body should be less than or equal to 10")]


def test_update_keeps_identity_rules() -> None:
    old = prepare(cron())
    old["metadata"].update(resourceVersion="5", uid="u1")
    new = copy.deepcopy(old)
    new["metadata"]["name"] = "renamed"
    found = causes(new, old=old)
    assert ("metadata.name", "FieldValueInvalid",
            'Invalid value: "renamed": field is immutable') in found


def test_status_updates_validate_the_status_schema_under_status() -> None:
    old = prepare(cron())
    old["metadata"]["resourceVersion"] = "1"
    new = copy.deepcopy(old)
    new["status"] = {"replicas": "two"}
    assert causes(new, old=old, subresource="status") == [(
        "status.replicas", "FieldValueTypeInvalid",
        'Invalid value: "string": replicas in body must be of type integer: "string"')]


SCALE = {"specReplicasPath": ".spec.replicas", "statusReplicasPath": ".status.replicas",
         "labelSelectorPath": ".status.selector"}


def test_scale_paths_are_validated() -> None:
    obj = cron(replicas=2)
    obj["status"] = {"replicas": -1, "selector": "app=x"}
    assert causes(obj, scale=SCALE) == [
        (".status.replicas", "FieldValueInvalid",
         "Invalid value: -1: should be a non-negative integer")]
    obj["status"] = {"replicas": 1, "selector": 5}
    bad_selector = validate_custom_object(obj, schema=None, kind="CronTab", group=GROUP,
                                          scale=SCALE)
    assert bad_selector == [(".status.selector", "FieldValueInvalid",
                             'Invalid value: "": .status.selector accessor error: 5 is of the '
                             "type int64, expected string")]


def test_scale_and_status_helpers() -> None:
    obj = prepare(cron(replicas=3))
    obj["metadata"].update(uid="u1", resourceVersion="7", creationTimestamp="2024-01-01T00:00:00Z")
    obj["status"] = {"replicas": 2, "selector": "app=cron"}
    assert replicas_path(".spec.replicas") == ("spec", "replicas")
    assert status_of(obj) == {"replicas": 2, "selector": "app=cron"}
    assert status_of(cron()) is None
    assert scale_of(obj, SCALE) == {
        "apiVersion": "autoscaling/v1", "kind": "Scale",
        "metadata": {"name": "my-new-cron-object", "namespace": "default", "uid": "u1",
                     "resourceVersion": "7", "creationTimestamp": "2024-01-01T00:00:00Z"},
        "spec": {"replicas": 3}, "status": {"replicas": 2, "selector": "app=cron"}}
    scaled = with_spec_replicas(obj, SCALE, 5)
    assert scaled["spec"]["replicas"] == 5 and obj["spec"]["replicas"] == 3
    fresh = with_spec_replicas({"metadata": {"name": "x"}}, SCALE, 1)
    assert fresh["spec"] == {"replicas": 1}
    with pytest.raises(InternalError):
        scale_of(cron(replicas="x"), SCALE)


def test_cel_rules_are_listed_not_enforced() -> None:
    schema = {"type": "object", "properties": {"spec": {
        "type": "object", "x-kubernetes-validations": [{"rule": "self.min <= self.max"}],
        "properties": {"min": {"type": "integer"}, "max": {"type": "integer"}}}}}
    assert validation_rules(schema) == [("spec", {"rule": "self.min <= self.max"})]
    obj = {"apiVersion": "x.io/v1", "kind": "K", "metadata": {"name": "k"},
           "spec": {"min": 5, "max": 1}}
    assert prepare_custom_object(obj, schema=schema, kind="K", group="x.io", namespaced=False)


def test_without_a_schema_everything_is_kept() -> None:
    obj = cron(anything={"goes": True})
    out = prepare_custom_object(obj, schema=None, kind="CronTab", group=GROUP)
    assert out == obj and out is not obj


def test_compiled_schemas_are_cached_and_fast() -> None:
    assert compile_schema(SCHEMA) is compile_schema(SCHEMA)
    assert compile_schema(copy.deepcopy(SCHEMA)) is compile_schema(SCHEMA)
    wide = {"type": "object", "properties": {"spec": {"type": "object", "properties": {
        f"f{i}": {"type": "string", "maxLength": 50, "pattern": "^[a-z0-9]+$"}
        for i in range(30)}}}}
    obj = {"apiVersion": "x.io/v1", "kind": "K", "metadata": {"name": "k", "namespace": "d"},
           "spec": {f"f{i}": f"value{i}" for i in range(30)}}
    prepare_custom_object(obj, schema=wide, kind="K", group="x.io")
    rounds = 200
    start = time.perf_counter()
    for _ in range(rounds):
        prepare_custom_object(obj, schema=wide, kind="K", group="x.io")
    assert (time.perf_counter() - start) / rounds < 0.001


def test_float_bounds_print_as_go_prints_float64() -> None:
    schema = {"type": "object", "properties": {"spec": {"type": "object", "properties": {
        "ratio": {"type": "number", "maximum": 1e6, "multipleOf": 0.5}}}}}
    obj = {"apiVersion": "x.io/v1", "kind": "K", "metadata": {"name": "k"},
           "spec": {"ratio": 2500000.25}}
    found = validate_custom_object(obj, schema=schema, kind="K", group="x.io", namespaced=False)
    assert found == [
        ("spec.ratio", "FieldValueInvalid",
         "Invalid value: 2.50000025e+06: spec.ratio in body should be a multiple of 0.5"),
        ("spec.ratio", "FieldValueInvalid",
         "Invalid value: 2.50000025e+06: spec.ratio in body should be less than or equal to "
         "1e+06"),
    ]
