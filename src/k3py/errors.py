"""Every error k3py raises on purpose, as one tree.

::

    K3pyError                        root: catch this to catch anything k3py meant to raise
    ├── ConfigError                  bad settings or flags; the message lists every problem
    ├── PkiError                     a certificate, key or CA that cannot be read, made or used
    └── DatastoreError               the revisioned key-value store
        ├── EndpointError            a --datastore-endpoint that cannot be parsed or used
        ├── DatastoreUnavailable     the database cannot be reached (retried with backoff first)
        ├── CompactedError           a read or watch below the compacted revision
        ├── FutureRevisionError      a read at a revision the store has not reached yet
        ├── KeyTooLargeError         a key longer than the store accepts
        ├── ValueTooLargeError       a value the database refused as too large
        ├── LeaseNotFoundError       a write or keepalive naming a lease that is gone
        ├── WatchCancelled           a watch the store had to end (too slow a consumer, shutdown)
        └── DatastoreClosed          a call on a backend after close()
    └── ApiError                     a request the Kubernetes API refuses; becomes a metav1.Status
        ├── BadRequest               400: a malformed body, selector, patch or parameter
        ├── Forbidden                403
        ├── NotFound                 404: the object, namespace or resource does not exist
        ├── MethodNotAllowed         405: a verb the resource does not support
        ├── AlreadyExists            409: a create whose name is taken
        ├── Conflict                 409: a stale resourceVersion or a field-manager conflict
        ├── Gone                     410: a resourceVersion older than the store keeps (Expired)
        ├── UnsupportedMediaType     415
        ├── RequestTooLarge          413: a request body over the 3 MiB limit
        ├── Invalid                  422: validation failed; ``causes`` name each field
        ├── TooManyRequests          429
        ├── InternalError            500
        ├── ServiceUnavailable       503
        └── Timeout                  504: e.g. a resourceVersion the server has not reached

A compare-and-swap that loses is *not* an error: it is a returned result
(:class:`k3py.datastore.TxnResult` with ``succeeded=False``). Messages never contain
credentials: endpoints are shown redacted.
"""

from __future__ import annotations

from typing import Any


class K3pyError(Exception):
    """Root of every error k3py raises on purpose."""


class ConfigError(K3pyError):
    """Settings, flags or a config file that cannot be used as given."""


class PkiError(K3pyError):
    """A certificate, key or CA that cannot be parsed, does not match, or cannot be issued."""


class DatastoreError(K3pyError):
    """Base of every datastore error; drivers translate native errors into these."""


class EndpointError(DatastoreError, ConfigError):
    """A datastore endpoint that does not parse or names an unknown driver."""


class DatastoreUnavailable(DatastoreError):
    """The database could not be reached, or a write's outcome is unknown.

    ``outcome_unknown`` is true when the connection broke while a write was committing: it
    may or may not have been applied, so it must not be blindly retried.
    """

    def __init__(self, message: str, *, outcome_unknown: bool = False) -> None:
        super().__init__(message)
        self.outcome_unknown = outcome_unknown


class CompactedError(DatastoreError):
    """The requested revision is older than the compacted revision."""

    def __init__(self, requested: int, compact_revision: int) -> None:
        super().__init__(
            f"revision {requested} has been compacted (the oldest readable revision is "
            f"{compact_revision}); list again to get a current revision"
        )
        self.requested = requested
        self.compact_revision = compact_revision


class FutureRevisionError(DatastoreError):
    """The requested revision is newer than the store's current revision."""

    def __init__(self, requested: int, current: int) -> None:
        super().__init__(
            f"revision {requested} is a future revision (the current revision is {current})"
        )
        self.requested = requested
        self.current = current


class KeyTooLargeError(DatastoreError):
    """A key longer than every driver can index."""


class ValueTooLargeError(DatastoreError):
    """A value the database refused because of its size."""


class WatchCancelled(DatastoreError):
    """The store ended a watch; resume it from the last revision you saw."""


class DatastoreClosed(DatastoreError):
    """The backend was closed."""


class LeaseNotFoundError(DatastoreError):
    """A write or keepalive named a lease that does not exist (never granted, or expired)."""

    def __init__(self, lease_id: int) -> None:
        super().__init__(f"lease {lease_id} not found: it expired, was revoked or never existed")
        self.lease_id = lease_id


class ApiError(K3pyError):
    """A refusal in Kubernetes terms: ``code``, ``reason``, ``message`` and optional
    ``details`` (name, group, kind, causes). The apiserver turns it into a ``metav1.Status``
    in one place; the api and storage layers raise it without knowing about HTTP."""

    code = 500
    reason = "InternalError"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None,
                 reason: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}
        if reason is not None:
            self.reason = reason

    def status(self) -> dict[str, Any]:
        """The ``metav1.Status`` body for this error."""
        body: dict[str, Any] = {
            "kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
            "message": self.message, "reason": self.reason, "code": self.code,
        }
        if self.details:
            body["details"] = self.details
        return body


class BadRequest(ApiError):
    code, reason = 400, "BadRequest"


class Forbidden(ApiError):
    code, reason = 403, "Forbidden"


class NotFound(ApiError):
    code, reason = 404, "NotFound"


class MethodNotAllowed(ApiError):
    code, reason = 405, "MethodNotAllowed"


class AlreadyExists(ApiError):
    code, reason = 409, "AlreadyExists"


class Conflict(ApiError):
    code, reason = 409, "Conflict"


class Gone(ApiError):
    code, reason = 410, "Expired"


class UnsupportedMediaType(ApiError):
    code, reason = 415, "UnsupportedMediaType"


class RequestTooLarge(ApiError):
    code, reason = 413, "RequestEntityTooLarge"


class Invalid(ApiError):
    """422 with one cause per bad field: ``{"reason", "message", "field"}`` as kubectl
    prints them (``<field>: <message>``)."""

    code, reason = 422, "Invalid"


class TooManyRequests(ApiError):
    code, reason = 429, "TooManyRequests"


class InternalError(ApiError):
    code, reason = 500, "InternalError"


class ServiceUnavailable(ApiError):
    code, reason = 503, "ServiceUnavailable"


class Timeout(ApiError):
    code, reason = 504, "Timeout"
