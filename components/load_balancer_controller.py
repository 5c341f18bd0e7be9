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

from dataclasses import dataclass, field
from typing import Any

import pulumi

from components import versions
from components.helm_release import UPSTREAM, ChartMirror, chart_release
from components.irsa import ServiceAccountRole, ServiceAccountRoleArgs, policy_document

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


@dataclass(frozen=True)
class LoadBalancerControllerArgs:
    """What the LoadBalancerController component needs."""

    cluster_name: str
    """EKS cluster name; the controller tags what it creates with it."""
    region: str
    """AWS region, passed explicitly (pods cannot read it from instance metadata)."""
    vpc_id: pulumi.Input[str]
    """VPC of the cluster, passed explicitly for the same reason."""
    oidc_provider_arn: pulumi.Input[str]
    """ARN of the cluster's IAM OIDC provider (IRSA)."""
    oidc_provider_url: pulumi.Input[str]
    """Issuer URL of the cluster's OIDC provider."""
    node_selector: dict[str, str] = field(default_factory=dict)
    """Where the controller runs: the system node group's label (`settings.scheduling_for("system")[0]`)."""
    replicas: int = 2
    """Controller replicas; it also serves admission webhooks, so more than one (with a PodDisruptionBudget)."""
    default_ingress_class: bool = True
    """Make the `alb` IngressClass the cluster default (Ingresses without a class get an ALB)."""
    kubernetes_deleted_with: pulumi.Resource | None = None
    """The cluster: the release is deleted with it. The IAM role never is (it would leak)."""
    chart_mirror: ChartMirror = UPSTREAM
    """Where the upstream chart comes from (the stack's `chartMirror`)."""


def release_values(args: LoadBalancerControllerArgs, role_arn: pulumi.Input[str]) -> dict[str, Any]:
    """Helm values of the aws-load-balancer-controller chart."""
    values: dict[str, Any] = {
        "clusterName": args.cluster_name,
        "region": args.region,
        "vpcId": args.vpc_id,
        "replicaCount": args.replicas,
        "image": {"repository": versions.LOAD_BALANCER_CONTROLLER_IMAGE, "tag": versions.LOAD_BALANCER_CONTROLLER_TAG},
        "serviceAccount": {
            "create": True,
            "name": SERVICE_ACCOUNT,
            "annotations": {"eks.amazonaws.com/role-arn": role_arn},
        },
        "ingressClass": INGRESS_CLASS,
        "createIngressClassResource": True,
        "ingressClassConfig": {"default": args.default_ingress_class},
        "resources": RESOURCES,
        "nodeSelector": args.node_selector,
        # No tolerations: the controller must never take room on the tainted inference nodes.
        "tolerations": [],
    }
    if args.replicas > 1:
        values["podDisruptionBudget"] = {"maxUnavailable": 1}
    return values


class LoadBalancerController(pulumi.ComponentResource):
    """The AWS Load Balancer Controller with its IRSA role; provides the `alb` IngressClass."""

    ingress_class_name: pulumi.Output[str]
    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: LoadBalancerControllerArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:index:LoadBalancerController", name, None, opts)
        if args.region.startswith(("cn-", "us-gov-")):
            raise ValueError(
                f"region {args.region!r}: the controller policy here is the commercial-partition one (arn:aws); "
                "aws-cn and aws-us-gov need upstream's partition-specific policy"
            )
        role = ServiceAccountRole(
            f"{name}-irsa",
            ServiceAccountRoleArgs(
                oidc_provider_arn=args.oidc_provider_arn,
                oidc_provider_url=args.oidc_provider_url,
                namespace=NAMESPACE,
                service_account=SERVICE_ACCOUNT,
                policy=policy_document(controller_policy_statements()),
                description=f"AWS Load Balancer Controller of {args.cluster_name}",
            ),
            opts=pulumi.ResourceOptions(parent=self),
        )
        chart_release(
            f"{name}-release",
            release_name="aws-load-balancer-controller",
            chart=versions.LOAD_BALANCER_CONTROLLER,
            namespace=NAMESPACE,
            values=release_values(args, role.role_arn),
            mirror=args.chart_mirror,
            # no depends_on needed: role_arn in the values resolves only once the policy is attached
            opts=pulumi.ResourceOptions(parent=self, deleted_with=args.kubernetes_deleted_with),
        )

        self.ingress_class_name = pulumi.Output.from_input(INGRESS_CLASS)
        self.role_arn = role.role_arn
        self.register_outputs({"ingress_class_name": self.ingress_class_name, "role_arn": self.role_arn})
