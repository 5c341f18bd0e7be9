"""LoadBalancerController: IRSA scoped to its service account, upstream policy, pinned chart, off inference."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components import versions
from components.load_balancer_controller import LoadBalancerController
from components.settings import LoadBalancerControllerSettings
from offline.iam import OIDC_ARN, OIDC_URL, actions_of, irsa_condition, trust_statement
from offline.runner import record_components
from tests.components.contexts import unit_context

SYSTEM = {"node-group": "system"}
# Upstream's policy spells out every action; wildcards appear only in resource ARNs. If a
# future upstream policy needs an action wildcard, add it here with the reason.
ALLOWED_WILDCARD_ACTIONS: dict[str, str] = {}
# Deleting or reconfiguring a load balancer, target group or security group: upstream allows
# it only on resources carrying the controller's cluster tag.
TAG_SCOPED_ACTIONS = {
    "ec2:DeleteSecurityGroup",
    "elasticloadbalancing:DeleteLoadBalancer",
    "elasticloadbalancing:DeleteTargetGroup",
    "elasticloadbalancing:ModifyLoadBalancerAttributes",
    "elasticloadbalancing:ModifyTargetGroup",
    "elasticloadbalancing:ModifyTargetGroupAttributes",
    "elasticloadbalancing:SetSecurityGroups",
    "elasticloadbalancing:SetSubnets",
}


def build(**context: Any) -> tuple[list, list[str]]:
    seen: list[str] = []

    def program() -> None:
        ctx = unit_context(
            aws_stack=True,
            **{
                "cluster_name": "eks-platform-dev",
                "oidc_provider_arn": OIDC_ARN,
                "oidc_provider_url": OIDC_URL,
                **context,
            },
        )
        controller = LoadBalancerController("lbc", LoadBalancerControllerSettings(), ctx)
        controller.ingress_class_name.apply(seen.append)

    return record_components(program), seen


def one(records: list, type_: str):
    [record] = [r for r in records if r.type == type_]
    return record


def statements(records: list) -> list[dict[str, Any]]:
    return json.loads(one(records, "aws:iam/rolePolicy:RolePolicy").inputs["policy"])["Statement"]


def test_trust_policy_names_exactly_its_service_account() -> None:
    statement = trust_statement(build()[0])
    assert statement["Principal"] == {"Federated": OIDC_ARN}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == irsa_condition("kube-system", "aws-load-balancer-controller")


def test_policy_has_no_wildcard_actions_beyond_upstreams() -> None:
    policy = statements(build()[0])
    assert policy, "the controller role must carry the controller policy"
    for statement in policy:
        assert statement["Effect"] == "Allow"
        for action in actions_of(statement):
            service, _, name = action.partition(":")
            assert service and name, action
            assert "*" not in action or action in ALLOWED_WILDCARD_ACTIONS, f"wildcard action {action}"


def test_destructive_actions_only_on_resources_the_controller_tagged() -> None:
    policy = statements(build()[0])
    granted = {action for statement in policy for action in actions_of(statement)}
    assert granted >= TAG_SCOPED_ACTIONS
    for statement in policy:
        if TAG_SCOPED_ACTIONS & set(actions_of(statement)):
            assert statement["Condition"] == {"Null": {"aws:ResourceTag/elbv2.k8s.aws/cluster": "false"}}, statement


def test_iam_permissions_are_limited_to_the_elb_service_linked_role_and_certificates() -> None:
    policy = statements(build()[0])
    iam_actions = {a for s in policy for a in actions_of(s) if a.startswith("iam:")}
    assert iam_actions == {"iam:CreateServiceLinkedRole", "iam:ListServerCertificates", "iam:GetServerCertificate"}
    [linked_role] = [s for s in policy if "iam:CreateServiceLinkedRole" in actions_of(s)]
    assert actions_of(linked_role) == ["iam:CreateServiceLinkedRole"]
    assert linked_role["Condition"] == {"StringEquals": {"iam:AWSServiceName": "elasticloadbalancing.amazonaws.com"}}


def test_policy_fits_the_inline_role_policy_quota() -> None:
    # IAM counts an inline role policy without whitespace against 10,240 characters.
    document = one(build()[0], "aws:iam/rolePolicy:RolePolicy").inputs["policy"]
    assert len("".join(document.split())) < 10_240


def test_release_is_the_pinned_chart_from_eks_charts() -> None:
    release = one(build()[0], "kubernetes:helm.sh/v3:Release").inputs
    assert release["chart"] == "aws-load-balancer-controller"
    assert release["version"] == versions.LOAD_BALANCER_CONTROLLER.version
    assert release["repositoryOpts"]["repo"] == versions.EKS_CHARTS_REPO == "https://aws.github.io/eks-charts"
    assert release["namespace"] == "kube-system"
    assert release["values"]["image"] == {
        "repository": versions.LOAD_BALANCER_CONTROLLER_IMAGE,
        "tag": versions.LOAD_BALANCER_CONTROLLER_TAG,
    }
    assert release["skipAwait"] is False and release["atomic"] is True and release["cleanupOnFail"] is True
    assert release["timeout"] > 0


def test_region_vpc_and_role_are_passed_explicitly() -> None:
    records, _ = build()
    values = one(records, "kubernetes:helm.sh/v3:Release").inputs["values"]
    assert values["clusterName"] == "eks-platform-dev"
    assert values["region"] == "ap-northeast-2"
    assert values["vpcId"] == "vpc-0123456789abcdef0"
    role = one(records, "aws:iam/role:Role")
    assert values["serviceAccount"] == {
        "create": True,
        "name": "aws-load-balancer-controller",
        "annotations": {"eks.amazonaws.com/role-arn": f"arn:aws:iam::123456789012:role/{role.name}"},
    }


def test_release_waits_for_the_role_policy() -> None:
    records, _ = build()
    release = one(records, "kubernetes:helm.sh/v3:Release")
    assert one(records, "aws:iam/rolePolicy:RolePolicy").urn in release.dependencies


def test_alb_is_the_default_ingress_class_and_exported() -> None:
    records, seen = build()
    values = one(records, "kubernetes:helm.sh/v3:Release").inputs["values"]
    assert values["ingressClass"] == "alb"
    assert values["createIngressClassResource"] is True
    assert values["ingressClassConfig"] == {"default": True}
    assert seen == ["alb"]


def test_runs_on_the_system_group_with_requests_limits_and_a_disruption_budget() -> None:
    values = one(build()[0], "kubernetes:helm.sh/v3:Release").inputs["values"]
    assert values["nodeSelector"] == SYSTEM
    assert values["replicaCount"] == 2
    assert values["podDisruptionBudget"] == {"maxUnavailable": 1}
    assert set(values["resources"]) == {"requests", "limits"}
    for kind in ("requests", "limits"):
        assert set(values["resources"][kind]) == {"cpu", "memory"}


def test_nothing_lands_on_the_inference_group() -> None:
    values = one(build()[0], "kubernetes:helm.sh/v3:Release").inputs["values"]
    assert values["tolerations"] == []
    rendered = json.dumps(values)
    assert "PROTO-INFERENCE-NG" not in rendered and "proto-inference" not in rendered


def test_other_partitions_are_refused() -> None:
    with pytest.raises(ValueError, match=r"us-gov-west-1.*partition"):
        build(region="us-gov-west-1")


def test_the_rendered_chart_has_no_service_webhook_but_keeps_the_ingress_one() -> None:
    """The real chart with the component's values: Services are never intercepted, Ingresses are validated."""
    from components.load_balancer_controller import release_values
    from tests import upstream_charts
    from tests.components.contexts import values_context

    values = release_values(values_context(vpc_id="vpc-0123456789abcdef0"), "arn:aws:iam::123456789012:role/lbc")
    objects = upstream_charts.render("aws-load-balancer-controller", values, namespace="kube-system")
    webhooks = {
        webhook["name"]: webhook
        for o in objects
        if o["kind"] in ("MutatingWebhookConfiguration", "ValidatingWebhookConfiguration")
        for webhook in o["webhooks"]
    }
    assert "mservice.elbv2.k8s.aws" not in webhooks
    assert not [name for name, w in webhooks.items() if any("services" in r["resources"] for r in w["rules"])]
    assert webhooks["vingress.elbv2.k8s.aws"]["failurePolicy"] == "Fail"
