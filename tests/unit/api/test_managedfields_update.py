"""record_update: the managedFields bookkeeping every create, update and patch runs."""

from __future__ import annotations

import copy
from typing import Any

import orjson

from k3py.api.managedfields import (
    ANCIENT_CHANGES,
    default_manager,
    from_fields_v1,
    record_update,
)
from k3py.api.patch import json_merge_patch
from k3py.api.schemas import definition_for_kind, schema

from .test_managedfields_fieldset import CREATE_FIELDS, STATUS_FIELDS

DEPLOYMENT = schema(definition_for_kind("apps", "v1", "Deployment") or "")
T0, T1, T2 = "2025-05-01T10:00:00Z", "2025-05-01T10:00:01Z", "2025-05-01T10:00:02Z"


def defaulted_deployment() -> dict[str, Any]:
    """`kubectl create deployment nginx --image=nginx` after defaulting, as stored."""
    return {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "nginx", "namespace": "default", "labels": {"app": "nginx"},
                     "uid": "0f3c", "resourceVersion": "1", "generation": 1,
                     "creationTimestamp": T0},
        "spec": {
            "replicas": 1, "selector": {"matchLabels": {"app": "nginx"}},
            "template": {
                "metadata": {"labels": {"app": "nginx"}},
                "spec": {"containers": [{
                    "name": "nginx", "image": "nginx", "resources": {},
                    "terminationMessagePath": "/dev/termination-log",
                    "terminationMessagePolicy": "File", "imagePullPolicy": "Always"}],
                    "restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
                    "dnsPolicy": "ClusterFirst", "securityContext": {},
                    "schedulerName": "default-scheduler"}},
            "strategy": {"type": "RollingUpdate",
                         "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
            "revisionHistoryLimit": 10, "progressDeadlineSeconds": 600},
        "status": {},
    }


def entries(obj: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(e["manager"], e.get("subresource", "")): e for e in obj["metadata"]["managedFields"]}


def fields(obj: dict[str, Any], manager: str, subresource: str = "") -> set[tuple[str, ...]]:
    return from_fields_v1(entries(obj)[(manager, subresource)]["fieldsV1"])


def test_create_gives_the_creator_everything_as_upstream_encodes_it() -> None:
    created = record_update(None, defaulted_deployment(), manager="kubectl-create",
                            schema=DEPLOYMENT, now=T0)
    [entry] = created["metadata"]["managedFields"]
    assert {k: v for k, v in entry.items() if k != "fieldsV1"} == {
        "manager": "kubectl-create", "operation": "Update", "apiVersion": "apps/v1",
        "time": T0, "fieldsType": "FieldsV1"}
    assert orjson.dumps(entry["fieldsV1"]).decode() == CREATE_FIELDS
    assert list(created["metadata"])[-1] == "managedFields"


def test_status_writes_are_their_own_entry_and_own_only_status() -> None:
    created = record_update(None, defaulted_deployment(), manager="kubectl-create",
                            schema=DEPLOYMENT, now=T0)
    new = copy.deepcopy(created)
    condition = {"lastTransitionTime": T1, "lastUpdateTime": T1, "message": "m",
                 "reason": "r", "status": "True"}
    new["status"] = {"observedGeneration": 1, "replicas": 1, "updatedReplicas": 1,
                     "readyReplicas": 1, "availableReplicas": 1,
                     "conditions": [{"type": "Available", **condition},
                                    {"type": "Progressing", **condition}]}
    new["metadata"]["annotations"] = {"deployment.kubernetes.io/revision": "1"}
    new["spec"]["replicas"] = 9                       # a status write cannot claim spec
    new["metadata"]["managedFields"] = []             # ...nor rewrite managedFields
    after = record_update(created, new, manager="kube-controller-manager", schema=DEPLOYMENT,
                          now=T1, subresource="status")
    entry = entries(after)[("kube-controller-manager", "status")]
    assert entry["operation"] == "Update" and entry["subresource"] == "status"
    assert orjson.dumps(entry["fieldsV1"]).decode() == STATUS_FIELDS
    assert fields(after, "kubectl-create") == fields(created, "kubectl-create")


