"""Defaults for the remaining groups: networking, RBAC, storage, scheduling, discovery,
autoscaling, admission webhooks, CRDs and API priority and fairness."""

from __future__ import annotations

from collections.abc import Mapping

from k3py.api.defaulting.edit import Edit, Obj, at, dig, each

RBAC_GROUP = "rbac.authorization.k8s.io"


def network_policy(obj: Obj) -> Obj:
    def port(p: Obj) -> Obj:
        return p if p.get("protocol") is not None else {**p, "protocol": "TCP"}

    def rule(r: Obj) -> Obj:
        return each(r, "ports", fn=port)

    def spec(s: Obj) -> Obj:
        edit = Edit(s)
        edit.each("ingress", rule)
        edit.each("egress", rule)
        if not edit.get("policyTypes"):
            types = ["Ingress", "Egress"] if edit.get("egress") else ["Ingress"]
            edit.set("policyTypes", types)
        return edit.done()

    return at(obj, "spec", fn=spec, create=True)


def ingress(obj: Obj) -> Obj:
    """No spec defaults; the status struct always serializes ``loadBalancer``."""
    return at(obj, "status", fn=lambda s: s if "loadBalancer" in s else {**s, "loadBalancer": {}},
              create=True)


def ingress_class(obj: Obj) -> Obj:
    def params(p: Obj) -> Obj:
        return p if p.get("scope") is not None else {**p, "scope": "Cluster"}
    return at(obj, "spec", fn=lambda s: at(s, "parameters", fn=params))


def _subject(subject: Obj) -> Obj:
    if not subject.get("apiGroup") and subject.get("kind") in ("User", "Group"):
        return {**subject, "apiGroup": RBAC_GROUP}
    return subject


def role_binding(obj: Obj) -> Obj:
    edit = Edit(obj)
    edit.sub("roleRef", lambda r: r if r.get("apiGroup") else {**r, "apiGroup": RBAC_GROUP})
    edit.each("subjects", _subject)
    return edit.done()


def storage_class(obj: Obj) -> Obj:
    edit = Edit(obj)
    edit.default("reclaimPolicy", "Delete")
    edit.default("volumeBindingMode", "Immediate")
    return edit.done()


def csi_driver(obj: Obj) -> Obj:
    def spec(s: Obj) -> Obj:
        edit = Edit(s)
        edit.default("attachRequired", True)
        edit.default("podInfoOnMount", False)
        edit.default("storageCapacity", False)
        edit.default("fsGroupPolicy", "ReadWriteOnceWithFSType")
        if not edit.get("volumeLifecycleModes"):
            edit.set("volumeLifecycleModes", ["Persistent"])
        edit.default("requiresRepublish", False)
        edit.default("seLinuxMount", False)
        return edit.done()
    return at(obj, "spec", fn=spec, create=True)


def priority_class(obj: Obj) -> Obj:
    edit = Edit(obj)
    edit.default("preemptionPolicy", "PreemptLowerPriority")
    return edit.done()


def endpoint_slice(obj: Obj) -> Obj:
    def port(p: Obj) -> Obj:
        edit = Edit(p)
        edit.default("name", "")
        edit.default("protocol", "TCP")
        return edit.done()
    return each(obj, "ports", fn=port)


_SCALE_UP = {"stabilizationWindowSeconds": 0, "selectPolicy": "Max",
             "policies": ({"type": "Pods", "value": 4, "periodSeconds": 15},
                          {"type": "Percent", "value": 100, "periodSeconds": 15})}
_SCALE_DOWN = {"selectPolicy": "Max",
               "policies": ({"type": "Percent", "value": 100, "periodSeconds": 15},)}


def _scaling_rules(given: object, defaults: Mapping[str, object]) -> Obj:
    """``GenerateHPAScale{Up,Down}Rules``: the defaults, overridden by what was given."""
    out: Obj = {k: ([dict(p) for p in v] if isinstance(v, tuple) else v)
                for k, v in defaults.items()}
    if isinstance(given, dict):
        out.update({k: v for k, v in given.items() if v is not None})
    return out


