"""chartMirror: every upstream chart from one mirror, pins unchanged unless the stack overrides them."""

from __future__ import annotations

from typing import Any

import pytest

from components import versions
from components.helm_release import ChartMirror
from offline.runner import ProgramError, ProgramRun, run_program

RELEASE = "kubernetes:helm.sh/v3:Release"
UPSTREAM = {chart.name: (chart.repository, chart.version) for chart in versions.pinned_charts()}


def releases(run: ProgramRun) -> dict[str, dict[str, Any]]:
    return {r.plain["name"]: r.plain for r in run.of_type(RELEASE)}


def test_without_a_mirror_each_chart_comes_from_its_own_repository(dev: ProgramRun) -> None:
    found = releases(dev)
    assert set(UPSTREAM) - set(found) == {"nvidia-device-plugin"}  # dev has no GPU group
    for chart, (repo, version) in ((c, UPSTREAM[c]) for c in UPSTREAM if c in found):
        assert (found[chart]["chart"], found[chart]["repositoryOpts"]["repo"], found[chart]["version"]) == (
            chart,
            repo,
            version,
        )


def test_an_http_mirror_serves_every_upstream_chart_at_the_pinned_version(dev_config: dict[str, Any]) -> None:
    dev_config["chartMirror"] = {"url": "https://charts.internal.example"}
    found = releases(run_program("dev", dev_config))
    for chart, (_, version) in ((c, UPSTREAM[c]) for c in UPSTREAM if c in found):
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
    assert found["metrics-server"]["version"] == versions.METRICS_SERVER.version


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
    chart = versions.Chart("x", "https://up", "1.0.0")
    assert ChartMirror().source(chart) == ("x", "1.0.0", "https://up")
    assert ChartMirror(url="http://127.0.0.1:8879").source(chart) == ("x", "1.0.0", "http://127.0.0.1:8879")
    assert ChartMirror(url="oci://r/charts/", versions={"x": "0.9.0"}).source(chart) == (
        "oci://r/charts/x",
        "0.9.0",
        None,
    )


def test_every_upstream_chart_the_stacks_install_is_in_the_pinned_list(any_stack: ProgramRun) -> None:
    """The list make setup fetches (and the tests render) covers every upstream chart a committed stack installs."""
    installed = {(r["chart"], r["version"]) for r in releases(any_stack).values() if r["chart"] != "charts/django"}
    assert installed <= {(chart.name, chart.version) for chart in versions.pinned_charts()}
