"""Field tables for batch/v1 Job and CronJob (``kubectl create job|cronjob``).

Written from the Kubernetes API definitions (release-1.35); the language is in
``k3py.api.protobuf.schema``.
"""

from __future__ import annotations

BATCH_V1 = """
Job
   1 metadata meta/v1.ObjectMeta ?
   2 spec     JobSpec ?
   3 status   JobStatus ?
CronJob
   1 metadata meta/v1.ObjectMeta ?
   2 spec     CronJobSpec ?
   3 status   CronJobStatus ?
JobSpec
   1 parallelism             *int ?
   2 completions             *int ?
   3 activeDeadlineSeconds   *int ?
  11 podFailurePolicy        *PodFailurePolicy ?
  16 successPolicy           *SuccessPolicy ?
   7 backoffLimit            *int ?
  12 backoffLimitPerIndex    *int ?
  13 maxFailedIndexes        *int ?
   4 selector                *meta/v1.LabelSelector ?
   5 manualSelector          *bool ?
   6 template                core/v1.PodTemplateSpec
   8 ttlSecondsAfterFinished *int ?
   9 completionMode          *str ?
  10 suspend                 *bool ?
  14 podReplacementPolicy    *str ?
  15 managedBy               *str ?
JobStatus
   1 conditions              []JobCondition ?
   2 startTime               *time ?
   3 completionTime          *time ?
   4 active                  int ?
   5 succeeded               int ?
   6 failed                  int ?
  11 terminating             *int ?
   7 completedIndexes        str ?
  10 failedIndexes           *str ?
   8 uncountedTerminatedPods *UncountedTerminatedPods ?
   9 ready                   *int ?
CronJobSpec
   1 schedule                   str
   8 timeZone                   *str ?
   2 startingDeadlineSeconds    *int ?
   3 concurrencyPolicy          str ?
   4 suspend                    *bool ?
   5 jobTemplate                JobTemplateSpec
   6 successfulJobsHistoryLimit *int ?
   7 failedJobsHistoryLimit     *int ?
CronJobStatus
   1 active             []core/v1.ObjectReference ?
   4 lastScheduleTime   *time ?
   5 lastSuccessfulTime *time ?
PodFailurePolicy
   1 rules []PodFailurePolicyRule
SuccessPolicy
   1 rules []SuccessPolicyRule
JobCondition
   1 type               str
   2 status             str
   3 lastProbeTime      time ?
   4 lastTransitionTime time ?
   5 reason             str ?
   6 message            str ?
UncountedTerminatedPods
   1 succeeded []str ?
   2 failed    []str ?
JobTemplateSpec
   1 metadata meta/v1.ObjectMeta ?
   2 spec     JobSpec ?
PodFailurePolicyRule
   1 action          str
   2 onExitCodes     *PodFailurePolicyOnExitCodesRequirement ?
   3 onPodConditions []PodFailurePolicyOnPodConditionsPattern ?
SuccessPolicyRule
   1 succeededIndexes *str ?
   2 succeededCount   *int ?
PodFailurePolicyOnExitCodesRequirement
   1 containerName *str ?
   2 operator      str
   3 values        []int
PodFailurePolicyOnPodConditionsPattern
   1 type   str
   2 status str
"""

TABLES = (("batch/v1", BATCH_V1),)
