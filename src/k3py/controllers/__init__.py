"""Reconcile loops that keep the cluster's objects as Kubernetes promises them, each reaching
the API only through :mod:`k3py.client`, as kube-controller-manager's controllers do."""
