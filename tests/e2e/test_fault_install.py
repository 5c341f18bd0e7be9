"""Fault injection during the install: the engine (the `pulumi` CLI and its Kubernetes provider)
SIGKILLed while the namespaces and Secrets are created, then again while the Helm releases
install; `make recover STACK=local --yes` after each; then one `pulumi up` installs the rest.

Each case reads the state (the lock, the pending operations as the killed run wrote them, then the
resources and their IDs) and the cluster (namespaces, Secrets, Helm's release records) before and
after the recovery. What was made before a kill is adopted, not made again: the namespaces keep their
UIDs and the releases their first revision through the final `up`. The no-change preview after
that `up` is test_local_stack.py's.
"""

from __future__ import annotations

from typing import Any

import pytest

from e2e.faults import kill_when, lock_files, pending_at_kill, recovered, resource_ids
from e2e.helm_records import latest_statuses
from e2e.kubeapi import KubeApi, items
from e2e.local_stack import WORKLOAD_NAMESPACES, LocalStack

NAMESPACE = "kubernetes:core/v1:Namespace"
SECRET = "kubernetes:core/v1:Secret"
RELEASE = "kubernetes:helm.sh/v3:Release"


def _namespaces(api: KubeApi) -> dict[str, str]:
    """The stack's namespaces in the cluster: name -> UID."""
    return {
        ns["metadata"]["name"]: ns["metadata"]["uid"]
        for ns in items(api, "/api/v1/namespaces")
        if ns["metadata"]["name"] in WORKLOAD_NAMESPACES
    }


@pytest.fixture(scope="module")
def seen() -> dict[str, Any]:
    """What each case saw, for the checks after the final `up`."""
    return {}


def test_killed_while_namespaces_and_secrets_are_created(local_stack: LocalStack, api: KubeApi, seen: dict) -> None:
    cut = kill_when(lambda: local_stack.stack.up(on_output=print), lambda: bool(_namespaces(api)))
    local_stack.figures["fault_namespaces_kill_at_seconds"] = cut.seconds
    assert {name for _, name in cut.killed} >= {"pulumi", "pulumi-resource"}  # comm: 15 characters
    assert lock_files(local_stack), "the killed run left no lock"
    written = pending_at_kill(local_stack)
    pending_namespaces = {
        op["resource"]["inputs"]["metadata"]["name"] for op in written if op["resource"]["type"] == NAMESPACE
    }

    recovered(local_stack, "fault_namespaces_recover")
    namespaces = _namespaces(api)
    assert namespaces
    in_state = set(resource_ids(local_stack, NAMESPACE).values())
    # The state claims nothing the cluster lacks; what was pending and exists is now in it by name.
    assert in_state <= set(namespaces)
    assert pending_namespaces & set(namespaces) <= in_state
    for secret_id in resource_ids(local_stack, SECRET).values():
        namespace, name = secret_id.split("/")
        assert api.exists(f"/api/v1/namespaces/{namespace}/secrets/{name}"), secret_id
    # A kill can also land before the engine saved the create as pending: such a namespace is
    # adopted by the next `up` (server-side apply), as the UID check after it shows.
    local_stack.figures["fault_namespaces_unrecorded"] = sorted(set(namespaces) - in_state)
    seen["namespaces"] = namespaces


def test_killed_while_the_helm_releases_install(local_stack: LocalStack, api: KubeApi, seen: dict) -> None:
    def installing() -> bool:
        return any(status.startswith("pending") for _, _, status in latest_statuses(api).values())

    cut = kill_when(lambda: local_stack.stack.up(on_output=print), installing)
    local_stack.figures["fault_releases_kill_at_seconds"] = cut.seconds
    left = pending_at_kill(local_stack)
    assert any(op["resource"]["type"] == RELEASE for op in left), left
    stuck = {name for name, (_, _, status) in latest_statuses(api).items() if status == "pending-install"}
    assert stuck
    # This run went past the namespaces and Secrets the first recovery adopted, without an error,
    # and made none of them again.
    assert cut.failed_steps() == []
    assert {name: uid for name, uid in _namespaces(api).items() if name in seen["namespaces"]} == seen["namespaces"]

    recovered(local_stack, "fault_releases_recover")
    releases = latest_statuses(api)
    assert not [name for name, (_, _, status) in releases.items() if status != "deployed"], releases
    assert not stuck & set(releases), "a release stuck installing is still there"
    # Exactly the deployed releases are in the state, by `<namespace>/<name>`.
    assert set(resource_ids(local_stack, RELEASE).values()) == {f"{ns}/{name}" for name, (ns, _, _) in releases.items()}
    seen["releases"] = releases


def test_one_up_then_installs_the_rest_and_remakes_nothing(local_stack: LocalStack, api: KubeApi, seen: dict) -> None:
    result = local_stack.up("up")
    changes = result.summary.resource_changes
    local_stack.figures["resources_created"] = changes.get("create", 0)
    local_stack.figures["resources_adopted"] = changes.get("same", 0)
    assert set(changes) <= {"create", "same"}, changes  # nothing replaced, updated or deleted
    assert sum(changes.values()) > 40
    namespaces = _namespaces(api)
    assert {name: namespaces[name] for name in seen["namespaces"]} == seen["namespaces"]
    releases = latest_statuses(api)
    for name, (_, revision, _) in seen["releases"].items():
        assert releases[name] == (seen["releases"][name][0], revision, "deployed"), name
