"""The pack itself: how it picks mandatory vs advisory, and how the CLI starts it."""

from __future__ import annotations

import json
import runpy
from pathlib import Path
from typing import Any, ClassVar

import pytest
import yaml
from pulumi_policy import EnforcementLevel, ResourceValidationPolicy, StackValidationPolicy

from policy.eks_platform_policy import PACK_NAME, StackContext, build_policies

ROOT = Path(__file__).resolve().parents[2]
POLICY_DIR = ROOT / "policy"
MANDATORY, ADVISORY = EnforcementLevel.MANDATORY, EnforcementLevel.ADVISORY


def environ(stack: str | None, environment: str | None) -> dict[str, str]:
    """The variables the Pulumi CLI starts a policy pack with."""
    env = {"PULUMI_PROJECT": "eks-platform", "PULUMI_DRY_RUN": "true"}
    if stack is not None:
        env["PULUMI_STACK"] = stack
    if environment is not None:
        env["PULUMI_CONFIG"] = json.dumps({"eks-platform:environment": environment, "eks-platform:region": "x"})
    return env


@pytest.mark.parametrize(
    ("stack", "environment", "level"),
    [
        ("prod", "prod", MANDATORY),
        ("dev", "dev", ADVISORY),
        ("local", "local", ADVISORY),
        ("acme/eks-platform/prod", "prod", MANDATORY),  # Pulumi Cloud's fully qualified name
        ("staging", "prod", MANDATORY),  # prod by config
        ("prod", "dev", MANDATORY),  # prod by name: a wrong key never relaxes prod
        ("dev", None, ADVISORY),  # no config passed: the name decides
        ("feature-x", "dev", ADVISORY),
        ("feature-x", None, MANDATORY),  # unidentified: fail closed
        (None, None, MANDATORY),
        ("dev", "qa", MANDATORY),  # an environment the pack does not know
    ],
)
def test_enforcement_level_follows_the_stack(stack: str | None, environment: str | None, level) -> None:
    assert StackContext.from_environ(environ(stack, environment)).enforcement_level is level


def test_unreadable_config_falls_back_to_the_stack_name() -> None:
    env = {"PULUMI_STACK": "dev", "PULUMI_CONFIG": "{not json"}
    assert StackContext.from_environ(env) == StackContext(stack="dev", environment=None)


def test_policy_names_are_unique_and_cover_the_issue() -> None:
    policies = build_policies(StackContext(stack="prod", environment="prod"))
    names = [p.name for p in policies]
    assert len(names) == len(set(names))
    assert set(names) == {
        "eks-public-endpoint-restricted",
        "eks-secrets-encrypted",
        "eks-control-plane-audit-logs",
        "eks-nodes-in-private-subnets",
        "eks-launch-template-imdsv2",
        "eks-node-group-imdsv2",
        "argo-pinned-to-inference-group",
        "no-plaintext-secrets",
        "prod-resources-protected",
        "s3-bucket-encrypted-and-private",
        "loadbalancer-source-ranges",
        "rds-not-public",
        "rds-encrypted",
        "rds-deletion-protected-in-prod",
    }
    # One level for the whole pack: no policy pins its own.
    assert all(p.enforcement_level is None for p in policies)
    stack_policies = {p.name for p in policies if isinstance(p, StackValidationPolicy)}
    assert stack_policies == {
        "eks-nodes-in-private-subnets",
        "eks-node-group-imdsv2",
        "s3-bucket-encrypted-and-private",
    }
    assert all(isinstance(p, ResourceValidationPolicy) for p in policies if p.name not in stack_policies)


class _PackRecorder:
    """Stands in for pulumi_policy.PolicyPack, which would start a gRPC server and block."""

    calls: ClassVar[list[dict[str, Any]]] = []

    def __init__(self, **kwargs: Any) -> None:
        _PackRecorder.calls.append(kwargs)


@pytest.mark.parametrize(("stack", "level"), [("prod", MANDATORY), ("dev", ADVISORY)])
def test_main_builds_the_pack_the_way_the_cli_runs_it(monkeypatch, capsys, stack: str, level) -> None:
    """`pulumi preview --policy-pack policy` runs the pack directory's __main__.py with policy/ on sys.path."""
    import pulumi_policy

    _PackRecorder.calls = []
    monkeypatch.setattr(pulumi_policy, "PolicyPack", _PackRecorder)
    for key, value in environ(stack, stack).items():
        monkeypatch.setenv(key, value)
    runpy.run_path(str(POLICY_DIR), run_name="__main__")
    [call] = _PackRecorder.calls
    assert call["name"] == PACK_NAME
    assert call["enforcement_level"] is level
    assert [p.name for p in call["policies"]] == [
        p.name for p in build_policies(StackContext(stack=stack, environment=stack))
    ]
    assert f"enforcement={level.value}" in capsys.readouterr().err


def test_pack_project_files() -> None:
    project = yaml.safe_load((POLICY_DIR / "PulumiPolicy.yaml").read_text())
    assert project["runtime"]["name"] == "python"
    assert project["runtime"]["options"]["virtualenv"] == "venv"
    requirements = [
        line.strip()
        for line in (POLICY_DIR / "requirements.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    assert requirements == ["pulumi==3.272.0", "pulumi-policy==1.21.0"]
    # ...the same versions the program and its tests use
    program_pins = (ROOT / "requirements.txt").read_text() + (ROOT / "requirements-dev.txt").read_text()
    assert all(pin in program_pins for pin in requirements)
