"""Argo Rollouts: the controller behind Blue/Green and Canary `Rollout`s (issue 11).

ALB traffic routing edits the Ingress annotations the AWS Load Balancer Controller reads. Where
the stack has that controller (AWS), the Rollouts controller also runs with
`--aws-verify-target-group`: before it moves on from a step, or scales down the old ReplicaSet,
it checks through the ELB API that the ALB's target groups really hold the new weights and pod
IPs (Argo Rollouts docs, "AWS Load Balancer Controller (ALB)", TargetGroup verification). Its
IRSA role allows exactly the read-only calls those docs list. The controller runs on every stack
(local too, without AWS: a Rollout needs the CRDs and the controller wherever it is applied).
"""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as kubernetes

from components import versions
from components.context import ClusterContext
from components.helm_release import chart_release
from components.irsa import policy_document
from components.namespace import platform_namespace
from components.settings import ArgoRolloutsSettings

NAMESPACE = "argo-rollouts"
# One controller watches every Rollout of the cluster; upstream's own manifests leave it
# unbounded, these bounds are generous for a few hundred Rollouts.
RESOURCES = {
    "requests": {"cpu": "100m", "memory": "128Mi"},
    "limits": {"cpu": "500m", "memory": "512Mi"},
}
# The chart's defaults, spelled out so a chart bump cannot quietly drop them (values.yaml,
# `podSecurityContext`/`containerSecurityContext`). The image's USER is a numeric non-root uid:
# the chart's own default `runAsNonRoot: true` would refuse to start it otherwise.
POD_SECURITY_CONTEXT = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
CONTAINER_SECURITY_CONTEXT = {
    "runAsNonRoot": True,
    "allowPrivilegeEscalation": False,
    "readOnlyRootFilesystem": True,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


SERVICE_ACCOUNT = "argo-rollouts"  # the chart's fullname, as it names its controller's service account
# The calls target-group verification makes (Argo Rollouts docs, features/traffic-management/alb.md).
TARGET_GROUP_VERIFICATION = [
    "elasticloadbalancing:DescribeTargetGroups",
    "elasticloadbalancing:DescribeLoadBalancers",
    "elasticloadbalancing:DescribeListeners",
    "elasticloadbalancing:DescribeRules",
    "elasticloadbalancing:DescribeTags",
    "elasticloadbalancing:DescribeTargetHealth",
]


def verification_policy() -> str:
    """Read-only ELB access; the Describe calls take no resource-level permissions, hence `*`."""
    return policy_document(
        [{"Sid": "VerifyTargetGroups", "Effect": "Allow", "Action": TARGET_GROUP_VERIFICATION, "Resource": "*"}]
    )


def release_values(ctx: ClusterContext, role_arn: pulumi.Input[str] | None = None) -> dict[str, Any]:
    """Helm values of the argo-rollouts chart (keys checked against chart 2.41.0's values.yaml).

    One active controller (leader election); prod runs a second replica with a PodDisruptionBudget.
    `role_arn`: the IRSA role of target-group verification (stacks with the ALB controller).
    """
    values: dict[str, Any] = {
        "installCRDs": True,
        # Deleting a CRD deletes every Rollout, and with it every ReplicaSet and pod it owns.
        "keepCRDs": True,
        "controller": {
            "replicas": ctx.replicas,
            "nodeSelector": ctx.system.node_selector,
            # No tolerations: the controller must never take room on the tainted inference nodes.
            "tolerations": [],
            "resources": RESOURCES,
            "pdb": {"enabled": True, "minAvailable": 1} if ctx.replicas > 1 else {"enabled": False},
            # rollout_info, analysis_run_info, ...: the Rollouts dashboard and the degraded/aborted alert.
            "metrics": {"enabled": True, "serviceMonitor": {"enabled": ctx.monitored}},
        },
        "podSecurityContext": POD_SECURITY_CONTEXT,
        "containerSecurityContext": CONTAINER_SECURITY_CONTEXT,
        # The UI is `kubectl argo rollouts dashboard` on an operator's machine, not a Service here.
        "dashboard": {"enabled": False},
    }
    if role_arn is not None:
        values["controller"]["extraArgs"] = ["--aws-verify-target-group"]
        values["controller"]["extraEnv"] = [{"name": "AWS_REGION", "value": ctx.region}]
        values["serviceAccount"] = {"annotations": {"eks.amazonaws.com/role-arn": role_arn}}
    return values


class ArgoRollouts(pulumi.ComponentResource):
    """Argo Rollouts from its official chart, pinned, in its own namespace on the system group."""

    namespace: pulumi.Output[str]
    namespace_name: str = NAMESPACE
    namespace_resource: kubernetes.core.v1.Namespace

    def __init__(
        self,
        name: str,
        settings: ArgoRolloutsSettings,
        ctx: ClusterContext,
        opts: pulumi.ResourceOptions | None = None,
    ):
        verifies = ctx.ingress_class == "alb" and ctx.owns_aws  # the ALB controller runs here
        super().__init__("platform:index:ArgoRollouts", name, None, ctx.component(opts, owns_aws=verifies))
        role_arn = None
        if verifies:
            role_arn = ctx.service_account_role(
                f"{name}-irsa",
                self,
                namespace=NAMESPACE,
                service_account=SERVICE_ACCOUNT,
                policy=verification_policy(),
                description=f"Argo Rollouts target-group verification of {ctx.cluster_name}",
            ).role_arn
        namespace = platform_namespace(
            f"{name}-ns", NAMESPACE, ctx.kubernetes(self), kubernetes_version=ctx.kubernetes_version
        )
        # It creates no Service and no Ingress, so it needs no admission webhook of the load
        # balancer controller: it installs beside it, as soon as the system group has a node.
        chart_release(
            f"{name}-release",
            release_name="argo-rollouts",
            chart=versions.ARGO_ROLLOUTS,
            namespace=NAMESPACE,
            values=release_values(ctx, role_arn),
            mirror=ctx.chart_mirror,
            opts=ctx.workload(self, ctx.system, after=[namespace], scraped=ctx.monitored),
        )

        self.namespace_resource = namespace
        self.namespace = pulumi.Output.from_input(NAMESPACE)
        self.register_outputs({"namespace": self.namespace})
