"""EKS add-ons pinned per Kubernetes minor, NetworkPolicy enforced, and the EBS CSI driver with its role."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components import versions
from components.ebs_csi_driver import MANAGED_POLICY, SERVICE_ACCOUNT
from components.settings import SUPPORTED_KUBERNETES_VERSIONS
from offline.runner import ProgramRun, run_program


def test_every_supported_minor_has_every_add_on_pinned() -> None:
    assert set(versions.EKS_ADDONS) == set(SUPPORTED_KUBERNETES_VERSIONS)
    for minor, pins in versions.EKS_ADDONS.items():
        assert set(pins) == {"vpc-cni", "kube-proxy", "aws-ebs-csi-driver"}
        assert pins["kube-proxy"].startswith(f"v{minor}.")  # kube-proxy follows the cluster's minor
        assert all("-eksbuild." in v for v in pins.values())
    with pytest.raises(ValueError, match=r"no vpc-cni add-on pinned for Kubernetes 1\.99.*1\.33, 1\.34, 1\.35"):
        versions.eks_addon("vpc-cni", "1.99")


@pytest.mark.parametrize("minor", SUPPORTED_KUBERNETES_VERSIONS)
def test_the_cluster_pins_vpc_cni_and_kube_proxy_and_enforces_network_policy(
    minor: str, dev_config: dict[str, Any]
) -> None:
    dev_config["kubernetesVersion"] = minor
    cluster = run_program("dev", dev_config).one("eks:index:Cluster").plain
    vpc_cni, kube_proxy = cluster["vpcCniOptions"], cluster["kubeProxyAddonOptions"]
    assert (vpc_cni["addonVersion"], vpc_cni["enableNetworkPolicy"]) == (versions.EKS_ADDONS[minor]["vpc-cni"], True)
    assert kube_proxy["version"] == versions.EKS_ADDONS[minor]["kube-proxy"]


def test_the_ebs_csi_driver_is_the_pinned_add_on_with_its_own_role(aws_stack: ProgramRun) -> None:
    [addon] = aws_stack.of_type("aws:eks/addon:Addon")
    assert addon.plain["addonName"] == "aws-ebs-csi-driver"
    assert addon.plain["addonVersion"] == versions.EKS_ADDONS["1.34"]["aws-ebs-csi-driver"]
    [role] = [r for r in aws_stack.of_type("aws:iam/role:Role") if r.name.endswith("-ebs-csi-driver-irsa-role")]
    assert addon.plain["serviceAccountRoleArn"].endswith(f"/{role.name}")
    [statement] = json.loads(role.plain["assumeRolePolicy"])["Statement"]
    [subject] = [v for k, v in statement["Condition"]["StringEquals"].items() if k.endswith(":sub")]
    assert subject == f"system:serviceaccount:kube-system:{SERVICE_ACCOUNT}"
    [attachment] = [
        a for a in aws_stack.of_type("aws:iam/rolePolicyAttachment:RolePolicyAttachment") if "ebs-csi" in a.name
    ]
    assert attachment.plain["policyArn"] == MANAGED_POLICY
    [group] = [g for g in aws_stack.of_type("aws:eks/nodeGroup:NodeGroup") if g.plain["nodeGroupName"] == "system"]
    assert group.urn in addon.dependencies  # ACTIVE needs its controller running on a node


def test_gp3_is_the_encrypted_default_storage_class(aws_stack: ProgramRun, local: ProgramRun) -> None:
    [storage] = aws_stack.of_type("kubernetes:storage.k8s.io/v1:StorageClass")
    props = storage.plain
    assert props["metadata"]["name"] == "gp3"
    assert props["metadata"]["annotations"]["storageclass.kubernetes.io/is-default-class"] == "true"
    assert props["provisioner"] == "ebs.csi.aws.com"
    assert props["parameters"] == {"type": "gp3", "encrypted": "true"}
    assert props["volumeBindingMode"] == "WaitForFirstConsumer"
    assert local.of_type("kubernetes:storage.k8s.io/v1:StorageClass") == []  # kind brings its own
