"""Reading a Rollout's progress from the API server, and driving it with the runbook's commands
(`kubectl argo rollouts ...`: the pinned kubectl and the pinned plugin, on the plugin PATH)."""

from __future__ import annotations

import subprocess
from typing import Any

from e2e.kubeapi import KubeApi, items, wait_for_object
from e2e.paths import bin_dir
from e2e.target import Target

ARGO = "/apis/argoproj.io/v1alpha1/namespaces"


def rollout(api: KubeApi, namespace: str, name: str) -> dict[str, Any]:
    return dict(api.get(f"{ARGO}/{namespace}/rollouts/{name}"))


def status(api: KubeApi, namespace: str, name: str) -> dict[str, Any]:
    return dict(rollout(api, namespace, name).get("status", {}))


def wait_status(api: KubeApi, namespace: str, name: str, what: str, check, timeout: float = 120) -> dict[str, Any]:
    """Wait until check(status) holds (status of the current generation only); returns that status."""

    def current(obj: dict[str, Any]) -> bool:
        status = obj.get("status", {})
        return bool(status.get("observedGeneration") == str(obj["metadata"]["generation"]) and check(status))

    path = f"{ARGO}/{namespace}/rollouts/{name}"
    return dict(wait_for_object(api, path, f"Rollout {namespace}/{name}: {what}", current, timeout)["status"])


def healthy(status: dict[str, Any]) -> bool:
    """Healthy, on the revision it was asked for (stable is current)."""
    return status.get("phase") == "Healthy" and status.get("stableRS") == status.get("currentPodHash")


def aborted(status: dict[str, Any]) -> bool:
    """Aborted (by a command or a failed analysis): Degraded, back on the stable version."""
    return status.get("abort") is True and status.get("phase") == "Degraded"


def replica_sets(api: KubeApi, namespace: str, name: str) -> dict[str, dict[str, Any]]:
    """The Rollout's ReplicaSets by rollouts-pod-template-hash."""
    found = {}
    for replica_set in items(api, f"/apis/apps/v1/namespaces/{namespace}/replicasets"):
        owners = replica_set["metadata"].get("ownerReferences", [])
        if any(o["kind"] == "Rollout" and o["name"] == name for o in owners):
            found[replica_set["metadata"]["labels"]["rollouts-pod-template-hash"]] = replica_set
    return found


def image_of(replica_set: dict[str, Any]) -> str:
    [container] = replica_set["spec"]["template"]["spec"]["containers"]
    return str(container["image"])


def kubectl_argo_rollouts(target: Target, *args: str) -> str:
    """`kubectl argo rollouts ARGS` as the runbook types it; kubectl finds the plugin on PATH."""
    # kubectl takes no flag before a plugin's name: the context goes after, the kubeconfig in KUBECONFIG.
    run = subprocess.run(
        [str(bin_dir() / "kubectl"), "argo", "rollouts", *args, "--context", target.context],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": f"{bin_dir()}:/usr/bin:/bin", "HOME": str(bin_dir().parent), "KUBECONFIG": str(target.kubeconfig)},
    )
    assert run.returncode == 0, f"kubectl argo rollouts {' '.join(args)}: {run.stderr}"
    return run.stdout


def analysis_runs(api: KubeApi, namespace: str, pod_hash: str) -> list[dict[str, Any]]:
    """The AnalysisRuns of one revision (by its rollouts-pod-template-hash)."""
    runs = items(api, f"{ARGO}/{namespace}/analysisruns")
    return [r for r in runs if r["metadata"].get("labels", {}).get("rollouts-pod-template-hash") == pod_hash]
