"""IAM helpers for tests of components that create IRSA roles: one OIDC provider, one way to read trust."""

from __future__ import annotations

import json
from typing import Any

from offline.mocks import Record

OIDC_ISSUER = "oidc.eks.ap-northeast-2.amazonaws.com/id/EXAMPLE"
OIDC_ARN = f"arn:aws:iam::123456789012:oidc-provider/{OIDC_ISSUER}"
OIDC_URL = f"https://{OIDC_ISSUER}"


def trust_statement(records: list[Record]) -> dict[str, Any]:
    """The single statement of the single IAM role's trust policy among `records`."""
    [role] = [r for r in records if r.type == "aws:iam/role:Role"]
    [statement] = json.loads(role.inputs["assumeRolePolicy"])["Statement"]
    return statement


def irsa_condition(namespace: str, service_account: str) -> dict[str, Any]:
    """The trust condition that admits exactly one service account, for STS only."""
    return {
        "StringEquals": {
            f"{OIDC_ISSUER}:sub": f"system:serviceaccount:{namespace}:{service_account}",
            f"{OIDC_ISSUER}:aud": "sts.amazonaws.com",
        }
    }


def actions_of(statement: dict[str, Any]) -> list[str]:
    """A statement's actions as a list (IAM allows a bare string)."""
    action = statement["Action"]
    return [action] if isinstance(action, str) else action
