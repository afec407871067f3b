"""What a structural schema does to a custom object besides value validation: pruning of
unknown fields, structural defaulting, and the two structure checks kube-apiserver runs
after the schema validator (``x-kubernetes-list-type`` set/map uniqueness, and the
apiVersion/kind/metadata of ``x-kubernetes-embedded-resource`` objects).

Pruning follows ``apiserver/schema/pruning`` and in the same pass drops the nulls that
``PruneNonNullableNullsWithoutDefaults`` drops and cuts ``metadata`` down to ObjectMeta's
fields, as decoding into ObjectMeta does; it returns fresh containers, so its result may
be defaulted in place without touching the caller's object.
"""

from __future__ import annotations

from typing import Any

import orjson

from k3py.api.crd.compiled import Node
from k3py.api.crd.render import duplicate, invalid, required
from k3py.api.validators import meta as meta_rules
from k3py.api.validators import names
from k3py.api.validators.errors import Cause

META_FIELDS = frozenset({"apiVersion", "kind", "metadata"})
OBJECT_META_FIELDS = frozenset({
    "name", "generateName", "namespace", "selfLink", "uid", "resourceVersion", "generation",
    "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds", "labels",
    "annotations", "ownerReferences", "finalizers", "managedFields"})


def copy_json(value: Any) -> Any:
    """A deep copy of a JSON value (faster than ``copy.deepcopy`` for plain data)."""
    if type(value) is dict:
        return {k: copy_json(v) for k, v in value.items()}
    if type(value) is list:
        return [copy_json(v) for v in value]
    return value


def prune(value: Any, node: Node | None, *, root: bool,
          unknown: list[str] | None = None) -> Any:
    """``value`` without the fields ``node`` does not know; ``root`` (a resource root, or
    an embedded resource) keeps apiVersion, kind and ObjectMeta's metadata fields.
    ``unknown`` collects the dropped paths (``spec.foo``, ``spec.items[0].bar``)."""
    return _prune(value, node, "", unknown, root)


def _keep_null(node: Node | None) -> bool:
    return node is None or node.nullable or node.has_default


def _meta_value(key: str, value: Any, path: str, unknown: list[str] | None) -> Any:
    """apiVersion and kind as given; metadata as a round trip through ObjectMeta leaves it:
    unknown fields gone, empty ``omitempty`` fields dropped, and (below the root) a null
    creationTimestamp removed."""
    if key != "metadata" or type(value) is not dict:
        return copy_json(value)
    out: dict[str, Any] = {}
    for k, v in value.items():
        if k not in OBJECT_META_FIELDS:
            if unknown is not None:
                unknown.append(f"{path}metadata.{k}")
        elif v is None:
            if k == "creationTimestamp" and not path:
                out[k] = None
        elif v not in ("", {}, []) and not (k == "generation" and v == 0):
            out[k] = copy_json(v)
    return out


def _prune(x: Any, n: Node | None, path: str, unknown: list[str] | None,
           embedded: bool) -> Any:
    if n is not None and n.preserve:
        return _skip(x, n, path, unknown, embedded)
    t = type(x)
    if t is dict:
        prefix = f"{path}." if path else ""
        if n is None:
            if unknown is not None:
                unknown.extend(prefix + k for k in x)
            return {}
        out = {}
        props = n.properties
        emb = embedded or n.embedded
        for k, v in x.items():
            sub = props.get(k)
            if emb and k in META_FIELDS:
                if v is not None or _keep_null(sub):
                    out[k] = _meta_value(k, v, prefix, unknown)
            elif sub is not None:
                if v is not None or sub.nullable or sub.has_default:
                    out[k] = _prune(v, sub, prefix + k, unknown, False)
            elif n.has_additional:
                sub = n.additional
                if v is not None or _keep_null(sub):
                    out[k] = _prune(v, sub, prefix + k, unknown, False)
            elif unknown is not None and (k not in META_FIELDS or path):
                unknown.append(prefix + k)
        return out
    if t is list:
        items = n.items if n is not None else None
        return [_prune(v, items, f"{path}[{i}]", unknown, False) for i, v in enumerate(x)]
    return x


