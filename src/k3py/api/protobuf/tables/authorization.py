"""Field tables for authorization.k8s.io/v1 self-subject reviews (``kubectl auth can-i [--list]``).

Written from the Kubernetes API definitions (release-1.35); the language is in
``k3py.api.protobuf.schema``.
"""

from __future__ import annotations

AUTHORIZATION_V1 = """
SelfSubjectAccessReview
   1 metadata meta/v1.ObjectMeta ?
   2 spec     SelfSubjectAccessReviewSpec
   3 status   SubjectAccessReviewStatus ?
SelfSubjectRulesReview
   1 metadata meta/v1.ObjectMeta ?
   2 spec     SelfSubjectRulesReviewSpec
   3 status   SubjectRulesReviewStatus ?
SelfSubjectAccessReviewSpec
   1 resourceAttributes    *ResourceAttributes ?
   2 nonResourceAttributes *NonResourceAttributes ?
SubjectAccessReviewStatus
   1 allowed         bool
   4 denied          bool ?
   2 reason          str ?
   3 evaluationError str ?
SelfSubjectRulesReviewSpec
   1 namespace str ?
SubjectRulesReviewStatus
   1 resourceRules    []ResourceRule
   2 nonResourceRules []NonResourceRule
   3 incomplete       bool
   4 evaluationError  str ?
ResourceAttributes
   1 namespace     str ?
   2 verb          str ?
   3 group         str ?
   4 version       str ?
   5 resource      str ?
   6 subresource   str ?
   7 name          str ?
   8 fieldSelector *FieldSelectorAttributes ?
   9 labelSelector *LabelSelectorAttributes ?
NonResourceAttributes
   1 path str ?
   2 verb str ?
ResourceRule
   1 verbs         []str
   2 apiGroups     []str ?
   3 resources     []str ?
   4 resourceNames []str ?
NonResourceRule
   1 verbs           []str
   2 nonResourceURLs []str ?
FieldSelectorAttributes
   1 rawSelector  str ?
   2 requirements []meta/v1.FieldSelectorRequirement ?
LabelSelectorAttributes
   1 rawSelector  str ?
   2 requirements []meta/v1.LabelSelectorRequirement ?
"""

TABLES = (("authorization/v1", AUTHORIZATION_V1),)
