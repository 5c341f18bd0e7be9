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
    proc = subprocess.run(
        [
            str(_checkov_bin(chart.repo_root)),
            "--directory", str(workdir),
            "--framework", "kubernetes",
            "--config-file", str(chart.repo_root / ".checkov.yaml"),
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
    return (report[0] if isinstance(report, list) else report), [
        d for d in yaml.safe_load_all(rendered.read_text()) if d
    ]


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
