"""The Amazon EBS CSI driver (an EKS add-on, pinned) and the encrypted gp3 StorageClass it serves.

Since Kubernetes 1.23 EBS volumes are provisioned only through this driver (the in-tree plugin is
migrated to it), so a PersistentVolumeClaim on EKS stays Pending without it: Prometheus's volumes
need it. The controller assumes an IRSA role with AWS's managed AmazonEBSCSIDriverPolicy, trusted
by exactly its service account (EKS User Guide, "Store Kubernetes volumes with Amazon EBS"). The
`gp3` StorageClass (encrypted, bound when a pod is scheduled, so in that pod's zone) is the
cluster default for new claims.
"""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as kubernetes

from components import versions
from components.context import ClusterContext
from components.settings import EbsCsiDriverSettings

SERVICE_ACCOUNT = "ebs-csi-controller-sa"
NAMESPACE = "kube-system"
MANAGED_POLICY = "arn:aws:iam::aws:policy/service-role/AmazonEBSCSIDriverPolicy"
STORAGE_CLASS = "gp3"


class EbsCsiDriver(pulumi.ComponentResource):
    """The aws-ebs-csi-driver EKS add-on with its IRSA role, and the default `gp3` StorageClass."""

    storage_class: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        settings: EbsCsiDriverSettings,
        ctx: ClusterContext,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("platform:index:EbsCsiDriver", name, None, ctx.component(opts, owns_aws=True))
        role = ctx.service_account_role(
            f"{name}-irsa",
            self,
            namespace=NAMESPACE,
            service_account=SERVICE_ACCOUNT,
            managed_policy_arns=[MANAGED_POLICY],
            description=f"EBS CSI driver of {ctx.cluster_name}",
        )
        aws.eks.Addon(
            f"{name}-addon",
            cluster_name=ctx.cluster_name,
            addon_name="aws-ebs-csi-driver",
            addon_version=versions.eks_addon("aws-ebs-csi-driver", ctx.kubernetes_version),
            service_account_role_arn=role.role_arn,
            resolve_conflicts_on_create="OVERWRITE",
            resolve_conflicts_on_update="OVERWRITE",
            # ACTIVE needs the controller's pods running: it waits for the system group
            opts=pulumi.ResourceOptions(parent=self, depends_on=[n for n in [ctx.system.node_group] if n]),
        )
        kubernetes.storage.v1.StorageClass(
            f"{name}-gp3",
            metadata={
                "name": STORAGE_CLASS,
                "annotations": {"storageclass.kubernetes.io/is-default-class": "true"},
                "labels": {"app.kubernetes.io/part-of": "eks-platform"},
            },
            provisioner="ebs.csi.aws.com",
            parameters={"type": "gp3", "encrypted": "true"},
            volume_binding_mode="WaitForFirstConsumer",
            allow_volume_expansion=True,
            reclaim_policy="Delete",
            opts=ctx.kubernetes(self),
        )
        self.storage_class = pulumi.Output.from_input(STORAGE_CLASS)
        self.register_outputs({"storage_class": self.storage_class})
