"""The two ways a stack gets a cluster: provision VPC + EKS + node groups, or connect to one.

Both return a `ClusterAccess`, so everything Kubernetes-side (Argo, Django, add-ons) deploys
the same way in either mode.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as kubernetes

from components.cluster import Cluster, ClusterArgs
from components.network import Network, NetworkArgs
from components.node_group import NodeGroup, NodeGroupCluster
from components.settings import Settings


@dataclass
class ClusterAccess:
    """What the Kubernetes-side components need to know about the cluster they deploy to."""

    k8s_provider: kubernetes.Provider
    """The one explicit Kubernetes provider."""
    cluster_name: str
    """EKS cluster name (or the name given for an existing cluster)."""
    aws_provider: aws.Provider | None = None
    """AWS provider when this stack owns AWS resources; None in existing-cluster mode."""
    cluster: pulumi.Resource | None = None
    """The cluster resource: Kubernetes resources are `deleted_with` it."""
    vpc_id: pulumi.Input[str] | None = None
    oidc_provider_arn: pulumi.Input[str] | None = None
    oidc_provider_url: pulumi.Input[str] | None = None
    kubeconfig: pulumi.Input[str] | None = None
    node_group_names: list[pulumi.Output[str]] = field(default_factory=list)
    node_groups: dict[str, pulumi.Resource] = field(default_factory=dict)
    """The managed node groups this stack made, by group name (none on an existing cluster)."""
    private_subnet_ids: pulumi.Input[list[str]] | None = None
    cluster_security_group_id: pulumi.Input[str] | None = None
    """The EKS-made security group of the control plane and the managed nodes (hence of the pods)."""

    @property
    def owns_aws(self) -> bool:
        """True when the stack may create AWS resources (buckets, roles, repositories)."""
        return self.aws_provider is not None


def default_tags(settings: Settings) -> dict[str, str]:
    """Tags on every AWS resource, through the provider's default_tags."""
    return {"project": "eks-platform", "stack": settings.stack, "environment": settings.environment, **settings.tags}


def provision_eks(settings: Settings) -> ClusterAccess:
    """Create (or reuse) the VPC, then the EKS cluster and its managed node groups."""
    stack, cluster_name = settings.stack, settings.resolved_cluster_name
    # Reads of the account, before any resource is registered: an invoke that fails then (no AWS
    # plugin, no credentials) fails the run cleanly, with nothing in flight.
    live = live_desired_sizes(cluster_name, settings.region)
    zones = settings.availability_zones or available_zones(settings.min_zone_count, settings.region)
    aws_provider = aws.Provider(
        "aws", region=settings.region, default_tags=aws.ProviderDefaultTagsArgs(tags=default_tags(settings))
    )
    aws_opts = pulumi.ResourceOptions(providers=[aws_provider])

    if settings.existing_vpc:
        vpc_id: pulumi.Input[str] = settings.existing_vpc.vpc_id
        public_subnet_ids: pulumi.Input[list[str]] = settings.existing_vpc.public_subnet_ids
        private_subnet_ids: pulumi.Input[list[str]] = settings.existing_vpc.private_subnet_ids
    else:
        network = Network(
            stack,
            NetworkArgs(
                cluster_name=cluster_name,
                vpc_cidr=settings.vpc_cidr,
                zones=zones,
                nat_gateway_mode=settings.nat_gateway_mode,
                protect=settings.is_prod,
            ),
            opts=aws_opts,
        )
        vpc_id, public_subnet_ids, private_subnet_ids = (
            network.vpc_id,
            network.public_subnet_ids,
            network.private_subnet_ids,
        )

    cluster = Cluster(
        stack,
        ClusterArgs(
            cluster_name=cluster_name,
            kubernetes_version=settings.kubernetes_version,
            vpc_id=vpc_id,
            public_subnet_ids=public_subnet_ids,
            private_subnet_ids=private_subnet_ids,
            public_access_cidrs=settings.public_access_cidrs,
            admin_role_arns=settings.admin_role_arns,
            viewer_role_arns=settings.viewer_role_arns,
            log_types=list(settings.cluster_log_types),
            # EXTENDED support costs extra per cluster-hour: dev upgrades on schedule instead.
            support_type="EXTENDED" if settings.is_prod else "STANDARD",
            protect=settings.is_prod,
        ),
        opts=aws_opts,
    )
    joins = NodeGroupCluster(cluster_name, cluster.node_role_arn, private_subnet_ids, control_plane=cluster)
    node_groups = {
        group: NodeGroup(
            f"{stack}-{group.lower()}", group, spec, joins, live_desired_size=live.get(group), opts=aws_opts
        )
        for group, spec in settings.node_groups.items()
    }
    k8s_provider = kubernetes_provider(
        f"{stack}-k8s", kubeconfig=cluster.kubeconfig_json, opts=pulumi.ResourceOptions(depends_on=[cluster])
    )
    return ClusterAccess(
        k8s_provider=k8s_provider,
        cluster_name=cluster_name,
        aws_provider=aws_provider,
        cluster=cluster,
        vpc_id=vpc_id,
        oidc_provider_arn=cluster.oidc_provider_arn,
        oidc_provider_url=cluster.oidc_provider_url,
        kubeconfig=cluster.kubeconfig_json,
        node_group_names=[group.node_group_name for group in node_groups.values()],
        node_groups=dict(node_groups),
        private_subnet_ids=private_subnet_ids,
        cluster_security_group_id=cluster.cluster_security_group_id,
    )


