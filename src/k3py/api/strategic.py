"""Strategic merge patch (``application/strategic-merge-patch+json``) as kube-apiserver
applies it to built-in types.

The schema decides how each field merges. Objects merge key by key and ``null`` deletes a
key. A list whose field declares ``x-kubernetes-patch-strategy: merge`` merges by its
``x-kubernetes-patch-merge-key`` (lists of objects: ``containers`` by ``name``) or as a
set (lists of scalars: ``finalizers``). Every other list, and every field the schema does
not know, is replaced whole; unknown objects still merge. Directives steer the merge and
never reach the result:

- ``$patch: replace`` in an object: the object becomes the patch's content; as an item
  of a merged list: the list becomes the patch's other items.
- ``$patch: delete`` in an object: the object is emptied (dropped when it is new); as an
  item of a merged list: every item with that merge key goes.
- ``$patch: merge`` in an object: the default, accepted and ignored.
- ``$setElementOrder/<field>``: the order of the merged list; items only in the original
  keep their place relative to the ordered ones.
- ``$retainKeys``: the keys of this object to keep; the original's other keys go.
- ``$deleteFromPrimitiveList/<field>``: scalars to remove from that list.

As upstream, items a merge adds go *before* the original's items unless
``$setElementOrder`` places them. Inputs are never mutated; the result shares untouched
subtrees with ``original`` (that keeps kubectl apply cheap), so copy before mutating it.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping, Sequence
from typing import Any, Final

import orjson

from k3py.api.schemas import Schema, schema
from k3py.errors import BadRequest, Invalid

_PATCH: Final = "$patch"
_RETAIN_KEYS: Final = "$retainKeys"
_SET_ORDER: Final = "$setElementOrder"
_DELETE_FROM: Final = "$deleteFromPrimitiveList"
_MISSING: Final[Any] = object()


class _Drop:
    """Marks a patch value that removes itself (an object carrying ``$patch: delete``)."""


_DROP: Final = _Drop()

_Key = Callable[[Any], Hashable]


def strategic_merge_patch(original: Mapping[str, Any], patch: Any, *,
                          definition: str | Schema | None) -> dict[str, Any]:
    """Apply a strategic merge patch to an object of the built-in type ``definition``
    (a definition name such as ``io.k8s.api.apps.v1.Deployment``, a :class:`Schema`, or
    None to merge every list by replacement). Raises BadRequest for malformed patches."""
    if not isinstance(patch, dict):
        raise BadRequest(f"a strategic merge patch must be a JSON object, not {_kind(patch)}")
    node = schema(definition) if isinstance(definition, str) else definition
    return _merge_map(original, patch, node, "")


def _merge_map(original: Mapping[str, Any] | None, patch: Mapping[str, Any],
               node: Schema | None, path: str) -> dict[str, Any]:
    if _PATCH in patch:
        directive = patch[_PATCH]
        if directive == "replace":
            replaced: dict[str, Any] = _clean(patch)
            return replaced
        if directive == "delete":
            return {}
        if directive != "merge":
            raise _bad_directive(directive, path)
    result: dict[str, Any] = dict(original) if original else {}
    if _RETAIN_KEYS in patch:
        _retain_keys(result, patch, path)
    ordered: set[str] = set()
    for key, value in patch.items():
        if key.startswith(_SET_ORDER):
            field = _directive_field(key, _SET_ORDER, path)
            if _set_element_order(result, patch, field, value, node=node, path=path):
                ordered.add(field)
    for key, value in patch.items():
        if key.startswith("$"):
            if key in (_PATCH, _RETAIN_KEYS) or key.startswith(_SET_ORDER):
                continue
            if key.startswith(_DELETE_FROM):
                _delete_from_list(result, _directive_field(key, _DELETE_FROM, path), value, path)
                continue
        if key in ordered:
            continue
        if value is None:
            result.pop(key, None)
            continue
        current = result.get(key)
        child_path = f"{path}.{key}" if path else key
        if current is None:
            _set_clean(result, key, value)
        elif isinstance(value, dict) and isinstance(current, dict):
            child = node.field(key) if node is not None else None
            if child is not None and "replace" in child.patch_strategies:
                current = None
            result[key] = _merge_map(current, value, child, child_path)
        elif isinstance(value, list) and isinstance(current, list):
            child = node.field(key) if node is not None else None
            result[key] = _merge_list_field(current, value, child, child_path)
        else:
            _set_clean(result, key, value)
    return result


def _set_clean(result: dict[str, Any], key: str, value: Any) -> None:
    cleaned = _clean(value)
    if cleaned is _DROP:
        result.pop(key, None)
    else:
        result[key] = cleaned


def _clean(value: Any) -> Any:
    """A patch value as data: nulls inside objects and every directive removed (what
    kube-apiserver keeps once it decodes the result into its typed object)."""
    if isinstance(value, dict):
        if _PATCH in value:
            directive = value[_PATCH]
            if directive == "delete":
                return _DROP
            if directive not in ("replace", "merge"):
                raise _bad_directive(directive, "")
        out: dict[str, Any] = {}
        for key, item in value.items():
            if item is None or (key.startswith("$") and (
                    key in (_PATCH, _RETAIN_KEYS) or key.startswith((_SET_ORDER, _DELETE_FROM)))):
                continue
            cleaned = _clean(item)
            if cleaned is not _DROP:
                out[key] = cleaned
        return out
    if isinstance(value, list):
        return [_clean(item) for item in value
                if not (isinstance(item, dict) and _PATCH in item)]
    return value


def _retain_keys(result: dict[str, Any], patch: Mapping[str, Any], path: str) -> None:
    keep = patch[_RETAIN_KEYS]
    if not isinstance(keep, list):
        raise BadRequest(f"{_where(path)}: invalid patch format of retainKeys: "
                         f"$retainKeys must be a list of field names, not {_kind(keep)}")
    allowed = {name for name in keep if isinstance(name, str)}
    for key, value in patch.items():
        if value is None or key in (_PATCH, _RETAIN_KEYS) or key.startswith(
                (_SET_ORDER, _DELETE_FROM)):
            continue
        if key not in allowed:
            raise BadRequest(f"{_where(path)}: invalid patch format of retainKeys: the patch "
                             f"sets {key!r}, which $retainKeys {_short(keep)} does not list")
    for key in [k for k in result if k not in allowed]:
        del result[key]


def _directive_field(key: str, prefix: str, path: str) -> str:
    head, _, field = key.partition("/")
    if head != prefix or not field:
        kind = "setElementOrder list" if prefix == _SET_ORDER else "primitive list"
        raise BadRequest(f"{_where(path)}: invalid patch format of {kind}: {key!r} "
                         f"should be {prefix}/<field name>")
    return field


def _set_element_order(result: dict[str, Any], patch: Mapping[str, Any], field: str,
                       order: Any, *, node: Schema | None, path: str) -> bool:
    """Merge ``field`` and put it in the order ``$setElementOrder/field`` gives; False
    when there is nothing to order here and the main merge should handle the field."""
    if not isinstance(order, list):
        raise BadRequest(f"{_where(path)}: invalid patch format of setElementOrder list: "
                         f"{_SET_ORDER}/{field} must be a list, not {_kind(order)}")
    current, value = result.get(field), patch.get(field, _MISSING)
    if value is _MISSING:
        if not isinstance(current, list):
            return False
    elif not isinstance(value, list) or not isinstance(current, list | None):
        return False  # a null or a type change: the main merge replaces or deletes
    child = node.field(field) if node is not None else None
    merge_key = child.patch_merge_key if child is not None else None
    child_path = f"{path}.{field}" if path else field
    if value is not _MISSING:
        _check_order(value, order, merge_key, child_path)
    if value is _MISSING:
        merged: list[Any] = current or []
    elif current is None:
        merged = _clean(value)
    else:
        merged = _merge_list_field(current, value, child, child_path)
    if merged:
        server_order = current or []
        if merge_key and isinstance(merged[0], dict):
            key = _merge_key_of(merge_key, child_path)
            if current and value is not _MISSING and child is not None and (
                    "merge" in child.patch_strategies):
                server_order = _server_order(current, value, merge_key)
        else:
            key = _identity
        merged = _normalize(_keyed(merged, key), [key(item) for item in order],
                            [key(item) for item in server_order])
    result[field] = merged
    return True


def _server_order(current: list[Any], patch: list[Any], merge_key: str) -> list[Any]:
    """The "original order" upstream's ``$setElementOrder`` step ranks server-only items by.

    Upstream deletes and appends list items in place, in the array that still backs its
    view of the original list, so that view ends up as: the original without the deleted
    items, then the first added items in the freed slots, then stale leftovers. kubectl
    apply's results (swap one container for another) depend on it, so we rebuild it.
    Called after the merge succeeded: every item is an object with its merge key."""
    order, length = list(current), len(current)
    replaced = False
    for item in patch:
        directive = item.get(_PATCH)
        replaced = replaced or directive == "replace"
        if directive != "delete":
            continue
        gone, at = _identity(item[merge_key]), 0
        while at < length:
            if merge_key in order[at] and _identity(order[at][merge_key]) == gone:
                order[at:length - 1] = order[at + 1:length]
                length -= 1
            else:
                at += 1
    if replaced or length == len(order):
        return order
    present = {_identity(o[merge_key]) for o in order[:length] if merge_key in o}
    added = []
    for item in patch:
        if _PATCH not in item and (k := _identity(item[merge_key])) not in present:
            present.add(k)
            added.append(item)
    filled = order[:length] + added[:len(order) - length]
    return filled + order[len(filled):]


def _check_order(items: list[Any], order: list[Any], merge_key: str | None, path: str) -> None:
    """The patch list must follow ``$setElementOrder``'s relative order."""
    if not items or not order:
        return
    key = _merge_key_of(merge_key, path) if merge_key else _identity
    if merge_key:
        items = [i for i in items if not (isinstance(i, dict) and i.get(_PATCH) == "delete")]
    i = j = 0
    while i < len(items) and j < len(order):
        if isinstance(items[i], dict) and _PATCH in items[i]:
            i += 1
            continue
        if key(items[i]) == key(order[j]):
            i += 1
        j += 1
    if i < len(items):
        raise BadRequest(f"{_where(path)}: the order of the patch list {_short(items)} does "
                         f"not match its {_SET_ORDER} list {_short(order)}")


