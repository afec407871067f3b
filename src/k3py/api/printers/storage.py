"""Volumes: core/v1 persistent volumes and claims, and storage.k8s.io storage classes
(``(default)`` after the name), CSI drivers and nodes, and volume attachments. Missing fields
read as their API defaults, as upstream prints defaulted objects."""

from __future__ import annotations

from typing import Any

from k3py.api.printers._base import (
    EMPTY,
    Obj,
    Printer,
    access_modes,
    age,
    age_col,
    col,
    deleting,
    meta,
    name,
    name_col,
    printer,
    quantity,
    spec,
    status,
)

_BETA_CLASS = "volume.beta.kubernetes.io/storage-class"
_DEFAULT_CLASS = ("storageclass.kubernetes.io/is-default-class",
                  "storageclass.beta.kubernetes.io/is-default-class")


def _class(obj: Obj) -> str:
    """The storage class, the beta annotation winning over ``spec.storageClassName``."""
    annotations = meta(obj).get("annotations") or EMPTY
    if _BETA_CLASS in annotations:
        return str(annotations[_BETA_CLASS])
    return str(spec(obj).get("storageClassName") or "")


def _unset(value: Any) -> str:
    return "<unset>" if value is None else str(value)


def pv_cells(pv: Obj, now: float) -> list[Any]:
    pv_spec, pv_status = spec(pv), status(pv)
    claim = pv_spec.get("claimRef")
    return [name(pv), quantity((pv_spec.get("capacity") or EMPTY).get("storage")),
            access_modes(pv_spec.get("accessModes")),
            pv_spec.get("persistentVolumeReclaimPolicy") or "Retain",
            "Terminating" if deleting(pv) else pv_status.get("phase") or "Pending",
            "" if claim is None else f"{claim.get('namespace') or ''}/{claim.get('name') or ''}",
            _class(pv), _unset(pv_spec.get("volumeAttributesClassName")),
            pv_status.get("reason") or "", age(pv, now),
            pv_spec.get("volumeMode") or "Filesystem"]


def pvc_cells(pvc: Obj, now: float) -> list[Any]:
    pvc_spec, pvc_status = spec(pvc), status(pvc)
    volume = pvc_spec.get("volumeName") or ""
    capacity = modes = ""
    if volume:  # capacity and modes only count once the claim is bound
        modes = access_modes(pvc_status.get("accessModes"))
        capacity = quantity((pvc_status.get("capacity") or EMPTY).get("storage"))
    return [name(pvc), "Terminating" if deleting(pvc) else pvc_status.get("phase") or "Pending",
            volume, capacity, modes, _class(pvc),
            _unset(pvc_spec.get("volumeAttributesClassName")), age(pvc, now),
            pvc_spec.get("volumeMode") or "Filesystem"]


def storage_class_cells(obj: Obj, now: float) -> list[Any]:
    annotations = meta(obj).get("annotations") or EMPTY
    default = any(annotations.get(key) == "true" for key in _DEFAULT_CLASS)
    return [f"{name(obj)} (default)" if default else name(obj), obj.get("provisioner") or "",
            obj.get("reclaimPolicy") or "Delete", obj.get("volumeBindingMode") or "Immediate",
            bool(obj.get("allowVolumeExpansion")), age(obj, now)]


def csi_driver_cells(obj: Obj, now: float) -> list[Any]:
    obj_spec = spec(obj)
    tokens = obj_spec.get("tokenRequests")
    modes = obj_spec.get("volumeLifecycleModes") or ["Persistent"]
    attach = obj_spec.get("attachRequired")
    return [name(obj), True if attach is None else bool(attach),
            bool(obj_spec.get("podInfoOnMount")), bool(obj_spec.get("storageCapacity")),
            "<unset>" if tokens is None else ",".join(str(t.get("audience") or "")
                                                      for t in tokens),
            bool(obj_spec.get("requiresRepublish")), ",".join(modes), age(obj, now)]


def volume_attachment_cells(obj: Obj, now: float) -> list[Any]:
    obj_spec = spec(obj)
    source = obj_spec.get("source") or EMPTY
    return [name(obj), obj_spec.get("attacher") or "", source.get("persistentVolumeName") or "",
            obj_spec.get("nodeName") or "", bool(status(obj).get("attached")), age(obj, now)]


PRINTERS: dict[tuple[str, str], Printer] = {
    ("", "PersistentVolume"): printer(
        (name_col(), col("Capacity", desc="Size of the volume."),
         col("Access Modes", desc="How the volume can be mounted."),
         col("Reclaim Policy", desc="What happens to the volume once released."),
         col("Status", desc="Phase of the volume."), col("Claim", desc="Claim bound to it."),
         col("StorageClass", desc="Storage class of the volume."),
         col("VolumeAttributesClass", desc="Volume attributes class of the volume."),
         col("Reason", desc="Why the volume is in its phase."), age_col(),
         col("VolumeMode", priority=1, desc="Filesystem or Block.")),
        pv_cells),
    ("", "PersistentVolumeClaim"): printer(
        (name_col(), col("Status", desc="Phase of the claim."),
         col("Volume", desc="Volume bound to the claim."),
         col("Capacity", desc="Size of the bound volume."),
         col("Access Modes", desc="How the bound volume can be mounted."),
         col("StorageClass", desc="Storage class asked for."),
         col("VolumeAttributesClass", desc="Volume attributes class asked for."), age_col(),
         col("VolumeMode", priority=1, desc="Filesystem or Block.")),
        pvc_cells),
    ("storage.k8s.io", "StorageClass"): printer(
        (name_col(), col("Provisioner", desc="Driver that creates the volumes."),
         col("ReclaimPolicy", desc="Reclaim policy of new volumes."),
         col("VolumeBindingMode", desc="When volumes are bound and provisioned."),
         col("AllowVolumeExpansion", desc="Whether claims may grow."), age_col()),
        storage_class_cells),
    ("storage.k8s.io", "CSIDriver"): printer(
        (name_col(), col("AttachRequired", "boolean", desc="Whether volumes need attaching."),
         col("PodInfoOnMount", "boolean", desc="Whether mounts receive pod information."),
         col("StorageCapacity", "boolean", desc="Whether the driver reports capacity."),
         col("TokenRequests", desc="Audiences of the tokens the driver receives."),
         col("RequiresRepublish", "boolean", desc="Whether mounts are republished."),
         col("Modes", desc="Volume lifecycle modes supported."), age_col()),
        csi_driver_cells),
    ("storage.k8s.io", "CSINode"): printer(
        (name_col(), col("Drivers", "integer", desc="CSI drivers registered on the node."),
         age_col()),
        lambda o, now: [name(o), len(spec(o).get("drivers") or ()), age(o, now)]),
    ("storage.k8s.io", "VolumeAttachment"): printer(
        (name_col(), col("Attacher", fmt="name", desc="Driver attaching the volume."),
         col("PV", desc="Persistent volume attached."), col("Node", desc="Node attached to."),
         col("Attached", "boolean", desc="Whether the attach has succeeded."), age_col()),
        volume_attachment_cells),
}
