"""CustomResourceDefinitions: defaults, validation with upstream's (internal, hoisted)
field paths, and the status the naming and establishing controllers give them."""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from k3py.api.crd import crd_defaults, crd_status_after_accept, validate_crd

GROUP = "stable.example.com"
SCHEMA_PATH = "spec.validation.openAPIV3Schema"


def crontab_crd() -> dict[str, Any]:
    """The CronTab CRD of the Kubernetes docs, with status and scale subresources."""
    return {
        "apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
        "metadata": {"name": f"crontabs.{GROUP}"},
        "spec": {
            "group": GROUP, "scope": "Namespaced",
            "names": {"plural": "crontabs", "singular": "crontab", "kind": "CronTab",
                      "shortNames": ["ct"]},
            "versions": [{
                "name": "v1", "served": True, "storage": True,
                "schema": {"openAPIV3Schema": {"type": "object", "properties": {
                    "spec": {"type": "object", "properties": {
                        "cronSpec": {"type": "string"},
                        "image": {"type": "string"},
                        "replicas": {"type": "integer", "minimum": 1, "maximum": 10}}},
                    "status": {"type": "object",
                               "properties": {"replicas": {"type": "integer"}}}}}},
                "subresources": {"status": {}, "scale": {
                    "specReplicasPath": ".spec.replicas",
                    "statusReplicasPath": ".status.replicas"}},
                "additionalPrinterColumns": [
                    {"name": "Spec", "type": "string", "jsonPath": ".spec.cronSpec"}],
            }],
        },
    }


def defaulted() -> dict[str, Any]:
    return crd_defaults(crontab_crd())


def schema_of(crd: dict[str, Any]) -> dict[str, Any]:
    schema: dict[str, Any] = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return schema


def test_defaults() -> None:
    crd = crontab_crd()
    out = crd_defaults(crd)
    assert out["spec"]["names"]["listKind"] == "CronTabList"
    assert out["spec"]["names"]["singular"] == "crontab"
    assert out["spec"]["conversion"] == {"strategy": "None"}
    assert out["status"]["storedVersions"] == ["v1"]
    assert "listKind" not in crd["spec"]["names"]  # the input is left alone
    del crd["spec"]["names"]["singular"]
    crd["spec"]["names"]["kind"] = "CronTab"
    assert crd_defaults(crd)["spec"]["names"]["singular"] == "crontab"


def test_defaults_add_a_new_storage_version_to_stored_versions() -> None:
    crd = defaulted()
    crd["spec"]["versions"][0]["storage"] = False
    crd["spec"]["versions"].append({**copy.deepcopy(crd["spec"]["versions"][0]),
                                    "name": "v2", "storage": True})
    assert crd_defaults(crd)["status"]["storedVersions"] == ["v1", "v2"]
    assert crd["status"]["storedVersions"] == ["v1"]
    assert validate_crd(crd_defaults(crd)) == []


def test_a_valid_crd_has_no_causes() -> None:
    assert validate_crd(defaulted()) == []


def test_the_name_must_be_plural_dot_group() -> None:
    crd = defaulted()
    crd["metadata"]["name"] = f"crontab.{GROUP}"
    assert validate_crd(crd) == [(
        "metadata.name", "FieldValueInvalid",
        f'Invalid value: "crontab.{GROUP}": must be spec.names.plural+"."+spec.group')]


def test_two_storage_versions() -> None:
    crd = defaulted()
    second = copy.deepcopy(crd["spec"]["versions"][0])
    second["name"] = "v2"
    crd["spec"]["versions"].append(second)
    found = validate_crd(crd)
    assert [(f, r) for f, r, _ in found] == [
        ("spec.versions", "FieldValueInvalid"),
        ("status.storedVersions", "FieldValueInvalid")]
    assert found[0][2].startswith("Invalid value: []apiextensions.CustomResourceDefinitionVersion{")
    assert found[0][2].endswith(": must have exactly one version marked as storage version")
    assert found[1][2] == 'Invalid value: []string{"v1"}: must have the storage version v2'


def test_a_schema_is_required() -> None:
    crd = defaulted()
    del crd["spec"]["versions"][0]["schema"]
    assert validate_crd(crd) == [
        ("spec.versions[0].schema.openAPIV3Schema", "FieldValueRequired", "Required value")]


