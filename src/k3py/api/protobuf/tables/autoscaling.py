"""Field tables for autoscaling/v1 and autoscaling/v2 HorizontalPodAutoscaler (``kubectl
autoscale``).

Written from the Kubernetes API definitions (release-1.35); the language is in
``k3py.api.protobuf.schema``.
"""

from __future__ import annotations

AUTOSCALING_V1 = """
HorizontalPodAutoscaler
   1 metadata meta/v1.ObjectMeta ?
   2 spec     HorizontalPodAutoscalerSpec ?
   3 status   HorizontalPodAutoscalerStatus ?
HorizontalPodAutoscalerSpec
   1 scaleTargetRef                 CrossVersionObjectReference
   2 minReplicas                    *int ?
   3 maxReplicas                    int
   4 targetCPUUtilizationPercentage *int ?
HorizontalPodAutoscalerStatus
   1 observedGeneration              *int ?
   2 lastScaleTime                   *time ?
   3 currentReplicas                 int
   4 desiredReplicas                 int
   5 currentCPUUtilizationPercentage *int ?
CrossVersionObjectReference
   1 kind       str
   2 name       str
   3 apiVersion str ?
"""

AUTOSCALING_V2 = """
HorizontalPodAutoscaler
   1 metadata meta/v1.ObjectMeta ?
   2 spec     HorizontalPodAutoscalerSpec ?
   3 status   HorizontalPodAutoscalerStatus ?
HorizontalPodAutoscalerSpec
   1 scaleTargetRef CrossVersionObjectReference
   2 minReplicas    *int ?
   3 maxReplicas    int
   4 metrics        []MetricSpec ?
   5 behavior       *HorizontalPodAutoscalerBehavior ?
HorizontalPodAutoscalerStatus
   1 observedGeneration *int ?
   2 lastScaleTime      *time ?
   3 currentReplicas    int ?
   4 desiredReplicas    int
   5 currentMetrics     []MetricStatus
   6 conditions         []HorizontalPodAutoscalerCondition ?
CrossVersionObjectReference
   1 kind       str
   2 name       str
   3 apiVersion str ?
MetricSpec
   1 type              str
   2 object            *ObjectMetricSource ?
   3 pods              *PodsMetricSource ?
   4 resource          *ResourceMetricSource ?
   7 containerResource *ContainerResourceMetricSource ?
   5 external          *ExternalMetricSource ?
HorizontalPodAutoscalerBehavior
   1 scaleUp   *HPAScalingRules ?
   2 scaleDown *HPAScalingRules ?
MetricStatus
   1 type              str
   2 object            *ObjectMetricStatus ?
   3 pods              *PodsMetricStatus ?
   4 resource          *ResourceMetricStatus ?
   7 containerResource *ContainerResourceMetricStatus ?
   5 external          *ExternalMetricStatus ?
HorizontalPodAutoscalerCondition
   1 type               str
   2 status             str
   3 lastTransitionTime time ?
   4 reason             str ?
   5 message            str ?
ObjectMetricSource
   1 describedObject CrossVersionObjectReference
   2 target          MetricTarget
   3 metric          MetricIdentifier
PodsMetricSource
   1 metric MetricIdentifier
   2 target MetricTarget
ResourceMetricSource
   1 name   str
   2 target MetricTarget
ContainerResourceMetricSource
   1 name      str
   2 target    MetricTarget
   3 container str
ExternalMetricSource
   1 metric MetricIdentifier
   2 target MetricTarget
HPAScalingRules
   3 stabilizationWindowSeconds *int ?
   1 selectPolicy               *str ?
   2 policies                   []HPAScalingPolicy ?
   4 tolerance                  *qty ?
ObjectMetricStatus
   1 metric          MetricIdentifier
   2 current         MetricValueStatus
   3 describedObject CrossVersionObjectReference
PodsMetricStatus
   1 metric  MetricIdentifier
   2 current MetricValueStatus
ResourceMetricStatus
   1 name    str
   2 current MetricValueStatus
ContainerResourceMetricStatus
   1 name      str
   2 current   MetricValueStatus
   3 container str
ExternalMetricStatus
   1 metric  MetricIdentifier
   2 current MetricValueStatus
MetricTarget
   1 type               str
   2 value              *qty ?
   3 averageValue       *qty ?
   4 averageUtilization *int ?
MetricIdentifier
   1 name     str
   2 selector *meta/v1.LabelSelector ?
HPAScalingPolicy
   1 type          str
   2 value         int
   3 periodSeconds int
MetricValueStatus
   1 value              *qty ?
   2 averageValue       *qty ?
   3 averageUtilization *int ?
"""

TABLES = (("autoscaling/v1", AUTOSCALING_V1), ("autoscaling/v2", AUTOSCALING_V2))
