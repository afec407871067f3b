"""WATCH of any resource: one JSON event per line, flushed per event, from the watch cache.

``resourceVersion`` empty or "0" (or ``sendInitialEvents=true``) first sends the current
objects as ADDED. Selectors apply to both the old and the new state, so an object that stops
matching is sent as DELETED and one that starts matching as ADDED, as kube-apiserver does.
BOOKMARKs only when the client allows them; the stream ends after ``timeoutSeconds`` (or
30-60 minutes), and a client whose watch falls too far behind is cut off to re-watch.
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime
from typing import Any

import orjson
from aiohttp import web

from k3py.api import tables
from k3py.api.resources import Resource
from k3py.apiserver.bodies import JSON, Wanted, wanted
from k3py.apiserver.reads import predicate, printer_columns
from k3py.errors import BadRequest, Gone
from k3py.storage import CacheEvent, ObjectStore
from k3py.storage.objects import Predicate, served

BOOKMARK_INTERVAL = 60.0
INITIAL_EVENTS_END = "k8s.io/initial-events-end"


def _timeout(request: web.Request) -> float:
    text = request.query.get("timeoutSeconds", "")
    if not text:
        return random.uniform(1800, 3600)
    try:
        return max(float(int(text)), 0.0)
    except ValueError:
        raise BadRequest(f'timeoutSeconds must be an integer, not "{text}"') from None


def _event_type(event: CacheEvent, test: Predicate | None) -> str | None:
    """What this change is to a client that only sees objects matching ``test``."""
    if test is None:
        return event.type
    now_matches = event.type != "DELETED" and test(event.obj)
    was_matching = event.prev is not None and test(event.prev)
    if event.type == "DELETED":
        return "DELETED" if was_matching else None
    if now_matches:
        return "MODIFIED" if was_matching else "ADDED"
    return "DELETED" if was_matching else None


class WatchStream:
    def __init__(self, request: web.Request, store: ObjectStore, resource: Resource,
                 namespace: str | None) -> None:
        self.request, self.store, self.resource = request, store, resource
        self.namespace = namespace
        self.want: Wanted = wanted(request)
        self.test = predicate(request, resource)
        self.bookmarks = request.query.get("allowWatchBookmarks") in ("true", "1")
        self.deadline = time.monotonic() + _timeout(request)
        self.headers_sent = False

    def _encode(self, kind: str, obj: dict[str, Any]) -> bytes:
        obj = served(self.resource, obj)
        if self.want.table and kind != "BOOKMARK":
            # Column definitions go with the first event only, as kube-apiserver sends them.
            obj = tables.table_for(self.resource.group, self.resource.kind, [obj],
                                   printer_columns=printer_columns(self.resource),
                                   include_object=self.want.include_object,
                                   now=datetime.now(UTC), no_headers=self.headers_sent,
                                   resource_version=(obj.get("metadata") or {}).get(
                                       "resourceVersion", ""))
            self.headers_sent = True
        return orjson.dumps({"type": kind, "object": obj}) + b"\n"

    def _bookmark(self, revision: int, *, initial_end: bool = False) -> bytes:
        metadata: dict[str, Any] = {"resourceVersion": str(revision)}
        if initial_end:
            metadata["annotations"] = {INITIAL_EVENTS_END: "true"}
        return self._encode("BOOKMARK", {"kind": self.resource.kind,
                                         "apiVersion": self.resource.api_version,
                                         "metadata": metadata})

    async def serve(self) -> web.StreamResponse:
        query = self.request.query
        resource_version = query.get("resourceVersion", "")
        explicit_initial = query.get("sendInitialEvents") == "true"
        send_initial = explicit_initial or resource_version in ("", "0")
        after = 0
        if send_initial:
            if resource_version != "0":
                await self.store.cache.sync()
        else:
            try:
                after = int(resource_version)
            except ValueError:
                raise BadRequest(f'invalid resource version "{resource_version}"') from None
            if after > self.store.cache.revision:
                await self.store.cache.wait_for(after)
        # From here to subscribe: no awaits, so nothing is missed or repeated.
        initial: list[dict[str, Any]] = []
        if send_initial:
            prefix = self.resource.key_prefix(self.namespace)
            initial = [o for _, o in self.store.cache.items(prefix)
                       if self.test is None or self.test(o)]
            after = self.store.cache.revision
        response = web.StreamResponse(headers={"Content-Type": JSON,
                                               "Cache-Control": "no-cache, private"})
        response.enable_chunked_encoding()
        try:
            watcher = self.store.watch(self.resource, self.namespace, after)
        except Gone as exc:  # told in the stream, as kube-apiserver's watch cache does
            await response.prepare(self.request)
            await response.write(orjson.dumps({"type": "ERROR", "object": exc.status()}) + b"\n")
            return response
        try:
            await response.prepare(self.request)
            if initial:
                await response.write(b"".join(self._encode("ADDED", o) for o in initial))
            if self.bookmarks and explicit_initial:
                await response.write(self._bookmark(after, initial_end=True))
            await self._stream(response, watcher)
        except ConnectionError:
            pass  # the client went away: nothing to tell it
        finally:
            self.store.unwatch(watcher)
        return response

    async def _stream(self, response: web.StreamResponse, watcher: Any) -> None:
        next_bookmark = time.monotonic() + BOOKMARK_INTERVAL
        while True:
            now = time.monotonic()
            if now >= self.deadline:
                if self.bookmarks:
                    await response.write(self._bookmark(self.store.cache.revision))
                return
            if watcher.closed is not None and not watcher.events:
                return
            if self.bookmarks and now >= next_bookmark:
                await response.write(self._bookmark(self.store.cache.revision))
                next_bookmark = now + BOOKMARK_INTERVAL
            await watcher.wait(min(self.deadline, next_bookmark) - now)
            chunk = []
            while watcher.events:
                event = watcher.events.popleft()
                kind = _event_type(event, self.test)
                if kind is not None:
                    chunk.append(self._encode(kind, event.obj))
            if chunk:
                await response.write(b"".join(chunk))


async def watch_objects(request: web.Request, store: ObjectStore, resource: Resource,
                        namespace: str | None) -> web.StreamResponse:
    return await WatchStream(request, store, resource, namespace).serve()
