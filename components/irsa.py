"""IAM roles for service accounts (IRSA): an IAM role only one Kubernetes service account can assume."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws


def trust_policy(
    oidc_provider_arn: str, oidc_provider_url: str, namespace: str, service_account: str, *more_namespaces: str
) -> str:
    """A trust policy naming exactly one service account (of one namespace, or of each listed), for STS only."""
    issuer = oidc_provider_url.removeprefix("https://")
    subjects = [f"system:serviceaccount:{ns}:{service_account}" for ns in (namespace, *more_namespaces)]
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Federated": oidc_provider_arn},
                    "Action": "sts:AssumeRoleWithWebIdentity",
                    "Condition": {
                        "StringEquals": {
                            # StringEquals with a list admits any one of them
                            f"{issuer}:sub": subjects[0] if len(subjects) == 1 else subjects,
                            f"{issuer}:aud": "sts.amazonaws.com",
                        }
                    },
                }
            ],
        },
        sort_keys=True,
    )


@dataclass(frozen=True)
class ServiceAccountRoleArgs:
    """What the ServiceAccountRole component needs."""

    oidc_provider_arn: pulumi.Input[str]
    """ARN of the cluster's IAM OIDC provider."""
    oidc_provider_url: pulumi.Input[str]
    """Issuer URL of the cluster's OIDC provider (https://oidc.eks...)."""
    namespace: str
    """Namespace of the service account."""
    service_account: str
    """Name of the service account allowed to assume the role."""
    also_in_namespaces: tuple[str, ...] = ()
    """Other namespaces whose service account of the same name may assume it too (a chart that
    creates it, role annotation included, in each of several namespaces)."""
    policy: pulumi.Input[str] | None = None
    """Inline permissions (JSON policy document); None for a role with managed policies only."""
    managed_policy_arns: list[str] = field(default_factory=list)
    """AWS-managed policies to attach."""
    description: str = ""
    """What the role is for."""


class ServiceAccountRole(pulumi.ComponentResource):
    """An IAM role assumable only by one service account, with its permissions."""

    role_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ServiceAccountRoleArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:index:ServiceAccountRole", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-role",
            description=args.description or f"IRSA for {args.namespace}/{args.service_account}",
            assume_role_policy=pulumi.Output.all(args.oidc_provider_arn, args.oidc_provider_url).apply(
                lambda ids: trust_policy(ids[0], ids[1], args.namespace, args.service_account, *args.also_in_namespaces)
            ),
            opts=child,
        )
        permissions: list[pulumi.CustomResource] = []
        if args.policy is not None:
            permissions.append(
                aws.iam.RolePolicy(
                    f"{name}-policy", role=role.id, policy=args.policy, opts=pulumi.ResourceOptions(parent=role)
                )
            )
        for index, arn in enumerate(args.managed_policy_arns):
            permissions.append(
                aws.iam.RolePolicyAttachment(
                    f"{name}-managed-{index}", role=role.name, policy_arn=arn, opts=pulumi.ResourceOptions(parent=role)
                )
            )
        # Whatever uses the ARN (a service account annotation) must wait for the permissions too,
        # not just the role: `depends_on` this component does not reach the role's own children.
        self.role_arn = pulumi.Output.all(role.arn, *[p.id for p in permissions]).apply(lambda ids: ids[0])
        self.register_outputs({"role_arn": self.role_arn})


def policy_document(statements: list[dict[str, Any]]) -> str:
    """A JSON IAM policy document from statements."""
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, sort_keys=True)
