"""The ``paths`` of a group-version's OpenAPI v3 document: one path item per collection,
object, subresource and (deprecated) watch URL, each operation tagged the way
kube-apiserver tags it.

kubectl relies on two things here. ``create -f``, ``apply -f``, ``replace -f`` and ``edit``
look for a ``patch`` operation whose ``x-kubernetes-group-version-kind`` is the object's
kind and which declares the ``fieldValidation`` query parameter; only then do they send
``fieldValidation=Strict`` (kubectl stops at the *first* such operation it finds, in no
particular order, so every patch operation of a kind declares it, subresources too). The
rest (operation ids, tags, content types, responses) follows upstream so that generic
OpenAPI tooling sees a familiar document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Final

from k3py.api.openapi.components import ref
from k3py.api.resources import Resource, Subresource

Json = dict[str, Any]
KindResolver = Callable[[str, str, str], str]
"""(group, version, kind) → the component name describing that kind."""

DELETE_OPTIONS: Final = "io.k8s.apimachinery.pkg.apis.meta.v1.DeleteOptions"
STATUS: Final = "io.k8s.apimachinery.pkg.apis.meta.v1.Status"
PATCH: Final = "io.k8s.apimachinery.pkg.apis.meta.v1.Patch"
WATCH_EVENT: Final = "io.k8s.apimachinery.pkg.apis.meta.v1.WatchEvent"
_META: Final = "io.k8s.apimachinery.pkg.apis.meta.v1."

PATCH_TYPES: Final = ("application/apply-patch+yaml", "application/json-patch+json",
                      "application/merge-patch+json", "application/strategic-merge-patch+json")
_OBJECT_TYPES: Final = ("application/json", "application/vnd.kubernetes.protobuf",
                        "application/yaml")
_STREAM_TYPES: Final = ("application/json", "application/json;stream=watch",
                        "application/vnd.kubernetes.protobuf",
                        "application/vnd.kubernetes.protobuf;stream=watch", "application/yaml")

_DOCS: Final = {
    "dryRun": "When present, indicates that modifications should not be persisted. Valid "
              "values are: - All: all dry run stages will be processed",
    "fieldManager": "fieldManager is a name associated with the actor or entity that is "
                    "making these changes. Required for apply requests "
                    "(application/apply-patch), optional otherwise.",
    "fieldValidation": "fieldValidation instructs the server on how to handle objects in the "
                       "request (POST/PUT/PATCH) containing unknown or duplicate fields. Valid "
                       "values are: - Ignore: drop them silently. - Warn: drop them and send a "
                       "warning for each (the default). - Strict: fail the request with a "
                       "BadRequest error listing them.",
    "force": "Force is going to \"force\" Apply requests: the caller re-acquires fields other "
             "managers own. Must be unset for non-apply patch requests.",
    "pretty": "If 'true', then the output is pretty printed.",
    "gracePeriodSeconds": "The duration in seconds before the object should be deleted; zero "
                          "means delete immediately.",
    "propagationPolicy": "Whether and how garbage collection will be performed: 'Orphan', "
                         "'Background' or 'Foreground'.",
    "orphanDependents": "Deprecated: please use the PropagationPolicy.",
    "labelSelector": "A selector to restrict the list of returned objects by their labels.",
    "fieldSelector": "A selector to restrict the list of returned objects by their fields.",
    "limit": "limit is a maximum number of responses to return for a list call.",
    "continue": "The continue option should be set when retrieving more results from the "
                "server.",
    "resourceVersion": "resourceVersion sets a constraint on what resource versions a request "
                       "may be served from.",
    "resourceVersionMatch": "resourceVersionMatch determines how resourceVersion is applied to "
                            "list calls.",
    "timeoutSeconds": "Timeout for the list/watch call.",
    "watch": "Watch for changes to the described resources and return them as a stream of "
             "add, update, and remove notifications.",
    "allowWatchBookmarks": "allowWatchBookmarks requests watch events with type \"BOOKMARK\".",
    "sendInitialEvents": "`sendInitialEvents=true` may be set together with `watch=true` to "
                         "begin the watch stream with synthetic events for the current state.",
}


def param(name: str, kind: str = "string", *, where: str = "query",
          description: str | None = None) -> Json:
    out: Json = {"in": where, "name": name, "schema": {"type": kind, "uniqueItems": True}}
    text = description or _DOCS.get(name)
    if text:
        out["description"] = text
    if where == "path":
        out["required"] = True
    return out


def _params(*spec: tuple[str, str]) -> list[Json]:
    return [param(name, kind) for name, kind in spec]


_LIST: Final = _params(("allowWatchBookmarks", "boolean"), ("continue", "string"),
                       ("fieldSelector", "string"), ("labelSelector", "string"),
                       ("limit", "integer"), ("resourceVersion", "string"),
                       ("resourceVersionMatch", "string"), ("sendInitialEvents", "boolean"),
                       ("timeoutSeconds", "integer"), ("watch", "boolean"))
_WRITE: Final = _params(("dryRun", "string"), ("fieldManager", "string"),
                        ("fieldValidation", "string"))
_PATCH: Final = [*_WRITE, param("force", "boolean")]
_DELETE: Final = _params(("dryRun", "string"), ("gracePeriodSeconds", "integer"),
                         ("ignoreStoreReadErrorWithClusterBreakingPotential", "boolean"),
                         ("orphanDependents", "boolean"), ("propagationPolicy", "string"))
_LOG: Final = _params(("container", "string"), ("follow", "boolean"),
                      ("insecureSkipTLSVerifyBackend", "boolean"), ("limitBytes", "integer"),
                      ("previous", "boolean"), ("sinceSeconds", "integer"),
                      ("stream", "string"), ("tailLines", "integer"), ("timestamps", "boolean"))
_CONNECT: Final = {
    "exec": _params(("command", "string"), ("container", "string"), ("stderr", "boolean"),
                    ("stdin", "boolean"), ("stdout", "boolean"), ("tty", "boolean")),
    "attach": _params(("container", "string"), ("stderr", "boolean"), ("stdin", "boolean"),
                      ("stdout", "boolean"), ("tty", "boolean")),
    "portforward": _params(("ports", "integer")),
    "proxy": _params(("path", "string")),
}
_CONNECT_METHODS: Final = {"get": "get", "create": "post", "post": "post", "update": "put",
                           "put": "put", "patch": "patch", "delete": "delete", "head": "head",
                           "options": "options"}
_PRETTY: Final = param("pretty")
_NAMESPACE: Final = param("namespace", where="path",
                          description="object name and auth scope, such as for teams and "
                                      "projects")
_UNAUTHORIZED: Final = {"401": {"description": "Unauthorized"}}


def group_part(group: str) -> str:
    """``rbac.authorization.k8s.io`` → ``RbacAuthorization`` (operation ids and tags)."""
    if not group:
        return "Core"
    name = group.removesuffix(".k8s.io")
    words = name.replace("-", ".").split(".")
    return "".join(w[:1].upper() + w[1:] for w in words if w)


def tag(group: str, version: str) -> str:
    part = group_part(group)
    return f"{part[:1].lower()}{part[1:]}_{version}"


def responses(name: str, codes: Iterable[tuple[str, str]], *,
              types: Iterable[str] = _OBJECT_TYPES) -> Json:
    content = {t: {"schema": ref(name)} for t in types}
    out: Json = {code: {"content": content, "description": text} for code, text in codes}
    out.update(_UNAUTHORIZED)
    return out


def _text_responses() -> Json:
    return {"200": {"content": {"*/*": {"schema": {"type": "string"}}}, "description": "OK"},
            **_UNAUTHORIZED}


class PathBuilder:
    """Builds the path items of one group-version's resources."""

    def __init__(self, group: str, version: str, resolve: KindResolver) -> None:
        self.group, self.version = group, version
        self.prefix = f"/apis/{group}/{version}" if group else f"/api/{version}"
        self._resolve = resolve
        self._tags = [tag(group, version)]
        self._id = group_part(group) + version[:1].upper() + version[1:]

    def discovery(self) -> dict[str, Json]:
        """``GET /apis/<g>/<v>/``: the group-version's APIResourceList."""
        return {self.prefix + "/": {"get": {
            "description": "get available resources",
            "operationId": f"get{self._id}APIResources",
            "responses": responses(_META + "APIResourceList", [("200", "OK")]),
            "tags": self._tags}}}

    def resource(self, r: Resource) -> dict[str, Json]:
        """Every path of one resource and its subresources."""
        paths: dict[str, Json] = {}
        verbs = set(r.verbs)
        scope = "/namespaces/{namespace}" if r.namespaced else ""
        collection = f"{self.prefix}{scope}/{r.plural}"
        item = collection + "/{name}"
        common = [_NAMESPACE, _PRETTY] if r.namespaced else [_PRETTY]
        item_common = [self._name_param(r.kind), *common]
        own = self._gvk(r.kind)
        ns = "Namespaced" if r.namespaced else ""
        kind = self._resolve(self.group, self.version, r.kind)

        ops: Json = {}
        if "list" in verbs:
            ops["get"] = self._list(r, own, op_id=f"list{self._id}{ns}{r.kind}")
        if "create" in verbs:
            ops["post"] = self._op(own, "post", op_id=f"create{self._id}{ns}{r.kind}",
                                   description=f"create a {r.kind}", params=_WRITE, body=kind,
                                   answers=responses(kind, [("200", "OK"), ("201", "Created"),
                                                            ("202", "Accepted")]))
        if "deletecollection" in verbs:
            ops["delete"] = self._op(own, "deletecollection",
                                     op_id=f"delete{self._id}Collection{ns}{r.kind}",
                                     description=f"delete collection of {r.kind}",
                                     params=_DELETE + _LIST,
                                     body=DELETE_OPTIONS,
                                     answers=responses(STATUS, [("200", "OK")]))
        if ops:
            paths[collection] = {**ops, "parameters": common}
        ops = self._item_ops(own, verbs, kind=kind, id_kind=f"{ns}{r.kind}", noun=r.kind,
                             what="the specified ")
        if "delete" in verbs:
            ops["delete"] = self._op(own, "delete", op_id=f"delete{self._id}{ns}{r.kind}",
                                     description=f"delete a {r.kind}", params=_DELETE,
                                     body=DELETE_OPTIONS,
                                     answers=responses(STATUS, [("200", "OK"),
                                                                ("202", "Accepted")]))
        if ops:
            paths[item] = {**ops, "parameters": item_common}
        if r.namespaced and "list" in verbs:
            paths[f"{self.prefix}/{r.plural}"] = {
                "get": self._list(r, own, op_id=f"list{self._id}{r.kind}ForAllNamespaces",
                                  inline=False),
                "parameters": [*_LIST, _PRETTY]}
        if "watch" in verbs:
            paths.update(self._watches(r, own, scope=scope, common=common,
                                       item_common=item_common))
        for sub in r.subresources:
            paths.update(self._subresource(r, sub, item=item, item_common=item_common))
        return paths

    # -- operations ----------------------------------------------------------------------

    def _gvk(self, kind: str, *, group: str | None = None, version: str | None = None) -> Json:
        return {"group": self.group if group is None else group, "kind": kind,
                "version": self.version if version is None else version}

    @staticmethod
    def _name_param(kind: str) -> Json:
        return param("name", where="path", description=f"name of the {kind}")

    def _op(self, gvk: Json, action: str, *, op_id: str, description: str,
            params: list[Json] | None = None, body: str | None = None,
            body_types: Iterable[str] = ("*/*",), answers: Json) -> Json:
        op: Json = {"description": description, "operationId": op_id}
        if params:
            op["parameters"] = params
        if body is not None:
            request: Json = {"content": {t: {"schema": ref(body)} for t in body_types}}
            if action not in {"delete", "deletecollection"}:
                request["required"] = True
            op["requestBody"] = request
        op.update({"responses": answers, "tags": self._tags, "x-kubernetes-action": action,
                   "x-kubernetes-group-version-kind": gvk})
        return op

    def _list(self, r: Resource, gvk: Json, *, op_id: str, inline: bool = True) -> Json:
        listing = self._resolve(self.group, self.version, r.list_kind)
        return self._op(gvk, "list", op_id=op_id,
                        description=f"list or watch objects of kind {r.kind}",
                        params=_LIST if inline else None,
                        answers=responses(listing, [("200", "OK")], types=_STREAM_TYPES))

    def _item_ops(self, gvk: Json, verbs: set[str], *, kind: str, id_kind: str, noun: str,
                  what: str) -> Json:
        """get/put/patch on an object or on a subresource that returns an object."""
        ops: Json = {}
        if "get" in verbs:
            ops["get"] = self._op(gvk, "get", op_id=f"read{self._id}{id_kind}",
                                  description=f"read {what}{noun}",
                                  answers=responses(kind, [("200", "OK")]))
        if "update" in verbs:
            ops["put"] = self._op(gvk, "put", op_id=f"replace{self._id}{id_kind}",
                                  description=f"replace {what}{noun}", params=_WRITE, body=kind,
                                  answers=responses(kind, [("200", "OK"), ("201", "Created")]))
        if "patch" in verbs:
            ops["patch"] = self._op(gvk, "patch", op_id=f"patch{self._id}{id_kind}",
                                    description=f"partially update {what}{noun}", params=_PATCH,
                                    body=PATCH, body_types=PATCH_TYPES,
                                    answers=responses(kind, [("200", "OK"), ("201", "Created")]))
        return ops

    def _watches(self, r: Resource, gvk: Json, *, scope: str, common: list[Json],
                 item_common: list[Json]) -> dict[str, Json]:
        """The deprecated ``/watch/`` URLs (still served, still documented upstream)."""
        base = f"{self.prefix}/watch{scope}/{r.plural}"
        ns = "Namespaced" if r.namespaced else ""
        stream = responses(WATCH_EVENT, [("200", "OK")], types=_STREAM_TYPES)
        deprecated = "deprecated: use the 'watch' parameter with a list operation instead"
        paths = {
            base: {"get": self._op(gvk, "watchlist", op_id=f"watch{self._id}{ns}{r.kind}List",
                                   description=f"watch individual changes to a list of "
                                               f"{r.kind}. {deprecated}.", answers=stream),
                   "parameters": [*_LIST, *common]},
            base + "/{name}": {"get": self._op(
                gvk, "watch", op_id=f"watch{self._id}{ns}{r.kind}",
                description=f"watch changes to an object of kind {r.kind}. {deprecated}, "
                            "filtered to a single item with the 'fieldSelector' parameter.",
                answers=stream),
                "parameters": [*_LIST, *item_common]},
        }
        if r.namespaced:
            paths[f"{self.prefix}/watch/{r.plural}"] = {
                "get": self._op(gvk, "watchlist",
                                op_id=f"watch{self._id}{r.kind}ListForAllNamespaces",
                                description=f"watch individual changes to a list of {r.kind}. "
                                            f"{deprecated}.", answers=stream),
                "parameters": [*_LIST, _PRETTY]}
        return paths

    def _subresource(self, r: Resource, sub: Subresource, *, item: str,
                     item_common: list[Json]) -> dict[str, Json]:
        group = self.group if sub.group is None else sub.group
        version = self.version if sub.version is None else sub.version
        gvk = self._gvk(sub.kind, group=group, version=version)
        suffix = sub.name[:1].upper() + sub.name[1:]
        ns = "Namespaced" if r.namespaced else ""
        id_kind = f"{ns}{r.kind}{suffix}"
        path = f"{item}/{sub.name}"
        if sub.kind.endswith("Options"):  # exec, attach, portforward, proxy: connections
            return self._connect(sub, gvk, path=path, id_kind=id_kind, noun=r.kind,
                                 item_common=item_common)
        kind = self._resolve(group, version, sub.kind)
        if sub.name == "log":
            ops: Json = {"get": self._op(gvk, "get", op_id=f"read{self._id}{id_kind}",
                                         description=f"read log of the specified {r.kind}",
                                         params=_LOG,
                                         answers=_text_responses())}
        else:
            ops = self._item_ops(gvk, set(sub.verbs), kind=kind, id_kind=id_kind, noun=r.kind,
                                 what=f"{sub.name} of the specified ")
        if "create" in sub.verbs:
            ops["post"] = self._op(gvk, "post", op_id=f"create{self._id}{id_kind}",
                                   description=f"create {sub.name} of a {r.kind}",
                                   params=_WRITE, body=kind,
                                   answers=responses(kind, [("200", "OK"), ("201", "Created"),
                                                            ("202", "Accepted")]))
        return {path: {**ops, "parameters": item_common}} if ops else {}

    def _connect(self, sub: Subresource, gvk: Json, *, path: str, id_kind: str, noun: str,
                 item_common: list[Json]) -> dict[str, Json]:
        def ops(with_path: str) -> Json:
            out: Json = {}
            for verb in sub.verbs:
                method = _CONNECT_METHODS.get(verb)
                if method is None or method in out:
                    continue
                out[method] = self._op(
                    gvk, "connect",
                    op_id=f"connect{self._id}{method.capitalize()}{id_kind}{with_path}",
                    description=f"connect {method.upper()} requests to {sub.name} of {noun}",
                    params=_CONNECT.get(sub.name), answers=_text_responses())
            return out

        paths = {path: {**ops(""), "parameters": item_common}}
        if sub.name == "proxy":
            inner = param("path", where="path", description="path to the resource")
            paths[path + "/{path}"] = {**ops("WithPath"), "parameters": [*item_common, inner]}
        return paths
