"""A new stack's first `up`: the Django release waits for its image; what the run says comes next."""

from __future__ import annotations

from typing import Any

import pytest

from offline import mocks
from offline.runner import ProgramError, run_program

RELEASE = "kubernetes:helm.sh/v3:Release"


def django_releases(run) -> list:
    return [r for r in run.of_type(RELEASE) if r.plain["chart"] == "charts/django"]


def test_an_empty_account_gets_everything_but_the_django_release(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mocks, "ECR_REPOSITORIES", {})
    run = run_program("dev", preview=False)
    assert django_releases(run) == []
    assert run.of_type("aws:ecr/repository:Repository")  # created now, so the image can be pushed
    names = {r.plain["metadata"]["name"] for r in run.of_type("kubernetes:core/v1:Secret")}
    assert "django-app" in names  # the Secret (and namespace) are ready for the release
    assert run.of_type("aws:rds/instance:Instance") and run.of_type("kubernetes:helm.sh/v3:Release")
    steps = run.outputs["nextSteps"]
    assert "make image STACK=dev" in steps and "then make up STACK=dev" in steps
    assert "eks-platform-dev/django" in steps


def test_an_empty_repository_is_still_a_first_run(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mocks, "ECR_REPOSITORIES", {"eks-platform-dev/django": []})
    assert django_releases(run_program("dev", preview=False)) == []


def test_once_the_image_is_there_the_release_is_created(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(mocks, "ECR_REPOSITORIES", {"eks-platform-dev/django": ["0.0.9", "0.1.0"]})
    run = run_program("dev", preview=False)
    assert len(django_releases(run)) == 1 and "nextSteps" not in run.outputs


def test_a_tag_the_repository_lacks_stops_an_up_and_only_warns_in_a_preview(
    monkeypatch: pytest.MonkeyPatch, dev_config: dict[str, Any]
) -> None:
    monkeypatch.setattr(mocks, "ECR_REPOSITORIES", {"eks-platform-dev/django": ["0.0.8", "0.0.9"]})
    with pytest.raises(ProgramError) as caught:
        run_program("dev", preview=False)
    message = str(caught.value)
    assert "eks-platform:django.imageTag = '0.1.0': not in the ECR repository eks-platform-dev/django" in message
    assert "0.0.8, 0.0.9" in message and "make image STACK=dev" in message
    assert caught.value.records == []
    assert len(django_releases(run_program("dev"))) == 1  # a PR preview runs before its image is pushed


def test_an_image_from_elsewhere_is_not_checked(monkeypatch: pytest.MonkeyPatch, dev_config: dict[str, Any]) -> None:
    monkeypatch.setattr(mocks, "ECR_REPOSITORIES", {})
    dev_config["django"]["imageRepository"] = "registry.example.com/django"
    assert len(django_releases(run_program("dev", dev_config, preview=False))) == 1
