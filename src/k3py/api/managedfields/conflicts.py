"""The 409 an apply gets when it would change fields another manager owns.

Text and causes as kube-apiserver writes them, because kubectl prints them verbatim::

    Apply failed with 1 conflict: conflict with "kubectl-client-side-apply" using apps/v1:
    .spec.replicas

(one line: ``...using apps/v1: .spec.replicas``), and with several, grouped by manager
(managers sorted by identifier)::

    Apply failed with 2 conflicts: conflicts with "a" using v1:
    - .data.x
    conflicts with "b":
    - .data.y

Each conflict is also a cause ``{"reason": "FieldManagerConflict", "message": "conflict
with \\"mgr\\" using apps/v1", "field": ".spec.replicas"}``.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Iterable, Mapping

import orjson

from k3py.api.managedfields.fieldset import Path, element_order, path_string
from k3py.errors import Conflict

FIELD_MANAGER_CONFLICT = "FieldManagerConflict"


def describe_manager(key: str) -> str:
    """A manager identifier as conflict messages name it: ``"kubectl" with subresource
    "scale" using apps/v1`` (Update entries name their apiVersion, appliers do not)."""
    try:
        entry = orjson.loads(key)
    except orjson.JSONDecodeError:
        return json.dumps(key, ensure_ascii=False)
    text = json.dumps(entry.get("manager", ""), ensure_ascii=False)
    if entry.get("subresource"):
        text += f" with subresource {json.dumps(entry['subresource'], ensure_ascii=False)}"
    if entry.get("operation") == "Update":
        text += f" using {entry.get('apiVersion', '')}"
    return text


def _path_cmp(a: Path, b: Path) -> int:
    # Upstream iterates a set level by level: members of a level before its subtrees.
    for i in range(min(len(a), len(b))):
        if a[i] == b[i]:
            continue
        a_leaf, b_leaf = len(a) == i + 1, len(b) == i + 1
        if a_leaf != b_leaf:
            return -1 if a_leaf else 1
        return -1 if element_order(a[i]) < element_order(b[i]) else 1
    return len(a) - len(b)


def sorted_paths(paths: Iterable[Path]) -> list[Path]:
    return sorted(paths, key=functools.cmp_to_key(_path_cmp))


def conflict_error(conflicts: Mapping[str, Iterable[Path]]) -> Conflict:
    """The Conflict for ``{manager identifier: conflicting paths}``."""
    pairs = [(key, path) for key in sorted(conflicts) for path in sorted_paths(conflicts[key])]
    causes = [{"reason": FIELD_MANAGER_CONFLICT,
               "message": f"conflict with {describe_manager(key)}",
               "field": path_string(path)} for key, path in pairs]
    if len(pairs) == 1:
        key, path = pairs[0]
        message = (f"Apply failed with 1 conflict: conflict with {describe_manager(key)}: "
                   f"{path_string(path)}")
    else:
        lines: list[str] = []
        for key in sorted(conflicts):
            lines.append(f"conflicts with {describe_manager(key)}:")
            lines.extend(f"- {path_string(p)}" for p in sorted_paths(conflicts[key]))
        message = f"Apply failed with {len(pairs)} conflicts: " + "\n".join(lines)
    return Conflict(message, details={"causes": causes})
