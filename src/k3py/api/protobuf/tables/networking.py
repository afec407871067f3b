"""Field tables for networking.k8s.io/v1 Ingress (``kubectl create ingress``).

Written from the Kubernetes API definitions (release-1.35); the language is in
``k3py.api.protobuf.schema``.
"""

from __future__ import annotations

NETWORKING_V1 = """
Ingress
   1 metadata meta/v1.ObjectMeta ?
   2 spec     IngressSpec ?
   3 status   IngressStatus ?
IngressSpec
   4 ingressClassName *str ?
   1 defaultBackend   *IngressBackend ?
   2 tls              []IngressTLS ?
   3 rules            []IngressRule ?
IngressStatus
   1 loadBalancer IngressLoadBalancerStatus ?
IngressBackend
   4 service  *IngressServiceBackend ?
   3 resource *core/v1.TypedLocalObjectReference ?
IngressTLS
   1 hosts      []str ?
   2 secretName str ?
IngressRule
   1 host str ?
   2 ^    IngressRuleValue
IngressLoadBalancerStatus
   1 ingress []IngressLoadBalancerIngress ?
IngressServiceBackend
   1 name str
   2 port ServiceBackendPort ?
IngressRuleValue
   1 http *HTTPIngressRuleValue ?
IngressLoadBalancerIngress
   1 ip       str ?
   2 hostname str ?
   4 ports    []IngressPortStatus ?
ServiceBackendPort
   1 name   str ?
   2 number int ?
HTTPIngressRuleValue
   1 paths []HTTPIngressPath
IngressPortStatus
   1 port     int
   2 protocol str
   3 error    *str ?
HTTPIngressPath
   1 path     str ?
   3 pathType *str
   2 backend  IngressBackend
"""

TABLES = (("networking/v1", NETWORKING_V1),)