def _delete_from_list(result: dict[str, Any], field: str, values: Any, path: str) -> None:
    current = result.get(field)
    if not isinstance(current, list) or not isinstance(values, list):
        return  # nothing to delete from: the directive never creates the list
    if any(isinstance(v, dict | list) for v in (*current, *values)):
        raise BadRequest(f"{_where(path)}: {_DELETE_FROM}/{field} applies to lists of "
                         "scalars only")
    drop = {_identity(v) for v in values}
    result[field] = [v for v in current if _identity(v) not in drop]


def _merge_list_field(current: list[Any], value: list[Any], field: Schema | None,
                      path: str) -> list[Any]:
    if field is None or "merge" not in field.patch_strategies:
        replaced: list[Any] = _clean(value)
        return replaced
    # Upstream reads a list field with no item schema as a list of the field's own type.
    items = field.items() or field
    return _merge_list(current, value, items, field.patch_merge_key, path)


def _merge_list(original: list[Any], patch: list[Any], items: Schema | None,
                merge_key: str | None, path: str) -> list[Any]:
    if not original and not patch:
        return list(original)
    if _element_kind(original, patch, path) == "scalar":
        merged = list({_identity(v): v for v in (*original, *patch)}.values())
        return _normalize(_keyed(merged, _identity), [_identity(v) for v in patch],
                          [_identity(v) for v in original])
    if not merge_key:
        raise BadRequest(f"{_where(path)}: cannot merge a list of objects that declares no "
                         "merge key")
    original, patch = _special_items(original, patch, merge_key, path)
    key = _merge_key_of(merge_key, path)
    merged = list(original)
    original_keys = [key(item) for item in original]
    merged_keys = list(original_keys)
    index: dict[Hashable, int] = {}
    for i, k in enumerate(merged_keys):
        index.setdefault(k, i)
    patch_keys = [key(item) for item in patch]
    for item, k in zip(patch, patch_keys, strict=True):
        at = index.get(k)
        if at is None:
            index[k] = len(merged)
            merged.append(_clean(item))
            merged_keys.append(k)
        else:
            merged[at] = _merge_map(merged[at], item, items, f"{path}[{at}]")
    return _normalize(list(zip(merged_keys, merged, strict=True)), patch_keys, original_keys)


