"""The three walks server-side apply makes over objects: compare, merge and remove.

- :func:`compare` says which fields one write added, modified and removed (what an
  ``Update`` takes ownership of, and what an apply would change under another manager).
- :func:`merge` lays an applied configuration over the live object: its values win, atomic
  parts are replaced whole, associative lists merge element by element in upstream's order.
- :func:`remove_items` takes owned paths out of an object (pruning what an applier dropped).

All three are pure and share untouched subtrees with their inputs instead of copying them:
copy a result before mutating it in place. ``compare`` skips any subtree whose two sides are
the same object, which is what makes it cheap after ``merge``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

from k3py.api.managedfields.fieldset import (
    FieldSet,
    Path,
    element_string,
    field_element,
    path_string,
    prefixes,
    recursive_difference,
)
from k3py.api.managedfields.gozero import ABSENT, zero_fields, zero_for
from k3py.api.managedfields.typed import (
    TypingError,
    child_schema,
    is_nullable,
    item_element,
    list_keys,
    map_is_atomic,
)
from k3py.api.schemas import Schema

_GONE: Final[Any] = object()  # a container that lost everything it held


@dataclass(slots=True)
class Comparison:
    """What changed between two versions of an object, as sets of paths."""

    added: FieldSet = field(default_factory=set)
    modified: FieldSet = field(default_factory=set)
    removed: FieldSet = field(default_factory=set)

    def changed(self) -> FieldSet:
        """Added or modified: what a writer takes from other managers."""
        return self.added | self.modified

    def excluding(self, ignored: FieldSet) -> Comparison:
        """This comparison without ``ignored`` paths and what lies beneath them."""
        if not ignored:
            return self
        return Comparison(recursive_difference(self.added, ignored),
                          recursive_difference(self.modified, ignored),
                          recursive_difference(self.removed, ignored))


# -- compare ------------------------------------------------------------------------------------


def compare(old: Any, new: Any, schema: Schema | None) -> Comparison:
    """Fields ``new`` added, modified and removed relative to ``old`` (upstream's
    ``Compare``). Fields that Go always shows (see :mod:`gozero`) count as present on both
    sides, so a write that fills ``spec.template`` does not "add" the struct itself."""
    result = Comparison()
    _compare(old, new, schema, (), result)
    for found in (result.added, result.modified, result.removed):
        found.discard(())
    return result


def _compare(old: Any, new: Any, schema: Schema | None, path: Path, out: Comparison) -> None:
    if old is new or old == new:
        return
    if isinstance(new, dict) or isinstance(old, dict):
        _compare_maps(old, new, schema, path, out)
    elif isinstance(new, list) or isinstance(old, list):
        _compare_lists(old, new, schema, path, out)
    else:
        _leaf(old, new, path, out)


def _leaf(old: Any, new: Any, path: Path, out: Comparison) -> None:
    if old is ABSENT:
        out.added.add(path)
    elif new is ABSENT:
        out.removed.add(path)
    elif old != new:
        out.modified.add(path)


def _marker(old: Any, new: Any, path: Path, out: Comparison) -> None:
    # A container that appeared or vanished is itself added or removed, beside its leaves.
    if old is ABSENT:
        out.added.add(path)
    elif new is ABSENT:
        out.removed.add(path)


def _other_kind(value: Any, container: Any) -> bool:
    """Whether ``value`` is there, not null, and not the container kind we compare."""
    return container is None and value is not ABSENT and value is not None


def _compare_maps(old: Any, new: Any, schema: Schema | None, path: Path,
                  out: Comparison) -> None:
    left = old if isinstance(old, dict) else None
    right = new if isinstance(new, dict) else None
    if (_other_kind(old, left) or _other_kind(new, right) or map_is_atomic(schema)
            or (not left and not right)):
        _leaf(old, new, path, out)
        return
    # Go's zero fields exist only inside a struct that exists: not in an added list element.
    fill_left, fill_right = left is not None, right is not None
    left, right = left or {}, right or {}
    for name, value in left.items():
        other = right.get(name, ABSENT)
        if other is ABSENT and fill_right:
            other = zero_for(schema, name)
        _compare(value, other, child_schema(schema, name), (*path, field_element(name)), out)
    for name, value in right.items():
        if name not in left:
            _compare(zero_for(schema, name) if fill_left else ABSENT, value,
                     child_schema(schema, name), (*path, field_element(name)), out)
    if fill_left != fill_right:
        # A struct that appeared or vanished: Go shows its zero fields on that side only.
        for name, zero in zero_fields(schema).items():
            if name not in left and name not in right:
                before, after = (ABSENT, zero) if fill_right else (zero, ABSENT)
                _compare(before, after, child_schema(schema, name),
                         (*path, field_element(name)), out)
    _marker(old, new, path, out)


def _compare_lists(old: Any, new: Any, schema: Schema | None, path: Path,
                   out: Comparison) -> None:
    left = old if isinstance(old, list) else None
    right = new if isinstance(new, list) else None
    keys = list_keys(schema)
    if (_other_kind(old, left) or _other_kind(new, right) or keys is None
            or (not left and not right)):
        _leaf(old, new, path, out)
        return
    element_schema = schema.items() if schema is not None else None
    by_element: dict[str, tuple[list[Any], list[Any]]] = {}
    for side, items in ((0, left or ()), (1, right or ())):
        for i, item in enumerate(items):
            element = item_element(item, keys, element_schema, path, i)
            by_element.setdefault(element, ([], []))[side].append(item)
    for element, (before, after) in by_element.items():
        item_path = (*path, element)
        if len(before) <= 1 and len(after) <= 1:
            _compare(before[0] if before else ABSENT, after[0] if after else ABSENT,
                     element_schema, item_path, out)
        elif len(before) >= 2 and len(after) >= 2:
            if before != after:
                out.modified.add(item_path)
        elif len(before) >= 2:
            if after:
                _compare(ABSENT, after[0], element_schema, item_path, out)
            out.removed.add(item_path)
        else:
            if before:
                _compare(before[0], ABSENT, element_schema, item_path, out)
            out.added.add(item_path)
    _marker(old, new, path, out)


# -- merge --------------------------------------------------------------------------------------


def merge(live: Any, applied: Any, schema: Schema | None) -> Any:
    """``applied`` laid over ``live`` (upstream's ``Merge``). An applied ``null`` removes the
    field unless the schema says ``nullable``. ``TypingError`` for duplicate keys in
    ``applied`` or list elements without their keys."""
    return _merge(live, applied, schema, ())


def _merge(live: Any, applied: Any, schema: Schema | None, path: Path) -> Any:
    if applied is ABSENT:
        return live
    if isinstance(applied, dict):
        left = live if isinstance(live, dict) else None
        if map_is_atomic(schema) or (not left and not applied):
            return applied
        out: dict[str, Any] = {}
        for name, value in (left or {}).items():
            if name not in applied:
                out[name] = value
                continue
            new = applied[name]
            sub = child_schema(schema, name)
            if new is not None or is_nullable(sub):
                out[name] = _merge(value, new, sub, (*path, field_element(name)))
        for name, new in applied.items():
            if left is not None and name in left:
                continue
            sub = child_schema(schema, name)
            if new is not None or is_nullable(sub):
                out[name] = _merge(ABSENT, new, sub, (*path, field_element(name)))
        return out
    if isinstance(applied, list):
        keys = list_keys(schema)
        left_list = live if isinstance(live, list) else []
        if keys is None or (not left_list and not applied):
            return applied
        element_schema = schema.items() if schema is not None else None
        return _merge_list(left_list, applied, keys, element_schema, path)
    return applied


def _merge_list(live: list[Any], applied: list[Any], keys: tuple[str, ...],
                element_schema: Schema | None, path: Path) -> list[Any]:
    """Upstream's order: live elements stay where they are, applied elements keep their
    relative order, new ones go after the shared element that precedes them."""
    applied_elements = [item_element(x, keys, element_schema, path, i)
                        for i, x in enumerate(applied)]
    applied_by: dict[str, Any] = {}
    for element, item in zip(applied_elements, applied, strict=True):
        if element in applied_by:
            raise TypingError(f"{path_string(path)}: duplicate entries for key "
                              f"{element_string(element)}")
        applied_by[element] = item
    live_elements = [item_element(x, keys, element_schema, path, i) for i, x in enumerate(live)]
    live_by: dict[str, Any] = {}
    for element, item in zip(live_elements, live, strict=True):
        live_by[element] = None if element in live_by else item  # duplicates merge as nothing
    shared = iter([e for e in applied_elements if e in live_by])
    next_shared = next(shared, None)
    merged: set[str] = set()
    out: list[Any] = []
    li, ri, nl, nr = 0, 0, len(live_elements), len(applied_elements)
    while li < nl or ri < nr:
        if li < nl and ri < nr:
            element = live_elements[li]
            if element == applied_elements[ri]:
                merged.add(element)
                out.append(_merge(live_by[element], applied_by[element], element_schema,
                                  (*path, element)))
                li, ri = li + 1, ri + 1
                next_shared = next(shared, None)
                continue
            if element in applied_by and next_shared is not None and next_shared != element:
                li += 1
                continue
        if li < nl:
            element = live_elements[li]
            if element not in applied_by:
                out.append(live[li])
                li += 1
                continue
            if element in merged:
                li += 1
        if ri < nr:
            element = applied_elements[ri]
            merged.add(element)
            out.append(_merge(live_by.get(element, ABSENT), applied_by[element], element_schema,
                              (*path, element)))
            ri += 1
            if next_shared is not None and next_shared == element:
                next_shared = next(shared, None)
    return out


# -- remove -------------------------------------------------------------------------------------


def remove_items(obj: dict[str, Any], paths: FieldSet, schema: Schema | None) -> dict[str, Any]:
    """``obj`` without the given paths and everything beneath them; an object or list left
    empty by the removal goes too (upstream's ``RemoveItems``)."""
    if not paths:
        return obj
    result = _remove(obj, paths, prefixes(paths), schema, ())
    return {} if result is _GONE else dict(result)


def _remove(value: Any, paths: FieldSet, under: set[Path], schema: Schema | None,
            path: Path) -> Any:
    if isinstance(value, dict):
        if map_is_atomic(schema):
            return value
        kept: dict[str, Any] = {}
        for name, child in value.items():
            child_path = (*path, field_element(name))
            if child_path in paths:
                continue
            if child_path in under:
                pruned = _remove(child, paths, under, child_schema(schema, name), child_path)
                if pruned is not _GONE:
                    kept[name] = pruned
                continue
            kept[name] = child
        return kept if kept else _GONE
    if isinstance(value, list):
        keys = list_keys(schema)
        if keys is None:
            return value
        element_schema = schema.items() if schema is not None else None
        items: list[Any] = []
        for i, item in enumerate(value):
            item_path = (*path, item_element(item, keys, element_schema, path, i))
            if item_path in paths:
                continue
            if item_path in under:
                pruned = _remove(item, paths, under, element_schema, item_path)
                items.append({} if pruned is _GONE else pruned)
                continue
            items.append(item)
        return items if items else _GONE
    return value


__all__ = ["Comparison", "TypingError", "compare", "merge", "remove_items"]
