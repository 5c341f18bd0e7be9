"""cluster-autoscaler: grows node groups when pods are pending and shrinks them when nodes idle.

It finds the node groups by the tags EKS puts on every managed node group's Auto Scaling
group (`k8s.io/cluster-autoscaler/enabled`, `k8s.io/cluster-autoscaler/<cluster>`), and can
scale PROTO-INFERENCE-NG up from zero because that group's ASG carries the node-template
label and taint tags (components/node_group.py). Its version must match the cluster's
Kubernetes minor, so both chart and image are picked from the cluster version.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi

from components import versions
from components.helm_release import UPSTREAM, ChartMirror, chart_release
from components.irsa import ServiceAccountRole, ServiceAccountRoleArgs, policy_document

NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "cluster-autoscaler"
RESOURCES = {
    "requests": {"cpu": "100m", "memory": "300Mi"},
    "limits": {"cpu": "500m", "memory": "600Mi"},  # memory grows with node and pod count
}


def pins_for(kubernetes_version: str) -> tuple[versions.Chart, str]:
    """(chart, image tag) of the cluster-autoscaler release built for this Kubernetes minor."""
    try:
        return versions.CLUSTER_AUTOSCALER_BY_KUBERNETES_VERSION[kubernetes_version]
    except KeyError:
        known = ", ".join(sorted(versions.CLUSTER_AUTOSCALER_BY_KUBERNETES_VERSION))
        raise ValueError(
            f"kubernetes_version {kubernetes_version!r}: no cluster-autoscaler pinned for it in "
            f"components/versions.py (pinned: {known})"
        ) from None


def autoscaler_policy_statements(cluster_name: str) -> list[dict[str, Any]]:
    """The upstream-documented minimal policy; it may resize only this cluster's node groups.

    EKS tags each managed node group's ASG `k8s.io/cluster-autoscaler/<cluster>: owned`, so
    the condition keeps the autoscaler away from every other ASG in the account.
    """
    return [
        {
            "Sid": "DiscoverNodeGroups",
            "Effect": "Allow",
            "Action": [
                "autoscaling:DescribeAutoScalingGroups",
                "autoscaling:DescribeAutoScalingInstances",
                "autoscaling:DescribeLaunchConfigurations",
                "autoscaling:DescribeScalingActivities",
                "autoscaling:DescribeTags",
                "ec2:DescribeImages",
                "ec2:DescribeInstanceTypes",
                "ec2:DescribeLaunchTemplateVersions",
                "ec2:GetInstanceTypesFromInstanceRequirements",
                # labels and taints of a managed node group with no node yet (scale from zero)
                "eks:DescribeNodegroup",
            ],
            "Resource": "*",
        },
        {
            "Sid": "ResizeOwnNodeGroups",
            "Effect": "Allow",
            "Action": ["autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"],
            "Resource": "*",
            "Condition": {"StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{cluster_name}": "owned"}},
        },
    ]


@dataclass(frozen=True)
class ClusterAutoscalerArgs:
    """What the ClusterAutoscaler component needs."""

    cluster_name: str
    """EKS cluster name: auto-discovery matches the node groups' ASG tags on it."""
    region: str
    """AWS region, passed explicitly (pods cannot read it from instance metadata)."""
    kubernetes_version: str
    """Cluster Kubernetes minor (e.g. 1.34): picks the autoscaler release built for it."""
    oidc_provider_arn: pulumi.Input[str]
    """ARN of the cluster's IAM OIDC provider (IRSA)."""
    oidc_provider_url: pulumi.Input[str]
    """Issuer URL of the cluster's OIDC provider."""
    scale_down_unneeded_time: str = "10m"
    """How long a node must be unneeded before it is removed."""
    scale_down_delay_after_add: str = "10m"
    """How long after a scale-up scale-down evaluation resumes."""
    scale_down_utilization_threshold: float = 0.5
    """Requested/allocatable ratio below which a node counts as unneeded."""
    expander: str = "least-waste"
    """Which node group grows when several could: least-waste, random, most-pods or priority."""
    node_selector: dict[str, str] = field(default_factory=dict)
    """Where the autoscaler runs: the system node group's label (`settings.scheduling_for("system")[0]`)."""
    kubernetes_deleted_with: pulumi.Resource | None = None
    """The cluster: the release is deleted with it. The IAM role never is (it would leak)."""
    chart_mirror: ChartMirror = UPSTREAM
    """Where the upstream chart comes from (the stack's `chartMirror`)."""


def release_values(args: ClusterAutoscalerArgs, role_arn: pulumi.Input[str]) -> dict[str, Any]:
    """Helm values of the cluster-autoscaler chart."""
    _, image_tag = pins_for(args.kubernetes_version)
    values: dict[str, Any] = {
        "cloudProvider": "aws",
        "awsRegion": args.region,
        "autoDiscovery": {"clusterName": args.cluster_name},
        "image": {"repository": versions.CLUSTER_AUTOSCALER_IMAGE, "tag": image_tag},
        "rbac": {
            "serviceAccount": {
                "create": True,
                "name": SERVICE_ACCOUNT,
                "annotations": {"eks.amazonaws.com/role-arn": role_arn},
            }
        },
        "extraArgs": {
            # one group per zone would otherwise fill one zone first
            "balance-similar-node-groups": True,
            # emptyDir is scratch space (Argo's step pods, tmp dirs): it must not pin a node forever
            "skip-nodes-with-local-storage": False,
            "expander": args.expander,
            "scale-down-unneeded-time": args.scale_down_unneeded_time,
            "scale-down-delay-after-add": args.scale_down_delay_after_add,
            # a string: Helm would print a float like 0.5 fine, but not every float (1e-05)
            "scale-down-utilization-threshold": str(args.scale_down_utilization_threshold),
        },
        "replicaCount": 1,  # one active instance anyway (leader election)
        "priorityClassName": "system-cluster-critical",
        "resources": RESOURCES,
        "nodeSelector": args.node_selector,
        # No tolerations: the autoscaler must never take room on the tainted inference nodes.
        "tolerations": [],
    }
    if args.expander == "priority":
        # The priority expander refuses to run without its ConfigMap; start with every group at
        # the same priority and let operators rank groups (by ASG name regex) from there.
        values["expanderPriorities"] = {"10": [".*"]}  # the chart renders keys through `int`
    return values


class ClusterAutoscaler(pulumi.ComponentResource):
    """cluster-autoscaler with auto-discovery by cluster tags and an IRSA role scoped to this cluster."""

    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ClusterAutoscalerArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:index:ClusterAutoscaler", name, None, opts)
        chart, _ = pins_for(args.kubernetes_version)  # fails before any resource on an unknown version
        role = ServiceAccountRole(
            f"{name}-irsa",
            ServiceAccountRoleArgs(
                oidc_provider_arn=args.oidc_provider_arn,
                oidc_provider_url=args.oidc_provider_url,
                namespace=NAMESPACE,
                service_account=SERVICE_ACCOUNT,
                policy=policy_document(autoscaler_policy_statements(args.cluster_name)),
                description=f"cluster-autoscaler of {args.cluster_name}",
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        chart_release(
            f"{name}-release",
            release_name="cluster-autoscaler",
            chart=chart,
            namespace=NAMESPACE,
            values=release_values(args, role.role_arn),
            mirror=args.chart_mirror,
            # role_arn in the values waits for the policy
            opts=pulumi.ResourceOptions(parent=self, deleted_with=args.kubernetes_deleted_with),
        )

        self.role_arn = role.role_arn
        self.register_outputs({"role_arn": self.role_arn})