def _special_items(original: list[Any], patch: list[Any], merge_key: str,
                   path: str) -> tuple[list[Any], list[Any]]:
    """Apply the ``$patch`` items of a merged list; return (original, plain patch items)."""
    plain: list[Any] = []
    replace = False
    key = _merge_key_of(merge_key, path)
    for item in patch:
        if _PATCH not in item:
            plain.append(item)
            continue
        directive = item[_PATCH]
        if directive == "delete":
            gone = key(item)
            original = [o for o in original if merge_key not in o or key(o) != gone]
        elif directive == "replace":
            replace = True
        elif directive == "merge":
            raise BadRequest(f"{_where(path)}: '$patch: merge' is not supported in a list; "
                             "a list merges or not as its schema says")
        else:
            raise _bad_directive(directive, path)
    if replace:
        return [_clean(item) for item in plain], []
    return original, plain


def _element_kind(original: list[Any], patch: list[Any], path: str) -> str:
    kind = ""
    for value in (*original, *patch):
        this = "list" if isinstance(value, list) else (
            "map" if isinstance(value, dict) else "scalar")
        if this == "list":
            raise Invalid(f"{_where(path)}: lists of lists are not supported")
        if kind and kind != this:
            raise BadRequest(f"{_where(path)}: list element types are not identical: "
                             "objects and scalars cannot be merged")
        kind = this
    return kind


