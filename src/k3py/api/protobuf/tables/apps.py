"""Field tables for apps/v1 Deployment (``kubectl create deployment``).

Written from the Kubernetes API definitions (release-1.35); the language is in
``k3py.api.protobuf.schema``.
"""

from __future__ import annotations

APPS_V1 = """
Deployment
   1 metadata meta/v1.ObjectMeta ?
   2 spec     DeploymentSpec ?
   3 status   DeploymentStatus ?
DeploymentSpec
   1 replicas                *int ?
   2 selector                *meta/v1.LabelSelector
   3 template                core/v1.PodTemplateSpec
   4 strategy                DeploymentStrategy ?
   5 minReadySeconds         int ?
   6 revisionHistoryLimit    *int ?
   7 paused                  bool ?
   9 progressDeadlineSeconds *int ?
DeploymentStatus
   1 observedGeneration  int ?
   2 replicas            int ?
   3 updatedReplicas     int ?
   7 readyReplicas       int ?
   4 availableReplicas   int ?
   5 unavailableReplicas int ?
   9 terminatingReplicas *int ?
   6 conditions          []DeploymentCondition ?
   8 collisionCount      *int ?
DeploymentStrategy
   1 type          str ?
   2 rollingUpdate *RollingUpdateDeployment ?
DeploymentCondition
   1 type               str
   2 status             str
   6 lastUpdateTime     time ?
   7 lastTransitionTime time ?
   4 reason             str ?
   5 message            str ?
RollingUpdateDeployment
   1 maxUnavailable *ios ?
   2 maxSurge       *ios ?
"""

TABLES = (("apps/v1", APPS_V1),)