def test_merge_patch_gives_the_patcher_what_changed_and_takes_it_from_others() -> None:
    created = record_update(None, defaulted_deployment(), manager="kubectl-create",
                            schema=DEPLOYMENT, now=T0)
    patched = json_merge_patch(created, {"spec": {"replicas": 3},
                                         "metadata": {"labels": {"tier": "web"}}})
    after = record_update(created, patched, manager="kubectl-patch", schema=DEPLOYMENT, now=T1)
    assert fields(after, "kubectl-patch") == {("f:spec", "f:replicas"),
                                              ("f:metadata", "f:labels", "f:tier")}
    creator = fields(after, "kubectl-create")
    assert ("f:spec", "f:replicas") not in creator
    assert ("f:metadata", "f:labels", "f:app") in creator
    assert entries(after)[("kubectl-create", "")]["time"] == T0
    assert [e["manager"] for e in after["metadata"]["managedFields"]] == [
        "kubectl-create", "kubectl-patch"]                     # oldest first


def test_a_removed_field_leaves_every_set_and_gives_nothing() -> None:
    created = record_update(None, defaulted_deployment(), manager="kubectl-create",
                            schema=DEPLOYMENT, now=T0)
    patched = json_merge_patch(created, {"metadata": {"labels": None}})
    after = record_update(created, patched, manager="kubectl-label", schema=DEPLOYMENT, now=T1)
    assert not any(p[:2] == ("f:metadata", "f:labels") for p in fields(after, "kubectl-create"))
    assert ("kubectl-label", "") not in entries(after)


def test_same_manager_merges_into_one_entry_and_a_noop_keeps_its_time() -> None:
    obj = record_update(None, defaulted_deployment(), manager="kubectl-create",
                        schema=DEPLOYMENT, now=T0)
    one = record_update(obj, json_merge_patch(obj, {"spec": {"replicas": 2}}),
                        manager="kubectl-edit", schema=DEPLOYMENT, now=T1)
    two = record_update(one, json_merge_patch(one, {"spec": {"paused": True}}),
                        manager="kubectl-edit", schema=DEPLOYMENT, now=T2)
    assert len(two["metadata"]["managedFields"]) == 2
    assert fields(two, "kubectl-edit") == {("f:spec", "f:replicas"), ("f:spec", "f:paused")}
    same = record_update(two, copy.deepcopy(two), manager="kubectl-edit", schema=DEPLOYMENT,
                         now="2025-05-01T11:00:00Z")
    assert same["metadata"]["managedFields"] == two["metadata"]["managedFields"]


def test_updates_of_an_untracked_object_stay_untracked_and_empty_list_resets() -> None:
    obj = record_update(None, defaulted_deployment(), manager="kubectl-create",
                        schema=DEPLOYMENT, now=T0)
    reset = copy.deepcopy(obj)
    reset["metadata"]["managedFields"] = []
    cleared = record_update(obj, reset, manager="kubectl-replace", schema=DEPLOYMENT, now=T1)
    assert "managedFields" not in cleared["metadata"]
    later = record_update(cleared, json_merge_patch(cleared, {"spec": {"replicas": 4}}),
                          manager="kubectl-patch", schema=DEPLOYMENT, now=T2)
    assert "managedFields" not in later["metadata"]


def test_omitted_managed_fields_keep_the_live_ones_and_sent_ones_replace_them() -> None:
    obj = record_update(None, defaulted_deployment(), manager="kubectl-create",
                        schema=DEPLOYMENT, now=T0)
    put = copy.deepcopy(obj)
    del put["metadata"]["managedFields"]
    put["spec"]["replicas"] = 5
    after = record_update(obj, put, manager="kubectl-replace", schema=DEPLOYMENT, now=T1)
    assert set(entries(after)) == {("kubectl-create", ""), ("kubectl-replace", "")}
    sent = copy.deepcopy(obj)
    sent["metadata"]["managedFields"] = [{
        "manager": "someone", "operation": "Update", "apiVersion": "apps/v1", "time": T0,
        "fieldsType": "FieldsV1", "fieldsV1": {"f:spec": {"f:replicas": {}}}}]
    rewritten = record_update(obj, sent, manager="kubectl-replace", schema=DEPLOYMENT, now=T1)
    assert set(entries(rewritten)) == {("someone", "")}


def test_never_owned_metadata_is_stripped() -> None:
    obj = record_update(None, defaulted_deployment(), manager="a", schema=DEPLOYMENT, now=T0)
    bumped = copy.deepcopy(obj)
    bumped["metadata"].update(resourceVersion="9", generation=2, uid="other")
    after = record_update(obj, bumped, manager="b", schema=DEPLOYMENT, now=T1)
    assert ("b", "") not in entries(after)