def hpa(obj: Obj, *, version: str) -> Obj:
    def spec(s: Obj) -> Obj:
        edit = Edit(s)
        edit.default("minReplicas", 1)
        if version == "v2" and not edit.get("metrics"):
            edit.set("metrics", [{"type": "Resource", "resource": {
                "name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}}}])
        behavior = edit.get("behavior")
        if version == "v2" and isinstance(behavior, dict):
            up = _scaling_rules(behavior.get("scaleUp"), _SCALE_UP)
            down = _scaling_rules(behavior.get("scaleDown"), _SCALE_DOWN)
            if up != behavior.get("scaleUp") or down != behavior.get("scaleDown"):
                edit.set("behavior", {**behavior, "scaleUp": up, "scaleDown": down})
        return edit.done()
    return at(obj, "spec", fn=spec, create=True)


def _service_reference(ref: Obj) -> Obj:
    return ref if ref.get("port") is not None else {**ref, "port": 443}


def _webhook(hook: Obj, *, mutating: bool) -> Obj:
    edit = Edit(hook)
    edit.default("failurePolicy", "Fail")
    edit.default("matchPolicy", "Equivalent")
    edit.default("namespaceSelector", {})
    edit.default("objectSelector", {})
    edit.default("timeoutSeconds", 10)
    if mutating:
        edit.default("reinvocationPolicy", "Never")
    edit.each("rules", lambda r: r if r.get("scope") is not None else {**r, "scope": "*"})
    edit.sub("clientConfig", lambda c: at(c, "service", fn=_service_reference))
    return edit.done()


def webhook_configuration(obj: Obj, *, mutating: bool) -> Obj:
    return each(obj, "webhooks", fn=lambda h: _webhook(h, mutating=mutating))


def custom_resource_definition(obj: Obj) -> Obj:
    def names(n: Obj) -> Obj:
        edit = Edit(n)
        kind = edit.get("kind")
        if not edit.get("singular") and isinstance(kind, str):
            edit.set("singular", kind.lower())
        if not edit.get("listKind") and isinstance(kind, str) and kind:
            edit.set("listKind", kind + "List")
        return edit.done()

    def conversion(c: Obj) -> Obj:
        webhook = c.get("webhook")
        if c.get("strategy") == "Webhook" and isinstance(webhook, dict):
            def client_config(cc: Obj) -> Obj:
                return at(cc, "service", fn=_service_reference)
            return at(c, "webhook", fn=lambda w: at(w, "clientConfig", fn=client_config))
        return c

    def spec(s: Obj) -> Obj:
        edit = Edit(s)
        edit.sub("names", names)
        edit.default("conversion", {"strategy": "None"})
        edit.sub("conversion", conversion)
        return edit.done()

    edit = Edit(obj)
    edit.sub("spec", spec, create=True)
    versions = dig(edit.cur, "spec", "versions")
    storage = next((v.get("name") for v in versions if isinstance(v, dict) and v.get("storage")),
                   None) if isinstance(versions, list) else None

    def status(s: Obj) -> Obj:
        if s.get("storedVersions") or storage is None:
            return s
        return {**s, "storedVersions": [storage]}

    edit.sub("status", status, create=True)
    return edit.done()


def flow_schema(obj: Obj) -> Obj:
    return at(obj, "spec", fn=lambda s: s if s.get("matchingPrecedence") else
              {**s, "matchingPrecedence": 1000})


def priority_level(obj: Obj) -> Obj:
    def queuing(q: Obj) -> Obj:
        edit = Edit(q)
        edit.default_int("handSize", 8)
        edit.default_int("queues", 64)
        edit.default_int("queueLengthLimit", 50)
        return edit.done()

    def limit_response(r: Obj) -> Obj:
        return at(r, "queuing", fn=queuing)

    def limited(lim: Obj) -> Obj:
        edit = Edit(lim)
        edit.default("nominalConcurrencyShares", 30)
        edit.default("lendablePercent", 0)
        edit.sub("limitResponse", limit_response)
        return edit.done()

    def exempt(ex: Obj) -> Obj:
        edit = Edit(ex)
        edit.default("nominalConcurrencyShares", 0)
        edit.default("lendablePercent", 0)
        return edit.done()

    def spec(s: Obj) -> Obj:
        edit = Edit(s)
        edit.sub("limited", limited)
        edit.sub("exempt", exempt)
        return edit.done()

    return at(obj, "spec", fn=spec)
