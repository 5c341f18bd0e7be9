"""AWS Load Balancer Controller: turns the Django Ingress into an ALB (and LoadBalancer Services into NLBs).

Installed from the eks-charts repository with an IRSA role that only its service account can
assume, carrying AWS's published controller policy (`docs/install/iam_policy.json` of
kubernetes-sigs/aws-load-balancer-controller, v2.14+ layout, unchanged through v2.17). Region and
VPC id are passed explicitly: the nodes' instance metadata allows one hop only, so the
controller's pods cannot look them up there.

Helm installs the chart's CRDs (TargetGroupBinding, IngressClassParams) on first install and
never upgrades them; a chart bump needs them applied by hand (see components/versions.py).
"""

from __future__ import annotations

from typing import Any

import pulumi

from components import versions
from components.context import ClusterContext
from components.helm_release import chart_release
from components.irsa import policy_document
from components.settings import LoadBalancerControllerSettings

NAMESPACE = "kube-system"
SERVICE_ACCOUNT = "aws-load-balancer-controller"
INGRESS_CLASS = "alb"
# Tag the controller puts on everything it creates; upstream scopes every destructive action to it.
CLUSTER_TAG = "elbv2.k8s.aws/cluster"
RESOURCES = {
    "requests": {"cpu": "50m", "memory": "128Mi"},
    "limits": {"cpu": "500m", "memory": "512Mi"},  # memory grows with Ingress/Service/target count
}

_REQUEST_TAGGED = {"Null": {f"aws:RequestTag/{CLUSTER_TAG}": "false"}}
_RESOURCE_TAGGED = {"Null": {f"aws:ResourceTag/{CLUSTER_TAG}": "false"}}
# Changing tags of something the controller owns, as long as the call does not touch its own tag.
_OWNED_TAGS_UNTOUCHED = {"Null": {f"aws:RequestTag/{CLUSTER_TAG}": "true", f"aws:ResourceTag/{CLUSTER_TAG}": "false"}}
_ELB = "arn:aws:elasticloadbalancing:*:*"
_TARGET_GROUPS_AND_BALANCERS = [
    f"{_ELB}:targetgroup/*/*",
    f"{_ELB}:loadbalancer/net/*/*",
    f"{_ELB}:loadbalancer/app/*/*",
]
_LISTENERS_AND_RULES = [
    f"{_ELB}:listener/net/*/*/*",
    f"{_ELB}:listener/app/*/*/*",
    f"{_ELB}:listener-rule/net/*/*/*",
    f"{_ELB}:listener-rule/app/*/*/*",
]
_SECURITY_GROUPS = "arn:aws:ec2:*:*:security-group/*"


