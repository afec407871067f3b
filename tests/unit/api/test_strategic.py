"""Strategic merge patch on built-in types, as kubectl and kube-apiserver use it."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from k3py.api.patch import strategic_merge_patch
from k3py.errors import BadRequest, Invalid

DEPLOYMENT = "io.k8s.api.apps.v1.Deployment"
POD = "io.k8s.api.core.v1.Pod"


def deployment(*containers: dict[str, Any]) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "web", "labels": {"app": "web"}, "finalizers": ["a", "b"]},
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": "web"}},
            "strategy": {"type": "RollingUpdate",
                         "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 1}},
            "template": {"metadata": {"labels": {"app": "web"}},
                         "spec": {"containers": list(containers) or [container("c")]}},
        },
    }


def container(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "image": f"{name}:1", **fields}


def containers_of(obj: dict[str, Any]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = obj["spec"]["template"]["spec"]["containers"]
    return result


def pod_patch(**spec: Any) -> dict[str, Any]:
    return {"spec": {"template": {"spec": spec}}}


def smp(original: dict[str, Any], patch: dict[str, Any], definition: str = DEPLOYMENT) -> Any:
    """Apply and check that neither input was touched."""
    before = copy.deepcopy((original, patch))
    result = strategic_merge_patch(original, patch, definition=definition)
    assert (original, patch) == before
    return result


def test_kubectl_set_image() -> None:
    original = deployment(container("c", ports=[{"containerPort": 80, "protocol": "TCP"}]))
    patch = pod_patch(**{"$setElementOrder/containers": [{"name": "c"}],
                         "containers": [{"image": "nginx:1.28", "name": "c"}]})
    result = smp(original, patch)
    assert containers_of(result) == [
        {"name": "c", "image": "nginx:1.28", "ports": [{"containerPort": 80, "protocol": "TCP"}]}]
    assert result["spec"]["replicas"] == 2
    # Untouched subtrees are shared, not copied.
    assert result["metadata"] is original["metadata"]
    assert result["spec"]["strategy"] is original["spec"]["strategy"]


def test_null_deletes_a_field() -> None:
    node = {"kind": "Node", "spec": {"unschedulable": True, "podCIDR": "10.42.0.0/24"}}
    result = smp(node, {"spec": {"unschedulable": None}}, "io.k8s.api.core.v1.Node")
    assert result == {"kind": "Node", "spec": {"podCIDR": "10.42.0.0/24"}}


def test_client_side_apply_removes_container_ports() -> None:
    original = deployment(container("c", ports=[{"containerPort": 80}]), container("d"))
    result = smp(original, pod_patch(containers=[{"name": "c", "ports": None}]))
    assert containers_of(result) == [container("c"), container("d")]


def test_env_merges_by_name_and_new_items_go_first() -> None:
    original = deployment(container("c", env=[{"name": "A", "value": "1"},
                                              {"name": "B", "value": "2"}]))
    patch = pod_patch(containers=[{"name": "c", "env": [{"name": "B", "value": "3"},
                                                        {"name": "C", "value": "4"}]}])
    assert containers_of(smp(original, patch))[0]["env"] == [
        {"name": "A", "value": "1"}, {"name": "B", "value": "3"}, {"name": "C", "value": "4"}]
    # Upstream places items the patch adds before the original ones.
    patch = pod_patch(containers=[{"name": "c", "env": [{"name": "Z", "value": "0"}]}])
    assert [e["name"] for e in containers_of(smp(original, patch))[0]["env"]] == ["Z", "A", "B"]


def test_volume_mounts_merge_by_mount_path() -> None:
    original = deployment(container("c", volumeMounts=[{"name": "data", "mountPath": "/data"},
                                                       {"name": "tmp", "mountPath": "/tmp"}]))
    patch = pod_patch(containers=[{"name": "c", "volumeMounts": [
        {"mountPath": "/data", "readOnly": True}, {"name": "cache", "mountPath": "/cache"}]}])
    assert containers_of(smp(original, patch))[0]["volumeMounts"] == [
        {"name": "data", "mountPath": "/data", "readOnly": True},
        {"name": "cache", "mountPath": "/cache"},
        {"name": "tmp", "mountPath": "/tmp"},
    ]


def test_service_ports_merge_by_port() -> None:
    service = {"spec": {"type": "ClusterIP", "ports": [
        {"name": "http", "port": 80, "targetPort": 8080},
        {"name": "https", "port": 443, "targetPort": 8443}]}}
    patch = {"spec": {"ports": [{"port": 443, "targetPort": 9443},
                                {"port": 80, "$patch": "delete"}]}}
    assert smp(service, patch, "io.k8s.api.core.v1.Service")["spec"]["ports"] == [
        {"name": "https", "port": 443, "targetPort": 9443}]


def test_patch_delete_removes_list_items() -> None:
    original = deployment(container("a"), container("b"), container("a", image="again"))
    result = smp(original, pod_patch(containers=[{"name": "a", "$patch": "delete"}]))
    assert containers_of(result) == [container("b")]


def test_patch_replace_in_a_list_and_in_a_map() -> None:
    original = deployment(container("a"), container("b"))
    patch = pod_patch(containers=[{"$patch": "replace"}, {"name": "n", "image": "n:2"}])
    assert containers_of(smp(original, patch)) == [{"name": "n", "image": "n:2"}]
    patch = {"spec": {"selector": {"$patch": "replace", "matchLabels": {"tier": "x"},
                                   "matchExpressions": None}}}
    assert smp(original, patch)["spec"]["selector"] == {"matchLabels": {"tier": "x"}}


def test_patch_delete_and_merge_in_a_map() -> None:
    original = deployment()
    result = smp(original, {"metadata": {"labels": {"$patch": "delete"}}})
    assert result["metadata"]["labels"] == {}
    result = smp(original, {"metadata": {"annotations": {"$patch": "delete"}, "labels": {
        "$patch": "merge", "tier": "x"}}})
    assert "annotations" not in result["metadata"]
    assert result["metadata"]["labels"] == {"app": "web", "tier": "x"}


def test_retain_keys_switches_deployment_strategy() -> None:
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate",
                                   "rollingUpdate": None}}}
    assert smp(deployment(), patch)["spec"]["strategy"] == {"type": "Recreate"}
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate"}}}
    assert smp(deployment(), patch)["spec"]["strategy"] == {"type": "Recreate"}
    # Without the directive the strategy merges and the old rollingUpdate survives.
    patch = {"spec": {"strategy": {"type": "Recreate"}}}
    assert "rollingUpdate" in smp(deployment(), patch)["spec"]["strategy"]


def test_retain_keys_on_a_volume_in_a_merged_list() -> None:
    pod = {"spec": {"containers": [container("c")], "volumes": [
        {"name": "v", "emptyDir": {}}, {"name": "w", "emptyDir": {"medium": "Memory"}}]}}
    patch = {"spec": {"volumes": [{"$retainKeys": ["configMap", "name"], "name": "v",
                                   "configMap": {"name": "cm"}}]}}
    assert smp(pod, patch, POD)["spec"]["volumes"] == [
        {"name": "v", "configMap": {"name": "cm"}}, {"name": "w", "emptyDir": {"medium": "Memory"}}]


def test_retain_keys_must_list_what_the_patch_sets() -> None:
    patch = {"spec": {"strategy": {"$retainKeys": ["type"], "type": "Recreate",
                                   "rollingUpdate": {"maxSurge": 1}}}}
    with pytest.raises(BadRequest, match=r"spec\.strategy: invalid patch format of retainKeys"):
        smp(deployment(), patch)


def test_finalizers_merge_as_a_set() -> None:
    original = deployment()
    result = smp(original, {"metadata": {"finalizers": ["b", "c"]}})
    assert result["metadata"]["finalizers"] == ["a", "b", "c"]
    result = smp(original, {"metadata": {"finalizers": ["z"]}})
    assert result["metadata"]["finalizers"] == ["z", "a", "b"]
    result = smp(original, {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a", "q"]}})
    assert result["metadata"]["finalizers"] == ["b"]


def test_kubectl_apply_replaces_a_finalizer() -> None:
    # last-applied [a, b] -> new config [b, c]
    patch = {"metadata": {"$setElementOrder/finalizers": ["b", "c"],
                          "$deleteFromPrimitiveList/finalizers": ["a"], "finalizers": ["c"]}}
    assert smp(deployment(), patch)["metadata"]["finalizers"] == ["b", "c"]


def test_delete_from_primitive_list_never_creates_it() -> None:
    original = {"metadata": {"name": "x"}}
    patch = {"metadata": {"$deleteFromPrimitiveList/finalizers": ["a"]}}
    assert smp(original, patch, POD) == original


def test_lists_without_a_strategy_are_replaced() -> None:
    node = {"spec": {"taints": [{"key": "a", "effect": "NoSchedule"}]}}
    patch = {"spec": {"taints": [{"key": "b", "effect": "NoExecute", "value": None}]}}
    assert smp(node, patch, "io.k8s.api.core.v1.Node")["spec"]["taints"] == [
        {"key": "b", "effect": "NoExecute"}]
    original = deployment(container("c", args=["--a", "--b"]))
    result = smp(original, pod_patch(containers=[{"name": "c", "args": ["--c"]}],
                                     tolerations=[{"operator": "Exists"}]))
    assert containers_of(result)[0]["args"] == ["--c"]
    assert result["spec"]["template"]["spec"]["tolerations"] == [{"operator": "Exists"}]


def test_maps_merge_including_resource_maps() -> None:
    original = deployment(container("c", resources={"limits": {"cpu": "1", "memory": "1Gi"}}))
    patch = pod_patch(containers=[{"name": "c", "resources": {"limits": {"cpu": "2"}}}])
    assert containers_of(smp(original, patch))[0]["resources"] == {
        "limits": {"cpu": "2", "memory": "1Gi"}}


def test_replace_strategy_map() -> None:
    pdb = {"spec": {"minAvailable": 1, "selector": {"matchLabels": {"a": "1"}}}}
    patch = {"spec": {"selector": {"matchLabels": {"b": "2"}}}}
    assert smp(pdb, patch, "io.k8s.api.policy.v1.PodDisruptionBudget")["spec"] == {
        "minAvailable": 1, "selector": {"matchLabels": {"b": "2"}}}


def test_unknown_fields_merge_as_maps_and_replace_as_lists() -> None:
    original = {"spec": {"x-extra": {"a": 1, "list": [1, 2]}, "containers": [container("c")]}}
    patch = {"spec": {"x-extra": {"b": 2, "list": [3]}}, "unknownTop": {"k": None, "v": 1}}
    assert smp(original, patch, POD) == {
        "spec": {"x-extra": {"a": 1, "b": 2, "list": [3]}, "containers": [container("c")]},
        "unknownTop": {"v": 1}}


def test_set_element_order_with_server_only_items() -> None:
    original = deployment(*(container(n) for n in ["p", "r", "s", "q", "z"]))
    order = [{"name": n} for n in ["s", "q", "r", "p"]]
    result = smp(original, pod_patch(**{"$setElementOrder/containers": order}))
    assert [c["name"] for c in containers_of(result)] == ["s", "q", "r", "p", "z"]
    # A server-only item stays after the ordered item it followed.
    original = deployment(*(container(n) for n in ["p", "q", "z", "r", "s"]))
    order = [{"name": n} for n in ["q", "p", "s", "r"]]
    result = smp(original, pod_patch(**{"$setElementOrder/containers": order}))
    assert [c["name"] for c in containers_of(result)] == ["q", "p", "z", "s", "r"]


def test_set_element_order_places_added_items() -> None:
    original = deployment(container("a"), container("b"))
    patch = pod_patch(**{"$setElementOrder/containers": [{"name": "a"}, {"name": "n"},
                                                         {"name": "b"}],
                         "containers": [{"name": "n", "image": "n:1"}]})
    assert [c["name"] for c in containers_of(smp(original, patch))] == ["a", "n", "b"]


def test_kubectl_apply_swapping_containers_keeps_upstream_order() -> None:
    # last-applied [a, b] -> new config [b, c]; "s" was added by someone else.
    original = deployment(container("a"), container("b"), container("s"))
    patch = pod_patch(**{"$setElementOrder/containers": [{"name": "b"}, {"name": "c"}],
                         "containers": [{"name": "c", "image": "c:1"},
                                        {"name": "a", "$patch": "delete"}]})
    assert [c["name"] for c in containers_of(smp(original, patch))] == ["b", "s", "c"]


def test_directives_never_reach_the_result() -> None:
    original = deployment(container("c"))
    new = {"name": "n", "image": "n:1", "$setElementOrder/env": [{"name": "A"}],
           "env": [{"name": "A", "value": None}, {"$patch": "delete", "name": "B"}],
           "securityContext": {"$patch": "replace", "privileged": False},
           "resources": {"$patch": "delete"}, "$retainKeys": ["name"]}
    result = smp(original, pod_patch(containers=[new], newField={"$patch": "delete"}))
    assert containers_of(result) == [
        {"name": "n", "image": "n:1", "env": [{"name": "A"}],
         "securityContext": {"privileged": False}},
        container("c")]
    assert "newField" not in result["spec"]["template"]["spec"]


def test_missing_merge_key_is_a_bad_request() -> None:
    original = deployment(container("c"))
    with pytest.raises(BadRequest, match=r"spec\.template\.spec\.containers: map "
                                         r'\{"image":"y"\} does not contain the declared '
                                         r"merge key 'name'"):
        smp(original, pod_patch(containers=[{"name": "c"}, {"image": "y"}]))
    with pytest.raises(BadRequest, match="does not contain the declared merge key 'name'"):
        smp(original, pod_patch(containers=[{"$patch": "delete"}]))


@pytest.mark.parametrize(("patch", "message"), [
    (pod_patch(containers=[{"$patch": "merge", "name": "c"}]),
     r"'\$patch: merge' is not supported in a list"),
    ({"spec": {"strategy": {"$patch": "frob"}}}, r"spec\.strategy: unknown patch directive"),
    ({"metadata": {"$setElementOrder": ["a"]}}, r"invalid patch format of setElementOrder list"),
    ({"metadata": {"$deleteFromPrimitiveListfinalizers": ["a"]}},
     r"invalid patch format of primitive list"),
    ({"metadata": {"$setElementOrder/finalizers": "a"}}, r"must be a list, not a str"),
    ({"spec": {"strategy": {"$retainKeys": "type"}}}, r"must be a list of field names"),
    (pod_patch(**{"$setElementOrder/containers": [{"name": "x"}],
                  "containers": [{"name": "c"}]}), r"does not match its \$setElementOrder list"),
    ({"metadata": {"finalizers": [{"a": 1}]}}, r"list element types are not identical"),
])
def test_malformed_patches(patch: dict[str, Any], message: str) -> None:
    with pytest.raises(BadRequest, match=message) as caught:
        smp(deployment(), patch)
    assert caught.value.code == 400


def test_lists_of_lists_are_invalid_and_patches_must_be_objects() -> None:
    with pytest.raises(Invalid, match="lists of lists are not supported"):
        smp({"metadata": {"finalizers": ["a"]}}, {"metadata": {"finalizers": [["b"]]}}, POD)
    with pytest.raises(BadRequest, match="must be a JSON object, not an array"):
        strategic_merge_patch({}, [], definition=POD)


def test_without_a_schema_every_list_is_replaced() -> None:
    original = {"spec": {"containers": [container("a")], "m": {"x": 1}}}
    patch = {"spec": {"containers": [{"name": "b"}], "m": {"y": 2}}}
    assert strategic_merge_patch(original, patch, definition=None) == {
        "spec": {"containers": [{"name": "b"}], "m": {"x": 1, "y": 2}}}
