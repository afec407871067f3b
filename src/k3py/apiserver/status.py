"""``metav1.Status`` responses: the one shape every API error takes, as kubectl renders it."""

from __future__ import annotations

from typing import Any

import orjson
from aiohttp import web

REASONS = {
    400: "BadRequest", 401: "Unauthorized", 403: "Forbidden", 404: "NotFound",
    405: "MethodNotAllowed", 409: "Conflict", 410: "Expired", 415: "UnsupportedMediaType",
    422: "Invalid", 429: "TooManyRequests", 500: "InternalError", 503: "ServiceUnavailable",
}


def status_body(code: int, message: str, *, reason: str | None = None,
                details: dict[str, Any] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
        "message": message, "reason": reason or REASONS.get(code, ""), "code": code,
    }
    if details:
        body["details"] = details
    return body


def status_response(code: int, message: str, *, reason: str | None = None,
                    details: dict[str, Any] | None = None) -> web.Response:
    return web.Response(status=code, body=orjson.dumps(status_body(
        code, message, reason=reason, details=details)), content_type="application/json")