def test_group_scope_and_names() -> None:
    crd = defaulted()
    spec = crd["spec"]
    spec["group"] = "example"
    spec["scope"] = "Global"
    spec["names"].update(plural="CronTabs", kind="Cron_Tab", listKind="Cron_Tab")
    crd["metadata"]["name"] = "CronTabs.example"
    fields = [(f, m) for f, _, m in validate_crd(crd)]
    assert ("spec.group", 'Invalid value: "example": should be a domain with at least one dot') \
        in fields
    assert ("spec.scope", 'Unsupported value: "Global": supported values: "Cluster", '
                          '"Namespaced"') in fields
    assert any(f == "spec.names.plural" and "a DNS-1035 label must consist" in m
               for f, m in fields)
    assert any(f == "spec.names.kind" and
               m.startswith('Invalid value: "Cron_Tab": may have mixed case, but should '
                            "otherwise match: ") for f, m in fields)
    assert ("spec.names.listKind", 'Invalid value: "Cron_Tab": kind and listKind may not be '
                                   "the same") in fields


def test_schemas_must_be_structural() -> None:
    crd = defaulted()
    props = schema_of(crd)["properties"]["spec"]["properties"]
    props["untyped"] = {"description": "no type"}
    props["list"] = {"type": "array"}
    assert validate_crd(crd) == [
        (f"{SCHEMA_PATH}.properties[spec].properties[list].items", "FieldValueRequired",
         "Required value: must be specified"),
        (f"{SCHEMA_PATH}.properties[spec].properties[untyped].type", "FieldValueRequired",
         "Required value: must not be empty for specified object fields"),
    ]


def test_defaults_must_be_valid_and_pruned() -> None:
    crd = defaulted()
    props = schema_of(crd)["properties"]["spec"]["properties"]
    props["replicas"]["default"] = "three"
    props["image"]["default"] = "nginx"
    assert validate_crd(crd) == [(
        f"{SCHEMA_PATH}.properties[spec].properties[replicas].default", "FieldValueTypeInvalid",
        'Invalid value: "string":  in body must be of type integer: "string"')]


def test_status_subresource_limits_the_root_schema() -> None:
    crd = defaulted()
    schema_of(crd)["x-kubernetes-preserve-unknown-fields"] = True
    assert validate_crd(crd) == []
    schema_of(crd)["anyOf"] = [{"required": ["spec"]}]
    found = validate_crd(crd)
    assert found[0][0] == SCHEMA_PATH
    assert found[0][2].endswith("fields are allowed at the root of the schema if the status "
                                "subresource is enabled")


def test_unsupported_openapi_features_and_list_types() -> None:
    crd = defaulted()
    spec_schema = schema_of(crd)["properties"]["spec"]
    spec_schema["additionalProperties"] = {"type": "string"}
    spec_schema["properties"]["ports"] = {
        "type": "array", "x-kubernetes-list-type": "map", "x-kubernetes-list-map-keys": ["name"],
        "items": {"type": "object", "properties": {"name": {"type": "string"}}}}
    at = f"{SCHEMA_PATH}.properties[spec]"
    assert validate_crd(crd) == [
        (f"{at}.additionalProperties", "FieldValueForbidden",
         "Forbidden: additionalProperties and properties are mutual exclusive"),
        (f"{at}.properties[ports].items.properties[name].default", "FieldValueRequired",
         "Required value: this property is in x-kubernetes-list-map-keys, so it must have a "
         "default or be a required property"),
    ]


def test_per_version_schemas_keep_per_version_paths() -> None:
    crd = defaulted()
    second = copy.deepcopy(crd["spec"]["versions"][0])
    second.update(name="v2", storage=False)
    second["schema"]["openAPIV3Schema"]["properties"]["spec"]["properties"]["x"] = {}
    crd["spec"]["versions"].append(second)
    assert validate_crd(crd) == [(
        "spec.versions[1].schema.openAPIV3Schema.properties[spec].properties[x].type",
        "FieldValueRequired", "Required value: must not be empty for specified object fields")]


