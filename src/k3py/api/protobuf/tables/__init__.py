"""Field tables, one module per API group (core/v1 split by topic to keep modules small).

Each module's ``TABLES`` pairs a package (``core/v1``) with its messages in the language of
``k3py.api.protobuf.schema``; message names are unique within a package.
"""

from __future__ import annotations

from . import (
    apps,
    authentication,
    authorization,
    autoscaling,
    batch,
    certificates,
    core,
    core_pod,
    core_status,
    core_volume,
    meta,
    networking,
    policy,
    rbac,
    scheduling,
)

TABLES: tuple[tuple[str, str], ...] = (
    *meta.TABLES, *core.TABLES, *core_pod.TABLES, *core_volume.TABLES, *core_status.TABLES,
    *apps.TABLES, *batch.TABLES, *rbac.TABLES, *scheduling.TABLES, *policy.TABLES,
    *networking.TABLES, *authentication.TABLES, *authorization.TABLES, *autoscaling.TABLES,
    *certificates.TABLES,
)
