"""The OpenAPI v3 documents kubectl reads: root, per group-version documents, schemas."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from k3py.api import openapi
from k3py.api.openapi import documents
from k3py.api.openapi.components import refs_in
from k3py.api.resources import Resource, ResourceTable, Subresource, builtin_table

TABLE = builtin_table()
DEPLOYMENT_ITEM = "/apis/apps/v1/namespaces/{namespace}/deployments/{name}"
PATCH_TYPES = {"application/apply-patch+yaml", "application/json-patch+json",
               "application/merge-patch+json", "application/strategic-merge-patch+json"}
WIDGET_SCHEMA = {
    "type": "object",
    "properties": {
        "spec": {"type": "object",
                 "properties": {"size": {"type": "integer"},
                                "extra": {"type": "object",
                                          "x-kubernetes-preserve-unknown-fields": True}}},
    },
}


def doc(key: str, table: ResourceTable = TABLE, **kwargs: Any) -> dict[str, Any]:
    found = openapi.document(table, key, **kwargs)
    assert found is not None, key
    parsed: dict[str, Any] = orjson.loads(found.body)
    return parsed


def operations(paths: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in paths.items():
        for method, op in item.items():
            if method != "parameters":
                yield path, method, op


def schemas(d: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = d["components"]["schemas"]
    return found


def test_deployment_patch_declares_field_validation() -> None:
    patch = doc("apis/apps/v1")["paths"][DEPLOYMENT_ITEM]["patch"]
    assert patch["x-kubernetes-action"] == "patch"
    assert patch["x-kubernetes-group-version-kind"] == {
        "group": "apps", "kind": "Deployment", "version": "v1"}
    params = {p["name"]: p for p in patch["parameters"]}
    assert set(params) == {"dryRun", "fieldManager", "fieldValidation", "force"}
    assert params["fieldValidation"]["in"] == "query"
    assert params["force"]["schema"]["type"] == "boolean"
    assert set(patch["requestBody"]["content"]) == PATCH_TYPES
    assert patch["requestBody"]["required"] is True
    assert patch["responses"]["200"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/io.k8s.api.apps.v1.Deployment"}
    assert patch["operationId"] == "patchAppsV1NamespacedDeployment"


def test_collection_operations_of_a_namespaced_resource() -> None:
    paths = doc("apis/apps/v1")["paths"]
    collection = paths["/apis/apps/v1/namespaces/{namespace}/deployments"]
    assert collection["get"]["x-kubernetes-action"] == "list"
    assert collection["get"]["responses"]["200"]["content"][
        "application/json;stream=watch"]["schema"]["$ref"].endswith("apps.v1.DeploymentList")
    post = collection["post"]
    assert post["x-kubernetes-action"] == "post"
    assert {p["name"] for p in post["parameters"]} == {"dryRun", "fieldManager",
                                                       "fieldValidation"}
    assert set(post["responses"]) == {"200", "201", "202", "401"}
    assert collection["delete"]["x-kubernetes-action"] == "deletecollection"
    assert [p["name"] for p in collection["parameters"]] == ["namespace", "pretty"]
    every = paths["/apis/apps/v1/deployments"]
    assert every["get"]["operationId"] == "listAppsV1DeploymentForAllNamespaces"
    assert "post" not in every
    item = paths[DEPLOYMENT_ITEM]
    assert set(item) == {"get", "put", "patch", "delete", "parameters"}
    assert [p["name"] for p in item["parameters"]] == ["name", "namespace", "pretty"]
    assert "/apis/apps/v1/watch/namespaces/{namespace}/deployments/{name}" in paths


def test_subresources() -> None:
    paths = doc("apis/apps/v1")["paths"]
    scale = paths[DEPLOYMENT_ITEM + "/scale"]
    assert scale["patch"]["x-kubernetes-group-version-kind"] == {
        "group": "autoscaling", "kind": "Scale", "version": "v1"}
    assert scale["get"]["responses"]["200"]["content"]["application/json"]["schema"][
        "$ref"].endswith("io.k8s.api.autoscaling.v1.Scale")
    status = paths[DEPLOYMENT_ITEM + "/status"]
    assert status["patch"]["operationId"] == "patchAppsV1NamespacedDeploymentStatus"
    assert status["patch"]["x-kubernetes-group-version-kind"]["kind"] == "Deployment"

    core = doc("api/v1")["paths"]
    pod = "/api/v1/namespaces/{namespace}/pods/{name}"
    exec_ = core[pod + "/exec"]
    assert set(exec_) == {"get", "post", "parameters"}
    assert exec_["post"]["x-kubernetes-action"] == "connect"
    assert exec_["post"]["operationId"] == "connectCoreV1PostNamespacedPodExec"
    assert {p["name"] for p in exec_["get"]["parameters"]} >= {"command", "container", "tty"}
    assert core[pod + "/log"]["get"]["responses"]["200"]["content"]["*/*"]["schema"] == {
        "type": "string"}
    eviction = core[pod + "/eviction"]["post"]
    assert eviction["x-kubernetes-group-version-kind"] == {
        "group": "policy", "kind": "Eviction", "version": "v1"}
    assert "/api/v1/nodes/{name}/proxy/{path}" in core
    assert core["/api/v1/namespaces/{name}/finalize"]["put"]["operationId"] == \
        "replaceCoreV1NamespaceFinalize"


def test_every_patch_operation_declares_field_validation() -> None:
    """kubectl looks at the first patch operation of a kind it meets, in map order."""
    for key in openapi.root(TABLE)["paths"]:
        for path, method, op in operations(doc(key)["paths"]):
            if method == "patch" and op["x-kubernetes-action"] == "patch":
                names = {p["name"] for p in op["parameters"]}
                assert "fieldValidation" in names, path


def test_refs_resolve_and_operation_ids_are_unique() -> None:
    for key in openapi.root(TABLE)["paths"]:
        d = doc(key)
        assert set(refs_in(d)) <= set(schemas(d)), key
        ids = [op["operationId"] for _, _, op in operations(d["paths"])]
        assert len(ids) == len(set(ids)), key


def test_deployment_schema_and_patch_extensions() -> None:
    components = schemas(doc("apis/apps/v1"))
    deployment = components["io.k8s.api.apps.v1.Deployment"]
    assert deployment["x-kubernetes-group-version-kind"] == [
        {"group": "apps", "kind": "Deployment", "version": "v1"}]
    assert deployment["type"] == "object"
    assert deployment["properties"]["kind"] == {
        "description": deployment["properties"]["kind"]["description"], "type": "string"}
    assert deployment["properties"]["spec"]["allOf"] == [
        {"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"}]
    strategy = components["io.k8s.api.apps.v1.DeploymentSpec"]["properties"]["strategy"]
    assert strategy["x-kubernetes-patch-strategy"] == "retainKeys"
    assert strategy["allOf"] == [
        {"$ref": "#/components/schemas/io.k8s.api.apps.v1.DeploymentStrategy"}]
    containers = components["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"
    assert containers["x-kubernetes-patch-strategy"] == "merge"
    assert containers["x-kubernetes-list-type"] == "map"
    assert containers["x-kubernetes-list-map-keys"] == ["name"]
    assert containers["items"] == {"$ref": "#/components/schemas/io.k8s.api.core.v1.Container"}
    volumes = components["io.k8s.api.core.v1.PodSpec"]["properties"]["volumes"]
    assert volumes["x-kubernetes-patch-strategy"] == "merge,retainKeys"
    owner = components["io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference"]
    assert owner["x-kubernetes-map-type"] == "atomic"
    assert "io.k8s.api.autoscaling.v1.Scale" in components
    assert "io.k8s.api.batch.v1.Job" not in components


def test_types_are_openapi_3_0() -> None:
    """No JSON-schema type lists or nulls, and no enum pinning apiVersion/kind."""
    def walk(node: Any) -> Iterator[Any]:
        if isinstance(node, dict):
            yield node
            for key, value in node.items():
                if key == "properties":
                    for sub in value.values():
                        yield from walk(sub)
                elif isinstance(value, dict | list):
                    yield from walk(value)
        elif isinstance(node, list):
            for item in node:
                yield from walk(item)

    components = schemas(doc("api/v1"))
    for node in walk(components):
        assert not isinstance(node.get("type"), list), node
        assert node.get("type") != "null"
    for name, node in components.items():
        for field in ("apiVersion", "kind"):
            assert "enum" not in (node.get("properties") or {}).get(field, {}), name
    assert components["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["oneOf"] == [
        {"type": "integer"}, {"type": "string"}]
    assert components["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]["format"] == \
        "int-or-string"
    assert components["io.k8s.apimachinery.pkg.api.resource.Quantity"]["oneOf"] == [
        {"type": "string"}, {"type": "number"}]
    assert components["io.k8s.apimachinery.pkg.apis.meta.v1.Time"] == {
        "description": components["io.k8s.apimachinery.pkg.apis.meta.v1.Time"]["description"],
        "format": "date-time", "type": "string"}
    labels = components["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]["properties"][
        "labels"]
    assert labels["additionalProperties"] == {"type": "string"}


def test_root_names_every_document_with_its_hash() -> None:
    paths = openapi.root(TABLE)["paths"]
    for group, versions in TABLE.groups().items():
        for version in versions:
            assert (f"apis/{group}/{version}" if group else f"api/{version}") in paths
        if group:
            assert f"apis/{group}" in paths
    assert {"api", "apis", "version"} <= set(paths)
    for key, entry in paths.items():
        found = openapi.document(TABLE, key)
        assert found is not None
        assert found.hash == hashlib.sha512(found.body).hexdigest().upper()
        assert entry == {"serverRelativeURL": f"/openapi/v3/{key}?hash={found.hash}"}
        assert found.etag == f'"{found.hash}"'
    assert openapi.group_version_document(TABLE, "apps", "v1") == \
        openapi.document(TABLE, "apis/apps/v1").body  # type: ignore[union-attr]


def test_discovery_documents() -> None:
    api = doc("api")
    assert api["paths"]["/api/"]["get"]["responses"]["200"]["content"]["application/json"][
        "schema"]["$ref"].endswith("meta.v1.APIVersions")
    group = doc("apis/apps")
    assert group["paths"]["/apis/apps/"]["get"]["operationId"] == "getAppsAPIGroup"
    rbac = doc("apis/rbac.authorization.k8s.io/v1")
    assert rbac["paths"]["/apis/rbac.authorization.k8s.io/v1/"]["get"]["operationId"] == \
        "getRbacAuthorizationV1APIResources"
    assert rbac["paths"]["/apis/rbac.authorization.k8s.io/v1/clusterroles"]["get"]["tags"] == [
        "rbacAuthorization_v1"]
    assert doc("api/v1")["info"] == {"title": "Kubernetes", "version": openapi.INFO_VERSION}
    assert doc("api/v1")["openapi"] == "3.0.0"


@pytest.mark.parametrize("key", ["apis/nope/v1", "apis/apps/v9", "api/v2", "apis/nope",
                                 "apis/apps/v1/extra", "nope", ""])
def test_unknown_documents(key: str) -> None:
    assert openapi.document(TABLE, key) is None


def test_group_version_not_served() -> None:
    with pytest.raises(KeyError, match="nope/v1"):
        openapi.group_version_document(TABLE, "nope", "v1")


def widget_table() -> ResourceTable:
    widget = Resource("example.com", "v1", "Widget", "widgets", True,
                      subresources=(Subresource("status", "Widget", ("get", "patch", "update")),))
    return TABLE.with_custom([widget])


def test_custom_resource_document() -> None:
    custom = openapi.custom_resource_schema(WIDGET_SCHEMA, group="example.com", version="v1",
                                            kind="Widget")
    assert set(custom) == {"com.example.v1.Widget", "com.example.v1.WidgetList"}
    table = widget_table()
    d = doc("apis/example.com/v1", table, custom_schemas=custom)
    widget = schemas(d)["com.example.v1.Widget"]
    assert widget["x-kubernetes-group-version-kind"] == [
        {"group": "example.com", "kind": "Widget", "version": "v1"}]
    assert widget["properties"]["metadata"]["allOf"] == [
        {"$ref": "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"}]
    assert widget["properties"]["spec"]["properties"]["extra"][
        "x-kubernetes-preserve-unknown-fields"] is True
    assert "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" in schemas(d)
    assert set(refs_in(d)) <= set(schemas(d))
    patch = d["paths"]["/apis/example.com/v1/namespaces/{namespace}/widgets/{name}"]["patch"]
    assert patch["x-kubernetes-group-version-kind"]["kind"] == "Widget"
    assert "fieldValidation" in {p["name"] for p in patch["parameters"]}
    assert patch["operationId"] == "patchExampleComV1NamespacedWidget"
    assert "apis/example.com/v1" in openapi.root(table, custom_schemas=custom)["paths"]
    # Built-in documents do not change when custom kinds come and go.
    assert openapi.document(table, "apis/apps/v1", custom_schemas=custom) is \
        openapi.document(TABLE, "apis/apps/v1")


def test_custom_resource_without_a_schema_is_free_form() -> None:
    d = doc("apis/example.com/v1", widget_table())
    widget = schemas(d)["com.example.v1.Widget"]
    assert widget["x-kubernetes-preserve-unknown-fields"] is True
    assert schemas(d)["com.example.v1.WidgetList"]["properties"]["items"]["items"] == {
        "$ref": "#/components/schemas/com.example.v1.Widget"}


def test_documents_are_cached_and_fast() -> None:
    documents._build.cache_clear()
    start = time.perf_counter()
    first = openapi.root(TABLE)
    elapsed = time.perf_counter() - start
    assert elapsed < 1.0, f"building every document took {elapsed:.2f}s"
    again = time.perf_counter()
    assert openapi.root(TABLE) == first
    assert time.perf_counter() - again < 0.05
    assert openapi.document(TABLE, "api/v1") is openapi.document(TABLE, "api/v1")
