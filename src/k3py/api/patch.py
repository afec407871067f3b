"""The PATCH bodies kube-apiserver accepts, applied to plain JSON values: JSON patch
(RFC 6902), JSON merge patch (RFC 7386) and strategic merge patch (in
:mod:`k3py.api.strategic`, re-exported here). Server-side apply lives elsewhere.

Every function is pure: inputs are never mutated, and results share untouched subtrees
with their inputs instead of deep-copying them, so copy a result before mutating it in
place. Malformed patches raise BadRequest (400); well-formed patches that do not apply to
this object (a path that is not there, a failed ``test``, a result that is not an object)
raise Invalid (422), as kube-apiserver answers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from k3py.api.strategic import _kind, _short, strategic_merge_patch
from k3py.errors import BadRequest, Invalid

__all__ = [
    "JSON_PATCH",
    "MERGE_PATCH",
    "PATCH_TYPES",
    "STRATEGIC_MERGE_PATCH",
    "apply_patch",
    "json_merge_patch",
    "json_patch",
    "strategic_merge_patch",
]

JSON_PATCH: Final = "application/json-patch+json"
MERGE_PATCH: Final = "application/merge-patch+json"
STRATEGIC_MERGE_PATCH: Final = "application/strategic-merge-patch+json"
PATCH_TYPES: Final = (JSON_PATCH, MERGE_PATCH, STRATEGIC_MERGE_PATCH)

_INDEX: Final = re.compile(r"0|[1-9][0-9]*")
_BAD_ESCAPE: Final = re.compile(r"~(?![01])")
_MISSING: Final[Any] = object()


def apply_patch(patch_type: str, original: Mapping[str, Any], patch: Any, *,
                definition: str | None = None) -> dict[str, Any]:
    """Apply a decoded PATCH body of content type ``patch_type`` to ``original`` and insist,
    as kube-apiserver does, that the result is still an object. ``definition`` names the
    built-in schema a strategic merge patch needs."""
    if patch_type == JSON_PATCH:
        result = json_patch(original, patch)
    elif patch_type == MERGE_PATCH:
        if patch is None:
            raise BadRequest("invalid JSON merge patch: the patch is null")
        result = json_merge_patch(original, patch)
    elif patch_type == STRATEGIC_MERGE_PATCH:
        result = strategic_merge_patch(original, patch, definition=definition)
    else:
        raise ValueError(f"not a patch content type: {patch_type!r}")
    if not isinstance(result, dict):
        message = (f"the patched object must be a JSON object, not {_kind(result)}: "
                   f"{_short(result)}")
        raise Invalid(f"patch: Invalid value: {message}", details={"causes": [
            {"reason": "FieldValueInvalid", "message": f"Invalid value: {message}",
             "field": "patch"}]})
    return result


# -- RFC 7386 ------------------------------------------------------------------------------


def json_merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386: objects merge key by key, ``null`` deletes, anything else replaces (a
    non-object patch replaces the whole target). Like kube-apiserver, nulls are dropped
    from values the patch adds, also inside objects within added arrays."""
    if not isinstance(patch, Mapping):
        return patch
    result: dict[str, Any] = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        elif isinstance(value, Mapping):
            result[key] = json_merge_patch(result.get(key), value)
        else:
            result[key] = _prune_nulls(value)
    return result


def _prune_nulls(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _prune_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_prune_nulls(v) for v in value]
    return value


# -- RFC 6902 ------------------------------------------------------------------------------


def json_patch(target: Any, operations: Any) -> Any:
    """RFC 6902: apply ``add``, ``remove``, ``replace``, ``move``, ``copy`` and ``test``
    operations in order; the first failure stops the patch and names the operation."""
    if not isinstance(operations, list):
        raise BadRequest(f"a JSON patch must be a JSON array of operations, not "
                         f"{_kind(operations)}")
    doc = _Doc(target)
    for index, operation in enumerate(operations):
        if not isinstance(operation, Mapping):
            raise BadRequest(f"JSON patch operation {index} must be an object, not "
                             f"{_kind(operation)}")
        _apply_operation(doc, operation, index)
    return doc.root


def _apply_operation(doc: _Doc, operation: Mapping[str, Any], index: int) -> None:
    op = operation.get("op")
    if op not in ("add", "remove", "replace", "move", "copy", "test"):
        raise BadRequest(f"JSON patch operation {index}: unknown op {_short(op)}; expected "
                         "add, remove, replace, move, copy or test")
    path = _pointer(operation, "path", f"JSON patch operation {index} ({op})")
    where = f"JSON patch operation {index} ({op} {path})"
    value = operation.get("value")
    if op in ("add", "replace", "test") and "value" not in operation:
        raise BadRequest(f"{where}: the operation has no value")
    if op == "add":
        doc.add(path, value, where)
    elif op == "remove":
        doc.remove(path, where)
    elif op == "replace":
        doc.remove(path, where)
        doc.add(path, value, where)
    elif op == "test":
        found = doc.get(path, where)
        if not _json_equal(found, value):
            raise Invalid(f"{where}: testing value {path} failed: found {_short(found)}, "
                          f"expected {_short(value)}")
    else:
        source = _pointer(operation, "from", where)
        if op == "move":
            if path.startswith(source + "/"):
                raise Invalid(f"{where}: cannot move {source!r} into its own child")
            value = doc.remove(source, where)
        else:
            value = doc.get(source, where)
        doc.add(path, value, where)


