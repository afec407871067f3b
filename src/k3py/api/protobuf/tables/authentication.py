"""Field tables for authentication.k8s.io/v1 TokenRequest and SelfSubjectReview (``create token``,
``auth whoami``).

Written from the Kubernetes API definitions (release-1.35); the language is in
``k3py.api.protobuf.schema``.
"""

from __future__ import annotations

AUTHENTICATION_V1 = """
TokenRequest
   1 metadata meta/v1.ObjectMeta ?
   2 spec     TokenRequestSpec
   3 status   TokenRequestStatus ?
SelfSubjectReview
   1 metadata meta/v1.ObjectMeta ?
   2 status   SelfSubjectReviewStatus ?
TokenRequestSpec
   1 audiences         []str
   4 expirationSeconds *int
   3 boundObjectRef    *BoundObjectReference
TokenRequestStatus
   1 token               str
   2 expirationTimestamp time
SelfSubjectReviewStatus
   1 userInfo UserInfo ?
BoundObjectReference
   1 kind       str ?
   2 apiVersion str ?
   3 name       str ?
   4 uid        str ?
UserInfo
   1 username str ?
   2 uid      str ?
   3 groups   []str ?
   4 extra    map[str]list ?
"""

TABLES = (("authentication/v1", AUTHENTICATION_V1),)
