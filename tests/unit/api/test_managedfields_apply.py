"""Server-side apply: create, re-apply and prune, shared ownership, conflicts, force, list
types, status separation, the client-side apply migration."""

from __future__ import annotations

import copy
import time
from typing import Any

import orjson
import pytest

from k3py.api.managedfields import LAST_APPLIED, apply, from_fields_v1, record_update
from k3py.api.patch import json_merge_patch
from k3py.api.schemas import Schema, definition_for_kind, schema
from k3py.errors import BadRequest, Conflict, InternalError

DEPLOYMENT = schema(definition_for_kind("apps", "v1", "Deployment") or "")
SERVICE = schema(definition_for_kind("", "v1", "Service") or "")
CONFIGMAP = schema(definition_for_kind("", "v1", "ConfigMap") or "")
T0, T1, T2, T3 = (f"2025-05-01T10:00:0{i}Z" for i in range(4))
CONTAINERS = ("f:spec", "f:template", "f:spec", "f:containers")


def deployment(*, replicas: int | None = 2, image: str = "nginx:1.27",
               labels: dict[str, str] | None = None, **container: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {"app": "web"}},
        "template": {"metadata": {"labels": {"app": "web"}},
                     "spec": {"containers": [{"name": "web", "image": image, **container}]}}}
    if replicas is not None:
        spec["replicas"] = replicas
    meta: dict[str, Any] = {"name": "web", "namespace": "default"}
    if labels is not None:
        meta["labels"] = labels
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": spec}


def entries(obj: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["manager"] + "/" + e["operation"] + "/" + e.get("subresource", ""): e
            for e in obj["metadata"]["managedFields"]}


def owned(obj: dict[str, Any], key: str) -> set[tuple[str, ...]]:
    return from_fields_v1(entries(obj)[key]["fieldsV1"])


def ssa(live: dict[str, Any] | None, cfg: dict[str, Any], manager: str = "kubectl", *,
        force: bool = False, now: str = T1, sch: Schema | None = DEPLOYMENT,
        subresource: str | None = None) -> dict[str, Any]:
    return apply(live, cfg, manager=manager, force=force, schema=sch, now=now,
                 subresource=subresource)


def test_apply_creates_the_object_and_owns_exactly_what_it_applied() -> None:
    obj = ssa(None, deployment(labels={"app": "web"}))
    assert obj["spec"]["replicas"] == 2
    [entry] = obj["metadata"]["managedFields"]
    assert {k: v for k, v in entry.items() if k != "fieldsV1"} == {
        "manager": "kubectl", "operation": "Apply", "apiVersion": "apps/v1", "time": T1,
        "fieldsType": "FieldsV1"}
    assert entry["fieldsV1"] == {
        "f:metadata": {"f:labels": {"f:app": {}}},
        "f:spec": {"f:replicas": {}, "f:selector": {}, "f:template": {
            "f:metadata": {"f:labels": {"f:app": {}}},
            "f:spec": {"f:containers": {'k:{"name":"web"}': {
                ".": {}, "f:image": {}, "f:name": {}}}}}}}


def test_reapply_that_drops_a_field_prunes_it() -> None:
    first = ssa(None, deployment(labels={"app": "web", "tier": "fe"}, args=["-v"]))
    second = ssa(first, deployment(replicas=None, labels={"app": "web"}), now=T2)
    assert "replicas" not in second["spec"]
    assert second["metadata"]["labels"] == {"app": "web"}
    assert "args" not in second["spec"]["template"]["spec"]["containers"][0]
    assert ("f:spec", "f:replicas") not in owned(second, "kubectl/Apply/")
    assert entries(second)["kubectl/Apply/"]["time"] == T2


def test_dropping_every_label_removes_the_map_but_not_metadata() -> None:
    first = ssa(None, deployment(labels={"app": "web"}))
    second = ssa(first, deployment(), now=T2)
    assert "labels" not in second["metadata"]
    assert second["metadata"]["name"] == "web"


def test_a_field_two_managers_share_survives_until_both_drop_it() -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c"},
          "data": {"shared": "1", "mine": "2"}}
    one = ssa(None, cm, "alice", sch=CONFIGMAP)
    theirs = {**cm, "data": {"shared": "1", "theirs": "3"}}
    two = ssa(one, theirs, "bob", sch=CONFIGMAP, now=T2)      # same value: no conflict
    assert two["data"] == {"shared": "1", "mine": "2", "theirs": "3"}
    three = ssa(two, {**cm, "data": {"mine": "2"}}, "alice", sch=CONFIGMAP, now=T3)
    assert three["data"] == {"shared": "1", "mine": "2", "theirs": "3"}
    four = ssa(three, {**cm, "data": {"theirs": "3"}}, "bob", sch=CONFIGMAP, now=T3)
    assert four["data"] == {"mine": "2", "theirs": "3"}


