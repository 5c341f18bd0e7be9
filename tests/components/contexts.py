"""ClusterContexts for component unit tests: a component's own settings section plus one of these."""

from __future__ import annotations

from typing import Any

import pulumi_aws as aws
import pulumi_kubernetes as kubernetes

from components.context import ClusterContext, Placement

SYSTEM = Placement("system", {"node-group": "system"})
INFERENCE = Placement(
    "PROTO-INFERENCE-NG",
    {"node-group": "PROTO-INFERENCE-NG"},
    [{"key": "dedicated", "operator": "Equal", "value": "proto-inference", "effect": "NoSchedule"}],
)
OIDC_ARN = "arn:aws:iam::123456789012:oidc-provider/oidc.eks.ap-northeast-2.amazonaws.com/id/EXAMPLE"
OIDC_URL = "https://oidc.eks.ap-northeast-2.amazonaws.com/id/EXAMPLE"


def values_context(**overrides: Any) -> ClusterContext:
    """A context for functions that only compute values (no providers: nothing is registered)."""
    fields: dict[str, Any] = {
        "stack": "unit",
        "environment": "dev",
        "region": "ap-northeast-2",
        "kubernetes_version": "1.34",
        "cluster_name": "c1",
        "k8s_provider": None,
        "system": SYSTEM,
        "inference": INFERENCE,
    }
    return ClusterContext(**{**fields, **overrides})


def unit_context(*, aws_stack: bool = False, **overrides: Any) -> ClusterContext:
    """A context with real (mocked) providers: call it inside `record_components`.

    `aws_stack`: the stack owns AWS (an AWS provider, a VPC and the cluster's OIDC provider).
    """
    fields: dict[str, Any] = {"k8s_provider": kubernetes.Provider("k8s")}
    if aws_stack:
        fields |= {
            "aws_provider": aws.Provider("aws", region="ap-northeast-2"),
            "vpc_id": "vpc-0123456789abcdef0",
            "oidc_provider_arn": OIDC_ARN,
            "oidc_provider_url": OIDC_URL,
        }
    return values_context(**{**fields, **overrides})
