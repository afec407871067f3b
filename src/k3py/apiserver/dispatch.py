"""Routes every ``/api`` and ``/apis`` request: discovery documents, or a verb on a resource,
and turns every refusal into a ``metav1.Status`` in this one place."""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import orjson
from aiohttp import web

from k3py.api import discovery, openapi
from k3py.api.resources import Resource, ResourceTable, builtin
from k3py.apiserver import auth, authz, reads, reviews, subresources, watching, writes
from k3py.apiserver.auth import USER_KEY
from k3py.apiserver.bodies import json_response, read_body
from k3py.apiserver.requestinfo import RequestInfo, parse_resource_path
from k3py.apiserver.services import ServiceNetwork
from k3py.errors import ApiError, MethodNotAllowed, NotFound
from k3py.pki.tokens import TokenSigner
from k3py.storage import ObjectStore

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


SERVICE_ACCOUNTS = builtin("", "serviceaccounts")
SECRETS = builtin("", "secrets")


def _not_found() -> NotFound:
    return NotFound("the server could not find the requested resource")


@web.middleware
async def api_errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Every ApiError, and every unexpected exception, as a Status response."""
    try:
        response: web.StreamResponse = await handler(request)
        return response
    except ApiError as exc:
        return web.Response(status=exc.code, body=orjson.dumps(exc.status()),
                            content_type="application/json")
    except web.HTTPException:
        raise
    except Exception:
        logger.exception("internal error serving %s %s", request.method, request.path)
        error = ApiError("Internal error occurred: see the server log")
        return web.Response(status=500, body=orjson.dumps(error.status()),
                            content_type="application/json")


class ResourceApi:
    """The Kubernetes API proper, over one resource table and one object store."""

    def __init__(self, *, table: ResourceTable, store: ObjectStore, server_address: str,
                 service_network: ServiceNetwork, tokens: TokenSigner) -> None:
        self.table = table
        self.store = store
        self.server_address = server_address
        self.service_network = service_network
        self.tokens = tokens
        self._schemas: dict[str, Any] = {}
        self._schemas_for: ResourceTable | None = None

    def register(self, app: web.Application) -> None:
        app[writes.SERVICE_NETWORK] = self.service_network
        app[auth.TOKENS] = self.tokens
        app[auth.SERVICE_ACCOUNTS] = self._service_account
        app[auth.BOOTSTRAP_SECRETS] = self._bootstrap_secret
        app.router.add_get("/openapi/v3", self.openapi_root)
        app.router.add_get("/openapi/v3/", self.openapi_root)
        app.router.add_get("/openapi/v3/{key:.+}", self.openapi_document)
        app.router.add_get("/openapi/v2", self.openapi_v2)
        for prefix in ("/api", "/apis"):
            app.router.add_route("*", prefix, self.handle)
            app.router.add_route("*", prefix + "/{tail:.*}", self.handle)

    # -- discovery ---------------------------------------------------------------------

    def _discovery(self, request: web.Request, parts: list[str]) -> web.Response | None:
        if parts in (["api"], ["apis"]):
            version = discovery.wanted_aggregated_version(request.headers.get("Accept", ""))
            if version is not None:
                body = discovery.aggregated(self.table, core=parts == ["api"], version=version)
                media = discovery.AGGREGATED_MEDIA_TYPE.format(version=version)
                return web.Response(body=orjson.dumps(body), headers={
                    "Content-Type": media, "Vary": "Accept"})
            if parts == ["api"]:
                return json_response(discovery.api_versions(self.server_address))
            return json_response(discovery.api_group_list(self.table))
        found: dict[str, Any] | None
        if parts[0] == "api" and len(parts) == 2:
            found = discovery.api_resource_list(self.table, "", parts[1])
        elif parts[0] == "apis" and len(parts) == 2:
            found = discovery.api_group(self.table, parts[1])
        elif parts[0] == "apis" and len(parts) == 3:
            found = discovery.api_resource_list(self.table, parts[1], parts[2])
        else:
            return None
        if found is None:
            raise _not_found()
        return json_response(found)

    async def _service_account(self, namespace: str, name: str) -> dict[str, Any] | None:
        key = SERVICE_ACCOUNTS.key(namespace, name)
        found = self.store.cache.get(key)
        if found is None:  # perhaps just made: look again once the cache is current
            await self.store.cache.sync()
            found = self.store.cache.get(key)
        return found

    def set_table(self, table: ResourceTable) -> None:
        """Serve ``table`` from the next request on (CRDs came or went)."""
        self.table = table

    async def _bootstrap_secret(self, name: str) -> dict[str, Any] | None:
        key = SECRETS.key("kube-system", name)
        found = self.store.cache.get(key)
        if found is None:
            await self.store.cache.sync()
            found = self.store.cache.get(key)
        return found

    # -- OpenAPI -----------------------------------------------------------------------

    def _custom_schemas(self) -> dict[str, Any]:
        table = self.table
        if self._schemas_for is not table:
            schemas: dict[str, Any] = {}
            for r in table:
                if r.custom is not None:
                    schemas.update(openapi.custom_resource_schema(
                        dict(r.custom.schema) if r.custom.schema else None, group=r.group,
                        version=r.version, kind=r.kind, list_kind=r.list_kind))
            self._schemas, self._schemas_for = schemas, table
        return self._schemas

    async def openapi_root(self, _request: web.Request) -> web.Response:
        return json_response(openapi.root(self.table, custom_schemas=self._custom_schemas()))

    async def openapi_document(self, request: web.Request) -> web.Response:
        doc = openapi.document(self.table, request.match_info["key"],
                               custom_schemas=self._custom_schemas())
        if doc is None:
            raise _not_found()
        if request.headers.get("If-None-Match") == doc.etag:
            return web.Response(status=304, headers={"ETag": doc.etag})
        immutable = request.query.get("hash") == doc.hash
        return web.Response(body=doc.body, content_type="application/json", headers={
            "ETag": doc.etag, "Cache-Control": "public, immutable" if immutable else
            "no-cache, private"})

    async def openapi_v2(self, _request: web.Request) -> web.Response:
        """Not served: kubectl parses v2 as protobuf whatever it gets, so 404 is the only
        safe answer (v3 is what it uses)."""
        raise _not_found()

    # -- resources ---------------------------------------------------------------------

    async def handle(self, request: web.Request) -> web.StreamResponse:
        parts = [p for p in request.path.split("/") if p]
        if request.method == "GET":
            found = self._discovery(request, parts)
            if found is not None:
                return found
        watch = request.query.get("watch") in ("true", "1")
        info = parse_resource_path(request.path, request.method, watch_param=watch)
        resource = self.table.lookup(info.group, info.version, info.resource)
        user = request[USER_KEY]
        if not authz.allowed(user, info):
            raise authz.forbidden(user, info)
        if resource is None:
            raise _not_found()
        if info.namespace is None and resource.namespaced and info.name is not None:
            raise _not_found()
        return await self._serve(request, info, resource)

    async def _serve(self, request: web.Request, info: RequestInfo,
                     resource: Resource) -> web.StreamResponse:
        verb, sub = info.verb, info.subresource
        namespace = info.namespace if resource.namespaced else None
        if sub is not None:
            return await self._serve_subresource(request, info, resource, namespace)
        if verb not in resource.verbs:
            raise MethodNotAllowed(f"the server does not allow this method on the requested "
                                   f"resource ({verb} {resource.group_resource})")
        if not resource.stored:
            body = await read_body(request)
            return json_response(await reviews.review(
                resource.kind, request[USER_KEY], body, namespace=namespace,
                token_user=lambda token: auth.user_for_token(request.app, token)), status=201)
        store, name = self.store, info.name
        if verb == "list":
            return await reads.list_objects(request, store, resource, namespace)
        if verb == "watch":
            return await watching.watch_objects(request, store, resource, namespace)
        if verb == "create":
            if name is not None:
                raise MethodNotAllowed("POST to a named object is not allowed")
            return await writes.create_object(request, store, resource, namespace)
        if verb == "deletecollection":
            return await writes.delete_collection(request, store, resource, namespace)
        assert name is not None
        if verb == "get":
            return await reads.get_object(request, store, resource, namespace, name)
        if verb == "update":
            return await writes.update_object(request, store, resource, namespace=namespace,
                                              name=name)
        if verb == "patch":
            return await writes.patch_object(request, store, resource, namespace=namespace,
                                             name=name)
        if verb == "delete":
            return await writes.delete_object(request, store, resource, namespace, name)
        raise MethodNotAllowed(f"{request.method} is not supported on {resource.group_resource}")

    async def _serve_subresource(self, request: web.Request, info: RequestInfo,
                                 resource: Resource,
                                 namespace: str | None) -> web.StreamResponse:
        sub = resource.subresource(info.subresource or "")
        if sub is None or info.name is None:
            raise _not_found()
        verb, name = info.verb, info.name
        if verb not in sub.verbs:
            raise MethodNotAllowed(f"the server does not allow this method on the requested "
                                   f"resource ({verb} {resource.group_resource}/{sub.name})")
        if (resource.group, resource.plural, sub.name) == ("", "pods", "log"):
            return await subresources.pod_log(request, self.store, resource,
                                              namespace=namespace, name=name)
        if sub.name in ("status", "finalize", "ephemeralcontainers", "resize", "approval"):
            if verb == "get":
                return await reads.get_object(request, self.store, resource, namespace, name)
            subresource = sub.name
            if verb == "update":
                return await writes.update_object(request, self.store, resource,
                                                  namespace=namespace, name=name,
                                                  subresource=subresource)
            return await writes.patch_object(request, self.store, resource, namespace=namespace,
                                             name=name, subresource=subresource)
        if sub.name == "scale":
            return await subresources.scale(request, self.store, resource, namespace=namespace,
                                            name=name, verb=verb)
        if (resource.group, resource.plural, sub.name) == ("", "pods", "binding"):
            return await subresources.bind(request, self.store, resource, namespace=namespace,
                                           name=name)
        if (resource.group, resource.plural, sub.name) == ("", "serviceaccounts", "token"):
            return await subresources.token(request, self.store, resource, self.tokens,
                                            namespace=namespace, name=name)
        if (resource.group, resource.plural, sub.name) == ("", "pods", "eviction"):
            return await subresources.evict(request, self.store, resource,
                                            namespace=namespace, name=name)
        raise MethodNotAllowed(f"{resource.group_resource}/{sub.name} is not served yet")
