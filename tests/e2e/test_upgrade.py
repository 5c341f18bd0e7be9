"""Day 2, an upgrade: `pulumi up` with a new `django.imageTag` (the stack's RollingUpdate).

First a fault: the engine is SIGKILLed while Helm runs the pre-upgrade migration Job, leaving the
release `pending-upgrade`; `make recover` rolls it back to the revision the state knows, and the
upgrade is then run again, watched, and followed by a no-change preview.

Helm runs the pre-upgrade migration Job in the new image and waits for it before it touches the
Deployment; the Deployment controller then replaces the pods. While it does, a watch on the
Deployment records every status it passes through: available replicas must never drop below what
`maxUnavailable` and the PodDisruptionBudget promise.
"""

from __future__ import annotations

import math
from typing import Any

import pytest

from e2e.faults import kill_when, lock_files, pending_at_kill, recovered
from e2e.helm_records import helm_releases, latest_statuses
from e2e.kubeapi import ApiError, KubeApi, items, wait_for
from e2e.local_stack import LocalStack
from e2e.recorder import WatchRecorder
from e2e.rollouts import image_of

NEW_TAG = "0.1.1"
DJANGO = "/apis/apps/v1/namespaces/django"
WEB = "labelSelector=app.kubernetes.io%2Fcomponent%3Dweb"


def _status(deployment: dict[str, Any]) -> dict[str, int]:
    status = deployment.get("status", {})
    return {key: status.get(key, 0) for key in ("replicas", "updatedReplicas", "availableReplicas", "readyReplicas")}


def _absolute(value: int | str, replicas: int, round_up: bool) -> int:
    """An int-or-percent of `replicas`, rounded as Kubernetes rounds that field."""
    if isinstance(value, int):
        return value
    share = replicas * int(value.rstrip("%")) / 100
    return math.ceil(share) if round_up else math.floor(share)


def _rolled_out(api: KubeApi) -> bool:
    deployment = api.get(f"{DJANGO}/deployments/django")
    status = _status(deployment)
    replicas = deployment["spec"]["replicas"]
    return (
        deployment["status"].get("observedGeneration") == deployment["metadata"]["generation"]
        and status["updatedReplicas"] == status["availableReplicas"] == status["replicas"] == replicas
    )


def _new_migration_job(api: KubeApi) -> bool:
    """The upgrade's migration Job exists (Helm deletes the install's before it creates this one)."""
    try:
        job = api.get("/apis/batch/v1/namespaces/django/jobs/django-migrate")
    except ApiError as missing:
        if missing.code == 404:
            return False
        raise
    return image_of_job(job) == f"eks-platform-django:{NEW_TAG}"


def image_of_job(job: dict[str, Any]) -> str:
    return job["spec"]["template"]["spec"]["containers"][0]["image"]


@pytest.fixture(scope="module")
def interrupted(local_stack: LocalStack, api: KubeApi) -> dict[str, Any]:
    """The upgrade killed during its migration hook, then `make recover`: what each step left."""
    local_stack.configure({"django": {"imageTag": NEW_TAG}})
    cut = kill_when(lambda: local_stack.stack.up(on_output=print), lambda: _new_migration_job(api))
    local_stack.figures["fault_migration_kill_at_seconds"] = cut.seconds
    at_kill = {
        "pending": pending_at_kill(local_stack),
        "release": latest_statuses(api)["django"],
        "locked": lock_files(local_stack),
    }
    result = recovered(local_stack, "fault_migration_recover")  # unlocked, nothing pending
    return {"at_kill": at_kill, "recover": result, "after": helm_releases(api, "django")}


def test_killed_during_the_migration_hook_recovers(interrupted: dict[str, Any], local_stack: LocalStack) -> None:
    at_kill = interrupted["at_kill"]
    assert at_kill["locked"]
    # The release's upgrade (and the django-manage WorkflowTemplate's, which names the image).
    assert {op["type"] for op in at_kill["pending"]} == {"updating"}
    assert "kubernetes:helm.sh/v3:Release" in {op["resource"]["type"] for op in at_kill["pending"]}
    assert at_kill["release"][1:] == (2, "pending-upgrade")
    result = interrupted["recover"]
    # Rolled back to revision 1, which the state describes: deployed again, in the old image.
    last = interrupted["after"][-1]
    assert (last["version"], last["info"]["status"]) == (3, "deployed")
    assert last["config"]["image"]["tag"] != NEW_TAG
    assert "rolled back to 1" in result.stdout


