"""Cluster: API auth with access entries, IRSA, KMS envelope encryption, audit logs, endpoint."""

from __future__ import annotations

import pytest

from components.cluster import CLUSTER_ADMIN_POLICY, Cluster, ClusterArgs
from offline.runner import record_components

ADMIN = "arn:aws:iam::123456789012:role/platform-admins"


def build(protect: bool, cidrs: list[str]):
    return record_components(
        lambda: Cluster(
            "c",
            ClusterArgs(
                cluster_name="eks-platform-test",
                kubernetes_version="1.34",
                vpc_id="vpc-1",
                public_subnet_ids=["subnet-a", "subnet-b"],
                private_subnet_ids=["subnet-c", "subnet-d"],
                public_access_cidrs=cidrs,
                admin_role_arns=[ADMIN],
                log_types=["api", "audit", "authenticator"],
                support_type="STANDARD",
                protect=protect,
            ),
        )
    )


def eks_inputs(records):
    [cluster] = [r for r in records if r.type == "eks:index:Cluster"]
    return cluster


def test_cluster_inputs() -> None:
    cluster = eks_inputs(build(False, ["198.51.100.0/24"])).plain
    assert cluster["name"] == "eks-platform-test" and cluster["version"] == "1.34"
    assert cluster["authenticationMode"] == "API"
    assert cluster["createOidcProvider"] is True
    assert cluster["enabledClusterLogTypes"] == ["api", "audit", "authenticator"]
    assert cluster["endpointPrivateAccess"] is True
    assert cluster["publicAccessCidrs"] == ["198.51.100.0/24"]
    assert cluster["skipDefaultNodeGroup"] is True
    assert cluster["upgradePolicy"] == {"supportType": "STANDARD"}
    entry = cluster["accessEntries"]["admin-0"]
    assert entry["principalArn"] == ADMIN
    assert entry["accessPolicies"]["cluster-admin"]["policyArn"] == CLUSTER_ADMIN_POLICY


def test_secrets_are_encrypted_with_a_rotating_customer_key() -> None:
    records = build(False, [])
    [key] = [r for r in records if r.type == "aws:kms/key:Key"]
    assert key.inputs["enableKeyRotation"] is True
    assert eks_inputs(records).inputs["encryptionConfigKeyArn"].endswith(key.name)


def test_no_public_cidrs_means_no_public_endpoint() -> None:
    assert eks_inputs(build(False, [])).inputs["endpointPublicAccess"] is False


@pytest.mark.parametrize("protect", [True, False])
def test_production_safety(protect: bool) -> None:
    records = build(protect, [])
    [key] = [r for r in records if r.type == "aws:kms/key:Key"]
    cluster = eks_inputs(records)
    assert cluster.protect is protect and key.protect is protect
    assert key.retain_on_delete is protect
    assert cluster.inputs["deletionProtection"] is protect


def test_node_role_has_the_managed_node_policies() -> None:
    records = build(False, [])
    attached = {r.inputs["policyArn"] for r in records if r.type == "aws:iam/rolePolicyAttachment:RolePolicyAttachment"}
    assert "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy" in attached
    assert "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy" in attached