def test_more_than_ten_update_managers_fold_into_ancient_changes() -> None:
    obj = record_update(None, defaulted_deployment(), manager="creator", schema=DEPLOYMENT,
                        now="2025-05-01T09:00:00Z")
    for i in range(11):
        patched = json_merge_patch(obj, {"metadata": {"labels": {f"l{i}": "x"}}})
        obj = record_update(obj, patched, manager=f"m{i}", schema=DEPLOYMENT,
                            now=f"2025-05-01T10:00:{i:02d}Z")
    managers = [e["manager"] for e in obj["metadata"]["managedFields"]]
    assert len(managers) == 10
    assert ANCIENT_CHANGES in managers and "creator" not in managers and "m0" not in managers
    folded = fields(obj, ANCIENT_CHANGES)
    assert ("f:metadata", "f:labels", "f:l0") in folded and ("f:spec", "f:replicas") in folded


def test_default_manager_is_the_user_agent_prefix() -> None:
    assert default_manager("kubectl/v1.33.1 (linux/amd64) kubernetes/8adc0f0") == "kubectl"
    assert default_manager("kube-controller-manager/v1.33.0 (linux/amd64)/leader-election") == (
        "kube-controller-manager")
    assert default_manager("Go-http-client/1.1") == "Go-http-client"
    assert default_manager("OpenAPI-Generator/33.1.0/python") == "OpenAPI-Generator"
    assert default_manager("bad\x00\nname") == "badname"
    assert default_manager("x" * 200) == "x" * 128
    assert default_manager("") == ""


def test_an_empty_manager_name_is_unknown() -> None:
    obj = record_update(None, defaulted_deployment(), manager="", schema=DEPLOYMENT, now=T0)
    assert obj["metadata"]["managedFields"][0]["manager"] == "unknown"


def test_inputs_are_not_mutated() -> None:
    live = record_update(None, defaulted_deployment(), manager="a", schema=DEPLOYMENT, now=T0)
    new = json_merge_patch(live, {"spec": {"replicas": 7}})
    frozen_live, frozen_new = copy.deepcopy(live), copy.deepcopy(new)
    record_update(live, new, manager="b", schema=DEPLOYMENT, now=T1)
    assert live == frozen_live and new == frozen_new


def test_go_zero_fields_count_as_present_like_the_typed_objects_upstream_compares() -> None:
    bare = defaulted_deployment()
    del bare["status"]
    del bare["spec"]["template"]["spec"]["containers"][0]["resources"]
    created = record_update(None, bare, manager="kubectl-create", schema=DEPLOYMENT, now=T0)
    # a value struct (spec, template) is never "added"; a new container still shows the
    # resources {} Go always writes; a map that was absent (labels) is added with "."
    encoded = orjson.dumps(created["metadata"]["managedFields"][0]["fieldsV1"]).decode()
    assert encoded == CREATE_FIELDS
    statefulset = schema(definition_for_kind("apps", "v1", "StatefulSet") or "")
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "s"},
           "spec": {"serviceName": "s", "template": {"spec": {"containers": [
               {"name": "c", "image": "i"}]}}}}
    got = record_update(None, sts, manager="m", schema=statefulset, now=T0)
    assert got["metadata"]["managedFields"][0]["fieldsV1"] == {"f:spec": {
        "f:serviceName": {}, "f:template": {"f:spec": {"f:containers": {'k:{"name":"c"}': {
            ".": {}, "f:image": {}, "f:name": {}, "f:resources": {}}}}}}}


def test_kubectl_client_side_migration_patch_rewrites_managed_fields() -> None:
    """kubectl >= 1.26 migrates CSA ownership itself with a JSON patch of managedFields."""
    live = record_update(None, defaulted_deployment(), manager="kubectl-client-side-apply",
                         schema=DEPLOYMENT, now=T0)
    csa_fields = live["metadata"]["managedFields"][0]["fieldsV1"]
    migrated = copy.deepcopy(live)
    migrated["metadata"]["managedFields"] = [{
        "manager": "kubectl", "operation": "Apply", "apiVersion": "apps/v1", "time": T1,
        "fieldsType": "FieldsV1", "fieldsV1": csa_fields}]
    after = record_update(live, migrated, manager="kubectl", schema=DEPLOYMENT, now=T1)
    assert [(e["manager"], e["operation"]) for e in after["metadata"]["managedFields"]] == [
        ("kubectl", "Apply")]
    assert after["metadata"]["managedFields"][0]["fieldsV1"] == csa_fields
