"""JSON merge patch (RFC 7386), JSON patch (RFC 6902) and the PATCH dispatcher."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from k3py.api.patch import (
    JSON_PATCH,
    MERGE_PATCH,
    STRATEGIC_MERGE_PATCH,
    apply_patch,
    json_merge_patch,
    json_patch,
)
from k3py.errors import BadRequest, Invalid

# -- RFC 7386 --------------------------------------------------------------------------------

# Cases in the spirit of RFC 7386 appendix A, one rule each.
MERGE_CASES: list[tuple[Any, Any, Any]] = [
    ({"x": "1"}, {"x": "2"}, {"x": "2"}),                           # replace a member
    ({"x": "1"}, {"y": "2"}, {"x": "1", "y": "2"}),                 # add a member
    ({"x": "1"}, {"x": None}, {}),                                  # null deletes
    ({"x": "1", "y": "2"}, {"x": None}, {"y": "2"}),                # ...only that member
    ({"x": ["1"]}, {"x": "2"}, {"x": "2"}),                         # scalar replaces array
    ({"x": "2"}, {"x": ["1"]}, {"x": ["1"]}),                       # array replaces scalar
    ({"x": {"y": "1"}}, {"x": {"y": "2", "z": None}}, {"x": {"y": "2"}}),  # recursive
    ({"x": [{"y": "1"}]}, {"x": [7]}, {"x": [7]}),                  # arrays never merge
    (["p", "q"], ["r"], ["r"]),                                     # array target and patch
    ({"x": "1"}, ["r"], ["r"]),                                     # non-object patch replaces
    ({"x": "1"}, None, None),
    ({"x": "1"}, "text", "text"),
    ({"gone": None}, {"n": 1}, {"gone": None, "n": 1}),             # target nulls stay
    ([3, 4], {"x": "1", "y": None}, {"x": "1"}),                    # object patch on array
    ({}, {"x": {"y": {"z": None}}}, {"x": {"y": {}}}),              # nulls pruned from adds
]


@pytest.mark.parametrize(("target", "patch", "expected"), MERGE_CASES)
def test_json_merge_patch(target: Any, patch: Any, expected: Any) -> None:
    before = copy.deepcopy((target, patch))
    assert json_merge_patch(target, patch) == expected
    assert (target, patch) == before


def test_merge_patch_prunes_nulls_inside_added_arrays_like_kube_apiserver() -> None:
    patch = {"items": [{"a": 1, "b": None}, None]}
    assert json_merge_patch({}, patch) == {"items": [{"a": 1}, None]}


def test_merge_patch_shares_untouched_subtrees() -> None:
    target = {"metadata": {"labels": {"a": "b"}}, "spec": {"replicas": 1, "x": {"y": 1}}}
    result = json_merge_patch(target, {"spec": {"replicas": 3}})
    assert result == {"metadata": {"labels": {"a": "b"}}, "spec": {"replicas": 3, "x": {"y": 1}}}
    assert result["metadata"] is target["metadata"]
    assert result["spec"]["x"] is target["spec"]["x"]
    assert target["spec"]["replicas"] == 1


# -- RFC 6902 --------------------------------------------------------------------------------

DOC: dict[str, Any] = {"a": {"b": [1, 2, 3], "c": "d"}, "e/f": 0, "g~h": 1, "n": None}

PATCH_CASES: list[tuple[list[dict[str, Any]], Any]] = [
    ([{"op": "add", "path": "/x", "value": {"y": 1}}],
     {**DOC, "x": {"y": 1}}),
    ([{"op": "add", "path": "/a/b/1", "value": 9}],
     {**DOC, "a": {"b": [1, 9, 2, 3], "c": "d"}}),
    ([{"op": "add", "path": "/a/b/-", "value": 4}],
     {**DOC, "a": {"b": [1, 2, 3, 4], "c": "d"}}),
    ([{"op": "add", "path": "/a/b/3", "value": 4}],                  # index == length appends
     {**DOC, "a": {"b": [1, 2, 3, 4], "c": "d"}}),
    ([{"op": "add", "path": "/a/c", "value": "z"}],                  # add replaces a member
     {**DOC, "a": {"b": [1, 2, 3], "c": "z"}}),
    ([{"op": "add", "path": "", "value": [1]}], [1]),                # whole document
    ([{"op": "remove", "path": "/a/b/0"}],
     {**DOC, "a": {"b": [2, 3], "c": "d"}}),
    ([{"op": "remove", "path": "/e~1f"}, {"op": "remove", "path": "/g~0h"}],
     {"a": {"b": [1, 2, 3], "c": "d"}, "n": None}),
    ([{"op": "replace", "path": "/a/c", "value": ["d"]}],
     {**DOC, "a": {"b": [1, 2, 3], "c": ["d"]}}),
    ([{"op": "replace", "path": "/n", "value": 5}], {**DOC, "n": 5}),
    ([{"op": "move", "from": "/a/c", "path": "/c"}],
     {**DOC, "a": {"b": [1, 2, 3]}, "c": "d"}),
    ([{"op": "move", "from": "/a/b/0", "path": "/a/b/2"}],
     {**DOC, "a": {"b": [2, 3, 1], "c": "d"}}),
    ([{"op": "copy", "from": "/a/b", "path": "/copy"}],
     {**DOC, "copy": [1, 2, 3]}),
    ([{"op": "test", "path": "/a/b", "value": [1, 2.0, 3]}, {"op": "test", "path": "/n",
      "value": None}, {"op": "test", "path": "/e~1f", "value": 0}], DOC),
    ([{"op": "add", "path": "/a/b/-", "value": 4}, {"op": "replace", "path": "/a/b/3",
      "value": 5}, {"op": "copy", "from": "/a/b/3", "path": "/a/b/0"}],
     {**DOC, "a": {"b": [5, 1, 2, 3, 5], "c": "d"}}),
]


@pytest.mark.parametrize(("operations", "expected"), PATCH_CASES)
def test_json_patch(operations: list[dict[str, Any]], expected: Any) -> None:
    before = copy.deepcopy(DOC)
    assert json_patch(DOC, operations) == expected
    assert before == DOC


def test_json_patch_shares_untouched_subtrees_and_copies_the_path() -> None:
    doc = {"metadata": {"labels": {"a": "b"}}, "spec": {"template": {"x": 1}, "replicas": 1}}
    result = json_patch(doc, [{"op": "replace", "path": "/spec/replicas", "value": 2},
                              {"op": "add", "path": "/spec/paused", "value": True}])
    assert result == {"metadata": {"labels": {"a": "b"}},
                      "spec": {"template": {"x": 1}, "replicas": 2, "paused": True}}
    assert result["metadata"] is doc["metadata"]
    assert result["spec"]["template"] is doc["spec"]["template"]
    assert doc["spec"] == {"template": {"x": 1}, "replicas": 1}


def test_copied_values_do_not_alias() -> None:
    result = json_patch({"a": {"x": 1}}, [{"op": "copy", "from": "/a", "path": "/b"},
                                          {"op": "replace", "path": "/b/x", "value": 2}])
    assert result == {"a": {"x": 1}, "b": {"x": 2}}


@pytest.mark.parametrize(("operations", "message"), [
    ([{"op": "test", "path": "/a/c", "value": "e"}],
     r'operation 0 \(test /a/c\): testing value /a/c failed: found "d", expected "e"'),
    ([{"op": "test", "path": "/e~1f", "value": False}], r"testing value /e~1f failed"),
    ([{"op": "test", "path": "/n", "value": 0}], r"testing value /n failed"),
    ([{"op": "add", "path": "/x", "value": 1}, {"op": "test", "path": "/x", "value": 2}],
     r"operation 1 \(test /x\)"),
    ([{"op": "add", "path": "/missing/x", "value": 1}],
     r"operation 0 \(add /missing/x\): the document has no value at '/missing'"),
    ([{"op": "remove", "path": "/nope"}], r"has no value at '/nope'"),
    ([{"op": "replace", "path": "/a/b/3", "value": 1}], r"has no value at '/a/b/3'"),
    ([{"op": "add", "path": "/a/b/5", "value": 1}],
     r"index 5 is out of range for an array of 3 items"),
    ([{"op": "add", "path": "/a/b/01", "value": 1}], r"'01' is not an array index"),
    ([{"op": "remove", "path": "/a/b/-"}], r"'-' is not an array index"),
    ([{"op": "add", "path": "/a/c/x", "value": 1}], r"'/a/c' is a str, which has no members"),
    ([{"op": "move", "from": "/a", "path": "/a/b/0"}], r"cannot move '/a' into its own child"),
    ([{"op": "copy", "from": "/zz", "path": "/y"}], r"has no value at '/zz'"),
])
def test_json_patch_that_does_not_apply_is_invalid(operations: list[dict[str, Any]],
                                                    message: str) -> None:
    before = copy.deepcopy(DOC)
    with pytest.raises(Invalid, match=message) as caught:
        json_patch(DOC, operations)
    assert caught.value.code == 422
    assert before == DOC


@pytest.mark.parametrize(("operations", "message"), [
    ({"op": "add"}, r"must be a JSON array of operations, not an object"),
    (["add"], r"operation 0 must be an object, not a str"),
    ([{"op": "frob", "path": "/a"}], r'operation 0: unknown op "frob"'),
    ([{"path": "/a"}], r"unknown op null"),
    ([{"op": "add", "value": 1}], r"operation 0 \(add\): the operation has no 'path'"),
    ([{"op": "add", "path": "/a"}], r"operation 0 \(add /a\): the operation has no value"),
    ([{"op": "move", "path": "/a"}], r"the operation has no 'from'"),
    ([{"op": "remove", "path": "a"}], r"path \"a\" is not a JSON pointer"),
    ([{"op": "remove", "path": 3}], r"path 3 is not a JSON pointer"),
    ([{"op": "remove", "path": "/a~2"}], r"has a '~' that is not ~0 or ~1"),
])
def test_malformed_json_patch_is_a_bad_request(operations: Any, message: str) -> None:
    with pytest.raises(BadRequest, match=message):
        json_patch(DOC, operations)


# -- dispatch --------------------------------------------------------------------------------


def test_apply_patch_dispatches_on_content_type() -> None:
    node = {"kind": "Node", "spec": {"unschedulable": True, "podCIDRs": ["10.0.0.0/24"]}}
    assert apply_patch(MERGE_PATCH, node, {"spec": {"unschedulable": None}}) == {
        "kind": "Node", "spec": {"podCIDRs": ["10.0.0.0/24"]}}
    assert apply_patch(JSON_PATCH, node, [{"op": "remove", "path": "/spec"}]) == {
        "kind": "Node"}
    # podCIDRs merges as a set under a strategic merge patch, is replaced by a merge patch.
    patch = {"spec": {"podCIDRs": ["fd00::/64"]}}
    assert apply_patch(STRATEGIC_MERGE_PATCH, node, patch,
                       definition="io.k8s.api.core.v1.Node")["spec"]["podCIDRs"] == [
        "fd00::/64", "10.0.0.0/24"]
    assert apply_patch(MERGE_PATCH, node, patch)["spec"]["podCIDRs"] == ["fd00::/64"]


@pytest.mark.parametrize(("patch_type", "patch"), [
    (MERGE_PATCH, ["not", "an", "object"]),
    (MERGE_PATCH, "text"),
    (JSON_PATCH, [{"op": "replace", "path": "", "value": 3}]),
    (JSON_PATCH, [{"op": "remove", "path": ""}]),
])
def test_a_result_that_is_not_an_object_is_invalid(patch_type: str, patch: Any) -> None:
    with pytest.raises(Invalid, match=r"^patch: Invalid value: the patched object must be a "
                                      r"JSON object") as caught:
        apply_patch(patch_type, {"kind": "Pod"}, patch)
    assert caught.value.details["causes"][0]["field"] == "patch"


def test_null_merge_patch_and_unknown_types() -> None:
    with pytest.raises(BadRequest, match="the patch is null"):
        apply_patch(MERGE_PATCH, {}, None)
    with pytest.raises(BadRequest, match="must be a JSON object, not an array"):
        apply_patch(STRATEGIC_MERGE_PATCH, {}, [], definition="io.k8s.api.core.v1.Pod")
    with pytest.raises(ValueError, match="application/apply-patch"):
        apply_patch("application/apply-patch+yaml", {}, {})