def created_by_client_side_apply() -> dict[str, Any]:
    body = deployment()
    body["metadata"]["annotations"] = {
        LAST_APPLIED: orjson.dumps(deployment()).decode() + "\n"}
    return record_update(None, body, manager="kubectl-client-side-apply", schema=DEPLOYMENT,
                         now=T0)


def test_conflict_error_text_and_causes_match_upstream() -> None:
    live = created_by_client_side_apply()
    with pytest.raises(Conflict) as caught:
        ssa(live, deployment(replicas=5), "my-tool")
    err = caught.value
    assert err.code == 409 and err.reason == "Conflict"
    assert err.message == ('Apply failed with 1 conflict: conflict with '
                           '"kubectl-client-side-apply" using apps/v1: .spec.replicas')
    assert err.details == {"causes": [{
        "reason": "FieldManagerConflict",
        "message": 'conflict with "kubectl-client-side-apply" using apps/v1',
        "field": ".spec.replicas"}]}


def test_several_conflicts_are_grouped_by_manager() -> None:
    live = created_by_client_side_apply()
    live = record_update(live, json_merge_patch(live, {"metadata": {"labels": {"x": "1"}}}),
                         manager="kubectl-label", schema=DEPLOYMENT, now=T1)
    cfg = deployment(replicas=5, image="nginx:1.28", labels={"x": "2"})
    with pytest.raises(Conflict) as caught:
        ssa(live, cfg, "my-tool", now=T2)
    assert caught.value.message == (
        'Apply failed with 3 conflicts: conflicts with "kubectl-client-side-apply" using '
        'apps/v1:\n- .spec.replicas\n- .spec.template.spec.containers[name="web"].image\n'
        'conflicts with "kubectl-label" using apps/v1:\n- .metadata.labels.x')
    assert [c["field"] for c in caught.value.details["causes"]] == [
        ".spec.replicas", '.spec.template.spec.containers[name="web"].image',
        ".metadata.labels.x"]


def test_force_moves_ownership_to_the_applier() -> None:
    live = created_by_client_side_apply()
    obj = ssa(live, deployment(replicas=5), "my-tool", force=True)
    assert obj["spec"]["replicas"] == 5
    assert ("f:spec", "f:replicas") in owned(obj, "my-tool/Apply/")
    assert ("f:spec", "f:replicas") not in owned(obj, "kubectl-client-side-apply/Update/")
    # ...and is not pruned when the forcing applier later drops it? It is: it owns it alone.
    again = ssa(obj, deployment(replicas=None), "my-tool", now=T2)
    assert "replicas" not in again["spec"]


def test_scale_then_conflicting_apply_fails_unless_forced() -> None:
    obj = ssa(None, deployment(replicas=2))
    scaled = record_update(obj, json_merge_patch(obj, {"spec": {"replicas": 5}}),
                           manager="kubectl", schema=DEPLOYMENT, now=T2, subresource="scale")
    assert ("f:spec", "f:replicas") in owned(scaled, "kubectl/Update/scale")
    assert ("f:spec", "f:replicas") not in owned(scaled, "kubectl/Apply/")
    with pytest.raises(Conflict, match=r'conflict with "kubectl" with subresource "scale" '
                                       r"using apps/v1: \.spec\.replicas"):
        ssa(scaled, deployment(replicas=3), now=T3)
    kept = ssa(scaled, deployment(replicas=None), now=T3)       # dropping it: no prune
    assert kept["spec"]["replicas"] == 5
    forced = ssa(scaled, deployment(replicas=3), force=True, now=T3)
    assert forced["spec"]["replicas"] == 3
    assert "kubectl/Update/scale" not in entries(forced)


def test_kubectl_migrates_a_client_side_applied_object_and_syncs_the_annotation() -> None:
    live = created_by_client_side_apply()
    cfg = deployment(replicas=3)
    with pytest.raises(Conflict):
        ssa(live, cfg, "other-tool")
    obj = ssa(live, cfg, "kubectl")                     # kubectl: CSA-owned fields migrate
    assert obj["spec"]["replicas"] == 3
    assert ("f:spec", "f:replicas") in owned(obj, "kubectl/Apply/")
    annotation = obj["metadata"]["annotations"][LAST_APPLIED]
    assert annotation.endswith("}\n") and orjson.loads(annotation) == cfg
    assert annotation.index('"apiVersion"') < annotation.index('"kind"') < annotation.index(
        '"spec"')                                       # Go's sorted keys