@pytest.fixture(scope="module")
def upgrade(interrupted: dict[str, Any], local_stack: LocalStack, api: KubeApi) -> dict[str, Any]:
    """The upgrade, watched: what the Deployment passed through, and the pods' images before."""
    before = {image_of(rs) for rs in items(api, f"{DJANGO}/replicasets?{WEB}") if rs["spec"]["replicas"]}
    watch = WatchRecorder(api, f"{DJANGO}/deployments?fieldSelector=metadata.name%3Ddjango", _status).start()
    local_stack.up("upgrade_up")
    wait_for("the Deployment to finish rolling out", lambda: _rolled_out(api), 120)
    watch.stop()
    local_stack.figures["upgrade_watch_events"] = len(watch.values())
    return {"before": before, "statuses": watch.values()}


def test_the_pods_run_the_new_image(upgrade: dict[str, Any], api: KubeApi) -> None:
    assert upgrade["before"] == {"eks-platform-django:0.1.0"}
    pods = items(api, f"/api/v1/namespaces/django/pods?{WEB}")
    assert pods and {pod["spec"]["containers"][0]["image"] for pod in pods} == {f"eks-platform-django:{NEW_TAG}"}


def test_the_migration_ran_in_the_new_image_before_the_new_pods(upgrade: dict[str, Any], api: KubeApi) -> None:
    job = api.get("/apis/batch/v1/namespaces/django/jobs/django-migrate")
    assert image_of_job(job) == f"eks-platform-django:{NEW_TAG}"
    assert job["status"].get("succeeded") == 1
    [new_set] = [rs for rs in items(api, f"{DJANGO}/replicasets?{WEB}") if image_of(rs).endswith(f":{NEW_TAG}")]
    # RFC 3339 UTC timestamps of one clock (the API server's) compare as strings.
    assert job["status"]["completionTime"] <= new_set["metadata"]["creationTimestamp"]


def test_the_helm_release_is_at_revision_4(upgrade: dict[str, Any], api: KubeApi) -> None:
    """1 the install, 2 the interrupted upgrade, 3 the recovery's rollback, 4 the upgrade. Helm
    leaves revision 2's record as the kill left it: only the newest revision counts for Helm."""
    records = helm_releases(api, "django")
    assert [r["info"]["status"] for r in records] == ["superseded", "pending-upgrade", "superseded", "deployed"]
    assert [r["version"] for r in records] == [1, 2, 3, 4]
    assert records[-1]["config"]["image"]["tag"] == NEW_TAG


def test_the_upgraded_stack_previews_clean(upgrade: dict[str, Any], local_stack: LocalStack) -> None:
    local_stack.preview_is_clean("upgrade_preview")


def test_availability_never_dropped_below_the_promise(upgrade: dict[str, Any], api: KubeApi) -> None:
    deployment = api.get(f"{DJANGO}/deployments/django")
    replicas = deployment["spec"]["replicas"]
    rolling = deployment["spec"]["strategy"]["rollingUpdate"]
    budget = api.get("/apis/policy/v1/namespaces/django/poddisruptionbudgets/django")["spec"]
    promised = max(
        replicas - _absolute(rolling["maxUnavailable"], replicas, round_up=False),
        replicas - _absolute(budget.get("maxUnavailable", 0), replicas, round_up=True),
        1,  # the chart's rolling update keeps full capacity (maxUnavailable 0)
    )
    statuses = upgrade["statuses"]
    # The watch saw the rollout happen: a surge pod beside the old one, then the new one alone.
    assert any(s["replicas"] > replicas for s in statuses), statuses
    assert min(s["availableReplicas"] for s in statuses) >= promised, statuses