def _pointer(operation: Mapping[str, Any], member: str, where: str) -> str:
    pointer = operation.get(member, _MISSING)
    if pointer is _MISSING:
        raise BadRequest(f"{where}: the operation has no {member!r}")
    if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
        raise BadRequest(f"{where}: {member} {_short(pointer)} is not a JSON pointer "
                         "(it must be empty or start with '/')")
    if _BAD_ESCAPE.search(pointer):
        raise BadRequest(f"{where}: {member} {pointer!r} has a '~' that is not ~0 or ~1")
    return pointer


def _tokens(pointer: str) -> list[str]:
    return [t.replace("~1", "/").replace("~0", "~") for t in pointer.split("/")[1:]]


class _Doc:
    """The document being patched: copies a container the first time an operation
    changes it, then edits that copy in place (so a patch of n operations does not copy
    the path from the root n times, and untouched subtrees stay shared)."""

    __slots__ = ("_owned", "root")

    def __init__(self, root: Any) -> None:
        self.root = root
        self._owned: dict[int, Any] = {}  # id -> container we made; holding it pins the id

    def _own(self, value: Any) -> Any:
        if id(value) in self._owned:
            return value
        copied = dict(value) if isinstance(value, Mapping) else list(value)
        self._owned[id(copied)] = copied
        return copied

    def get(self, pointer: str, where: str) -> Any:
        node = self.root
        for depth, token in enumerate(tokens := _tokens(pointer)):
            node = self._step(node, token, tokens, depth, where)
        return node

    def _step(self, node: Any, token: str, tokens: list[str], depth: int, where: str) -> Any:
        if isinstance(node, Mapping):
            if token in node:
                return node[token]
        elif isinstance(node, list):
            if _INDEX.fullmatch(token) and int(token) < len(node):
                return node[int(token)]
            if not _INDEX.fullmatch(token):
                raise Invalid(f"{where}: {token!r} is not an array index at "
                              f"{_join(tokens[:depth])!r}")
        raise Invalid(f"{where}: the document has no value at {_join(tokens[:depth + 1])!r}")

    def _parent(self, tokens: list[str], where: str) -> Any:
        """The (owned) container holding the last token, owning every container above it."""
        node = self.root
        if isinstance(node, Mapping | list):
            self.root = node = self._own(node)
        for depth, token in enumerate(tokens[:-1]):
            child = self._step(node, token, tokens, depth, where)
            if not isinstance(child, Mapping | list):
                raise Invalid(f"{where}: the value at {_join(tokens[:depth + 1])!r} is "
                              f"{_kind(child)}, which has no members")
            child = self._own(child)
            node[int(token) if isinstance(node, list) else token] = child
            node = child
        if not isinstance(node, Mapping | list):
            raise Invalid(f"{where}: the document root is {_kind(node)}, which has no members")
        return node

    def add(self, pointer: str, value: Any, where: str) -> None:
        tokens = _tokens(pointer)
        if not tokens:
            self.root = value
            return
        parent, last = self._parent(tokens, where), tokens[-1]
        if isinstance(parent, dict):
            parent[last] = value
            return
        if last == "-":
            parent.append(value)
        elif not _INDEX.fullmatch(last):
            raise Invalid(f"{where}: {last!r} is not an array index")
        elif int(last) > len(parent):
            raise Invalid(f"{where}: index {last} is out of range for an array of "
                          f"{len(parent)} items")
        else:
            parent.insert(int(last), value)

    def remove(self, pointer: str, where: str) -> Any:
        tokens = _tokens(pointer)
        if not tokens:
            removed, self.root = self.root, None
            return removed
        self.get(pointer, where)  # fail before copying anything
        parent, last = self._parent(tokens, where), tokens[-1]
        return parent.pop(last if isinstance(parent, dict) else int(last))


def _join(tokens: list[str]) -> str:
    return "".join("/" + t.replace("~", "~0").replace("/", "~1") for t in tokens)


def _json_equal(a: Any, b: Any) -> bool:
    """JSON equality: numbers by value (1 == 1.0), but booleans are not numbers."""
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return a == b
    if isinstance(a, Mapping) and isinstance(b, Mapping):
        return a.keys() == b.keys() and all(_json_equal(a[k], b[k]) for k in a)
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(_json_equal(x, y) for x, y in zip(a, b, strict=True))
    return type(a) is type(b) and a == b