def test_migration_does_not_cover_fields_changed_since_the_last_client_side_apply() -> None:
    live = created_by_client_side_apply()
    live = record_update(live, json_merge_patch(live, {"spec": {"replicas": 4}}),
                         manager="kubectl-edit", schema=DEPLOYMENT, now=T1)
    with pytest.raises(Conflict, match=r'"kubectl-edit" using apps/v1: \.spec\.replicas'):
        ssa(live, deployment(replicas=3), "kubectl", now=T2)


def test_an_existing_object_without_managed_fields_gets_before_first_apply() -> None:
    live = deployment(replicas=4)
    with pytest.raises(Conflict, match=r'"before-first-apply" using apps/v1: \.spec\.replicas'):
        ssa(live, deployment(replicas=1))
    obj = ssa(live, deployment(replicas=4))
    assert set(entries(obj)) == {"kubectl/Apply/", "before-first-apply/Update/"}


def test_container_ports_are_keyed_by_port_and_defaulted_protocol() -> None:
    live = ssa(None, deployment(ports=[{"containerPort": 80}, {"containerPort": 53,
                                                                "protocol": "UDP"}]))
    ports = (*CONTAINERS, 'k:{"name":"web"}', "f:ports")
    assert (*ports, 'k:{"containerPort":80,"protocol":"TCP"}', "f:containerPort") in owned(
        live, "kubectl/Apply/")
    # the stored object is defaulted; the applied port without protocol still matches it
    live["spec"]["template"]["spec"]["containers"][0]["ports"][0]["protocol"] = "TCP"
    again = ssa(live, deployment(ports=[{"containerPort": 80, "name": "http"}]), now=T2)
    assert again["spec"]["template"]["spec"]["containers"][0]["ports"] == [
        {"containerPort": 80, "protocol": "TCP", "name": "http"}]


def test_service_ports_merge_and_new_elements_follow_upstream_order() -> None:
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
           "spec": {"ports": [{"port": 80, "targetPort": 8080}]}}
    live = ssa(None, svc, "a", sch=SERVICE)
    other = copy.deepcopy(svc)
    other["spec"]["ports"] = [{"port": 443}, {"port": 80, "targetPort": 8080}]
    merged = ssa(live, other, "b", sch=SERVICE, now=T2)
    assert [p["port"] for p in merged["spec"]["ports"]] == [443, 80]


def test_finalizers_are_a_set() -> None:
    cm = {"apiVersion": "v1", "kind": "ConfigMap",
          "metadata": {"name": "c", "finalizers": ["a", "b"]}}
    live = ssa(None, cm, "alice", sch=CONFIGMAP)
    assert entries(live)["alice/Apply/"]["fieldsV1"] == {
        "f:metadata": {"f:finalizers": {'v:"a"': {}, 'v:"b"': {}}}}
    patched = json_merge_patch(live, {"metadata": {"finalizers": ["a", "b", "c"]}})
    live = record_update(live, patched, manager="controller", schema=CONFIGMAP, now=T2)
    assert owned(live, "controller/Update/") == {("f:metadata", "f:finalizers", 'v:"c"')}
    dropped = ssa(live, {**cm, "metadata": {"name": "c", "finalizers": ["a"]}}, "alice",
                  sch=CONFIGMAP, now=T3)
    assert dropped["metadata"]["finalizers"] == ["a", "c"]


def test_atomic_lists_are_owned_and_conflict_as_one_field() -> None:
    live = ssa(None, deployment(args=["--a", "--b"]))
    assert (*CONTAINERS, 'k:{"name":"web"}', "f:args") in owned(live, "kubectl/Apply/")
    with pytest.raises(Conflict, match=r'\.containers\[name="web"\]\.args$'):
        ssa(live, deployment(args=["--a"]), "other", now=T2)
    same = ssa(live, deployment(args=["--a", "--b"]), "other", now=T2)
    assert same["spec"]["template"]["spec"]["containers"][0]["args"] == ["--a", "--b"]


