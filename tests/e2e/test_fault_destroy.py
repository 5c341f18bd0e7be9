"""Fault injection during `destroy`: the engine SIGKILLed while the Helm releases uninstall,
`make recover STACK=local --yes`, then `pulumi up` puts back what the destroy had removed and the
preview is clean. test_teardown.py then destroys the stack for good and checks nothing is left."""

from __future__ import annotations

from e2e import controllers
from e2e.faults import kill_when, lock_files, pending_at_kill, recovered, resource_ids
from e2e.helm_records import latest_statuses
from e2e.kubeapi import KubeApi
from e2e.local_stack import LocalStack

RELEASE = "kubernetes:helm.sh/v3:Release"


def test_killed_during_destroy_recovers_and_converges(local_stack: LocalStack, api: KubeApi) -> None:
    if local_stack.target.harness:  # as the teardown does: nothing acts while the releases go
        controllers.stop_all(controllers.harness_layout())
    installed = set(latest_statuses(api))

    def uninstalling() -> bool:
        releases = latest_statuses(api)
        return set(releases) != installed or any(status == "uninstalling" for _, _, status in releases.values())

    cut = kill_when(lambda: local_stack.stack.destroy(on_output=print), uninstalling)
    local_stack.figures["fault_destroy_kill_at_seconds"] = cut.seconds
    assert lock_files(local_stack)
    # What the killed run had saved as in flight (usually some deletes; the state file can also lag
    # the cluster by a step, which the checks below cover either way).
    local_stack.figures["fault_destroy_pending_at_kill"] = len(pending_at_kill(local_stack))

    recovered(local_stack, "fault_destroy_recover")
    releases = latest_statuses(api)
    assert set(releases) < installed, "the destroy had removed no release"
    assert all(status == "deployed" for _, _, status in releases.values()), releases
    assert set(resource_ids(local_stack, RELEASE).values()) == {f"{ns}/{name}" for name, (ns, _, _) in releases.items()}

    result = local_stack.up("fault_destroy_up")
    assert result.summary.resource_changes.get("create", 0) > 0  # what the destroy had removed
    assert set(latest_statuses(api)) == installed
    local_stack.preview_is_clean("fault_destroy_preview")