def _normalize(merged: list[tuple[Hashable, Any]], patch_order: Sequence[Hashable],
               server_order: Sequence[Hashable]) -> list[Any]:
    """Upstream's ordering of a merged list (items paired with their keys): the items the
    patch names in patch order, the others in original order, interleaved so that each of
    the others stays before the named items that followed it in the original."""
    by_patch = _positions(patch_order)
    by_server = _positions(server_order)
    last = len(patch_order) + len(server_order)
    ours = sorted((kv for kv in merged if kv[0] in by_patch),
                  key=lambda kv: by_patch.get(kv[0], last))
    theirs = sorted((kv for kv in merged if kv[0] not in by_patch),
                    key=lambda kv: by_server.get(kv[0], last))
    if not theirs or not ours:
        return [v for _, v in ours or theirs]
    out: list[Any] = []
    i = j = 0
    while i < len(theirs) and j < len(ours):
        left, right = by_server.get(theirs[i][0]), by_server.get(ours[j][0])
        if left is not None and right is not None and left < right:
            out.append(theirs[i][1])
            i += 1
        else:
            out.append(ours[j][1])
            j += 1
    out.extend(v for _, v in theirs[i:])
    out.extend(v for _, v in ours[j:])
    return out


def _positions(keys: Sequence[Hashable]) -> dict[Hashable, int]:
    positions: dict[Hashable, int] = {}
    for i, k in enumerate(keys):
        positions.setdefault(k, i)
    return positions


def _keyed(items: list[Any], key: _Key) -> list[tuple[Hashable, Any]]:
    return [(key(item), item) for item in items]


def _identity(value: Any) -> Hashable:
    """A hashable stand-in with JSON equality that keeps types apart (1, 1.0, True, "1")."""
    if type(value) is str:
        return value  # the common case; no other kind of value maps to a plain str
    if isinstance(value, dict | list):
        return (list, orjson.dumps(value, option=orjson.OPT_SORT_KEYS))
    return (type(value), value)


def _merge_key_of(merge_key: str, path: str) -> _Key:
    def key(item: Any) -> Hashable:
        if not isinstance(item, dict):
            raise BadRequest(f"{_where(path)}: expected objects in a list merged by "
                             f"{merge_key!r}, found {_short(item)}")
        try:
            return _identity(item[merge_key])
        except KeyError:
            raise BadRequest(f"{_where(path)}: map {_short(item)} does not contain the "
                             f"declared merge key {merge_key!r}") from None
    return key


def _bad_directive(directive: Any, path: str) -> BadRequest:
    return BadRequest(f"{_where(path)}: unknown patch directive '$patch: {directive}'; "
                      "expected replace, merge or delete")


def _where(path: str) -> str:
    return path or "patch"


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "an array"
    return "null" if value is None else f"a {type(value).__name__}"


def _short(value: Any, limit: int = 200) -> str:
    try:
        text = orjson.dumps(value).decode()
    except TypeError:
        text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."
