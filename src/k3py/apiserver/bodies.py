"""Request bodies in, responses out: JSON, YAML (server-side apply), Kubernetes protobuf;
and what a client's Accept header asks for (a Table, or plain JSON)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import orjson
import yaml
from aiohttp import web
from multidict import CIMultiDict

from k3py.api.protobuf import decode_protobuf_body
from k3py.errors import BadRequest, RequestTooLarge, UnsupportedMediaType

MAX_BODY = 3 * 1024 * 1024  # kube-apiserver's limit for a request body

JSON = "application/json"
PROTOBUF = "application/vnd.kubernetes.protobuf"
MERGE_PATCH = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
STRATEGIC_PATCH = "application/strategic-merge-patch+json"
APPLY_PATCH = "application/apply-patch+yaml"
PATCH_TYPES = (MERGE_PATCH, JSON_PATCH, STRATEGIC_PATCH, APPLY_PATCH)


def media_type(request: web.Request) -> str:
    return (request.headers.get("Content-Type") or JSON).split(";")[0].strip().lower()


async def read_body(request: web.Request) -> Any:
    """The decoded request body (a dict for objects, a list for JSON patches)."""
    return (await read_body_and_raw(request))[0]


async def read_body_and_raw(request: web.Request) -> tuple[Any, bytes | None]:
    """The decoded body and, when it was JSON, its bytes (field validation looks for
    duplicate fields in them)."""
    if request.content_length is not None and request.content_length > MAX_BODY:
        raise RequestTooLarge(f"the request body is {request.content_length} bytes; the "
                              f"limit is {MAX_BODY}")
    raw = await request.read()  # the whole body (the app's client_max_size bounds it)
    kind = media_type(request)
    if kind == PROTOBUF:
        return decode_protobuf_body(raw), None
    if kind in (JSON, MERGE_PATCH, JSON_PATCH, STRATEGIC_PATCH, "text/json", ""):
        return _json(raw), raw
    if kind in (APPLY_PATCH, "application/yaml", "text/yaml"):
        return _yaml(raw), raw if raw.lstrip()[:1] == b"{" else None
    raise UnsupportedMediaType(
        f'the body of the request was in an unknown format - accepted media types include: '
        f'{JSON}, application/yaml, {PROTOBUF}')


def _json(raw: bytes) -> Any:
    if not raw.strip():
        return None
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise BadRequest(f"the request body is not valid JSON: {exc}") from None


def _yaml(raw: bytes) -> Any:
    if raw.lstrip()[:1] in (b"{", b"["):
        return _json(raw)
    try:
        return yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise BadRequest(f"the request body is not valid YAML: {exc}") from None


@dataclass(frozen=True, slots=True)
class Wanted:
    """What the response should be: a Table (with how much of each object) or the object."""

    table: bool
    include_object: str = "Metadata"


def wanted(request: web.Request) -> Wanted:
    accept = request.headers.get("Accept", "")
    for part in accept.split(","):
        params = {k.strip(): v.strip() for k, _, v in
                  (p.partition("=") for p in part.split(";")[1:])}
        if params.get("as") == "Table" and params.get("g") == "meta.k8s.io":
            include = request.query.get("includeObject") or "Metadata"
            if include not in ("None", "Metadata", "Object"):
                raise BadRequest(f'includeObject must be None, Metadata or Object, '
                                 f'not "{include}"')
            return Wanted(True, include)
        if part.split(";")[0].strip() in (JSON, "*/*", "application/*", PROTOBUF, ""):
            return Wanted(False)
    return Wanted(False)


def json_response(body: Any, *, status: int = 200,
                  warnings: Sequence[str] = ()) -> web.Response:
    """``warnings`` become ``Warning: 299 - "..."`` headers (kubectl prints them)."""
    headers = CIMultiDict[str]()
    for text in warnings:
        escaped = text.replace("\\", "\\\\").replace('"', '\\"')
        headers.add("Warning", f'299 - "{escaped}"')
    return web.Response(status=status, body=orjson.dumps(body), content_type=JSON,
                        headers=headers)
