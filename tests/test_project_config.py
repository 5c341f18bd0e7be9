"""Pulumi.yaml's config block, the settings model and the stack files agree; no secret is committed."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from components.settings import NAMESPACE, SECRETS, Settings, config_keys, load_settings

ROOT = Path(__file__).resolve().parent.parent
PROJECT = yaml.safe_load((ROOT / "Pulumi.yaml").read_text())
DECLARED = {key.removeprefix(f"{NAMESPACE}:"): spec for key, spec in PROJECT["config"].items()}
SIMPLE_TYPES = {"string", "integer", "boolean", "array", "object"}  # project.json's simpleConfigType (v3.274.1)
REQUIRED = {"environment", "djangoSecretKey"}


def test_project_identity_and_runtime() -> None:
    assert PROJECT["name"] == "eks-platform"
    assert PROJECT["runtime"]["name"] == "python"
    assert PROJECT["runtime"]["options"]["virtualenv"] == ".venv"


def test_every_setting_is_declared_and_nothing_else() -> None:
    assert set(DECLARED) == set(config_keys()) | set(SECRETS)


@pytest.mark.parametrize("key", sorted(DECLARED))
def test_declaration_is_well_formed(key: str) -> None:
    spec = DECLARED[key]
    assert spec.get("description"), f"{key} needs a description"
    assert set(spec) <= {"type", "description", "default", "secret", "items"}
    if "type" in spec:
        assert spec["type"] in SIMPLE_TYPES
        if spec["type"] == "array":
            assert spec["items"]["type"] in SIMPLE_TYPES


def test_only_the_truly_required_keys_have_no_default() -> None:
    """The CLI requires every declared key without a default in every stack (pulumi/pulumi#21797)."""
    assert {key for key, spec in DECLARED.items() if "default" not in spec} == REQUIRED


@pytest.mark.parametrize("key", sorted(config_keys()))
def test_declared_defaults_mean_what_the_model_defaults_to(key: str) -> None:
    """The CLI hands the program every declared default: each must equal leaving the key unset."""
    minimal = {"environment": "local", "createCluster": False, "existingCluster": {"kubeconfigContext": "kind-x"}}
    minimal["django"] = {"imageRepository": "example/app"}
    if key in minimal:
        return  # the keys this minimal stack must set itself
    secrets = frozenset({"djangoSecretKey", "djangoDatabaseUrl", "grafanaAdminPassword"})
    unset = load_settings(minimal, stack="t", secrets_present=secrets)
    defaulted = load_settings({**minimal, key: DECLARED[key]["default"]}, stack="t", secrets_present=secrets)
    assert defaulted == unset


def test_secrets_are_declared_secret() -> None:
    for key in SECRETS:
        assert DECLARED[key].get("secret") is True
    for key in SECRETS.keys() - REQUIRED:  # optional: a plain "" default, so no `type` (see Pulumi.yaml)
        assert DECLARED[key]["default"] == "" and "type" not in DECLARED[key]


@pytest.mark.parametrize("stack_file", sorted(ROOT.glob("Pulumi.*.yaml")), ids=lambda p: p.name)
def test_no_plaintext_secret_in_stack_files(stack_file: Path) -> None:
    config = (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}
    for key in SECRETS:
        value = config.get(f"{NAMESPACE}:{key}")
        assert value is None or (isinstance(value, dict) and set(value) == {"secure"}), f"{key} is plaintext"
    text = stack_file.read_text()
    assert not re.search(r"(?i)(password|secret_?key|token)\s*[:=]\s*\S+", text.replace("--secret", ""))


def test_settings_model_is_the_one_documented_in_the_readme() -> None:
    readme = (ROOT / "README.md").read_text()
    for key in DECLARED:
        assert f"`{key}`" in readme, f"README's configuration reference lacks {key}"
    assert Settings.model_config["extra"] == "forbid"
