"""Field tables for core/v1 kinds sent by ``kubectl create``: Namespace, ConfigMap, Secret, Service,
ServiceAccount, ResourceQuota, Pod (the pod spec is in ``core_pod``).

Written from the Kubernetes API definitions (release-1.35); the language is in
``k3py.api.protobuf.schema``.
"""

from __future__ import annotations

CORE_V1 = """
Namespace
   1 metadata meta/v1.ObjectMeta ?
   2 spec     NamespaceSpec ?
   3 status   NamespaceStatus ?
ConfigMap
   1 metadata   meta/v1.ObjectMeta ?
   4 immutable  *bool ?
   2 data       map[str]str ?
   3 binaryData map[str]bytes ?
Secret
   1 metadata   meta/v1.ObjectMeta ?
   5 immutable  *bool ?
   2 data       map[str]bytes ?
   4 stringData map[str]str ?
   3 type       str ?
Service
   1 metadata meta/v1.ObjectMeta ?
   2 spec     ServiceSpec ?
   3 status   ServiceStatus ?
ServiceAccount
   1 metadata                     meta/v1.ObjectMeta ?
   2 secrets                      []ObjectReference ?
   3 imagePullSecrets             []LocalObjectReference ?
   4 automountServiceAccountToken *bool ?
ResourceQuota
   1 metadata meta/v1.ObjectMeta ?
   2 spec     ResourceQuotaSpec ?
   3 status   ResourceQuotaStatus ?
Pod
   1 metadata meta/v1.ObjectMeta ?
   2 spec     PodSpec ?
   3 status   PodStatus ?
NamespaceSpec
   1 finalizers []str ?
NamespaceStatus
   1 phase      str ?
   2 conditions []NamespaceCondition ?
ServiceSpec
   1 ports                         []ServicePort ?
   2 selector                      map[str]str ?
   3 clusterIP                     str ?
  18 clusterIPs                    []str ?
   4 type                          str ?
   5 externalIPs                   []str ?
   7 sessionAffinity               str ?
   8 loadBalancerIP                str ?
   9 loadBalancerSourceRanges      []str ?
  10 externalName                  str ?
  11 externalTrafficPolicy         str ?
  12 healthCheckNodePort           int ?
  13 publishNotReadyAddresses      bool ?
  14 sessionAffinityConfig         *SessionAffinityConfig ?
  19 ipFamilies                    []str ?
  17 ipFamilyPolicy                *str ?
  20 allocateLoadBalancerNodePorts *bool ?
  21 loadBalancerClass             *str ?
  22 internalTrafficPolicy         *str ?
  23 trafficDistribution           *str ?
ServiceStatus
   1 loadBalancer LoadBalancerStatus ?
   2 conditions   []meta/v1.Condition ?
ObjectReference
   1 kind            str ?
   2 namespace       str ?
   3 name            str ?
   4 uid             str ?
   5 apiVersion      str ?
   6 resourceVersion str ?
   7 fieldPath       str ?
LocalObjectReference
   1 name str ?
ResourceQuotaSpec
   1 hard          map[str]qty ?
   2 scopes        []str ?
   3 scopeSelector *ScopeSelector ?
ResourceQuotaStatus
   1 hard map[str]qty ?
   2 used map[str]qty ?
NamespaceCondition
   1 type               str
   2 status             str
   4 lastTransitionTime time ?
   5 reason             str ?
   6 message            str ?
ServicePort
   1 name        str ?
   2 protocol    str ?
   6 appProtocol *str ?
   3 port        int
   4 targetPort  ios ?
   5 nodePort    int ?
SessionAffinityConfig
   1 clientIP *ClientIPConfig ?
LoadBalancerStatus
   1 ingress []LoadBalancerIngress ?
ScopeSelector
   1 matchExpressions []ScopedResourceSelectorRequirement ?
ClientIPConfig
   1 timeoutSeconds *int ?
LoadBalancerIngress
   1 ip       str ?
   2 hostname str ?
   3 ipMode   *str ?
   4 ports    []PortStatus ?
ScopedResourceSelectorRequirement
   1 scopeName str
   2 operator  str
   3 values    []str ?
PortStatus
   1 port     int
   2 protocol str
   3 error    *str ?
"""

TABLES = (("core/v1", CORE_V1),)