def _skip(x: Any, n: Node | None, path: str, unknown: list[str] | None, embedded: bool) -> Any:
    """Pruning under ``x-kubernetes-preserve-unknown-fields``: unknown fields stay, known
    ones are still pruned below."""
    if n is None:
        return copy_json(x)
    t = type(x)
    if t is dict:
        prefix = f"{path}." if path else ""
        out = {}
        props = n.properties
        emb = embedded or n.embedded
        for k, v in x.items():
            sub: Node | None = props.get(k)
            if emb and k in META_FIELDS:
                if v is not None or _keep_null(sub):
                    out[k] = _meta_value(k, v, prefix, unknown)
            elif sub is not None or n.has_additional:
                sub = sub if sub is not None else n.additional
                if v is not None or _keep_null(sub):
                    out[k] = _prune(v, sub, prefix + k, unknown, False)
            else:
                out[k] = copy_json(v)
        return out
    if t is list:
        return [_skip(v, n.items, f"{path}[{i}]", unknown, False) for i, v in enumerate(x)]
    return x


def apply_defaults(x: Any, n: Node | None) -> None:
    """Structural defaulting, in place: missing fields (and nulls where null is not
    allowed) get the schema's default, at every depth, array items and maps included."""
    if n is None:
        return
    t = type(x)
    if t is dict:
        props = n.properties
        for k, sub in props.items():
            if sub.has_default:
                current = x.get(k, x)
                if current is x or (current is None and not sub.nullable):
                    x[k] = copy_json(sub.default)
        if not n.walk_defaults:
            return
        for k, v in x.items():
            child = props.get(k)
            value = v
            if child is None and n.has_additional:
                child = n.additional
                if v is None and child is not None and not child.nullable:
                    x[k] = value = copy_json(child.default)
            if child is not None and child.walk_defaults:
                apply_defaults(value, child)
    elif t is list and n.items is not None:
        items = n.items
        if not (items.has_default or items.walk_defaults):
            return
        for i, v in enumerate(x):
            value = v
            if v is None and not items.nullable:
                x[i] = value = copy_json(items.default)
            if items.walk_defaults:
                apply_defaults(value, items)


def list_causes(x: Any, n: Node, path: str = "") -> list[Cause]:
    """``ValidateListSetsAndMaps``: duplicate items of set lists and duplicate keys of map
    lists, as Duplicate causes at the later item."""
    out: list[Cause] = []
    if n.walk_lists and type(x) is dict:
        _lists_in_object(x, n, path, out)
    return out


def _lists_in_object(x: dict[str, Any], n: Node, path: str, out: list[Cause]) -> None:
    if n.additional is not None and n.additional.walk_lists:
        for k, v in x.items():
            _lists(v, n.additional, f"{path}[{k}]", out)
    for k, v in x.items():
        sub = n.properties.get(k)
        if sub is not None and sub.walk_lists:
            _lists(v, sub, f"{path}.{k}" if path else k, out)


def _lists(x: Any, n: Node, path: str, out: list[Cause]) -> None:
    t = type(x)
    if t is dict:
        _lists_in_object(x, n, path, out)
        return
    if t is not list:
        return
    if n.list_type == "set":
        out.extend(duplicate(f"{path}[{i}]", x[i]) for i in _repeats(x))
    elif n.list_type == "map":
        _map_list(x, n, path, out)
    if n.items is not None and n.items.walk_lists:
        for i, v in enumerate(x):
            _lists(v, n.items, f"{path}[{i}]", out)


def _identity(value: Any) -> Any:
    """How Go tells list items apart: scalars by type and value, compounds by JSON."""
    t = type(value)
    if t is dict or t is list:
        return ("json", orjson.dumps(value, option=orjson.OPT_SORT_KEYS))
    return (t.__name__, value)


