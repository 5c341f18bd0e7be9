"""checkov finds nothing to fix in charts/django as prod deploys it.

Why `--framework kubernetes` on a helm-rendered directory rather than `--framework helm`: checkov's
helm runner calls `helm template` without `--kube-version`, so Helm assumes its built-in Kubernetes
(v1.32 for Helm 3.17) and refuses the chart's kubeVersion (>=1.33). checkov then logs a warning and
scans nothing, reporting 0 failed. Rendering here with the stacks' version and the prod values, then
scanning the manifests, runs the same Kubernetes checks on exactly what prod applies.

checkov lives in its own virtualenv (.venv-checkov, `make setup`); CHECKOV_BIN points elsewhere.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

# The test pod may skip exactly these, in its own annotations; nothing else may be skipped in-chart.
IN_CHART_SKIPS = {("Pod", "CKV_K8S_8"), ("Pod", "CKV_K8S_9")}


def _checkov_report(checkov: Path, workdir: Path, config: Path) -> dict[str, Any]:
    proc = subprocess.run(
        [
            str(checkov),
            "--directory", str(workdir),
            "--framework", "kubernetes",
            "--config-file", str(config),
            "--output", "json",
        ],
        capture_output=True,
        text=True,
        check=False,
        cwd=workdir,  # no stray .checkov.yaml from the caller's directory
    )  # fmt: skip
    assert proc.stdout.strip(), f"checkov printed no report: {proc.stderr[-2000:]}"
    report = json.loads(proc.stdout)
    # One framework gives one report object; several give a list.
    return report[0] if isinstance(report, list) else report


def _checkov_bin(repo_root: Path) -> Path:
    path = Path(os.environ.get("CHECKOV_BIN", repo_root / ".venv-checkov" / "bin" / "checkov"))
    if not path.exists():
        pytest.fail(f"{path} is missing: run `make setup` (it builds .venv-checkov from requirements-checkov.txt)")
    return path


@pytest.fixture(scope="module")
def prod_scan(chart, tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """checkov's JSON report on the prod render, and the objects of that render."""
    workdir = tmp_path_factory.mktemp("checkov")
    rendered = chart.render_to(workdir, chart.values_file("env-prod"))
    report = _checkov_report(_checkov_bin(chart.repo_root), workdir, chart.repo_root / ".checkov.yaml")
    return report, [d for d in yaml.safe_load_all(rendered.read_text()) if d]


def test_prod_has_no_failed_checks(prod_scan) -> None:
    report, _ = prod_scan
    failed = [f"{c['check_id']} {c['resource']}" for c in report["results"]["failed_checks"]]
    assert failed == []


def test_the_scan_covered_the_whole_release(prod_scan) -> None:
    """A scan that parsed nothing also reports 0 failed; make sure every workload was checked."""
    report, objects = prod_scan
    summary = report["summary"]
    assert summary["parsing_errors"] == 0
    # checkov counts each pod template as a resource of its own, hence >=.
    assert summary["resource_count"] >= len(objects)
    assert summary["passed"] > 100
    checked = {c["resource"] for outcome in ("passed_checks", "skipped_checks") for c in report["results"][outcome]}
    workloads = {
        f"{o['kind']}.{o['metadata']['namespace']}.{o['metadata']['name']}"
        for o in objects
        if o["kind"] in ("Deployment", "Job", "Pod")
    }
    assert len(workloads) == 3
    assert workloads <= checked


def test_in_chart_skips_are_scoped_and_explained(prod_scan) -> None:
    report, _ = prod_scan
    skipped = report["results"]["skipped_checks"]
    assert {(c["resource"].split(".")[0], c["check_id"]) for c in skipped} <= IN_CHART_SKIPS
    for check in skipped:
        assert len(check["check_result"].get("suppress_comment", "")) > 20, check["check_id"]


def test_every_config_skip_has_a_reason(chart) -> None:
    text = (chart.repo_root / ".checkov.yaml").read_text()
    skips = yaml.safe_load(text).get("skip-check", [])
    lines = text.splitlines()
    for check_id in skips:
        (index,) = [i for i, line in enumerate(lines) if re.fullmatch(rf"\s*-\s*{check_id}\s*", line)]
        reason = []
        while index > 0 and lines[index - 1].strip().startswith("#"):
            index -= 1
            reason.insert(0, lines[index])
        assert reason and reason[0].strip().startswith(f"# {check_id} "), f"{check_id} has no reason above it"


# ---- the Argo strategies' scenarios (BlueGreen, Canary) ----------------------------------------------


def _argo_scenarios(chart) -> list[Path]:
    return [
        path
        for path in sorted((chart.dir / "ci").glob("*-values.yaml"))
        if chart.strategy_type(path) in ("BlueGreen", "Canary")
    ]


@pytest.fixture(scope="module")
def argo_scans(chart, tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[dict[str, Any], set[str]]]:
    """checkov's findings per Argo scenario, and the workloads it had to check there; one checkov run.

    checkov has no checks for Rollout or AnalysisTemplate, so each scenario's directory also holds
    the pod templates they embed as a Deployment and a Job (conftest.embedded_workloads): the app's
    and the smoke test's pods get every Kubernetes check a Deployment's and a Job's would.
    """
    workdir = tmp_path_factory.mktemp("checkov-argo")
    expected: dict[str, set[str]] = {}
    for path in _argo_scenarios(chart):
        name = path.name.removesuffix("-values.yaml")
        rendered = chart.render_to(workdir, path, filename=f"{name}.yaml")
        objects = [d for d in yaml.safe_load_all(rendered.read_text()) if d]
        embedded = [e for o in objects for e in chart.embedded_workloads(o)]
        (workdir / f"{name}-embedded.yaml").write_text(yaml.safe_dump_all(embedded))
        expected[name] = {
            f"{o['kind']}.{o['metadata']['namespace']}.{o['metadata']['name']}"
            for o in objects + embedded
            if o["kind"] in ("Deployment", "Job", "Pod")
        }
    report = _checkov_report(_checkov_bin(chart.repo_root), workdir, chart.repo_root / ".checkov.yaml")
    assert report["summary"]["parsing_errors"] == 0
    return {name: (report, workloads) for name, workloads in expected.items()}


def _of_scenario(checks: list[dict[str, Any]], name: str) -> list[dict[str, Any]]:
    return [c for c in checks if Path(c["file_path"]).name in (f"{name}.yaml", f"{name}-embedded.yaml")]


ARGO_SCENARIOS = ["bluegreen", "canary-alb", "canary", "bluegreen-prometheus", "canary-prometheus"]


@pytest.mark.parametrize("name", ARGO_SCENARIOS)
def test_argo_scenarios_have_no_failed_checks(argo_scans, name: str) -> None:
    report, workloads = argo_scans[name]
    failed = [f"{c['check_id']} {c['resource']}" for c in _of_scenario(report["results"]["failed_checks"], name)]
    assert failed == []
    checked = {
        c["resource"]
        for outcome in ("passed_checks", "skipped_checks")
        for c in _of_scenario(report["results"][outcome], name)
    }
    # Rollout pods (as a Deployment), the smoke-test Job, the migration Job, the test Pod (the
    # Prometheus AnalysisTemplate starts no pod)
    assert len(workloads) == 4
    assert workloads <= checked
    skipped = _of_scenario(report["results"]["skipped_checks"], name)
    assert {(c["resource"].split(".")[0], c["check_id"]) for c in skipped} <= IN_CHART_SKIPS


def test_every_argo_scenario_is_scanned(chart, argo_scans) -> None:
    assert set(argo_scans) == set(ARGO_SCENARIOS)
