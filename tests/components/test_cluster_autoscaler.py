"""ClusterAutoscaler: IRSA scoped to its service account and cluster, discovery, config, version match."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components import versions
from components.cluster_autoscaler import ClusterAutoscaler
from components.settings import SUPPORTED_KUBERNETES_VERSIONS, ClusterAutoscalerSettings
from offline.iam import OIDC_ARN, OIDC_URL, actions_of, irsa_condition, trust_statement
from offline.runner import record_components
from tests.components.contexts import unit_context

SYSTEM = {"node-group": "system"}
CLUSTER = "eks-platform-dev"
# The documented minimal policy spells out every action. If upstream ever needs an action
# wildcard, add it here with the reason.
ALLOWED_WILDCARD_ACTIONS: dict[str, str] = {}
RESIZE_ACTIONS = {"autoscaling:SetDesiredCapacity", "autoscaling:TerminateInstanceInAutoScalingGroup"}


def build(kubernetes_version: str = "1.34", **settings: Any) -> list:
    """The component with `settings` (the `addons.clusterAutoscaler` section) on a 1.34 cluster by default."""
    return record_components(
        lambda: ClusterAutoscaler(
            "ca",
            ClusterAutoscalerSettings(**settings),
            unit_context(
                aws_stack=True,
                cluster_name=CLUSTER,
                kubernetes_version=kubernetes_version,
                oidc_provider_arn=OIDC_ARN,
                oidc_provider_url=OIDC_URL,
            ),
        )
    )


def one(records: list, type_: str):
    [record] = [r for r in records if r.type == type_]
    return record


def values_of(records: list) -> dict[str, Any]:
    return one(records, "kubernetes:helm.sh/v3:Release").inputs["values"]


def statements(records: list) -> list[dict[str, Any]]:
    return json.loads(one(records, "aws:iam/rolePolicy:RolePolicy").inputs["policy"])["Statement"]


def test_trust_policy_names_exactly_its_service_account() -> None:
    statement = trust_statement(build())
    assert statement["Principal"] == {"Federated": OIDC_ARN}
    assert statement["Action"] == "sts:AssumeRoleWithWebIdentity"
    assert statement["Condition"] == irsa_condition("kube-system", "cluster-autoscaler")


def test_policy_is_explicit_and_resizes_only_this_clusters_groups() -> None:
    policy = statements(build())
    granted = {action for statement in policy for action in actions_of(statement)}
    assert granted >= RESIZE_ACTIONS | {"autoscaling:DescribeAutoScalingGroups", "eks:DescribeNodegroup"}
    for statement in policy:
        assert statement["Effect"] == "Allow"
        for action in actions_of(statement):
            assert "*" not in action or action in ALLOWED_WILDCARD_ACTIONS, f"wildcard action {action}"
        mutating = {a for a in actions_of(statement) if not a.split(":")[1].startswith(("Describe", "Get"))}
        if mutating:
            assert mutating <= RESIZE_ACTIONS, mutating
            assert statement["Condition"] == {
                "StringEquals": {f"aws:ResourceTag/k8s.io/cluster-autoscaler/{CLUSTER}": "owned"}
            }


def test_autodiscovery_by_cluster_tags_with_balancing() -> None:
    values = values_of(build())
    assert values["cloudProvider"] == "aws"
    assert values["autoDiscovery"] == {"clusterName": CLUSTER}
    assert values["awsRegion"] == "ap-northeast-2"
    assert values["extraArgs"]["balance-similar-node-groups"] is True


def test_scale_down_settings_come_from_config() -> None:
    values = values_of(
        build(
            scale_down_unneeded_time="5m",
            scale_down_delay_after_add="15m",
            scale_down_utilization_threshold=0.65,
            expander="most-pods",
        )
    )
    extra = values["extraArgs"]
    assert extra["scale-down-unneeded-time"] == "5m"
    assert extra["scale-down-delay-after-add"] == "15m"
    assert extra["scale-down-utilization-threshold"] == "0.65"
    assert extra["expander"] == "most-pods"
    assert "expanderPriorities" not in values


def test_priority_expander_gets_its_priorities() -> None:
    values = values_of(build(expander="priority"))
    assert values["extraArgs"]["expander"] == "priority"
    assert values["expanderPriorities"] == {"10": [".*"]}


def test_service_account_carries_the_role() -> None:
    records = build()
    role = one(records, "aws:iam/role:Role")
    assert values_of(records)["rbac"]["serviceAccount"] == {
        "create": True,
        "name": "cluster-autoscaler",
        "annotations": {"eks.amazonaws.com/role-arn": f"arn:aws:iam::123456789012:role/{role.name}"},
    }
    release = one(records, "kubernetes:helm.sh/v3:Release")
    assert one(records, "aws:iam/rolePolicy:RolePolicy").urn in release.dependencies


@pytest.mark.parametrize("minor", SUPPORTED_KUBERNETES_VERSIONS)
def test_chart_and_image_match_the_clusters_kubernetes_minor(minor: str) -> None:
    records = build(kubernetes_version=minor)
    release = one(records, "kubernetes:helm.sh/v3:Release").inputs
    chart, tag = versions.CLUSTER_AUTOSCALER_BY_KUBERNETES_VERSION[minor]
    assert release["chart"] == "cluster-autoscaler"
    assert release["version"] == chart.version
    assert (
        release["repositoryOpts"]["repo"] == versions.AUTOSCALER_HELM_REPO == "https://kubernetes.github.io/autoscaler"
    )
    assert release["namespace"] == "kube-system"
    assert release["values"]["image"] == {"repository": versions.CLUSTER_AUTOSCALER_IMAGE, "tag": tag}
    assert tag.startswith(f"v{minor}.")
    assert release["skipAwait"] is False and release["atomic"] is True and release["cleanupOnFail"] is True


def test_unpinned_kubernetes_version_fails_before_any_resource() -> None:
    with pytest.raises(ValueError, match=r"'1\.99'.*1\.33, 1\.34, 1\.35"):
        build(kubernetes_version="1.99")


def test_runs_on_the_system_group_with_requests_and_limits() -> None:
    values = values_of(build())
    assert values["nodeSelector"] == SYSTEM
    assert set(values["resources"]) == {"requests", "limits"}
    for kind in ("requests", "limits"):
        assert set(values["resources"][kind]) == {"cpu", "memory"}


def test_nothing_lands_on_the_inference_group() -> None:
    values = values_of(build())
    assert values["tolerations"] == []
    rendered = json.dumps(values)
    assert "PROTO-INFERENCE-NG" not in rendered and "proto-inference" not in rendered
