"""Validation of built-in objects, one module per API group; :mod:`k3py.api.validation` is the
entry point. Every check returns causes ``(field, reason, message)`` worded as kube-apiserver
1.33 words them, so kubectl prints the same lines against k3py as against a real cluster."""
