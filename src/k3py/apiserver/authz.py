"""Who may do what, until RBAC arrives: ``system:masters`` may do everything; a node
(``system:node:<name>`` in ``system:nodes``) may do what its kubelet needs, as the Node
authorizer allows; every authenticated user may read discovery, version and health and ask
the self-review APIs about itself."""

from __future__ import annotations

from k3py.apiserver.auth import MASTERS, User
from k3py.apiserver.requestinfo import RequestInfo
from k3py.errors import Forbidden

NODES_GROUP = "system:nodes"
NODE_PREFIX = "system:node:"
_READ = frozenset({"get", "list", "watch"})
_NODE_READABLE = frozenset({("", "nodes"), ("", "pods"), ("", "services"), ("", "endpoints"),
                            ("", "namespaces"), ("discovery.k8s.io", "endpointslices"),
                            ("node.k8s.io", "runtimeclasses"),
                            ("storage.k8s.io", "csidrivers")})


def _node_may(node: str, info: RequestInfo) -> bool:
    target = (info.group, info.resource)
    if target == ("", "nodes") and info.verb not in _READ:
        return info.verb == "create" or info.name == node
    if target == ("coordination.k8s.io", "leases") and info.namespace == "kube-node-lease":
        return info.verb == "create" or info.name == node or info.verb in _READ
    if target in (("", "events"), ("events.k8s.io", "events")):
        return info.verb in ("create", "update", "patch")
    if target == ("", "pods") and info.subresource == "status":
        return True
    return info.verb in _READ and target in _NODE_READABLE and info.subresource is None


# What system:basic-user grants every authenticated user: asking about oneself.
_SELF_REVIEWS = frozenset({("authorization.k8s.io", "selfsubjectaccessreviews"),
                           ("authorization.k8s.io", "selfsubjectrulesreviews"),
                           ("authentication.k8s.io", "selfsubjectreviews")})


def allowed(user: User, info: RequestInfo) -> bool:
    if MASTERS in user.groups:
        return True
    if (info.group, info.resource) in _SELF_REVIEWS and info.verb == "create":
        return True
    if NODES_GROUP in user.groups and user.name.startswith(NODE_PREFIX):
        return _node_may(user.name[len(NODE_PREFIX):], info)
    return False


def forbidden(user: User, info: RequestInfo) -> Forbidden:
    """The refusal exactly as kube-apiserver words it (kubectl prints it verbatim)."""
    what = info.resource + (f"/{info.subresource}" if info.subresource else "")
    target = f'{info.resource}.{info.group}' if info.group else info.resource
    subject = f'{target} "{info.name}"' if info.name else target
    scope = f'in the namespace "{info.namespace}"' if info.namespace else "at the cluster scope"
    message = (f'{subject} is forbidden: User "{user.name}" cannot {info.verb} resource '
               f'"{what}" in API group "{info.group}" {scope}')
    return Forbidden(message, details={"name": info.name or "", "group": info.group,
                                       "kind": info.resource})
