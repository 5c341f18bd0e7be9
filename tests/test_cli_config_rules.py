"""The CLI's project-config rules, applied offline: `make synth` fails exactly where `pulumi preview` would.

Each rule is the real CLI's (pkg/v3 v3.274.1, pkg/workspace/config.go; see offline/project_config.py).
The last one, an undeclared key, is the program's own check: the CLI passes such a key through.
"""

from __future__ import annotations

import copy
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline import project_config
from offline.project_config import CliConfigError, merge
from offline.runner import ProgramError, run_program, stack_config, stack_file_config

ROOT = Path(__file__).resolve().parent.parent
SECRETS_SET = {"djangoSecretKey", "djangoDatabaseUrl"}


def with_secrets(values: dict[str, Any]) -> dict[str, Any]:
    return {**values, "djangoSecretKey": "s", "djangoDatabaseUrl": "d"}


@pytest.mark.parametrize("stack", ["dev", "prod", "local"])
def test_committed_stacks_pass_the_cli_rules_once_their_secrets_are_set(stack: str) -> None:
    merged = merge(stack, with_secrets(stack_file_config(stack)), SECRETS_SET)
    assert merged["environment"] == stack


@pytest.mark.parametrize("stack", ["dev", "prod", "local"])
def test_only_the_truly_required_keys_are_missing_from_a_committed_stack(stack: str) -> None:
    """What `pulumi preview` says before `pulumi config set --secret`: the one secret every stack needs.

    The others (the database URL or password, SSO) depend on the features a stack turns on: the
    program asks for them (components/settings, `required_secrets`).
    """
    with pytest.raises(CliConfigError) as caught:
        merge(stack, stack_file_config(stack), set())
    assert str(caught.value) == f"Stack '{stack}' is missing configuration value 'eks-platform:djangoSecretKey'"


def test_every_optional_key_gets_its_default() -> None:
    merged = merge("x", with_secrets({"environment": "local"}), SECRETS_SET)
    _, declared = project_config.declarations()
    assert set(merged) == set(declared)
    assert merged["existingCluster"] == {} and merged["argoSsoClientId"] == ""


def test_a_missing_environment_is_refused_like_the_cli() -> None:
    with pytest.raises(CliConfigError, match=r"^Stack 'x' is missing configuration value 'eks-platform:environment'$"):
        merge("x", with_secrets({}), SECRETS_SET)


@pytest.mark.parametrize(
    ("key", "value", "type_name"),
    [("createCluster", "maybe", "boolean"), ("availabilityZones", "ap-northeast-2a", "array"), ("argo", [], "object")],
)
def test_a_value_of_the_wrong_declared_type_is_refused(key: str, value: Any, type_name: str) -> None:
    config = with_secrets({**stack_config("dev"), key: value})
    with pytest.raises(CliConfigError) as caught:
        merge("dev", config, SECRETS_SET)
    assert str(caught.value) == f"Stack 'dev' with configuration key 'eks-platform:{key}' must be of type '{type_name}'"


def test_a_plaintext_value_of_a_secret_key_is_refused() -> None:
    with pytest.raises(CliConfigError, match="'eks-platform:djangoSecretKey' must be encrypted as it's secret"):
        merge("dev", with_secrets(stack_config("dev")), {"djangoDatabaseUrl"})


def test_synth_stops_before_the_program_where_the_cli_would(dev_config: dict[str, Any]) -> None:
    with pytest.raises(CliConfigError, match="missing configuration value"):
        run_program("dev", dev_config, with_placeholder_secrets=False)


def test_an_undeclared_project_key_is_refused_by_the_program(dev_config: dict[str, Any]) -> None:
    """A typo used to be ignored silently and the default used; the CLI does not catch it."""
    dev_config["kubernetesVerison"] = "1.35"
    with pytest.raises(ProgramError) as caught:
        run_program("dev", dev_config)
    message = str(caught.value)
    assert "eks-platform:kubernetesVerison: unknown key" in message
    assert "kubernetesVersion" in message  # the allowed keys are listed
    assert caught.value.records == []


def _project_with(tmp_path: Path, key: str, spec: dict[str, Any]) -> Path:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
    project["config"][f"eks-platform:{key}"] = spec
    (tmp_path / "Pulumi.yaml").write_text(yaml.safe_dump(project))
    return tmp_path


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ({"type": "map", "default": {}}, "value must be one of"),
        ({"type": "array", "default": []}, "does not specify the underlying type via the 'items' attribute"),
        ({"type": "integer", "default": "ten"}, "is not of the expected type 'integer'"),
        ({"type": "string", "default": "", "value": ""}, "cannot have both a 'default' and 'value'"),
    ],
)
def test_declarations_the_cli_refuses_are_refused(tmp_path: Path, spec: dict[str, Any], message: str) -> None:
    root = _project_with(tmp_path, "extra", spec)
    with pytest.raises(CliConfigError, match=message):
        project_config.declarations(root)


def test_a_typed_secret_with_a_plain_default_would_fail_every_stack(tmp_path: Path) -> None:
    """Why the optional SSO secrets carry no `type` in Pulumi.yaml."""
    root = _project_with(tmp_path, "argoSsoClientId", {"type": "string", "secret": True, "default": ""})
    for stack_file in ROOT.glob("Pulumi.*.yaml"):
        shutil.copy(stack_file, root)
    with pytest.raises(CliConfigError, match="'eks-platform:argoSsoClientId' must be encrypted"):
        merge("dev", with_secrets(copy.deepcopy(stack_config("dev"))), SECRETS_SET, root)
