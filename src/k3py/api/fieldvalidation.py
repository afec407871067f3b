"""Server-side field validation: what kube-apiserver 1.33 does with ``fieldValidation``.

A create, update or patch body may carry fields its kind does not declare (typos such as
``imagePullPolcy``) or one key twice in the same JSON object. The Go decoder drops unknown
fields and keeps the last duplicate; ``fieldValidation`` says what to tell the client:

- ``Ignore``: nothing.
- ``Warn`` (the default since 1.27 when the client sends nothing): one warning per
  problem, ``unknown field "spec.foo"`` / ``duplicate field "spec.foo"``; the request
  succeeds. The caller turns each text into a ``Warning: 299 - "<text>"`` header.
- ``Strict``: 400 BadRequest. Create and update word it as the decoder failing
  (``Deployment in version "v1" cannot be handled as a Deployment: strict decoding error:
  unknown field "spec.foo", unknown field "spec.bar"``), patch as
  ``strict decoding error: ...`` alone.

Paths are written as the Go decoder writes them: ``spec.template.spec.containers[0].foo``
(map keys included verbatim: ``metadata.labels.app``). Like upstream, messages are
deduplicated and at most 100 are kept. The schema decides what is known: declared
properties, map values (``additionalProperties``), free-form data (RawExtension, JSON,
``x-kubernetes-preserve-unknown-fields``), and in an ``x-kubernetes-embedded-resource``
object its ``apiVersion``, ``kind`` and ``metadata``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from typing import Any, Final

from k3py.api.openapi.components import find_kind
from k3py.api.schemas import JsonSchema, Schema, definition_for_kind, definitions
from k3py.api.schemas import schema as builtin_schema
from k3py.api.validators.errors import not_supported
from k3py.errors import BadRequest, Invalid

IGNORE: Final = "Ignore"
WARN: Final = "Warn"
STRICT: Final = "Strict"
MAX_ERRORS: Final = 100  # sigs.k8s.io/json stops collecting strict errors here

_SUPPORTED: Final = ("", IGNORE, STRICT, WARN)  # as upstream lists them (sorted)
_OPTIONS: Final = {"create": "CreateOptions", "update": "UpdateOptions",
                   "patch": "PatchOptions"}
_OBJECT_META: Final = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_EMBEDDED: Final = frozenset({"apiVersion", "kind", "metadata"})


def directive(value: str | None, *, verb: str = "create") -> str:
    """The ``fieldValidation`` query value as a mode: empty means ``Warn``. Anything else
    is the 422 upstream's options validation gives, e.g. ``CreateOptions.meta.k8s.io ""
    is invalid: fieldValidation: Unsupported value: "bogus": supported values: "",
    "Ignore", "Strict", "Warn"``."""
    if not value:
        return WARN
    if value in (IGNORE, WARN, STRICT):
        return value
    options = _OPTIONS.get(verb, "CreateOptions")
    field, reason, message = not_supported("fieldValidation", value, _SUPPORTED)
    raise Invalid(f'{options}.meta.k8s.io "" is invalid: {field}: {message}', details={
        "group": "meta.k8s.io", "kind": options,
        "causes": [{"reason": reason, "message": message, "field": field}]})


class _Pairs(list[tuple[str, Any]]):
    """A JSON object as written: keys in order, repeated keys kept."""

    __slots__ = ()


def _parse(raw: bytes | str) -> Any:
    try:
        return json.loads(raw, object_pairs_hook=_Pairs)
    except ValueError as e:
        raise BadRequest(f"the request body is not valid JSON: {e}") from None


def _child(parent: Schema | None, key: str) -> tuple[bool, Schema | None]:
    """(whether ``key`` is known, the schema below it; None: anything goes there)."""
    if parent is None:
        return True, None
    found = parent.prop(key)
    if found is not None:
        return True, found
    if key in _EMBEDDED and parent.node.get("x-kubernetes-embedded-resource"):
        return True, builtin_schema(_OBJECT_META) if key == "metadata" else None
    extra = parent.additional_properties()
    if extra is not None:
        return True, extra
    return parent.accepts_unknown_fields, None


def _walk(node: Any, at: Schema | None, *, path: str, out: list[tuple[str, str]],
          dups: bool) -> None:
    """Collect (problem, path) in document order: unknown fields, and with ``dups`` (a
    body parsed into :class:`_Pairs`) repeated keys too, looked for even where anything
    goes, as the Go decoder checks free-form maps as well."""
    if isinstance(node, _Pairs | dict):
        items: Iterable[tuple[str, Any]] = node.items() if isinstance(node, dict) else node
        seen: set[str] = set()
        for key, value in items:
            here = f"{path}.{key}"
            known, below = _child(at, key)
            if not known:
                out.append(("unknown", here))
                continue
            if dups:
                if key in seen:
                    out.append(("duplicate", here))
                seen.add(key)
            if below is not None or dups:
                _walk(value, below, path=here, out=out, dups=dups)
    elif isinstance(node, list) and (at is not None or dups):
        each = None if at is None else at.items()
        for index, value in enumerate(node):
            _walk(value, each, path=f"{path}[{index}]", out=out, dups=dups)


def unknown_fields(obj: Mapping[str, Any], schema: Schema) -> list[str]:
    """Paths (``.spec.foo``, ``.spec.template.spec.containers[0].imagePullPolcy``) of the
    fields of ``obj`` that ``schema`` does not declare, in document order."""
    out: list[tuple[str, str]] = []
    _walk(obj, schema, path="", out=out, dups=False)
    return [path for _, path in out]


def duplicate_fields(raw_json: bytes | str) -> list[str]:
    """Paths of keys repeated within one object of a JSON body (orjson and Go both keep
    the last, silently). Raises BadRequest when the body is not JSON."""
    out: list[tuple[str, str]] = []
    _walk(_parse(raw_json), None, path="", out=out, dups=True)
    return [path for _, path in out]


def _messages(found: Iterable[tuple[str, str]]) -> list[str]:
    texts: list[str] = []
    seen: set[str] = set()
    for problem, path in found:
        text = f'{problem} field "{path[1:]}"'
        if text not in seen:
            seen.add(text)
            texts.append(text)
            if len(texts) == MAX_ERRORS:
                break
    return texts


def schema_for(group: str, version: str, kind: str, *,
               custom_schemas: Mapping[str, JsonSchema] | None = None) -> Schema | None:
    """The schema field validation uses for a kind: a custom kind's component (from
    :func:`k3py.api.openapi.custom_resource_schema`) or the built-in definition; None when
    neither knows the kind. Build it once per CRD version and pass it to :func:`check`:
    a custom schema's navigator is new on every call."""
    if custom_schemas:
        name = find_kind(custom_schemas, group=group, version=version, kind=kind)
        if name is not None:
            merged = {**definitions(), **custom_schemas}
            return Schema.named(name, merged)
    builtin = definition_for_kind(group, version, kind)
    return None if builtin is None else builtin_schema(builtin)


