"""Field tables for certificates.k8s.io/v1 CertificateSigningRequest (``kubectl certificate
approve|deny``).

Written from the Kubernetes API definitions (release-1.35); the language is in
``k3py.api.protobuf.schema``.
"""

from __future__ import annotations

CERTIFICATES_V1 = """
CertificateSigningRequest
   1 metadata meta/v1.ObjectMeta ?
   2 spec     CertificateSigningRequestSpec
   3 status   CertificateSigningRequestStatus ?
CertificateSigningRequestSpec
   1 request           bytes
   7 signerName        str
   8 expirationSeconds *int ?
   5 usages            []str ?
   2 username          str ?
   3 uid               str ?
   4 groups            []str ?
   6 extra             map[str]list ?
CertificateSigningRequestStatus
   1 conditions  []CertificateSigningRequestCondition ?
   2 certificate bytes ?
CertificateSigningRequestCondition
   1 type               str
   6 status             str
   2 reason             str ?
   3 message            str ?
   4 lastUpdateTime     time ?
   5 lastTransitionTime time ?
"""

TABLES = (("certificates/v1", CERTIFICATES_V1),)
