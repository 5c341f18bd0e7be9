"""The whole program, per stack, through the whole pack (offline: the mock run's records).

- The committed stacks have no mandatory violation; prod is judged mandatory, dev advisory.
- Deliberately broken stack configs produce exactly the expected mandatory violations.
- Each policy catches a deliberate break in the *program's own* prod plan, which shows it
  finds the real resources (names, ids, value paths), not just hand-made ones.
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Callable
from typing import Any

import pytest

from offline.mocks import Record
from offline.runner import ProgramRun, run_program, stack_config
from policy.offline_check import check_run, context_for, evaluate
from tests.conftest import committed_run

# ---- committed stacks ---------------------------------------------------------------------------


def test_prod_has_no_violation_and_would_block_on_any(prod: ProgramRun) -> None:
    report = check_run(prod)
    assert report.context.enforcement_level.value == "mandatory"
    assert report.violations == []
    # every policy found something to judge: none was skipped as not applicable or deferred
    assert report.not_applicable == [] and report.deferred == []


def test_dev_has_only_its_known_advisory(dev: ProgramRun) -> None:
    report = check_run(dev)
    assert report.context.enforcement_level.value == "advisory"
    assert report.mandatory == []
    # Pulumi.dev.yaml opens the API endpoint to 0.0.0.0/0 on purpose (no VPN for dev): reported, not blocking.
    assert report.keys() == {("eks-public-endpoint-restricted", "dev-eks")}
    assert {v.level for v in report.violations} == {"advisory"}
    assert report.deferred == []


def test_local_has_no_violation(local: ProgramRun) -> None:
    report = check_run(local)
    assert report.violations == [] and report.deferred == []
    # kind has no PROTO-INFERENCE-NG: the Argo pinning rule does not apply there
    assert {policy for policy, _ in report.not_applicable} == {"argo-pinned-to-inference-group"}


def test_no_stack_secret_reaches_helm_values_or_config_maps(any_stack: ProgramRun) -> None:
    """Stronger than the heuristic: the offline placeholders of every stack secret appear nowhere readable."""
    from offline.runner import placeholder
    from policy.eks_platform_policy.values import strings_in

    secrets = {placeholder(key) for key in ("djangoSecretKey", "djangoDatabaseUrl", "argoSsoClientSecret")}
    readable = [
        r for r in any_stack.records if r.type in ("kubernetes:helm.sh/v3:Release", "kubernetes:core/v1:ConfigMap")
    ]
    assert any(r.type == "kubernetes:helm.sh/v3:Release" for r in readable)
    for record in readable:
        leaked = {s for s in strings_in(record.plain) for secret in secrets if secret in s}
        assert not leaked, f"{record.name} carries a stack secret in plaintext"


# ---- broken stack configs ----------------------------------------------------------------------


def broken_prod(**changes: Any) -> dict[str, Any]:
    config = copy.deepcopy(stack_config("prod"))
    config.update(changes)
    return config


def test_prod_file_switched_to_dev_environment_is_caught() -> None:
    """Someone sets `environment: dev` in Pulumi.prod.yaml: nothing is protected, the API opens up."""
    report = check_run(run_program("prod", broken_prod(environment="dev", publicAccessCidrs=["0.0.0.0/0"])))
    assert report.context.enforcement_level.value == "mandatory"  # the stack is still called prod
    assert report.keys() == {
        ("eks-public-endpoint-restricted", "prod-eks"),
        ("prod-resources-protected", "prod-eks"),
        ("prod-resources-protected", "prod-vpc"),
        ("prod-resources-protected", "prod-secrets-key"),
        ("prod-resources-protected", "prod-database-key"),
        ("rds-deletion-protected-in-prod", "prod-database-instance"),
    }
    assert report.violations == report.mandatory


def test_existing_vpc_with_a_public_subnet_among_the_private_ones_is_caught() -> None:
    existing = {
        "vpcId": "vpc-0a1b2c3d4e5f60718",
        "publicSubnetIds": ["subnet-0pub0a", "subnet-0pub0b", "subnet-0pub0c"],
        "privateSubnetIds": ["subnet-0prv0a", "subnet-0pub0b"],
    }
    report = check_run(run_program("prod", broken_prod(existingVpc=existing)))
    assert report.keys() == {
        ("eks-nodes-in-private-subnets", "prod-system-ng"),
        ("eks-nodes-in-private-subnets", "prod-proto-inference-ng-ng"),
    }
    assert all("subnet-0pub0b" in v.message for v in report.mandatory)
    assert report.violations == report.mandatory


# ---- each policy against the program's own prod plan ----------------------------------------------


def _edit(records: list[Record], name: str, change: Callable[[Record, dict[str, Any]], Any]) -> list[Record]:
    """The records with resource `name` changed: `change` edits a copy of its inputs, or returns a new Record."""
    assert any(r.name == name for r in records), f"no resource {name} in the plan"
    edited = []
    for record in records:
        if record.name == name:
            inputs = copy.deepcopy(record.plain)
            replaced = change(record, inputs)
            record = replaced if isinstance(replaced, Record) else dataclasses.replace(record, inputs=inputs)
        edited.append(record)
    return edited


def _drop(records: list[Record], name: str) -> list[Record]:
    assert any(r.name == name for r in records), f"no resource {name} in the plan"
    return [r for r in records if r.name != name]


def _subnet_ids(records: list[Record], kind: str) -> list[str]:
    return [r.id for r in records if r.type == "aws:ec2/subnet:Subnet" and f"-{kind}-" in r.name]


BREAKS: dict[str, tuple[Callable[[list[Record]], list[Record]], set[tuple[str, str]]]] = {
    "api-open": (
        lambda rs: _edit(rs, "prod-eks", lambda r, i: i.update(publicAccessCidrs=["0.0.0.0/0"])),
        {("eks-public-endpoint-restricted", "prod-eks")},
    ),
    "no-kms": (
        lambda rs: _edit(rs, "prod-eks", lambda r, i: i.pop("encryptionConfigKeyArn")),
        {("eks-secrets-encrypted", "prod-eks")},
    ),
    "no-audit-log": (
        lambda rs: _edit(rs, "prod-eks", lambda r, i: i.update(enabledClusterLogTypes=["api"])),
        {("eks-control-plane-audit-logs", "prod-eks")},
    ),
    "imdsv1": (
        lambda rs: _edit(rs, "prod-system-lt", lambda r, i: i["metadataOptions"].update(httpTokens="optional")),
        {("eks-launch-template-imdsv2", "prod-system-lt"), ("eks-node-group-imdsv2", "prod-system-ng")},
    ),
    "nodes-public": (
        lambda rs: _edit(rs, "prod-system-ng", lambda r, i: i.update(subnetIds=_subnet_ids(rs, "public"))),
        {("eks-nodes-in-private-subnets", "prod-system-ng")},
    ),
    "argo-server-unpinned": (
        lambda rs: _edit(rs, "prod-argo-release", lambda r, i: i["values"]["server"].pop("tolerations")),
        {("argo-pinned-to-inference-group", "prod-argo-release")},
    ),
    "secret-in-values": (
        lambda rs: _edit(
            rs, "prod-django-release", lambda r, i: i["values"].update(secret={"values": {"SECRET_KEY": "x" * 50}})
        ),
        {("no-plaintext-secrets", "prod-django-release")},
    ),
    "vpc-unprotected": (
        lambda rs: _edit(rs, "prod-vpc", lambda r, i: dataclasses.replace(r, protect=False)),
        {("prod-resources-protected", "prod-vpc")},
    ),
    "bucket-public": (
        lambda rs: _drop(rs, "prod-argo-artifacts-public-access"),
        {("s3-bucket-encrypted-and-private", "prod-argo-artifacts-bucket")},
    ),
    "open-load-balancer": (
        lambda rs: _edit(rs, "prod-django-release", lambda r, i: i["values"].update(service={"type": "LoadBalancer"})),
        {("loadbalancer-source-ranges", "prod-django-release")},
    ),
}


@pytest.mark.parametrize("case", sorted(BREAKS))
def test_each_policy_catches_a_break_in_the_prod_plan(case: str) -> None:
    """Needs the full program (EKS, Argo release, Django release, artifact bucket) wired in __main__.py."""
    prod = committed_run("prod")
    break_plan, expected = BREAKS[case]
    report = evaluate(break_plan(list(prod.records)), context_for(prod))
    assert report.keys() == expected
    assert report.violations == report.mandatory
