"""Field tables for rbac.authorization.k8s.io/v1 roles and bindings (``kubectl create role``,
``rolebinding``, ``clusterrole``, ``clusterrolebinding``).

Written from the Kubernetes API definitions (release-1.35); the language is in
``k3py.api.protobuf.schema``.
"""

from __future__ import annotations

RBAC_V1 = """
Role
   1 metadata meta/v1.ObjectMeta ?
   2 rules    []PolicyRule
RoleBinding
   1 metadata meta/v1.ObjectMeta ?
   2 subjects []Subject ?
   3 roleRef  RoleRef
ClusterRole
   1 metadata        meta/v1.ObjectMeta ?
   2 rules           []PolicyRule
   3 aggregationRule *AggregationRule ?
ClusterRoleBinding
   1 metadata meta/v1.ObjectMeta ?
   2 subjects []Subject ?
   3 roleRef  RoleRef
PolicyRule
   1 verbs           []str
   2 apiGroups       []str ?
   3 resources       []str ?
   4 resourceNames   []str ?
   5 nonResourceURLs []str ?
Subject
   1 kind      str
   2 apiGroup  str ?
   3 name      str
   4 namespace str ?
RoleRef
   1 apiGroup str
   2 kind     str
   3 name     str
AggregationRule
   1 clusterRoleSelectors []meta/v1.LabelSelector ?
"""

TABLES = (("rbac/v1", RBAC_V1),)