def _allow(sid: str, actions: list[str], resource: str | list[str] = "*", condition: dict | None = None) -> dict:
    statement: dict[str, Any] = {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": resource}
    if condition:
        statement["Condition"] = condition
    return statement


def controller_policy_statements() -> list[dict[str, Any]]:
    """AWS's published controller policy, statement for statement (Sids added to say what each is for).

    Commercial partition only (`arn:aws`): upstream publishes separate documents for aws-cn and
    aws-us-gov. Every action is spelled out; upstream uses no action wildcards.
    """
    return [
        _allow(
            "CreateElbServiceLinkedRole",
            ["iam:CreateServiceLinkedRole"],
            condition={"StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}},
        ),
        _allow(
            "DescribeNetworkAndLoadBalancers",
            [
                "ec2:DescribeAccountAttributes",
                "ec2:DescribeAddresses",
                "ec2:DescribeAvailabilityZones",
                "ec2:DescribeInternetGateways",
                "ec2:DescribeVpcs",
                "ec2:DescribeVpcPeeringConnections",
                "ec2:DescribeSubnets",
                "ec2:DescribeSecurityGroups",
                "ec2:DescribeInstances",
                "ec2:DescribeNetworkInterfaces",
                "ec2:DescribeTags",
                "ec2:GetCoipPoolUsage",
                "ec2:DescribeCoipPools",
                "ec2:GetSecurityGroupsForVpc",
                "ec2:DescribeIpamPools",
                "ec2:DescribeRouteTables",
                "elasticloadbalancing:DescribeLoadBalancers",
                "elasticloadbalancing:DescribeLoadBalancerAttributes",
                "elasticloadbalancing:DescribeListeners",
                "elasticloadbalancing:DescribeListenerCertificates",
                "elasticloadbalancing:DescribeSSLPolicies",
                "elasticloadbalancing:DescribeRules",
                "elasticloadbalancing:DescribeTargetGroups",
                "elasticloadbalancing:DescribeTargetGroupAttributes",
                "elasticloadbalancing:DescribeTargetHealth",
                "elasticloadbalancing:DescribeTags",
                "elasticloadbalancing:DescribeTrustStores",
                "elasticloadbalancing:DescribeListenerAttributes",
                "elasticloadbalancing:DescribeCapacityReservation",
            ],
        ),
        _allow(
            "CertificatesAuthAndFirewalls",  # TLS certificates, Cognito auth, WAF and Shield on ALBs
            [
                "cognito-idp:DescribeUserPoolClient",
                "acm:ListCertificates",
                "acm:DescribeCertificate",
                "iam:ListServerCertificates",
                "iam:GetServerCertificate",
                "waf-regional:GetWebACL",
                "waf-regional:GetWebACLForResource",
                "waf-regional:AssociateWebACL",
                "waf-regional:DisassociateWebACL",
                "wafv2:GetWebACL",
                "wafv2:GetWebACLForResource",
                "wafv2:AssociateWebACL",
                "wafv2:DisassociateWebACL",
                "shield:GetSubscriptionState",
                "shield:DescribeProtection",
                "shield:CreateProtection",
                "shield:DeleteProtection",
            ],
        ),
        # Node security groups are not the controller's: it only adds and removes the rules
        # that let its load balancers reach the targets.
        _allow("OpenNodeSecurityGroups", ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress"]),
        _allow("CreateSecurityGroups", ["ec2:CreateSecurityGroup"]),
        _allow(
            "TagNewSecurityGroups",
            ["ec2:CreateTags"],
            _SECURITY_GROUPS,
            {"StringEquals": {"ec2:CreateAction": "CreateSecurityGroup"}, **_REQUEST_TAGGED},
        ),
        _allow("RetagOwnSecurityGroups", ["ec2:CreateTags", "ec2:DeleteTags"], _SECURITY_GROUPS, _OWNED_TAGS_UNTOUCHED),
        _allow(
            "ManageOwnSecurityGroups",
            ["ec2:AuthorizeSecurityGroupIngress", "ec2:RevokeSecurityGroupIngress", "ec2:DeleteSecurityGroup"],
            condition=_RESOURCE_TAGGED,
        ),
        _allow(
            "CreateTaggedLoadBalancers",
            ["elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup"],
            condition=_REQUEST_TAGGED,
        ),
        _allow(
            "ManageListenersAndRules",
            [
                "elasticloadbalancing:CreateListener",
                "elasticloadbalancing:DeleteListener",
                "elasticloadbalancing:CreateRule",
                "elasticloadbalancing:DeleteRule",
            ],
        ),
        _allow(
            "RetagOwnLoadBalancers",
            ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            _TARGET_GROUPS_AND_BALANCERS,
            _OWNED_TAGS_UNTOUCHED,
        ),
        _allow(
            "TagListenersAndRules",
            ["elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"],
            _LISTENERS_AND_RULES,
        ),
        _allow(
            "ManageOwnLoadBalancers",
            [
                "elasticloadbalancing:ModifyLoadBalancerAttributes",
                "elasticloadbalancing:SetIpAddressType",
                "elasticloadbalancing:SetSecurityGroups",
                "elasticloadbalancing:SetSubnets",
                "elasticloadbalancing:DeleteLoadBalancer",
                "elasticloadbalancing:ModifyTargetGroup",
                "elasticloadbalancing:ModifyTargetGroupAttributes",
                "elasticloadbalancing:DeleteTargetGroup",
                "elasticloadbalancing:ModifyListenerAttributes",
                "elasticloadbalancing:ModifyCapacityReservation",
                "elasticloadbalancing:ModifyIpPools",
            ],
            condition=_RESOURCE_TAGGED,
        ),
        _allow(
            "TagOnCreate",
            ["elasticloadbalancing:AddTags"],
            _TARGET_GROUPS_AND_BALANCERS,
            {
                "StringEquals": {"elasticloadbalancing:CreateAction": ["CreateTargetGroup", "CreateLoadBalancer"]},
                **_REQUEST_TAGGED,
            },
        ),
        _allow(
            "RegisterTargets",
            ["elasticloadbalancing:RegisterTargets", "elasticloadbalancing:DeregisterTargets"],
            f"{_ELB}:targetgroup/*/*",
        ),
        _allow(
            "ConfigureListeners",
            [
                "elasticloadbalancing:SetWebAcl",
                "elasticloadbalancing:ModifyListener",
                "elasticloadbalancing:AddListenerCertificates",
                "elasticloadbalancing:RemoveListenerCertificates",
                "elasticloadbalancing:ModifyRule",
                "elasticloadbalancing:SetRulePriorities",
            ],
        ),
    ]


REPLICAS = 2
"""It also serves admission webhooks: more than one replica, with a PodDisruptionBudget."""


def release_values(ctx: ClusterContext, role_arn: pulumi.Input[str]) -> dict[str, Any]:
    """Helm values of the aws-load-balancer-controller chart; its `alb` IngressClass is the cluster default."""
    return {
        "clusterName": ctx.cluster_name,
        "region": ctx.region,
        "vpcId": ctx.vpc_id,
        "replicaCount": REPLICAS,
        "image": {"repository": versions.LOAD_BALANCER_CONTROLLER_IMAGE, "tag": versions.LOAD_BALANCER_CONTROLLER_TAG},
        "serviceAccount": {
            "create": True,
            "name": SERVICE_ACCOUNT,
            "annotations": {"eks.amazonaws.com/role-arn": role_arn},
        },
        "ingressClass": INGRESS_CLASS,
        "createIngressClassResource": True,
        "ingressClassConfig": {"default": True},
        "resources": RESOURCES,
        "nodeSelector": ctx.system.node_selector,
        # No tolerations: the controller must never take room on the tainted inference nodes.
        "tolerations": [],
        "podDisruptionBudget": {"maxUnavailable": 1},
        # Off: with it, every Service CREATE in the cluster (failurePolicy Fail) waits for this
        # controller's pods, so every release would install after it. The platform creates no
        # LoadBalancer Service but through charts/django, whose values files name the class
        # (service.loadBalancerClass: service.k8s.aws/nlb) that the webhook would have defaulted.
        "enableServiceMutatorWebhook": False,
        # Its controller-runtime and ALB metrics, scraped where monitoring runs (always true here:
        # the controller runs only on AWS stacks, monitoring is on by default).
        "serviceMonitor": {"enabled": ctx.monitored, "namespace": NAMESPACE},
    }


class LoadBalancerController(pulumi.ComponentResource):
    """The AWS Load Balancer Controller with its IRSA role; provides the `alb` IngressClass."""

    ingress_class_name: pulumi.Output[str]
    role_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        settings: LoadBalancerControllerSettings,
        ctx: ClusterContext,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("platform:index:LoadBalancerController", name, None, ctx.component(opts, owns_aws=True))
        if ctx.region.startswith(("cn-", "us-gov-")):
            raise ValueError(
                f"region {ctx.region!r}: the controller policy here is the commercial-partition one (arn:aws); "
                "aws-cn and aws-us-gov need upstream's partition-specific policy"
            )
        role = ctx.service_account_role(
            f"{name}-irsa",
            self,
            namespace=NAMESPACE,
            service_account=SERVICE_ACCOUNT,
            policy=policy_document(controller_policy_statements()),
            description=f"AWS Load Balancer Controller of {ctx.cluster_name}",
        )
        chart_release(
            f"{name}-release",
            release_name="aws-load-balancer-controller",
            chart=versions.LOAD_BALANCER_CONTROLLER,
            namespace=NAMESPACE,
            # role_arn in the values resolves only once the policy is attached: no depends_on needed
            values=release_values(ctx, role.role_arn),
            mirror=ctx.chart_mirror,
            opts=ctx.workload(self, ctx.system, scraped=ctx.monitored),
        )

        self.ingress_class_name = pulumi.Output.from_input(INGRESS_CLASS)
        self.role_arn = role.role_arn
        self.register_outputs({"ingress_class_name": self.ingress_class_name, "role_arn": self.role_arn})
