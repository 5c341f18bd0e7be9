"""Documentation-only values: warnings in a preview and in make synth, a refusal in a prod `pulumi up`."""

from __future__ import annotations

from typing import Any

import pytest

from components.settings import SECRETS, load_settings
from components.settings.placeholders import documentation_values
from offline.runner import ProgramError, run_program, stack_config


def found_keys(stack: str, raw: dict[str, Any] | None = None) -> dict[str, str]:
    settings = load_settings(raw or stack_config(stack), stack=stack, secrets_present=frozenset(SECRETS))
    return {key: value for key, value, _ in documentation_values(settings)}


def test_the_committed_prod_stack_names_each_documentation_value() -> None:
    found = found_keys("prod")
    assert found["django.hosts[0]"] == "django.example.com"
    assert found["django.certificateArn"].startswith("arn:aws:acm:ap-northeast-2:123456789012:")
    assert found["publicAccessCidrs[0]"] == "203.0.113.0/24"


def test_real_values_are_not_flagged() -> None:
    raw = stack_config("prod")
    raw["django"] = {
        **raw["django"],
        "hosts": ["shop.acme.co.kr"],
        "certificateArn": "arn:aws:acm:ap-northeast-2:210987654321:certificate/00000000-0000-0000-0000-000000000000",
    }
    raw["publicAccessCidrs"] = ["198.18.0.0/15"]  # benchmarking, not documentation
    assert found_keys("prod", raw) == {}


def test_a_preview_and_make_synth_of_prod_still_run() -> None:
    assert run_program("prod").records


def test_a_prod_up_stops_before_anything_is_created() -> None:
    with pytest.raises(ProgramError) as caught:
        run_program("prod", preview=False)
    message = str(caught.value)
    assert "Refusing to deploy stack 'prod' (prod) with documentation-only values; nothing was created" in message
    for key in ("django.hosts[0]", "django.certificateArn", "publicAccessCidrs[0]"):
        assert f"eks-platform:{key} = " in message
    assert caught.value.records == []


def test_a_dev_up_only_warns() -> None:
    assert run_program("dev", preview=False).records
