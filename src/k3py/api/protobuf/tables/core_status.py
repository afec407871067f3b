"""Field tables for core/v1 pod status: conditions, container statuses and states, resource health.

Written from the Kubernetes API definitions (release-1.35); the language is in
``k3py.api.protobuf.schema``.
"""

from __future__ import annotations

CORE_V1 = """
PodStatus
  17 observedGeneration          int ?
   1 phase                       str ?
   2 conditions                  []PodCondition ?
   3 message                     str ?
   4 reason                      str ?
  11 nominatedNodeName           str ?
   5 hostIP                      str ?
  16 hostIPs                     []HostIP ?
   6 podIP                       str ?
  12 podIPs                      []PodIP ?
   7 startTime                   *time ?
  10 initContainerStatuses       []ContainerStatus ?
   8 containerStatuses           []ContainerStatus ?
   9 qosClass                    str ?
  13 ephemeralContainerStatuses  []ContainerStatus ?
  14 resize                      str ?
  15 resourceClaimStatuses       []PodResourceClaimStatus ?
  18 extendedResourceClaimStatus *PodExtendedResourceClaimStatus ?
  19 allocatedResources          map[str]qty ?
  20 resources                   *ResourceRequirements ?
PodCondition
   1 type               str
   7 observedGeneration int ?
   2 status             str
   3 lastProbeTime      time ?
   4 lastTransitionTime time ?
   5 reason             str ?
   6 message            str ?
HostIP
   1 ip str
PodIP
   1 ip str
ContainerStatus
   1 name                     str
   2 state                    ContainerState ?
   3 lastState                ContainerState ?
   4 ready                    bool
   5 restartCount             int
   6 image                    str
   7 imageID                  str
   8 containerID              str ?
   9 started                  *bool ?
  10 allocatedResources       map[str]qty ?
  11 resources                *ResourceRequirements ?
  12 volumeMounts             []VolumeMountStatus ?
  13 user                     *ContainerUser ?
  14 allocatedResourcesStatus []ResourceStatus ?
  15 stopSignal               *str ?
PodResourceClaimStatus
   1 name              str
   2 resourceClaimName *str ?
PodExtendedResourceClaimStatus
   1 requestMappings   []ContainerExtendedResourceRequest
   2 resourceClaimName str
ContainerState
   1 waiting    *ContainerStateWaiting ?
   2 running    *ContainerStateRunning ?
   3 terminated *ContainerStateTerminated ?
VolumeMountStatus
   1 name              str
   2 mountPath         str
   3 readOnly          bool ?
   4 recursiveReadOnly *str ?
ContainerUser
   1 linux *LinuxContainerUser ?
ResourceStatus
   1 name      str
   2 resources []ResourceHealth ?
ContainerExtendedResourceRequest
   1 containerName str
   2 resourceName  str
   3 requestName   str
ContainerStateWaiting
   1 reason  str ?
   2 message str ?
ContainerStateRunning
   1 startedAt time ?
ContainerStateTerminated
   1 exitCode    int
   2 signal      int ?
   3 reason      str ?
   4 message     str ?
   5 startedAt   time ?
   6 finishedAt  time ?
   7 containerID str ?
LinuxContainerUser
   1 uid                int
   2 gid                int
   3 supplementalGroups []int ?
ResourceHealth
   1 resourceID str
   2 health     str ?
"""

TABLES = (("core/v1", CORE_V1),)
