"""Field tables for core/v1 pod spec: containers, probes, lifecycle, security contexts,
scheduling, env.

Written from the Kubernetes API definitions (release-1.35); the language is in
``k3py.api.protobuf.schema``.
"""

from __future__ import annotations

# Container and EphemeralContainerCommon are two messages with the same fields, numbers
# and all: upstream keeps them in step by hand.
_CONTAINER_FIELDS = """\
   1 name                     str
   2 image                    str ?
   3 command                  []str ?
   4 args                     []str ?
   5 workingDir               str ?
   6 ports                    []ContainerPort ?
  19 envFrom                  []EnvFromSource ?
   7 env                      []EnvVar ?
   8 resources                ResourceRequirements ?
  23 resizePolicy             []ContainerResizePolicy ?
  24 restartPolicy            *str ?
  25 restartPolicyRules       []ContainerRestartRule ?
   9 volumeMounts             []VolumeMount ?
  21 volumeDevices            []VolumeDevice ?
  10 livenessProbe            *Probe ?
  11 readinessProbe           *Probe ?
  22 startupProbe             *Probe ?
  12 lifecycle                *Lifecycle ?
  13 terminationMessagePath   str ?
  20 terminationMessagePolicy str ?
  14 imagePullPolicy          str ?
  15 securityContext          *SecurityContext ?
  16 stdin                    bool ?
  17 stdinOnce                bool ?
  18 tty                      bool ?"""

