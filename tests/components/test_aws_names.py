"""Names AWS would reject at apply time are refused by the settings first (components/settings/aws_names.py)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components.settings import SECRETS, ConfigError, load_settings
from components.settings.aws_names import (
    AUTONAME_SUFFIX,
    BUCKET_PREFIX_MAX,
    IAM_ROLE_NAME_MAX,
    IAM_ROLE_SUFFIXES,
    artifact_bucket_prefix,
)
from offline.mocks import AVAILABLE_ZONES, REGION
from offline.runner import ProgramRun, run_program

ALL_SECRETS = frozenset(SECRETS)
LONGEST_CLUSTER = BUCKET_PREFIX_MAX - len(artifact_bucket_prefix(""))  # 21


def settings_of(raw: dict[str, Any], stack: str = "dev"):
    return load_settings(raw, stack=stack, secrets_present=ALL_SECRETS)


def refused(raw: dict[str, Any], stack: str = "dev") -> str:
    with pytest.raises(ConfigError) as caught:
        settings_of(raw, stack)
    return str(caught.value)


def test_the_artifact_bucket_prefix_fits_s3s_37_characters(dev_config: dict[str, Any]) -> None:
    dev_config["clusterName"] = "c" * LONGEST_CLUSTER
    assert len(artifact_bucket_prefix(settings_of(dev_config).resolved_cluster_name)) == BUCKET_PREFIX_MAX
    dev_config["clusterName"] = "c" * (LONGEST_CLUSTER + 1)
    message = refused(dev_config)
    assert f"eks-platform:clusterName = '{'c' * 22}'" in message and "at most 37 characters" in message


def test_without_an_artifact_bucket_a_longer_cluster_name_is_fine(dev_config: dict[str, Any]) -> None:
    dev_config["clusterName"] = "c" * 30
    dev_config["argo"]["artifacts"] = {"enabled": False}
    assert settings_of(dev_config).resolved_cluster_name == "c" * 30


def test_an_uppercase_cluster_name_breaks_the_bucket_and_the_ecr_repository(dev_config: dict[str, Any]) -> None:
    dev_config["clusterName"] = "Platform-Dev"
    assert "must be lowercase" in refused(dev_config)
    dev_config["argo"]["artifacts"] = {"enabled": False}
    message = refused(dev_config)  # the bucket no longer applies; the ECR repository still does
    assert "eks-platform:clusterName = 'Platform-Dev'" in message and "ECR repository 'Platform-Dev/django'" in message


def test_ecr_refuses_consecutive_separators(dev_config: dict[str, Any]) -> None:
    dev_config["clusterName"] = "platform--dev"
    dev_config["argo"]["artifacts"] = {"enabled": False}
    dev_config["database"] = {"enabled": False}  # RDS refuses "--" too
    assert "ECR's repositoryName pattern" in refused(dev_config)
    dev_config["django"]["imageRepository"] = "registry.example.com/django"  # no ECR repository is made
    assert settings_of(dev_config).resolved_cluster_name == "platform--dev"


def test_an_aws_stack_name_keeps_every_auto_named_iam_role_within_64_characters(dev_config: dict[str, Any]) -> None:
    dev_config["clusterName"] = "platform-dev"  # the default eks-platform-<stack> would break the bucket first
    longest = max(map(len, IAM_ROLE_SUFFIXES))
    fits = "s" * (IAM_ROLE_NAME_MAX - AUTONAME_SUFFIX - longest)
    assert settings_of(dev_config, stack=fits).stack == fits
    message = refused(dev_config, stack=fits + "s")
    assert f"eks-platform:stack = '{fits}s'" in message and "IAM role names are at most 64 characters" in message


def test_the_local_stack_creates_no_role_so_any_stack_name_goes() -> None:
    from offline.runner import stack_config

    assert settings_of(stack_config("local"), stack="l" * 60).stack == "l" * 60


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_suffix_list_covers_every_iam_role_the_stacks_declare(stack: str, request: pytest.FixtureRequest) -> None:
    run: ProgramRun = request.getfixturevalue(stack)
    roles = [r.name for r in run.of_type("aws:iam/role:Role")]
    assert roles and all(name.startswith(stack) and name[len(stack) :] in IAM_ROLE_SUFFIXES for name in roles), roles


def test_default_zones_are_the_available_ones_ec2_names_for_this_account(dev_config: dict[str, Any]) -> None:
    del dev_config["availabilityZones"]
    subnets = run_program("dev", dev_config).of_type("aws:ec2/subnet:Subnet")
    expected = sorted(f"{REGION}{zone}" for zone in AVAILABLE_ZONES)[:2]
    assert sorted({s.plain["availabilityZone"] for s in subnets}) == expected == ["ap-northeast-2a", "ap-northeast-2c"]


def test_a_long_stack_name_breaks_the_default_cluster_name_and_the_error_says_so() -> None:
    from offline.runner import stack_config

    raw = {k: v for k, v in stack_config("dev").items() if k != "clusterName"}
    message = refused(raw, stack="sandbox-team-a")
    assert "eks-platform:clusterName = 'eks-platform-sandbox-team-a'" in message
    assert "the default eks-platform-<stack>: set clusterName" in message


def test_the_program_names_no_load_balancer_or_target_group_itself(aws_stack: ProgramRun) -> None:
    """ALB and target group names (at most 32 characters) are the controller's own (k8s-<ns>-<name>-<hash>,
    truncated to fit: aws-load-balancer-controller pkg/deploy/elbv2 name generation): nothing here names one."""
    text = json.dumps([r.plain for r in aws_stack.records], default=str)
    for annotation in ("load-balancer-name", "target-group-name", "alb.ingress.kubernetes.io/group.name"):
        assert annotation not in text
    assert aws_stack.of_type("aws:lb/loadBalancer:LoadBalancer") == []
    assert aws_stack.of_type("aws:lb/targetGroup:TargetGroup") == []
