"""prod-resources-protected: prod's cluster, VPC and KMS key cannot be deleted by accident."""

from __future__ import annotations

import pytest

from policy.eks_platform_policy import StackContext
from policy.eks_platform_policy.protection import PROTECTED_IN_PROD, prod_protected_policy
from tests.policy.builders import resource, run

PROD = StackContext(stack="prod", environment="prod")
DEV = StackContext(stack="dev", environment="dev")


@pytest.mark.parametrize("type_", sorted(PROTECTED_IN_PROD))
def test_protected_in_prod_passes(type_: str) -> None:
    assert run(prod_protected_policy(PROD), resource(type_, {}, protect=True)).passed


@pytest.mark.parametrize("type_", sorted(PROTECTED_IN_PROD))
def test_unprotected_in_prod_fails(type_: str) -> None:
    outcome = run(prod_protected_policy(PROD), resource(type_, {}, protect=False))
    assert outcome.violations == [
        f"This prod {PROTECTED_IN_PROD[type_]} is not protected (resource option protect=True)."
    ]


def test_a_stack_named_prod_is_prod_whatever_its_environment_key_says() -> None:
    renamed = StackContext(stack="prod", environment="dev")
    assert run(prod_protected_policy(renamed), resource("aws:ec2/vpc:Vpc", {}, protect=False)).violations


def test_not_applicable_outside_prod() -> None:
    assert run(prod_protected_policy(DEV), resource("aws:kms/key:Key", {}, protect=False)).not_applicable


def test_other_resources_need_no_protection() -> None:
    assert run(prod_protected_policy(PROD), resource("aws:ec2/subnet:Subnet", {}, protect=False)).passed
