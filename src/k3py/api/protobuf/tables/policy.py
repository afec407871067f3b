"""Field tables for policy/v1 PodDisruptionBudget and Eviction (``create pdb``, ``drain``).

Written from the Kubernetes API definitions (release-1.35); the language is in
``k3py.api.protobuf.schema``.
"""

from __future__ import annotations

POLICY_V1 = """
PodDisruptionBudget
   1 metadata meta/v1.ObjectMeta ?
   2 spec     PodDisruptionBudgetSpec ?
   3 status   PodDisruptionBudgetStatus ?
Eviction
   1 metadata      meta/v1.ObjectMeta ?
   2 deleteOptions *meta/v1.DeleteOptions ?
PodDisruptionBudgetSpec
   1 minAvailable               *ios ?
   2 selector                   *meta/v1.LabelSelector ?
   3 maxUnavailable             *ios ?
   4 unhealthyPodEvictionPolicy *str ?
PodDisruptionBudgetStatus
   1 observedGeneration int ?
   2 disruptedPods      map[str]time ?
   3 disruptionsAllowed int
   4 currentHealthy     int
   5 desiredHealthy     int
   6 expectedPods       int
   7 conditions         []meta/v1.Condition ?
"""

TABLES = (("policy/v1", POLICY_V1),)
