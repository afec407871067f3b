"""Server-side printing, one module per API group: each holds the :class:`Printer` values of
its kinds, and :data:`BUILTIN` joins them. The public entry points live in
:mod:`k3py.api.tables`.
"""

from __future__ import annotations

from k3py.api.printers import (
    apps,
    autoscaling,
    batch,
    cluster,
    core,
    events,
    networking,
    pods,
    storage,
)
from k3py.api.printers._base import Printer, human_duration
from k3py.api.printers.generic import DEFAULT, custom_printer

BUILTIN: dict[tuple[str, str], Printer] = {
    **pods.PRINTERS, **core.PRINTERS, **events.PRINTERS, **storage.PRINTERS, **apps.PRINTERS,
    **batch.PRINTERS, **autoscaling.PRINTERS, **networking.PRINTERS, **cluster.PRINTERS,
}


def builtin_printer(group: str, kind: str) -> Printer:
    """The printer kube-apiserver uses for a built-in kind; the ``Name, Created At`` default
    for kinds it has no print handler for (Role, ClusterRole, LimitRange, CRDs...)."""
    return BUILTIN.get((group, kind), DEFAULT)


__all__ = ["BUILTIN", "DEFAULT", "Printer", "builtin_printer", "custom_printer",
           "human_duration"]
