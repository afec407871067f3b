"""Field tables for meta/v1: ObjectMeta and what hangs off it, label selectors, DeleteOptions,
Condition.

Written from the Kubernetes API definitions (release-1.35); the language is in
``k3py.api.protobuf.schema``.
"""

from __future__ import annotations

META_V1 = """
DeleteOptions
   1 gracePeriodSeconds                               *int ?
   2 preconditions                                    *Preconditions ?
   3 orphanDependents                                 *bool ?
   4 propagationPolicy                                *str ?
   5 dryRun                                           []str ?
   6 ignoreStoreReadErrorWithClusterBreakingPotential *bool ?
LabelSelector
   1 matchLabels      map[str]str ?
   2 matchExpressions []LabelSelectorRequirement ?
ObjectMeta
   1 name                       str ?
   2 generateName               str ?
   3 namespace                  str ?
   4 selfLink                   str ?
   5 uid                        str ?
   6 resourceVersion            str ?
   7 generation                 int ?
   8 creationTimestamp          time ? !
   9 deletionTimestamp          *time ?
  10 deletionGracePeriodSeconds *int ?
  11 labels                     map[str]str ?
  12 annotations                map[str]str ?
  13 ownerReferences            []OwnerReference ?
  14 finalizers                 []str ?
  17 managedFields              []ManagedFieldsEntry ?
Preconditions
   1 uid             *str ?
   2 resourceVersion *str ?
LabelSelectorRequirement
   1 key      str
   2 operator str
   3 values   []str ?
OwnerReference
   5 apiVersion         str
   1 kind               str
   3 name               str
   4 uid                str
   6 controller         *bool ?
   7 blockOwnerDeletion *bool ?
ManagedFieldsEntry
   1 manager     str ?
   2 operation   str ?
   3 apiVersion  str ?
   4 time        *time ?
   6 fieldsType  str ?
   7 fieldsV1    *fieldsv1 ?
   8 subresource str ?
Condition
   1 type               str
   2 status             str
   3 observedGeneration int ?
   4 lastTransitionTime time
   5 reason             str
   6 message            str
FieldSelectorRequirement
   1 key      str
   2 operator str
   3 values   []str ?
"""

TABLES = (("meta/v1", META_V1),)