def _repeats(values: list[Any]) -> list[int]:
    """Indexes of the second occurrence of each repeated value."""
    seen: dict[Any, int] = {}
    out = []
    for i, v in enumerate(values):
        key = _identity(v)
        times = seen.get(key, 0)
        if times == 1:
            out.append(i)
        seen[key] = times + 1
    return out


_UNSPECIFIED = ("unspecified", None)


def _map_list(x: list[Any], n: Node, path: str, out: list[Cause]) -> None:
    for i, v in enumerate(x):
        if v is not None and type(v) is not dict:
            out.append(invalid(f"{path}[{i}]", v,
                               "must be an object for an array of list-type map"))
            return
    if len(x) <= 1:
        return
    if len(n.map_keys) == 1:
        key = n.map_keys[0]
        keys = [v[key] if v is not None and key in v else _UNSPECIFIED for v in x]
        for i in _repeats(keys):
            shown = {} if keys[i] is _UNSPECIFIED else {key: keys[i]}
            out.append(duplicate(f"{path}[{i}]", shown))
        return
    maps = [{k: v[k] for k in n.map_keys if k in v} if v is not None else {} for v in x]
    out.extend(duplicate(f"{path}[{i}]", maps[i]) for i in _repeats(maps))


def embedded_causes(x: Any, n: Node, path: str = "") -> list[Cause]:
    """``objectmeta.Validate``: embedded resources need a valid apiVersion, kind and
    metadata (the resource root itself is checked elsewhere)."""
    out: list[Cause] = []
    if n.walk_embedded:
        _embedded(x, n, path, out)
    return out


def _embedded(x: Any, n: Node, path: str, out: list[Cause]) -> None:
    t = type(x)
    if t is dict:
        if n.embedded:
            out.extend(_resource(x, path))
        for k, v in x.items():
            sub = n.properties.get(k)
            if sub is not None:
                if sub.walk_embedded:
                    _embedded(v, sub, f"{path}.{k}" if path else k, out)
            elif n.additional is not None and n.additional.walk_embedded:
                _embedded(v, n.additional, f"{path}[{k}]", out)
    elif t is list and n.items is not None and n.items.walk_embedded:
        for i, v in enumerate(x):
            _embedded(v, n.items, f"{path}[{i}]", out)


def _resource(x: dict[str, Any], path: str) -> list[Cause]:
    out: list[Cause] = []

    def child(name: str) -> str:
        return f"{path}.{name}" if path else name

    def text(key: str) -> str | None:
        # a present apiVersion or kind must be a non-empty string; None when it is not
        value = x[key]
        if isinstance(value, str) and value:
            return value
        out.append(invalid(child(key), value, "must not be empty" if isinstance(value, str)
                           else "must be a string"))
        return None

    for key in ("apiVersion", "kind"):
        if key not in x:
            out.append(required(child(key)))
    api_version = text("apiVersion") if "apiVersion" in x else None
    if api_version is not None and api_version.count("/") > 1:
        out.append(invalid(child("apiVersion"), api_version,
                           f"unexpected GroupVersion string: {api_version}"))
    kind = text("kind") if "kind" in x else None
    errs = names.dns1035_label(kind.lower()) if kind is not None else []
    if errs:
        out.append(invalid(child("kind"), kind, "may have mixed case, but should "
                           "otherwise match: " + ",".join(errs)))
    metadata = x.get("metadata")
    if "metadata" in x:
        if not isinstance(metadata, dict):
            out.append(invalid(child("metadata"), metadata, "must be an object"))
        else:
            meta = {**metadata, "name": metadata.get("name") or "fakename"}
            out.extend(meta_rules.validate_object_meta(
                meta, namespaced=bool(meta.get("namespace")),
                name_fn=names.name_is_path_segment, path=child("metadata"),
                kube_finalizers=False))
    return out
