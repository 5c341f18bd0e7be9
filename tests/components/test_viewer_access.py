"""viewerRoleArns: read-only EKS access that a `pulumi preview` of this program can actually use."""

from __future__ import annotations

from typing import Any

from components.cluster import VIEW_POLICY, VIEWER_GROUP
from offline.runner import ProgramRun, run_program

VIEWER = "arn:aws:iam::123456789012:role/eks-platform-preview"


def viewer_run(config: dict[str, Any]) -> ProgramRun:
    return run_program("dev", {**config, "viewerRoleArns": [VIEWER]})


def test_viewer_roles_get_the_view_policy_and_the_viewers_group(dev_config: dict[str, Any]) -> None:
    cluster = viewer_run(dev_config).one("eks:index:Cluster")
    entries = cluster.plain["accessEntries"]
    [viewer] = [e for e in entries.values() if e["principalArn"] == VIEWER]
    assert viewer["kubernetesGroups"] == [VIEWER_GROUP]
    [policy] = viewer["accessPolicies"].values()
    assert policy["policyArn"] == VIEW_POLICY
    assert policy["accessScope"] == {"type": "cluster"}


def test_viewers_read_helm_release_secrets_in_every_release_namespace_and_nowhere_else(
    dev_config: dict[str, Any],
) -> None:
    run = viewer_run(dev_config)
    [role] = run.of_type("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole")
    assert role.plain["rules"] == [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch"]}]
    bindings = run.of_type("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding")
    release_namespaces = {r.plain["namespace"] for r in run.of_type("kubernetes:helm.sh/v3:Release")}
    assert {b.plain["metadata"]["namespace"] for b in bindings} == release_namespaces
    for binding in bindings:
        assert binding.plain["roleRef"]["name"] == role.plain["metadata"]["name"]
        assert binding.plain["subjects"] == [
            {"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": VIEWER_GROUP}
        ]
    # nothing cluster-wide: no ClusterRoleBinding for the viewers
    assert run.of_type("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding") == []


def test_no_viewer_access_without_viewer_roles(dev: ProgramRun) -> None:
    assert dev.of_type("platform:index:ViewerAccess") == []
    cluster = dev.one("eks:index:Cluster")
    assert not [e for e in (cluster.plain.get("accessEntries") or {}).values() if e.get("kubernetesGroups")]
