"""GET and LIST of any resource: objects or server-side Tables, selectors, limit/continue."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from k3py.api import selectors, tables
from k3py.api.resources import Resource
from k3py.apiserver.bodies import Wanted, json_response, wanted
from k3py.errors import BadRequest
from k3py.storage import ObjectStore
from k3py.storage.objects import Predicate


def predicate(request: web.Request, resource: Resource) -> Predicate | None:
    """The label and field selectors of a list, watch or deletecollection, as one test."""
    label_text = request.query.get("labelSelector", "")
    field_text = request.query.get("fieldSelector", "")
    tests: list[Predicate] = []
    if label_text.strip():
        label_selector = selectors.parse_label_selector(label_text)

        def labels_match(obj: dict[str, Any]) -> bool:
            return label_selector.matches((obj.get("metadata") or {}).get("labels") or {})
        tests.append(labels_match)
    if field_text.strip():
        custom = resource.custom
        field_selector = selectors.compile_field_selector(
            field_text, group=resource.group, resource=resource.plural,
            namespaced=resource.namespaced,
            extra_fields=custom.selectable_fields if custom is not None else (),
            custom=custom is not None)
        tests.append(field_selector.matches)
    if not tests:
        return None
    if len(tests) == 1:
        return tests[0]
    first, second = tests
    return lambda obj: first(obj) and second(obj)


def printer_columns(resource: Resource) -> list[dict[str, Any]] | None:
    """A custom resource's printer columns (``[]``: none declared); None for built-ins."""
    if resource.custom is None:
        return None
    return [dict(c) for c in resource.custom.printer_columns or ()]


def limit_of(request: web.Request) -> int:
    text = request.query.get("limit", "")
    if not text:
        return 0
    try:
        limit = int(text)
    except ValueError:
        raise BadRequest(f'limit must be an integer, not "{text}"') from None
    return max(limit, 0)


def as_table(resource: Resource, objects: list[dict[str, Any]], want: Wanted, *,
             resource_version: str, continue_token: str | None = None) -> dict[str, Any]:
    return tables.table_for(resource.group, resource.kind, objects,
                            printer_columns=printer_columns(resource),
                            include_object=want.include_object, now=datetime.now(UTC),
                            resource_version=resource_version, continue_token=continue_token)


async def get_object(request: web.Request, store: ObjectStore, resource: Resource,
                     namespace: str | None, name: str) -> web.Response:
    obj = await store.get(resource, namespace, name,
                          resource_version=request.query.get("resourceVersion"))
    want = wanted(request)
    if want.table:
        version = (obj.get("metadata") or {}).get("resourceVersion", "")
        return json_response(as_table(resource, [obj], want, resource_version=version))
    return json_response(obj)


async def list_objects(request: web.Request, store: ObjectStore, resource: Resource,
                       namespace: str | None) -> web.Response:
    page = await store.list(
        resource, namespace, predicate=predicate(request, resource), limit=limit_of(request),
        continue_token=request.query.get("continue") or None,
        resource_version=request.query.get("resourceVersion"),
        resource_version_match=request.query.get("resourceVersionMatch") or None)
    want = wanted(request)
    if want.table:
        return json_response(as_table(resource, page.items, want,
                                      resource_version=page.resource_version,
                                      continue_token=page.continue_token))
    metadata: dict[str, Any] = {"resourceVersion": page.resource_version}
    if page.continue_token:
        metadata["continue"] = page.continue_token
    if page.remaining is not None:
        metadata["remainingItemCount"] = page.remaining
    return json_response({"kind": resource.list_kind, "apiVersion": resource.api_version,
                          "metadata": metadata, "items": page.items})