CORE_V1 = f"""
PodSpec
   1 volumes                       []Volume ?
  20 initContainers                []Container ?
   2 containers                    []Container
  34 ephemeralContainers           []EphemeralContainer ?
   3 restartPolicy                 str ?
   4 terminationGracePeriodSeconds *int ?
   5 activeDeadlineSeconds         *int ?
   6 dnsPolicy                     str ?
   7 nodeSelector                  map[str]str ?
   8 serviceAccountName            str ?
   9 serviceAccount                str ?
  21 automountServiceAccountToken  *bool ?
  10 nodeName                      str ?
  11 hostNetwork                   bool ?
  12 hostPID                       bool ?
  13 hostIPC                       bool ?
  27 shareProcessNamespace         *bool ?
  14 securityContext               *PodSecurityContext ?
  15 imagePullSecrets              []LocalObjectReference ?
  16 hostname                      str ?
  17 subdomain                     str ?
  18 affinity                      *Affinity ?
  19 schedulerName                 str ?
  22 tolerations                   []Toleration ?
  23 hostAliases                   []HostAlias ?
  24 priorityClassName             str ?
  25 priority                      *int ?
  26 dnsConfig                     *PodDNSConfig ?
  28 readinessGates                []PodReadinessGate ?
  29 runtimeClassName              *str ?
  30 enableServiceLinks            *bool ?
  31 preemptionPolicy              *str ?
  32 overhead                      map[str]qty ?
  33 topologySpreadConstraints     []TopologySpreadConstraint ?
  35 setHostnameAsFQDN             *bool ?
  36 os                            *PodOS ?
  37 hostUsers                     *bool ?
  38 schedulingGates               []PodSchedulingGate ?
  39 resourceClaims                []PodResourceClaim ?
  40 resources                     *ResourceRequirements ?
  41 hostnameOverride              *str ?
  42 workloadRef                   *WorkloadReference ?
Container
{_CONTAINER_FIELDS}
EphemeralContainer
   1 ^                   EphemeralContainerCommon
   2 targetContainerName str ?
PodSecurityContext
   1 seLinuxOptions           *SELinuxOptions ?
   8 windowsOptions           *WindowsSecurityContextOptions ?
   2 runAsUser                *int ?
   6 runAsGroup               *int ?
   3 runAsNonRoot             *bool ?
   4 supplementalGroups       []int ?
  12 supplementalGroupsPolicy *str ?
   5 fsGroup                  *int ?
   7 sysctls                  []Sysctl ?
   9 fsGroupChangePolicy      *str ?
  10 seccompProfile           *SeccompProfile ?
  11 appArmorProfile          *AppArmorProfile ?
  13 seLinuxChangePolicy      *str ?
Affinity
   1 nodeAffinity    *NodeAffinity ?
   2 podAffinity     *PodAffinity ?
   3 podAntiAffinity *PodAntiAffinity ?
Toleration
   1 key               str ?
   2 operator          str ?
   3 value             str ?
   4 effect            str ?
   5 tolerationSeconds *int ?
HostAlias
   1 ip        str
   2 hostnames []str ?
PodDNSConfig
   1 nameservers []str ?
   2 searches    []str ?
   3 options     []PodDNSConfigOption ?
PodReadinessGate
   1 conditionType str
TopologySpreadConstraint
   1 maxSkew            int
   2 topologyKey        str
   3 whenUnsatisfiable  str
   4 labelSelector      *meta/v1.LabelSelector ?
   5 minDomains         *int ?
   6 nodeAffinityPolicy *str ?
   7 nodeTaintsPolicy   *str ?
   8 matchLabelKeys     []str ?
PodOS
   1 name str
PodSchedulingGate
   1 name str
PodResourceClaim
   1 name                      str
   3 resourceClaimName         *str ?
   4 resourceClaimTemplateName *str ?
ResourceRequirements
   1 limits   map[str]qty ?
   2 requests map[str]qty ?
   3 claims   []ResourceClaim ?
WorkloadReference
   1 name               str
   2 podGroup           str
   3 podGroupReplicaKey str ?
PodTemplateSpec
   1 metadata meta/v1.ObjectMeta ?
   2 spec     PodSpec ?
ContainerPort
   1 name          str ?
   2 hostPort      int ?
   3 containerPort int
   4 protocol      str ?
   5 hostIP        str ?
EnvFromSource
   1 prefix       str ?
   2 configMapRef *ConfigMapEnvSource ?
   3 secretRef    *SecretEnvSource ?
EnvVar
   1 name      str
   2 value     str ?
   3 valueFrom *EnvVarSource ?
ContainerResizePolicy
   1 resourceName  str
   2 restartPolicy str
ContainerRestartRule
   1 action    str ?
   2 exitCodes *ContainerRestartRuleOnExitCodes ?
VolumeMount
   1 name              str
   2 readOnly          bool ?
   7 recursiveReadOnly *str ?
   3 mountPath         str
   4 subPath           str ?
   5 mountPropagation  *str ?
   6 subPathExpr       str ?
VolumeDevice
   1 name       str
   2 devicePath str
Probe
   1 ^                             ProbeHandler
   2 initialDelaySeconds           int ?
   3 timeoutSeconds                int ?
   4 periodSeconds                 int ?
   5 successThreshold              int ?
   6 failureThreshold              int ?
   7 terminationGracePeriodSeconds *int ?
Lifecycle
   1 postStart  *LifecycleHandler ?
   2 preStop    *LifecycleHandler ?
   3 stopSignal *str ?
SecurityContext
   1 capabilities             *Capabilities ?
   2 privileged               *bool ?
   3 seLinuxOptions           *SELinuxOptions ?
  10 windowsOptions           *WindowsSecurityContextOptions ?
   4 runAsUser                *int ?
   8 runAsGroup               *int ?
   5 runAsNonRoot             *bool ?
   6 readOnlyRootFilesystem   *bool ?
   7 allowPrivilegeEscalation *bool ?
   9 procMount                *str ?
  11 seccompProfile           *SeccompProfile ?
  12 appArmorProfile          *AppArmorProfile ?
EphemeralContainerCommon
{_CONTAINER_FIELDS}
SELinuxOptions
   1 user  str ?
   2 role  str ?
   3 type  str ?
   4 level str ?
WindowsSecurityContextOptions
   1 gmsaCredentialSpecName *str ?
   2 gmsaCredentialSpec     *str ?
   3 runAsUserName          *str ?
   4 hostProcess            *bool ?
Sysctl
   1 name  str
   2 value str
SeccompProfile
   1 type             str
   2 localhostProfile *str ?
AppArmorProfile
   1 type             str
   2 localhostProfile *str ?
NodeAffinity
   1 requiredDuringSchedulingIgnoredDuringExecution  *NodeSelector ?
   2 preferredDuringSchedulingIgnoredDuringExecution []PreferredSchedulingTerm ?
PodAffinity
   1 requiredDuringSchedulingIgnoredDuringExecution  []PodAffinityTerm ?
   2 preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm ?
PodAntiAffinity
   1 requiredDuringSchedulingIgnoredDuringExecution  []PodAffinityTerm ?
   2 preferredDuringSchedulingIgnoredDuringExecution []WeightedPodAffinityTerm ?
PodDNSConfigOption
   1 name  str ?
   2 value *str ?
ResourceClaim
   1 name    str
   2 request str ?
ConfigMapEnvSource
   1 ^        LocalObjectReference
   2 optional *bool ?
SecretEnvSource
   1 ^        LocalObjectReference
   2 optional *bool ?
EnvVarSource
   1 fieldRef         *ObjectFieldSelector ?
   2 resourceFieldRef *ResourceFieldSelector ?
   3 configMapKeyRef  *ConfigMapKeySelector ?
   4 secretKeyRef     *SecretKeySelector ?
   5 fileKeyRef       *FileKeySelector ?
ContainerRestartRuleOnExitCodes
   1 operator str ?
   2 values   []int ?
ProbeHandler
   1 exec      *ExecAction ?
   2 httpGet   *HTTPGetAction ?
   3 tcpSocket *TCPSocketAction ?
   4 grpc      *GRPCAction ?
LifecycleHandler
   1 exec      *ExecAction ?
   2 httpGet   *HTTPGetAction ?
   3 tcpSocket *TCPSocketAction ?
   4 sleep     *SleepAction ?
Capabilities
   1 add  []str ?
   2 drop []str ?
NodeSelector
   1 nodeSelectorTerms []NodeSelectorTerm
PreferredSchedulingTerm
   1 weight     int
   2 preference NodeSelectorTerm
PodAffinityTerm
   1 labelSelector     *meta/v1.LabelSelector ?
   2 namespaces        []str ?
   3 topologyKey       str
   4 namespaceSelector *meta/v1.LabelSelector ?
   5 matchLabelKeys    []str ?
   6 mismatchLabelKeys []str ?
WeightedPodAffinityTerm
   1 weight          int
   2 podAffinityTerm PodAffinityTerm
ObjectFieldSelector
   1 apiVersion str ?
   2 fieldPath  str
ResourceFieldSelector
   1 containerName str ?
   2 resource      str
   3 divisor       qty ?
ConfigMapKeySelector
   1 ^        LocalObjectReference
   2 key      str
   3 optional *bool ?
SecretKeySelector
   1 ^        LocalObjectReference
   2 key      str
   3 optional *bool ?
FileKeySelector
   1 volumeName str
   2 path       str
   3 key        str
   4 optional   *bool ?
ExecAction
   1 command []str ?
HTTPGetAction
   1 path        str ?
   2 port        ios
   3 host        str ?
   4 scheme      str ?
   5 httpHeaders []HTTPHeader ?
TCPSocketAction
   1 port ios
   2 host str ?
GRPCAction
   1 port    int
   2 service *str
SleepAction
   1 seconds int
NodeSelectorTerm
   1 matchExpressions []NodeSelectorRequirement ?
   2 matchFields      []NodeSelectorRequirement ?
HTTPHeader
   1 name  str
   2 value str
NodeSelectorRequirement
   1 key      str
   2 operator str
   3 values   []str ?
"""

TABLES = (("core/v1", CORE_V1),)