def test_status_is_reset_on_the_main_resource_and_owned_on_status() -> None:
    cfg = {**deployment(), "status": {"replicas": 7}}
    obj = ssa(None, cfg)
    assert "status" not in obj
    assert not any(p[0] == "f:status" for p in owned(obj, "kubectl/Apply/"))
    status_cfg = {**deployment(replicas=9), "status": {"replicas": 2}}
    after = ssa(obj, status_cfg, "controller", subresource="status", now=T2)
    assert after["status"] == {"replicas": 2} and after["spec"]["replicas"] == 2
    status_entry = entries(after)["controller/Apply/status"]
    assert status_entry["subresource"] == "status"
    assert from_fields_v1(status_entry["fieldsV1"]) == {("f:status", "f:replicas")}


def test_applied_null_removes_the_field() -> None:
    live = ssa(None, deployment(replicas=3))
    cfg = deployment()
    cfg["spec"]["replicas"] = None
    obj = ssa(live, cfg, now=T2)
    assert "replicas" not in obj["spec"]
    assert ("f:spec", "f:replicas") in owned(obj, "kubectl/Apply/")


def test_noop_apply_keeps_the_time() -> None:
    live = ssa(None, deployment())
    again = ssa(live, deployment(), now=T3)
    assert again["metadata"]["managedFields"] == live["metadata"]["managedFields"]


def test_managed_fields_in_the_applied_object_are_refused() -> None:
    cfg = deployment()
    cfg["metadata"]["managedFields"] = []
    with pytest.raises(BadRequest, match=r"^metadata\.managedFields must be nil$"):
        ssa(None, cfg)


def test_duplicate_keys_in_an_applied_list_fail_as_upstream() -> None:
    cfg = deployment()
    cfg["spec"]["template"]["spec"]["containers"].append({"name": "web", "image": "x"})
    with pytest.raises(InternalError) as caught:
        ssa(None, cfg)
    assert caught.value.message == (
        "failed to create typed patch object (default/web; apps/v1, Kind=Deployment): "
        '.spec.template.spec.containers: duplicate entries for key [name="web"]')


def test_custom_resources_use_their_schema_and_deduce_the_rest() -> None:
    crd = Schema({"type": "object", "properties": {
        "spec": {"type": "object", "properties": {
            "items": {"type": "array", "x-kubernetes-list-type": "map",
                      "x-kubernetes-list-map-keys": ["id"],
                      "items": {"type": "object", "properties": {
                          "id": {"type": "integer"}, "v": {"type": "string"}}}},
            "blob": {"type": "object", "x-kubernetes-preserve-unknown-fields": True}}}}})
    cr = {"apiVersion": "x.io/v1", "kind": "Thing", "metadata": {"name": "t"},
          "spec": {"items": [{"id": 1, "v": "a"}], "blob": {"deep": {"k": 1}, "list": [1]}}}
    live = ssa(None, cr, "alice", sch=crd)
    assert owned(live, "alice/Apply/") >= {
        ("f:spec", "f:items", "k:{\"id\":1}", "f:v"), ("f:spec", "f:blob", "f:deep"),
        ("f:spec", "f:blob", "f:deep", "f:k"), ("f:spec", "f:blob", "f:list")}
    cr2 = copy.deepcopy(cr)
    cr2["spec"] = {"items": [{"id": 2}], "blob": {"list": [2]}}
    obj = ssa(live, cr2, "alice", sch=crd, now=T2)
    assert obj["spec"] == {"items": [{"id": 2}], "blob": {"list": [2]}}


def test_inputs_are_not_mutated() -> None:
    live = ssa(None, deployment(labels={"a": "b"}))
    cfg = deployment(replicas=None, image="nginx:2")
    frozen_live, frozen_cfg = copy.deepcopy(live), copy.deepcopy(cfg)
    ssa(live, cfg, now=T2)
    assert live == frozen_live and cfg == frozen_cfg


def test_apply_on_a_fifty_field_deployment_is_fast() -> None:
    def container(i: int) -> dict[str, Any]:
        return {"name": f"c{i}", "image": f"img:{i}", "args": ["-v"],
                "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                "ports": [{"containerPort": 80 + i, "name": f"p{i}"}],
                "resources": {"limits": {"cpu": "1"}, "requests": {"cpu": "1"}}}
    cfg = deployment(labels={"app": "web", "tier": "fe"})
    cfg["spec"]["template"]["spec"]["containers"] = [container(i) for i in range(3)]
    live = ssa(None, cfg)
    assert sum(1 for _ in live["metadata"]["managedFields"]) == 1
    cfg["spec"]["replicas"] = 3
    runs = 50
    started = time.perf_counter()
    for _ in range(runs):
        ssa(live, cfg, now=T2)
    assert (time.perf_counter() - started) / runs < 0.005
