"""OpenAPI v3 as kube-apiserver serves it: ``/openapi/v3`` and one document per
group-version, generated from the resource table and the shipped Kubernetes schemas.

kubectl needs these documents: ``create -f``, ``apply -f``, ``replace -f`` and ``edit``
refuse to run without them, they decide whether kubectl asks for server-side field
validation, ``explain`` renders their schemas, and client-side apply computes strategic
merge patches from their patch extensions. :mod:`.documents` assembles and caches the
documents, :mod:`.paths` writes the operations, :mod:`.components` the schemas.
"""

from k3py.api.openapi.components import custom_resource_schema, definition_name
from k3py.api.openapi.documents import (
    INFO_VERSION,
    Document,
    document,
    group_version_document,
    root,
)

__all__ = [
    "INFO_VERSION",
    "Document",
    "custom_resource_schema",
    "definition_name",
    "document",
    "group_version_document",
    "root",
]
