"""chartMirror: every upstream chart from one mirror, pins unchanged unless the stack overrides them."""

from __future__ import annotations

from typing import Any

import pytest

from components import versions
from components.helm_release import ChartMirror
from offline.runner import ProgramError, ProgramRun, run_program

RELEASE = "kubernetes:helm.sh/v3:Release"
UPSTREAM = {
    "argo-rollouts": (versions.ARGO_HELM_REPO, versions.ARGO_ROLLOUTS_CHART),
    "argo-workflows": (versions.ARGO_HELM_REPO, versions.ARGO_WORKFLOWS_CHART),
    "aws-load-balancer-controller": (versions.EKS_CHARTS_REPO, versions.LOAD_BALANCER_CONTROLLER_CHART),
    "cluster-autoscaler": (versions.AUTOSCALER_HELM_REPO, versions.CLUSTER_AUTOSCALER_BY_KUBERNETES_VERSION["1.34"][0]),
    "metrics-server": (versions.METRICS_SERVER_HELM_REPO, versions.METRICS_SERVER_CHART),
}


def releases(run: ProgramRun) -> dict[str, dict[str, Any]]:
    return {r.plain["name"]: r.plain for r in run.of_type(RELEASE)}


def test_without_a_mirror_each_chart_comes_from_its_own_repository(dev: ProgramRun) -> None:
    found = releases(dev)
    for chart, (repo, version) in UPSTREAM.items():
        assert (found[chart]["chart"], found[chart]["repositoryOpts"]["repo"], found[chart]["version"]) == (
            chart,
            repo,
            version,
        )


def test_an_http_mirror_serves_every_upstream_chart_at_the_pinned_version(dev_config: dict[str, Any]) -> None:
    dev_config["chartMirror"] = {"url": "https://charts.internal.example"}
    found = releases(run_program("dev", dev_config))
    for chart, (_, version) in UPSTREAM.items():
        assert found[chart]["repositoryOpts"]["repo"] == "https://charts.internal.example"
        assert (found[chart]["chart"], found[chart]["version"]) == (chart, version)
    assert found["django"]["chart"] == "charts/django"  # the local chart is never mirrored
    assert "repositoryOpts" not in found["django"] or not found["django"]["repositoryOpts"]


def test_an_oci_mirror_names_the_chart_by_reference_and_a_version_override_applies(dev_config: dict[str, Any]) -> None:
    mirror = "oci://123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/charts"
    dev_config["chartMirror"] = {"url": mirror, "versions": {"argo-workflows": "1.0.18"}}
    found = releases(run_program("dev", dev_config))
    assert found["argo-workflows"]["chart"] == f"{mirror}/argo-workflows"
    assert found["argo-workflows"]["version"] == "1.0.18"
    assert not found["argo-workflows"].get("repositoryOpts")
    assert found["metrics-server"]["version"] == versions.METRICS_SERVER_CHART


@pytest.mark.parametrize(
    ("mirror", "fragment"),
    [
        ({"url": "ftp://charts"}, "eks-platform:chartMirror.url = 'ftp://charts'"),
        ({"versions": {"argo-rollout": "2.41.0"}}, "eks-platform:chartMirror.versions.argo-rollout = '2.41.0'"),
        ({"versions": {"metrics-server": "^3.13"}}, "an exact chart version"),
    ],
)
def test_a_bad_mirror_is_refused(dev_config: dict[str, Any], mirror: dict[str, Any], fragment: str) -> None:
    dev_config["chartMirror"] = mirror
    with pytest.raises(ProgramError, match=fragment.replace(".", r"\.").replace("^", r"\^")):
        run_program("dev", dev_config)


def test_mirror_source_rules() -> None:
    assert ChartMirror().source("x", "1.0.0", "https://up") == ("x", "1.0.0", "https://up")
    assert ChartMirror(url="http://127.0.0.1:8879").source("x", "1.0.0", None) == ("x", "1.0.0", None)
