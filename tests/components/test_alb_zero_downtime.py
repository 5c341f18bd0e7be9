"""Releases behind the ALB without 5xx windows: readiness gates, verified target groups, TLS 1.2+ only."""

from __future__ import annotations

import json
from typing import Any

from components.argo_rollouts import SERVICE_ACCOUNT, TARGET_GROUP_VERIFICATION, release_values
from components.argo_workflows import TLS_POLICY, alb_annotations
from components.django_app import READINESS_GATE_LABEL
from components.settings import ArgoSettings
from offline.runner import ProgramRun
from tests import upstream_charts
from tests.components.contexts import values_context

RELEASE = "kubernetes:helm.sh/v3:Release"


def release(run: ProgramRun, chart: str) -> dict[str, Any]:
    [found] = [r.plain for r in run.of_type(RELEASE) if r.plain["chart"] == chart]
    return found


def namespace_labels(run: ProgramRun, name: str) -> dict[str, str]:
    [found] = [r.plain for r in run.of_type("kubernetes:core/v1:Namespace") if r.plain["metadata"]["name"] == name]
    return found["metadata"]["labels"]


def test_the_django_namespace_gets_readiness_gates_behind_an_alb(aws_stack: ProgramRun, local: ProgramRun) -> None:
    assert namespace_labels(aws_stack, "django")[READINESS_GATE_LABEL] == "enabled"
    assert READINESS_GATE_LABEL not in namespace_labels(local, "django")  # no ALB on kind


def test_rollouts_verifies_target_groups_on_aws_with_a_read_only_role(aws_stack: ProgramRun) -> None:
    values = release(aws_stack, "argo-rollouts")["values"]
    assert values["controller"]["extraArgs"] == ["--aws-verify-target-group"]
    assert values["controller"]["extraEnv"] == [{"name": "AWS_REGION", "value": "ap-northeast-2"}]
    [role] = [r for r in aws_stack.of_type("aws:iam/role:Role") if r.name.endswith("-argo-rollouts-irsa-role")]
    assert values["serviceAccount"]["annotations"]["eks.amazonaws.com/role-arn"].endswith(f"/{role.name}")
    [statement] = json.loads(role.plain["assumeRolePolicy"])["Statement"]
    [subject] = [v for k, v in statement["Condition"]["StringEquals"].items() if k.endswith(":sub")]
    assert subject == f"system:serviceaccount:argo-rollouts:{SERVICE_ACCOUNT}"
    [policy] = [
        r for r in aws_stack.of_type("aws:iam/rolePolicy:RolePolicy") if r.name.endswith("-argo-rollouts-irsa-policy")
    ]
    [permission] = json.loads(policy.plain["policy"])["Statement"]
    assert sorted(permission["Action"]) == sorted(TARGET_GROUP_VERIFICATION)
    assert all(action.startswith("elasticloadbalancing:Describe") for action in permission["Action"])


def test_local_rollouts_runs_without_aws(local: ProgramRun) -> None:
    values = release(local, "argo-rollouts")["values"]
    assert "extraArgs" not in values["controller"] and "serviceAccount" not in values
    assert not [r for r in local.records if r.type.startswith("aws:")]


def test_the_rendered_controller_has_the_flag_the_region_and_the_annotated_account() -> None:
    role = "arn:aws:iam::123456789012:role/rollouts"
    objects = upstream_charts.render("argo-rollouts", release_values(values_context(), role), namespace="argo-rollouts")
    [deployment] = [o for o in objects if o["kind"] == "Deployment"]
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert "--aws-verify-target-group" in container["args"]
    assert {"name": "AWS_REGION", "value": "ap-northeast-2"} in container["env"]
    [account] = [o for o in objects if o["kind"] == "ServiceAccount"]
    assert (
        account["metadata"]["name"] == SERVICE_ACCOUNT == deployment["spec"]["template"]["spec"]["serviceAccountName"]
    )
    assert account["metadata"]["annotations"]["eks.amazonaws.com/role-arn"] == role


def test_both_albs_accept_tls_1_2_and_newer_only(prod: ProgramRun) -> None:
    from tests.charts.conftest import DjangoChart
    from tests.charts.test_django_chart_program_values import program_render

    ingress = program_render(DjangoChart(), prod).one("Ingress")
    assert ingress["metadata"]["annotations"]["alb.ingress.kubernetes.io/ssl-policy"] == TLS_POLICY
    argo = alb_annotations(ArgoSettings.model_validate({"ingressHost": "argo.example.com"}))
    assert argo["alb.ingress.kubernetes.io/ssl-policy"] == TLS_POLICY == "ELBSecurityPolicy-TLS13-1-2-2021-06"
