"""Refusals as ``metav1.Status`` JSON, in the supervisor's own hands.

The supervisor answers requests the API server's error middleware may never see (it runs
for every path, but the supervisor must not depend on the apiserver package), so each
handler is wrapped here: an :class:`~k3py.errors.ApiError` becomes its Status, anything else
a 500 whose message says only where to look (never the exception text, which could carry a
request header).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Awaitable, Callable

import orjson
from aiohttp import web

from k3py.errors import ApiError

logger = logging.getLogger(__name__)

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class Unauthorized(ApiError):
    """401: no credentials, or credentials that do not check out."""

    code, reason = 401, "Unauthorized"


def error_response(error: ApiError) -> web.Response:
    return web.Response(status=error.code, body=orjson.dumps(error.status()),
                        content_type="application/json")


def guarded(handler: Handler) -> Handler:
    """``handler``, with its refusals and failures answered as Status objects."""

    @functools.wraps(handler)
    async def wrapper(request: web.Request) -> web.StreamResponse:
        try:
            return await handler(request)
        except ApiError as exc:
            return error_response(exc)
        except web.HTTPException:
            raise
        except Exception:
            logger.exception("supervisor: internal error serving %s %s", request.method,
                             request.path)
            return error_response(ApiError("Internal error occurred: see the server log"))

    return wrapper
