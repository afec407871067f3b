"""CustomResourceDefinitions and the objects they define, as kube-apiserver's
apiextensions code treats them: validating CRDs (:func:`validate_crd`), their defaults and
accepted-names status, and pruning, defaulting and validating custom objects against a
version's ``openAPIV3Schema`` (:func:`prepare_custom_object`)."""

from k3py.api.crd.compiled import Node, compile_schema
from k3py.api.crd.definition import crd_defaults, validate_crd
from k3py.api.crd.objects import (
    prepare_custom_object,
    replicas_path,
    scale_of,
    status_of,
    unknown_fields,
    validate_custom_object,
    validation_rules,
    with_spec_replicas,
)
from k3py.api.crd.status import crd_status_after_accept

__all__ = [
    "Node",
    "compile_schema",
    "crd_defaults",
    "crd_status_after_accept",
    "prepare_custom_object",
    "replicas_path",
    "scale_of",
    "status_of",
    "unknown_fields",
    "validate_crd",
    "validate_custom_object",
    "validation_rules",
    "with_spec_replicas",
]