def strict_errors(obj: Mapping[str, Any], schema: Schema, *, raw: bytes | str | None = None,
                  patch: bytes | str | None = None) -> list[str]:
    """Upstream's strict decoding errors: ``unknown field "spec.foo"`` and
    ``duplicate field "spec.foo"``, deduplicated, at most 100.

    For create and update pass the request body as ``raw`` (one pass, document order, as
    the decoder reports them; without it only unknown fields are found). For patch pass
    the patch body as ``patch`` and the patched object as ``obj``: the patch's duplicates
    come first, then the patched object's unknown fields.
    """
    found: list[tuple[str, str]] = []
    if patch is not None:
        _walk(_parse(patch), None, path="", out=found, dups=True)
    if raw is None:
        _walk(obj, schema, path="", out=found, dups=False)
    else:
        _walk(_parse(raw), schema, path="", out=found, dups=True)
    return _messages(found)


def check(obj: Mapping[str, Any], *, group: str, version: str, kind: str,
          mode: str | None, verb: str = "create", raw: bytes | str | None = None,
          patch: bytes | str | None = None, schema: Schema | None = None) -> list[str]:
    """Apply ``fieldValidation=mode`` to a create, update or patch (``verb``).

    Returns the warning texts (``Warn``; empty for ``Ignore`` or a clean body) or raises
    BadRequest (``Strict``); an unsupported mode raises :func:`directive`'s 422. ``schema``
    overrides the kind's schema (custom resources: see :func:`schema_for`); kinds without a
    schema are not checked. ``raw``/``patch`` as for :func:`strict_errors`.
    """
    chosen = directive(mode, verb=verb)
    if chosen == IGNORE:
        return []
    if schema is None:
        schema = schema_for(group, version, kind)
    if schema is None:
        return []
    errors = strict_errors(obj, schema, raw=raw, patch=patch)
    if not errors or chosen == WARN:
        return errors
    detail = "strict decoding error: " + ", ".join(errors)
    if verb == "patch":
        raise BadRequest(detail)
    # The decoder names the kind and version the body claims, then the type it wanted.
    sent_kind, sent_version = obj.get("kind"), obj.get("apiVersion")
    if not isinstance(sent_kind, str) or not sent_kind:
        sent_kind = kind
    sent_version = sent_version.rsplit("/", 1)[-1] if isinstance(sent_version, str) \
        and sent_version else version
    raise BadRequest(f'{sent_kind} in version "{sent_version}" cannot be handled as a '
                     f"{kind}: {detail}")
