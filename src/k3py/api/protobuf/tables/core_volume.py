"""Field tables for core/v1 volumes: every volume source, projections, claim templates.

Written from the Kubernetes API definitions (release-1.35); the language is in
``k3py.api.protobuf.schema``.
"""

from __future__ import annotations

CORE_V1 = """
Volume
   1 name str
   2 ^    VolumeSource
VolumeSource
   1 hostPath              *HostPathVolumeSource ?
   2 emptyDir              *EmptyDirVolumeSource ?
   3 gcePersistentDisk     *GCEPersistentDiskVolumeSource ?
   4 awsElasticBlockStore  *AWSElasticBlockStoreVolumeSource ?
   5 gitRepo               *GitRepoVolumeSource ?
   6 secret                *SecretVolumeSource ?
   7 nfs                   *NFSVolumeSource ?
   8 iscsi                 *ISCSIVolumeSource ?
   9 glusterfs             *GlusterfsVolumeSource ?
  10 persistentVolumeClaim *PersistentVolumeClaimVolumeSource ?
  11 rbd                   *RBDVolumeSource ?
  12 flexVolume            *FlexVolumeSource ?
  13 cinder                *CinderVolumeSource ?
  14 cephfs                *CephFSVolumeSource ?
  15 flocker               *FlockerVolumeSource ?
  16 downwardAPI           *DownwardAPIVolumeSource ?
  17 fc                    *FCVolumeSource ?
  18 azureFile             *AzureFileVolumeSource ?
  19 configMap             *ConfigMapVolumeSource ?
  20 vsphereVolume         *VsphereVirtualDiskVolumeSource ?
  21 quobyte               *QuobyteVolumeSource ?
  22 azureDisk             *AzureDiskVolumeSource ?
  23 photonPersistentDisk  *PhotonPersistentDiskVolumeSource ?
  26 projected             *ProjectedVolumeSource ?
  24 portworxVolume        *PortworxVolumeSource ?
  25 scaleIO               *ScaleIOVolumeSource ?
  27 storageos             *StorageOSVolumeSource ?
  28 csi                   *CSIVolumeSource ?
  29 ephemeral             *EphemeralVolumeSource ?
  30 image                 *ImageVolumeSource ?
TypedLocalObjectReference
   1 apiGroup *str
   2 kind     str
   3 name     str
HostPathVolumeSource
   1 path str
   2 type *str ?
EmptyDirVolumeSource
   1 medium    str ?
   2 sizeLimit *qty ?
GCEPersistentDiskVolumeSource
   1 pdName    str
   2 fsType    str ?
   3 partition int ?
   4 readOnly  bool ?
AWSElasticBlockStoreVolumeSource
   1 volumeID  str
   2 fsType    str ?
   3 partition int ?
   4 readOnly  bool ?
GitRepoVolumeSource
   1 repository str
   2 revision   str ?
   3 directory  str ?
SecretVolumeSource
   1 secretName  str ?
   2 items       []KeyToPath ?
   3 defaultMode *int ?
   4 optional    *bool ?
NFSVolumeSource
   1 server   str
   2 path     str
   3 readOnly bool ?
ISCSIVolumeSource
   1 targetPortal      str
   2 iqn               str
   3 lun               int
   4 iscsiInterface    str ?
   5 fsType            str ?
   6 readOnly          bool ?
   7 portals           []str ?
   8 chapAuthDiscovery bool ?
  11 chapAuthSession   bool ?
  10 secretRef         *LocalObjectReference ?
  12 initiatorName     *str ?
GlusterfsVolumeSource
   1 endpoints str
   2 path      str
   3 readOnly  bool ?
PersistentVolumeClaimVolumeSource
   1 claimName str
   2 readOnly  bool ?
RBDVolumeSource
   1 monitors  []str
   2 image     str
   3 fsType    str ?
   4 pool      str ?
   5 user      str ?
   6 keyring   str ?
   7 secretRef *LocalObjectReference ?
   8 readOnly  bool ?
FlexVolumeSource
   1 driver    str
   2 fsType    str ?
   3 secretRef *LocalObjectReference ?
   4 readOnly  bool ?
   5 options   map[str]str ?
CinderVolumeSource
   1 volumeID  str
   2 fsType    str ?
   3 readOnly  bool ?
   4 secretRef *LocalObjectReference ?
CephFSVolumeSource
   1 monitors   []str
   2 path       str ?
   3 user       str ?
   4 secretFile str ?
   5 secretRef  *LocalObjectReference ?
   6 readOnly   bool ?
FlockerVolumeSource
   1 datasetName str ?
   2 datasetUUID str ?
DownwardAPIVolumeSource
   1 items       []DownwardAPIVolumeFile ?
   2 defaultMode *int ?
FCVolumeSource
   1 targetWWNs []str ?
   2 lun        *int ?
   3 fsType     str ?
   4 readOnly   bool ?
   5 wwids      []str ?
AzureFileVolumeSource
   1 secretName str
   2 shareName  str
   3 readOnly   bool ?
ConfigMapVolumeSource
   1 ^           LocalObjectReference
   2 items       []KeyToPath ?
   3 defaultMode *int ?
   4 optional    *bool ?
VsphereVirtualDiskVolumeSource
   1 volumePath        str
   2 fsType            str ?
   3 storagePolicyName str ?
   4 storagePolicyID   str ?
QuobyteVolumeSource
   1 registry str
   2 volume   str
   3 readOnly bool ?
   4 user     str ?
   5 group    str ?
   6 tenant   str ?
AzureDiskVolumeSource
   1 diskName    str
   2 diskURI     str
   3 cachingMode *str ?
   4 fsType      *str ?
   5 readOnly    *bool ?
   6 kind        *str ?
PhotonPersistentDiskVolumeSource
   1 pdID   str
   2 fsType str ?
ProjectedVolumeSource
   1 sources     []VolumeProjection
   2 defaultMode *int ?
PortworxVolumeSource
   1 volumeID str
   2 fsType   str ?
   3 readOnly bool ?
ScaleIOVolumeSource
   1 gateway          str
   2 system           str
   3 secretRef        *LocalObjectReference
   4 sslEnabled       bool ?
   5 protectionDomain str ?
   6 storagePool      str ?
   7 storageMode      str ?
   8 volumeName       str ?
   9 fsType           str ?
  10 readOnly         bool ?
StorageOSVolumeSource
   1 volumeName      str ?
   2 volumeNamespace str ?
   3 fsType          str ?
   4 readOnly        bool ?
   5 secretRef       *LocalObjectReference ?
CSIVolumeSource
   1 driver               str
   2 readOnly             *bool ?
   3 fsType               *str ?
   4 volumeAttributes     map[str]str ?
   5 nodePublishSecretRef *LocalObjectReference ?
EphemeralVolumeSource
   1 volumeClaimTemplate *PersistentVolumeClaimTemplate ?
ImageVolumeSource
   1 reference  str ?
   2 pullPolicy str ?
KeyToPath
   1 key  str
   2 path str
   3 mode *int ?
DownwardAPIVolumeFile
   1 path             str
   2 fieldRef         *ObjectFieldSelector ?
   3 resourceFieldRef *ResourceFieldSelector ?
   4 mode             *int ?
VolumeProjection
   1 secret              *SecretProjection ?
   2 downwardAPI         *DownwardAPIProjection ?
   3 configMap           *ConfigMapProjection ?
   4 serviceAccountToken *ServiceAccountTokenProjection ?
   5 clusterTrustBundle  *ClusterTrustBundleProjection ?
   6 podCertificate      *PodCertificateProjection ?
PersistentVolumeClaimTemplate
   1 metadata meta/v1.ObjectMeta ?
   2 spec     PersistentVolumeClaimSpec
SecretProjection
   1 ^        LocalObjectReference
   2 items    []KeyToPath ?
   4 optional *bool ?
DownwardAPIProjection
   1 items []DownwardAPIVolumeFile ?
ConfigMapProjection
   1 ^        LocalObjectReference
   2 items    []KeyToPath ?
   4 optional *bool ?
ServiceAccountTokenProjection
   1 audience          str ?
   2 expirationSeconds *int ?
   3 path              str
ClusterTrustBundleProjection
   1 name          *str ?
   2 signerName    *str ?
   3 labelSelector *meta/v1.LabelSelector ?
   5 optional      *bool ?
   4 path          str
PodCertificateProjection
   1 signerName           str ?
   2 keyType              str ?
   3 maxExpirationSeconds *int ?
   4 credentialBundlePath str ?
   5 keyPath              str ?
   6 certificateChainPath str ?
   7 userAnnotations      map[str]str ?
PersistentVolumeClaimSpec
   1 accessModes               []str ?
   4 selector                  *meta/v1.LabelSelector ?
   2 resources                 VolumeResourceRequirements ?
   3 volumeName                str ?
   5 storageClassName          *str ?
   6 volumeMode                *str ?
   7 dataSource                *TypedLocalObjectReference ?
   8 dataSourceRef             *TypedObjectReference ?
   9 volumeAttributesClassName *str ?
VolumeResourceRequirements
   1 limits   map[str]qty ?
   2 requests map[str]qty ?
TypedObjectReference
   1 apiGroup  *str
   2 kind      str
   3 name      str
   4 namespace *str ?
"""

TABLES = (("core/v1", CORE_V1),)
