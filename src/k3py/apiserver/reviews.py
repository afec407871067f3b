"""The review APIs that store nothing: SelfSubjectAccessReview (``kubectl auth can-i``),
SelfSubjectRulesReview (``can-i --list``), SelfSubjectReview (``auth whoami``), and the ones
other components call: TokenReview, SubjectAccessReview, LocalSubjectAccessReview."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from k3py.apiserver import authz
from k3py.apiserver.auth import MASTERS, User
from k3py.apiserver.requestinfo import RequestInfo
from k3py.errors import BadRequest, MethodNotAllowed


def _review(kind: str, group: str, body: Any) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise BadRequest(f"the body of the request must be a {kind} object")
    return {"kind": kind, "apiVersion": f"{group}/v1",
            "metadata": body.get("metadata") or {}, "spec": body.get("spec") or {}}


def _allowed(user: User) -> tuple[bool, str]:
    if MASTERS in user.groups:
        return True, "system:masters may do anything"
    return False, "no RBAC policy matched"


def _access(user: User, spec: dict[str, Any], namespace: str | None = None
            ) -> tuple[bool, str]:
    """What the authorizer says about the attributes in a SelfSubjectAccessReview."""
    if MASTERS in user.groups:
        return True, "system:masters may do anything"
    attributes = spec.get("resourceAttributes")
    if not isinstance(attributes, dict):
        return False, "no RBAC policy matched"
    info = RequestInfo(group=attributes.get("group", ""), version=attributes.get("version", ""),
                       resource=attributes.get("resource", ""),
                       namespace=namespace or attributes.get("namespace") or None,
                       name=attributes.get("name") or None,
                       subresource=attributes.get("subresource") or None,
                       verb=attributes.get("verb", ""))
    if authz.allowed(user, info):
        return True, "allowed by the node authorizer"
    return False, "no RBAC policy matched"


TokenUser = Callable[[str], Awaitable[User | None]]


async def review(kind: str, user: User, body: Any, *, namespace: str | None,
                 token_user: TokenUser) -> dict[str, Any]:
    """Answer one review request made by ``user`` (the caller)."""
    if kind in ("SubjectAccessReview", "LocalSubjectAccessReview"):
        result = _review(kind, "authorization.k8s.io", body)
        spec = result["spec"]
        if not spec.get("user") and not spec.get("groups"):
            raise BadRequest(f"{kind} needs spec.user or spec.groups")
        subject = User(name=spec.get("user", ""), groups=tuple(spec.get("groups") or ()))
        allowed, reason = _access(subject, spec, namespace)
        result["status"] = {"allowed": allowed, "reason": reason} if allowed else \
            {"allowed": False}
        return result
    if kind == "TokenReview":
        result = _review(kind, "authentication.k8s.io", body)
        found = await token_user(str(result["spec"].get("token") or ""))
        result["status"] = {"authenticated": False} if found is None else {
            "authenticated": True,
            "user": {"username": found.name, "groups": list(found.groups)},
            "audiences": list(result["spec"].get("audiences") or ())}
        return result
    return _self_review(kind, user, body)


def _self_review(kind: str, user: User, body: Any) -> dict[str, Any]:
    if kind == "SelfSubjectAccessReview":
        result = _review(kind, "authorization.k8s.io", body)
        allowed, reason = _access(user, result["spec"])
        result["status"] = {"allowed": allowed, "reason": reason} if allowed else \
            {"allowed": False}
        return result
    if kind == "SelfSubjectRulesReview":
        result = _review(kind, "authorization.k8s.io", body)
        allowed, _ = _allowed(user)
        result["status"] = {
            "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"]}]
            if allowed else [],
            "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}] if allowed else [],
            "incomplete": False}
        return result
    if kind == "SelfSubjectReview":
        result = _review(kind, "authentication.k8s.io", body)
        result.pop("spec", None)
        result["status"] = {"userInfo": {"username": user.name, "groups": list(user.groups)}}
        return result
    raise MethodNotAllowed(f"{kind} is not supported by this server yet")
