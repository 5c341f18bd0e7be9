"""Day 2, blue-green: the local stack switched to `django.strategy.type: BlueGreen` with manual
promotion (`autoPromotion: false`), then new tags.

The new version comes up behind the preview Service while the active Service keeps the old one;
the pre-promotion smoke test runs as a Job and succeeds; `kubectl argo rollouts promote` switches
the active Service. The strategy switch and the first new tag are one `up`. A build whose smoke test fails (tag e2e-smoke-fails: a kwok stage fails its
analysis pod, e2e/kwok/pod-stages.yaml) is aborted before promotion, and the active Service never
moves. Same analysis overrides as the canary (tests/e2e/test_canary.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from e2e import rollouts
from e2e.kubeapi import KubeApi
from e2e.local_stack import FAST_ANALYSIS, LocalStack

HASH = "rollouts-pod-template-hash"
ACTIVE, PREVIEW = "django", "django-preview"
STABLE, NEXT, BROKEN = "0.1.2", "0.1.4", "e2e-smoke-fails"  # 0.1.2: the tag test_canary left


def _selector(api: KubeApi, service: str) -> str:
    return str(api.get(f"/api/v1/namespaces/django/services/{service}")["spec"]["selector"].get(HASH))


def _awaiting_promotion(status: dict[str, Any]) -> bool:
    return status.get("phase") == "Paused" and bool(status.get("pauseConditions"))


@pytest.fixture(scope="module")
def blue_green(local_stack: LocalStack, api: KubeApi, argo_controllers: None) -> dict[str, Any]:
    """One `up` switches the strategy and deploys a new tag: the Rollout's next revision goes blue-green."""
    stable = rollouts.status(api, "django", "django")["stableRS"]
    strategy = {"type": "BlueGreen", "canarySteps": None, "autoPromotion": False, **FAST_ANALYSIS}
    local_stack.configure({"django": {"imageTag": NEXT, "strategy": strategy}})
    local_stack.up("blue_green_up")
    status = rollouts.wait_status(api, "django", "django", "awaiting promotion", _awaiting_promotion)
    return {"stack": local_stack, "stable": stable, "new": status["currentPodHash"]}


def test_the_preview_service_selects_the_new_version_the_active_one_the_old(
    blue_green: dict[str, Any], api: KubeApi
) -> None:
    stable, new = blue_green["stable"], blue_green["new"]
    assert new != stable
    assert (_selector(api, PREVIEW), _selector(api, ACTIVE)) == (new, stable)
    sets = rollouts.replica_sets(api, "django", "django")
    assert rollouts.image_of(sets[new]) == f"eks-platform-django:{NEXT}"
    assert rollouts.image_of(sets[stable]) == f"eks-platform-django:{STABLE}"


def test_the_pre_promotion_smoke_test_ran_as_a_job_and_passed(blue_green: dict[str, Any], api: KubeApi) -> None:
    # Awaiting promotion means the pre-promotion analysis is over: one run, one measurement.
    [run] = rollouts.analysis_runs(api, "django", blue_green["new"])
    assert run["status"]["phase"] == "Successful", run["status"]
    [measurement] = run["status"]["metricResults"][0]["measurements"]
    job = api.get(f"/apis/batch/v1/namespaces/django/jobs/{measurement['metadata']['job-name']}")
    assert job["status"].get("succeeded") == 1
    smoke_url = job["spec"]["template"]["spec"]["containers"][0]["command"][-1]
    assert smoke_url.startswith(f"http://{PREVIEW}.django.svc:")  # it tested the preview, not the live version


def test_promote_switches_the_active_service(blue_green: dict[str, Any], api: KubeApi) -> None:
    new, stack = blue_green["new"], blue_green["stack"]
    rollouts.kubectl_argo_rollouts(stack.target, "-n", "django", "promote", "django")
    status = stack.timed(
        "blue_green_promote_to_healthy",
        lambda: rollouts.wait_status(api, "django", "django", "promoted", rollouts.healthy),
    )
    assert status["stableRS"] == new and _selector(api, ACTIVE) == new


@pytest.mark.harness  # a kwok stage fails the analysis pod; real containers would need a broken image
def test_a_failing_smoke_test_aborts_the_promotion(blue_green: dict[str, Any], api: KubeApi) -> None:
    stable, stack = rollouts.status(api, "django", "django")["stableRS"], blue_green["stack"]
    stack.configure({"django": {"imageTag": BROKEN}})
    stack.up("blue_green_broken_up")
    status = rollouts.wait_status(api, "django", "django", "aborted", rollouts.aborted)
    assert status["stableRS"] == stable and _selector(api, ACTIVE) == stable
    runs = rollouts.analysis_runs(api, "django", status["currentPodHash"])
    assert [r["status"]["phase"] for r in runs] == ["Failed"]


def test_up_back_to_the_good_tag_is_healthy(blue_green: dict[str, Any], api: KubeApi) -> None:
    """(The drift check after the controller's edits is test_canary's: Argo rewrites the Services'
    selectors under both strategies, and one preview shows whether the stack sees it.)"""
    stack = blue_green["stack"]
    stack.configure({"django": {"imageTag": NEXT}})
    stack.up("blue_green_back_up")
    status = rollouts.wait_status(api, "django", "django", "Healthy", rollouts.healthy)
    assert status.get("abort") is not True and _selector(api, ACTIVE) == status["stableRS"]
