"""The built-in schema table and the navigator strategic merge patch walks."""

from __future__ import annotations

import pytest

from k3py.api.schemas import Schema, definition, definition_for_kind, schema

DEPLOYMENT = "io.k8s.api.apps.v1.Deployment"


@pytest.mark.parametrize(("gvk", "name"), [
    (("apps", "v1", "Deployment"), DEPLOYMENT),
    (("", "v1", "Node"), "io.k8s.api.core.v1.Node"),
    (("", "v1", "Pod"), "io.k8s.api.core.v1.Pod"),
    (("batch", "v1", "CronJob"), "io.k8s.api.batch.v1.CronJob"),
    (("", "v1", "DeleteOptions"), "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"),
    (("apps", "v1", "Pod"), None),
    (("example.com", "v1", "Widget"), None),
])
def test_definition_for_kind(gvk: tuple[str, str, str], name: str | None) -> None:
    assert definition_for_kind(*gvk) == name


def test_definition_is_the_raw_schema() -> None:
    raw = definition(DEPLOYMENT)
    assert raw["properties"]["spec"] == {
        "$ref": "#/$defs/io.k8s.api.apps.v1.DeploymentSpec",
        "description": "Specification of the desired behavior of the Deployment."}
    with pytest.raises(KeyError, match=r"io\.k8s\.api\.apps\.v1\.Nope"):
        definition("io.k8s.api.apps.v1.Nope")


def test_walk_to_containers_gives_merge_metadata() -> None:
    pod_spec = schema(DEPLOYMENT).prop("spec").prop("template").prop("spec")
    assert pod_spec is not None and pod_spec.name == "io.k8s.api.core.v1.PodSpec"
    containers = pod_spec.prop("containers")
    assert containers is not None
    assert containers.patch_strategies == ("merge",)
    assert containers.patch_merge_key == "name"
    assert containers.list_type == "map"
    assert containers.list_map_keys == ("name",)
    assert containers.types == ("array",)
    item = containers.items()
    assert item is not None and item.name == "io.k8s.api.core.v1.Container"
    assert item.prop("volumeMounts").patch_merge_key == "mountPath"
    assert item.prop("args").patch_strategies == ()


def test_strategy_beside_a_ref_is_kept() -> None:
    strategy = schema("io.k8s.api.apps.v1.DeploymentSpec").prop("strategy")
    assert strategy is not None
    assert strategy.patch_strategies == ("retainKeys",)
    assert strategy.name == "io.k8s.api.apps.v1.DeploymentStrategy"
    assert set(strategy.properties) == {"rollingUpdate", "type"}


def test_list_strategies() -> None:
    pod_spec = schema("io.k8s.api.core.v1.PodSpec")
    assert pod_spec.prop("volumes").patch_strategies == ("merge", "retainKeys")
    taints = schema("io.k8s.api.core.v1.NodeSpec").prop("taints")
    assert taints is not None and taints.patch_strategies == () and taints.list_type == "atomic"
    finalizers = schema("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta").prop("finalizers")
    assert finalizers is not None
    assert finalizers.patch_strategies == ("merge",)
    assert finalizers.patch_merge_key is None
    assert finalizers.items().types == ("string",)
    selector = schema("io.k8s.api.policy.v1.PodDisruptionBudgetSpec").prop("selector")
    assert selector is not None and selector.patch_strategies == ("replace",)


def test_maps_and_unknown_fields() -> None:
    meta = schema("io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")
    labels = meta.prop("labels")
    assert labels is not None and labels.accepts_unknown_fields
    value = labels.field("app.kubernetes.io/name")
    assert value is not None and value.types == ("string",) and value.nullable
    assert meta.field("nope") is None
    assert not meta.accepts_unknown_fields
    assert schema("io.k8s.apimachinery.pkg.runtime.RawExtension").accepts_unknown_fields
    assert schema("io.k8s.api.core.v1.Container").prop("name").additional_properties() is None


def test_int_or_string_alternatives() -> None:
    max_surge = schema("io.k8s.api.apps.v1.RollingUpdateDeployment").prop("maxSurge")
    assert max_surge is not None
    assert max_surge.types == ()
    assert [alt.types for alt in max_surge.one_of()] == [("string",), ("integer",)]


def test_navigators_are_shared_and_cached() -> None:
    assert schema(DEPLOYMENT) is schema(DEPLOYMENT)
    pod_spec = schema("io.k8s.api.core.v1.PodSpec")
    assert pod_spec.prop("containers") is pod_spec.prop("containers")
    # A plain reference is the definition's own navigator, not a copy of it.
    assert pod_spec.prop("affinity") is schema("io.k8s.api.core.v1.Affinity")
    assert schema(DEPLOYMENT).group_version_kinds == (("apps", "v1", "Deployment"),)


def test_openapi_v3_spelling_and_inline_definitions() -> None:
    defs = {
        "item": {
            "type": "object",
            "properties": {
                "children": {"type": "array", "items": {"allOf": [
                    {"$ref": "#/components/schemas/item"}]},
                    "x-kubernetes-patch-strategy": "merge",
                    "x-kubernetes-patch-merge-key": "id"},
                "extra": {"allOf": [{"$ref": "#/components/schemas/extra"}],
                          "x-kubernetes-patch-strategy": "replace", "nullable": True},
            },
        },
        "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
    }
    item = Schema.named("item", defs)
    child = item.prop("children").items()
    assert child is not None and child.name == "item"
    assert child.prop("children").patch_merge_key == "id"
    extra = item.prop("extra")
    assert extra is not None
    assert extra.patch_strategies == ("replace",)
    assert extra.nullable and extra.accepts_unknown_fields and extra.types == ("object",)
    inline = Schema({"type": "object", "properties": {"a": {"type": "integer"}}})
    assert inline.prop("a").types == ("integer",)
    with pytest.raises(KeyError, match="missing"):
        Schema({"$ref": "#/components/schemas/missing"}, definitions=defs)
