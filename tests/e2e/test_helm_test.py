"""Day 2: `helm test django` runs the chart's env-check pod (the Django ConfigMap and Secret as
env, checked inside the pod), and it succeeds."""

from __future__ import annotations

import subprocess

from e2e.kubeapi import KubeApi, items
from e2e.local_stack import LocalStack
from e2e.paths import REPO_ROOT

HELM = REPO_ROOT / "tools" / "bin" / "helm"  # the pinned helm (tools.lock, `make setup`)


def test_helm_test_runs_the_env_check_pod_and_it_succeeds(local_stack: LocalStack, api: KubeApi, tmp_path) -> None:
    target = local_stack.target
    run = local_stack.timed(
        "helm_test",
        lambda: subprocess.run(
            [
                str(HELM),
                "test",
                "django",
                "-n",
                "django",
                "--kubeconfig",
                str(target.kubeconfig),
                "--kube-context",
                target.context,
                "--timeout",
                "2m",
            ],
            capture_output=True,
            text=True,
            timeout=180,
            env={"HOME": str(tmp_path), "PATH": "/usr/bin:/bin"},
        ),
    )
    assert run.returncode == 0, run.stderr
    assert "Phase:          Succeeded" in run.stdout
    [pod] = [p for p in items(api, "/api/v1/namespaces/django/pods") if p["metadata"]["name"].endswith("test-env")]
    assert pod["metadata"]["annotations"]["helm.sh/hook"] == "test"
    assert pod["status"]["phase"] == "Succeeded"
    [container] = pod["spec"]["containers"]
    assert container["envFrom"] == [{"configMapRef": {"name": "django"}}, {"secretRef": {"name": "django-app"}}]
