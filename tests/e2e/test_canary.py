"""Day 2, a canary: the local stack switched to `django.strategy.type: Canary`, then new tags.

e2e overrides, each an operator's setting: steps setWeight 50, pause, setWeight 100 (weight by
replica count: no traffic router here); `metricsAnalysis: false`, since no Prometheus runs in the
harness (kwok runs no container) and the controller's network namespace reaches only the API
server; one smoke-test measurement per analysis (`smokeTest: {count: 1, failureLimit: 0}`), so
each verdict takes seconds.

Promote with the runbook's command, the new ReplicaSet becomes stable; abort with the runbook's
command, the stable one stays, and the Rollout says so. `pulumi up` back to the good tag leaves
it Healthy, and a preview shows no drift from the controller's edits.
"""

from __future__ import annotations

from typing import Any

import pytest

from e2e import rollouts
from e2e.kubeapi import KubeApi
from e2e.local_stack import FAST_ANALYSIS, LocalStack

STEPS = [{"setWeight": 50}, {"pause": {}}, {"setWeight": 100}]
GOOD, NEXT, ABORTED = "0.1.1", "0.1.2", "0.1.3"  # 0.1.1: the tag test_upgrade left


def _image(tag: str) -> str:
    return f"eks-platform-django:{tag}"


def _paused(status: dict[str, Any]) -> bool:
    return bool(status.get("pauseConditions")) and status.get("currentStepIndex") == 1


@pytest.fixture(scope="module")
def canary(local_stack: LocalStack, api: KubeApi, argo_controllers: None) -> LocalStack:
    """The stack on Canary, at the good tag: the Deployment became a Rollout, all on the first revision."""
    local_stack.configure({"django": {"strategy": {"type": "Canary", "canarySteps": STEPS, **FAST_ANALYSIS}}})
    local_stack.up("canary_switch_up")
    rollouts.wait_status(api, "django", "django", "Healthy", rollouts.healthy)
    assert not api.exists("/apis/apps/v1/namespaces/django/deployments/django")
    return local_stack


def test_a_new_tag_pauses_at_the_first_step_with_half_the_pods(canary: LocalStack, api: KubeApi) -> None:
    canary.configure({"django": {"imageTag": NEXT}})
    canary.up("canary_up")
    status = rollouts.wait_status(api, "django", "django", "paused at step 1", _paused)
    assert status["phase"] == "Paused" and status["pauseConditions"][0]["reason"] == "CanaryPauseStep"
    sets = rollouts.replica_sets(api, "django", "django")
    canary_set, stable_set = sets[status["currentPodHash"]], sets[status["stableRS"]]
    assert rollouts.image_of(canary_set) == _image(NEXT) and rollouts.image_of(stable_set) == _image(GOOD)
    # setWeight 50 of 1 replica, by replica count: one canary pod beside the stable one.
    assert (canary_set["status"].get("readyReplicas"), stable_set["status"].get("readyReplicas")) == (1, 1)


def test_promote_makes_the_new_replica_set_stable(canary: LocalStack, api: KubeApi) -> None:
    paused = rollouts.status(api, "django", "django")
    rollouts.kubectl_argo_rollouts(canary.target, "-n", "django", "promote", "django")
    status = canary.timed(
        "canary_promote_to_healthy",
        lambda: rollouts.wait_status(api, "django", "django", "Healthy on the new revision", rollouts.healthy),
    )
    assert status["stableRS"] == paused["currentPodHash"]
    assert rollouts.image_of(rollouts.replica_sets(api, "django", "django")[status["stableRS"]]) == _image(NEXT)
    runs = rollouts.analysis_runs(api, "django", status["stableRS"])
    assert runs and {run["status"]["phase"] for run in runs} == {"Successful"}


def test_abort_keeps_the_stable_version_and_reports_it(canary: LocalStack, api: KubeApi) -> None:
    canary.configure({"django": {"imageTag": ABORTED}})
    canary.up("canary_abort_up")
    paused = rollouts.wait_status(api, "django", "django", "paused at step 1", _paused)
    rollouts.kubectl_argo_rollouts(canary.target, "-n", "django", "abort", "django")
    status = rollouts.wait_status(api, "django", "django", "aborted", rollouts.aborted)
    assert status["stableRS"] == paused["stableRS"] != paused["currentPodHash"]
    assert "RolloutAborted" in status["message"]
    sets = rollouts.replica_sets(api, "django", "django")
    assert rollouts.image_of(sets[status["stableRS"]]) == _image(NEXT)
    assert not sets[paused["currentPodHash"]]["status"].get("readyReplicas")  # the canary pod is gone


def test_up_back_to_the_good_tag_is_healthy_and_shows_no_drift(canary: LocalStack, api: KubeApi) -> None:
    canary.configure({"django": {"imageTag": NEXT}})
    canary.up("canary_back_up")
    status = rollouts.wait_status(api, "django", "django", "Healthy", rollouts.healthy)
    assert status.get("abort") is not True
    canary.preview_is_clean("canary_preview_no_changes")
