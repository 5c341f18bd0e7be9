"""The EKS control plane (pulumi-eks), its encryption key and the IAM role its nodes use."""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_eks as eks

from components import versions

CLUSTER_ADMIN_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy"
VIEW_POLICY = "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
# Kubernetes group of viewer access entries; components/viewer_access.py binds it to Helm's Secrets.
VIEWER_GROUP = "eks-platform:viewers"
NODE_MANAGED_POLICIES = {
    "worker": "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy",
    "cni": "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy",
    "ecr": "arn:aws:iam::aws:policy/AmazonEC2ContainerRegistryReadOnly",
    "ssm": "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore",  # shell access without SSH keys
}


@dataclass(frozen=True)
class ClusterArgs:
    """What the Cluster component needs."""

    cluster_name: str
    """EKS cluster name, fixed by the stack config (never auto-named: other resources refer to it)."""
    kubernetes_version: str
    """Kubernetes minor version, e.g. 1.34."""
    vpc_id: pulumi.Input[str]
    """VPC of the cluster."""
    public_subnet_ids: pulumi.Input[list[str]]
    """Subnets for internet-facing load balancers."""
    private_subnet_ids: pulumi.Input[list[str]]
    """Subnets for nodes and the control-plane ENIs."""
    public_access_cidrs: list[str]
    """CIDRs allowed to the public API endpoint; empty turns the public endpoint off."""
    admin_role_arns: list[str]
    """IAM roles given cluster-admin through access entries."""
    log_types: list[str]
    """Control-plane log types sent to CloudWatch."""
    support_type: str
    """Upgrade policy: STANDARD (auto-upgrade at end of standard support) or EXTENDED."""
    viewer_role_arns: list[str] = field(default_factory=list)
    """IAM roles given read-only access (AmazonEKSViewPolicy, group VIEWER_GROUP): preview roles."""
    protect: bool = False
    """prod: protect cluster and key, retain the key on delete, EKS deletion protection on."""
    tags: dict[str, str] = field(default_factory=dict)
    """Tags on every resource."""


class Cluster(pulumi.ComponentResource):
    """An EKS cluster with API-mode access entries, IRSA, KMS-encrypted Secrets and audit logs."""

    cluster_name: pulumi.Output[str]
    kubeconfig_json: pulumi.Output[str]
    oidc_provider_arn: pulumi.Output[str]
    oidc_provider_url: pulumi.Output[str]
    cluster_security_group_id: pulumi.Output[str]
    node_role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:index:Cluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        key = aws.kms.Key(
            f"{name}-secrets-key",
            description=f"Envelope encryption of Kubernetes Secrets in {args.cluster_name}",
            enable_key_rotation=True,
            deletion_window_in_days=30,
            tags=args.tags,
            # Losing this key makes every Secret in etcd unreadable: prod keeps it even on destroy.
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.protect),
        )
        aws.kms.Alias(
            f"{name}-secrets-key", name=f"alias/{args.cluster_name}-secrets", target_key_id=key.key_id, opts=child
        )

        node_role = aws.iam.Role(
            f"{name}-node-role",
            assume_role_policy=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
                    ],
                }
            ),
            description=f"Managed node groups of {args.cluster_name}",
            tags=args.tags,
            opts=child,
        )
        for suffix, policy_arn in NODE_MANAGED_POLICIES.items():
            aws.iam.RolePolicyAttachment(
                f"{name}-node-{suffix}",
                role=node_role.name,
                policy_arn=policy_arn,
                opts=pulumi.ResourceOptions(parent=node_role),
            )

        cluster = eks.Cluster(
            f"{name}-eks",
            name=args.cluster_name,
            version=args.kubernetes_version,
            vpc_id=args.vpc_id,
            public_subnet_ids=args.public_subnet_ids,
            private_subnet_ids=args.private_subnet_ids,
            authentication_mode=eks.AuthenticationMode.API,  # access entries, no aws-auth ConfigMap
            access_entries={
                f"admin-{index}": eks.AccessEntryArgs(
                    principal_arn=arn,
                    access_policies={
                        "cluster-admin": eks.AccessPolicyAssociationArgs(
                            policy_arn=CLUSTER_ADMIN_POLICY,
                            access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                        )
                    },
                )
                for index, arn in enumerate(args.admin_role_arns)
            }
            | {
                f"viewer-{index}": eks.AccessEntryArgs(
                    principal_arn=arn,
                    kubernetes_groups=[VIEWER_GROUP],
                    access_policies={
                        "view": eks.AccessPolicyAssociationArgs(
                            policy_arn=VIEW_POLICY,
                            access_scope=aws.eks.AccessPolicyAssociationAccessScopeArgs(type="cluster"),
                        )
                    },
                )
                for index, arn in enumerate(args.viewer_role_arns)
            },
            create_oidc_provider=True,
            encryption_config_key_arn=key.arn,
            enabled_cluster_log_types=args.log_types,
            endpoint_private_access=True,
            endpoint_public_access=bool(args.public_access_cidrs),
            public_access_cidrs=args.public_access_cidrs or None,
            upgrade_policy=aws.eks.ClusterUpgradePolicyArgs(support_type=args.support_type),
            deletion_protection=args.protect,
            # Node groups are managed and declared separately (NodeGroup component): no default
            # group, no instance role or self-managed node security groups from pulumi-eks.
            # vpc-cni and kube-proxy pinned (never looked up anew on each run); the CNI enforces
            # NetworkPolicy, so the Django chart's policy is applied, not merely stored
            vpc_cni_options=eks.VpcCniOptionsArgs(
                addon_version=versions.eks_addon("vpc-cni", args.kubernetes_version), enable_network_policy=True
            ),
            kube_proxy_addon_options=eks.KubeProxyAddonOptionsArgs(
                version=versions.eks_addon("kube-proxy", args.kubernetes_version)
            ),
            skip_default_node_group=True,
            skip_default_security_groups=True,
            create_instance_role=False,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )

        self.cluster_name = pulumi.Output.from_input(args.cluster_name)
        # The eks component exposes many resource references; only scalar outputs are used so the
        # wiring stays valid for pulumi-eks as a remote component (and under unit-test mocks).
        self.kubeconfig_json = pulumi.Output.secret(cluster.kubeconfig_json)
        self.oidc_provider_arn = cluster.oidc_provider_arn
        self.oidc_provider_url = cluster.oidc_provider_url
        self.cluster_security_group_id = cluster.cluster_security_group_id
        self.node_role_arn = node_role.arn
        self.eks = cluster
        self.key_arn = key.arn
        self.register_outputs(
            {
                "cluster_name": self.cluster_name,
                "kubeconfig_json": self.kubeconfig_json,
                "oidc_provider_arn": self.oidc_provider_arn,
                "oidc_provider_url": self.oidc_provider_url,
                "cluster_security_group_id": self.cluster_security_group_id,
                "node_role_arn": self.node_role_arn,
            }
        )
