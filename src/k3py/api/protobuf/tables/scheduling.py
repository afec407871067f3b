"""Field tables for scheduling.k8s.io/v1 PriorityClass (``kubectl create priorityclass``).

Written from the Kubernetes API definitions (release-1.35); the language is in
``k3py.api.protobuf.schema``.
"""

from __future__ import annotations

SCHEDULING_V1 = """
PriorityClass
   1 metadata         meta/v1.ObjectMeta ?
   2 value            int
   3 globalDefault    bool ?
   4 description      str ?
   5 preemptionPolicy *str ?
"""

TABLES = (("scheduling/v1", SCHEDULING_V1),)
