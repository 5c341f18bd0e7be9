"""cluster-autoscaler: grows node groups when pods are pending and shrinks them when nodes idle.

It finds the node groups by the tags EKS puts on every managed node group's Auto Scaling
group (`k8s.io/cluster-autoscaler/enabled`, `k8s.io/cluster-autoscaler/<cluster>`), and can
scale PROTO-INFERENCE-NG up from zero because that group's ASG carries the node-template
label and taint tags (components/node_group.py). Its version must match the cluster's
Kubernetes minor, so both chart and image are picked from the cluster version.
"""

from __future__ import annotations

from typing import Any

import pulumi

from components import versions
from components.context import ClusterContext
from components.helm_release import chart_release
from components.irsa import policy_document
from components.settings import ClusterAutoscalerSettings

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


def release_values(
    settings: ClusterAutoscalerSettings, ctx: ClusterContext, role_arn: pulumi.Input[str]
) -> dict[str, Any]:
    """Helm values of the cluster-autoscaler chart (auto-discovery by the cluster's ASG tags)."""
    _, image_tag = pins_for(ctx.kubernetes_version)
    values: dict[str, Any] = {
        "cloudProvider": "aws",
        "awsRegion": ctx.region,
        "autoDiscovery": {"clusterName": ctx.cluster_name},
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
            "expander": settings.expander,
            "scale-down-unneeded-time": settings.scale_down_unneeded_time,
            "scale-down-delay-after-add": settings.scale_down_delay_after_add,
            # a string: Helm would print a float like 0.5 fine, but not every float (1e-05)
            "scale-down-utilization-threshold": str(settings.scale_down_utilization_threshold),
            # cluster_autoscaler_node_group_{min,max,target}_count: the "node group at its max" alert
            "emit-per-nodegroup-metrics": True,
        },
        # In its own namespace (the chart's default is `monitoring`, which may not exist yet).
        "serviceMonitor": {"enabled": ctx.monitored, "namespace": NAMESPACE},
        "replicaCount": 1,  # one active instance anyway (leader election)
        "priorityClassName": "system-cluster-critical",
        "resources": RESOURCES,
        "nodeSelector": ctx.system.node_selector,
        # No tolerations: the autoscaler must never take room on the tainted inference nodes.
        "tolerations": [],
    }
    if settings.expander == "priority":
        # The priority expander refuses to run without its ConfigMap; start with every group at
        # the same priority and let operators rank groups (by ASG name regex) from there.
        values["expanderPriorities"] = {"10": [".*"]}  # the chart renders keys through `int`
    return values


class ClusterAutoscaler(pulumi.ComponentResource):
    """cluster-autoscaler with auto-discovery by cluster tags and an IRSA role scoped to this cluster."""

    role_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        settings: ClusterAutoscalerSettings,
        ctx: ClusterContext,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("platform:index:ClusterAutoscaler", name, None, ctx.component(opts, owns_aws=True))
        chart, _ = pins_for(ctx.kubernetes_version)  # fails before any resource on an unknown version
        role = ctx.service_account_role(
            f"{name}-irsa",
            self,
            namespace=NAMESPACE,
            service_account=SERVICE_ACCOUNT,
            policy=policy_document(autoscaler_policy_statements(ctx.cluster_name)),
            description=f"cluster-autoscaler of {ctx.cluster_name}",
        )
        chart_release(
            f"{name}-release",
            release_name="cluster-autoscaler",
            chart=chart,
            namespace=NAMESPACE,
            values=release_values(settings, ctx, role.role_arn),  # role_arn in the values waits for the policy
            mirror=ctx.chart_mirror,
            opts=ctx.workload(self, ctx.system, scraped=ctx.monitored),
        )

        self.role_arn = role.role_arn
        self.register_outputs({"role_arn": self.role_arn})