def test_columns_scale_and_conversion() -> None:
    crd = defaulted()
    version = crd["spec"]["versions"][0]
    version["additionalPrinterColumns"] = [{"name": "Age", "type": "time", "jsonPath": "spec"}]
    version["subresources"]["scale"]["specReplicasPath"] = ".status.replicas"
    crd["spec"]["conversion"] = {"strategy": "Webhook", "webhook": {
        "clientConfig": {"url": "http://example.com/convert"},
        "conversionReviewVersions": ["v2"]}}
    assert validate_crd(crd) == [
        ("spec.subresources.scale.specReplicasPath", "FieldValueInvalid",
         'Invalid value: ".status.replicas": should be a json path under .spec'),
        ("spec.additionalPrinterColumns[0].type", "FieldValueInvalid",
         'Invalid value: "time": must be one of boolean,date,integer,number,string'),
        ("spec.additionalPrinterColumns[0].JSONPath", "FieldValueInvalid",
         'Invalid value: "spec": must be a simple json path starting with .'),
        ("spec.conversion.webhookClientConfig.url", "FieldValueInvalid",
         'Invalid value: "http": \'https\' is the only allowed URL scheme; desired format: '
         "https://host[/path]"),
        ("spec.conversion.conversionReviewVersions", "FieldValueInvalid",
         'Invalid value: []string{"v2"}: must include at least one of v1, v1beta1'),
    ]


def test_updates_keep_group_and_plural_and_stored_versions() -> None:
    old = defaulted()
    old["metadata"]["resourceVersion"] = "3"
    new = copy.deepcopy(old)
    new["spec"]["names"]["plural"] = "crons"
    assert ("spec.names.plural", "FieldValueInvalid",
            'Invalid value: "crons": field is immutable') in validate_crd(new, old)
    moved = copy.deepcopy(old)
    moved["spec"]["versions"][0]["name"] = "v2"
    moved["status"]["storedVersions"] = ["v1", "v2"]
    found = validate_crd(moved, old)
    assert found == [(
        "status.storedVersions[0]", "FieldValueInvalid",
        'Invalid value: "v1": missing from spec.versions; v1 was previously a storage version, '
        "and must remain in spec.versions until a storage migration ensures no data remains "
        "persisted in v1 and removes v1 from status.storedVersions")]


def test_protected_groups_need_api_approval() -> None:
    crd = defaulted()
    crd["spec"]["group"] = "widgets.k8s.io"
    crd["metadata"]["name"] = "crontabs.widgets.k8s.io"
    assert validate_crd(crd) == [(
        "metadata.annotations[api-approved.kubernetes.io]", "FieldValueRequired",
        'Required value: protected groups must have approval annotation '
        '"api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111')]
    crd["metadata"]["annotations"] = {"api-approved.kubernetes.io": "unapproved, testing"}
    assert validate_crd(crd) == []


def test_status_after_names_are_accepted() -> None:
    crd = defaulted()
    status = crd_status_after_accept(crd, now=datetime(2024, 5, 1, 12, 0, tzinfo=UTC))
    assert status == {
        "storedVersions": ["v1"],
        "acceptedNames": {"plural": "crontabs", "singular": "crontab", "shortNames": ["ct"],
                          "kind": "CronTab", "listKind": "CronTabList"},
        "conditions": [
            {"type": "NamesAccepted", "status": "True",
             "lastTransitionTime": "2024-05-01T12:00:00Z", "reason": "NoConflicts",
             "message": "no conflicts found"},
            {"type": "Established", "status": "True",
             "lastTransitionTime": "2024-05-01T12:00:00Z", "reason": "InitialNamesAccepted",
             "message": "the initial names have been accepted"},
        ],
    }
    crd["status"] = status
    again = crd_status_after_accept(crd, now="2024-06-01T00:00:00Z")
    assert [c["lastTransitionTime"] for c in again["conditions"]] == [
        "2024-05-01T12:00:00Z", "2024-05-01T12:00:00Z"]


def test_status_reports_name_conflicts_within_the_group() -> None:
    taken = defaulted()
    taken["metadata"]["name"] = f"crons.{GROUP}"
    taken["status"] = {"acceptedNames": {"plural": "crons", "singular": "cron",
                                         "kind": "Cron", "listKind": "CronList",
                                         "shortNames": ["ct"]}}
    status = crd_status_after_accept(defaulted(), now="2024-05-01T00:00:00Z", others=[taken])
    named, established = status["conditions"]
    assert (named["status"], named["reason"], named["message"]) == (
        "False", "ShortNamesConflict", '"ct" is already in use')
    assert (established["status"], established["reason"]) == ("False", "NotAccepted")
    assert "shortNames" not in status["acceptedNames"]
    assert status["acceptedNames"]["plural"] == "crontabs"