def live_desired_sizes(cluster_name: str, region: str) -> dict[str, int]:
    """The current desired size of each node group the cluster already has; {} before the first deploy.

    The autoscaler owns a group's desired size (the program ignores changes to it), so only the
    live value tells whether a new minSize or maxSize leaves it out of range (components/node_group.py).
    Read-only calls: eks:ListClusters, eks:ListNodegroups, eks:DescribeNodegroup.
    """
    if cluster_name not in aws.eks.get_clusters(region=region).names:
        return {}
    names = aws.eks.get_node_groups(cluster_name=cluster_name, region=region).names
    sizes = {}
    for name in names:
        group = aws.eks.get_node_group(cluster_name=cluster_name, node_group_name=name, region=region)
        sizes[name] = group.scaling_configs[0].desired_size
    return sizes


def available_zones(count: int, region: str) -> list[str]:
    """The region's first `count` zones in the available state, as this account names them.

    Zone names map to physical zones per account, and a zone may be closed to new resources for
    an account (ap-northeast-2b is for many): ask EC2 rather than assume `<region>a/b/c`.
    """
    found = aws.get_availability_zones(state="available", region=region)
    names = sorted(found.names)
    if len(names) < count:
        raise pulumi.RunError(
            f"eks-platform:availabilityZones: the region offers {len(names)} available zone(s) ({', '.join(names)}); "
            f"this stack needs {count}: list them in availabilityZones or pick another region"
        )
    return names[:count]


def connect_existing(settings: Settings) -> ClusterAccess:
    """Target a cluster this stack does not own. No AWS resource is created."""
    existing = settings.existing_cluster
    assert existing is not None  # the settings model requires it when createCluster is false
    name = f"{settings.stack}-k8s"
    if existing.eks_cluster_name:
        # A read of the cluster's endpoint and CA (an invoke), never a resource.
        aws_provider = aws.Provider("aws-read", region=settings.region)
        kubeconfig = existing_eks_kubeconfig(existing.eks_cluster_name, settings.region, aws_provider)
        return ClusterAccess(kubernetes_provider(name, kubeconfig=kubeconfig), settings.resolved_cluster_name)
    return ClusterAccess(kubernetes_provider(name, context=existing.kubeconfig_context), settings.resolved_cluster_name)


def eks_exec_kubeconfig(cluster_name: str, region: str, endpoint: str, ca_data: str) -> str:
    """A kubeconfig that authenticates with `aws eks get-token` (no static credentials)."""
    return json.dumps(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {"name": cluster_name, "cluster": {"server": endpoint, "certificate-authority-data": ca_data}}
            ],
            "contexts": [{"name": cluster_name, "context": {"cluster": cluster_name, "user": cluster_name}}],
            "current-context": cluster_name,
            "users": [
                {
                    "name": cluster_name,
                    "user": {
                        "exec": {
                            "apiVersion": "client.authentication.k8s.io/v1beta1",
                            "command": "aws",
                            "args": ["eks", "get-token", "--cluster-name", cluster_name, "--region", region],
                        }
                    },
                }
            ],
        }
    )


def existing_eks_kubeconfig(cluster_name: str, region: str, aws_provider: aws.Provider) -> pulumi.Output[str]:
    """Kubeconfig for an EKS cluster this stack does not own, from a read of its endpoint."""
    found = aws.eks.get_cluster_output(name=cluster_name, opts=pulumi.InvokeOutputOptions(provider=aws_provider))
    return pulumi.Output.secret(
        pulumi.Output.all(found.endpoint, found.certificate_authorities).apply(
            lambda args: eks_exec_kubeconfig(cluster_name, region, args[0], _ca_data(args[1][0]))
        )
    )


def _ca_data(authority: object) -> str:
    """The CA bundle of a getCluster result (a typed object or, through an Output, a dict)."""
    return authority["data"] if isinstance(authority, dict) else authority.data  # type: ignore[attr-defined]


def kubernetes_provider(
    name: str,
    *,
    kubeconfig: pulumi.Input[str] | None = None,
    context: str | None = None,
    opts: pulumi.ResourceOptions | None = None,
) -> kubernetes.Provider:
    """The one Kubernetes provider every Kubernetes-side resource is created with.

    `delete_unreachable` lets `pulumi destroy` drop Kubernetes resources from the state when
    the cluster is already gone instead of hanging on an unreachable API server.
    """
    return kubernetes.Provider(name, kubeconfig=kubeconfig, context=context, delete_unreachable=True, opts=opts)
