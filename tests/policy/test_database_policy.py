"""RDS policies: never public, always encrypted, deletion-protected in prod; the stacks' own instances pass."""

from __future__ import annotations

import pytest

from offline.runner import ProgramRun
from policy.eks_platform_policy import database
from policy.eks_platform_policy.context import StackContext
from tests.policy.builders import resource, run

PROD = StackContext(stack="prod", environment="prod")
DEV = StackContext(stack="dev", environment="dev")
SAFE = {"publiclyAccessible": False, "storageEncrypted": True, "deletionProtection": True}


def policy(name: str, context: StackContext = PROD):
    [found] = [p for p in database.policies(context) if p.name == name]
    return found


@pytest.mark.parametrize(
    ("name", "props", "message"),
    [
        ("rds-not-public", {**SAFE, "publiclyAccessible": True}, "publiclyAccessible is true"),
        ("rds-encrypted", {**SAFE, "storageEncrypted": False}, "storageEncrypted is not true"),
        ("rds-encrypted", {"publiclyAccessible": False}, "storageEncrypted is not true"),
        ("rds-deletion-protected-in-prod", {**SAFE, "deletionProtection": False}, "no deletionProtection"),
    ],
)
def test_each_rule_reports_its_violation(name: str, props: dict, message: str) -> None:
    outcome = run(policy(name), resource(database.RDS_INSTANCE, props, protect=True))
    assert any(message in v for v in outcome.violations), outcome.violations


def test_an_unprotected_prod_database_is_reported_and_dev_is_not_applicable() -> None:
    outcome = run(policy("rds-deletion-protected-in-prod"), resource(database.RDS_INSTANCE, SAFE, protect=False))
    assert any("not protected" in v for v in outcome.violations)
    assert run(policy("rds-deletion-protected-in-prod", DEV), resource(database.RDS_INSTANCE, {})).not_applicable


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_stacks_database_passes_every_rule(stack: str, request: pytest.FixtureRequest) -> None:
    run_: ProgramRun = request.getfixturevalue(stack)
    [instance] = run_.of_type(database.RDS_INSTANCE)
    context = PROD if stack == "prod" else DEV
    for rule in database.policies(context):
        outcome = run(rule, resource(database.RDS_INSTANCE, instance.plain, protect=instance.protect))
        assert outcome.passed or outcome.not_applicable, (rule.name, outcome.violations)
