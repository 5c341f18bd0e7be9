"""The platform's alerts (monitoring/alerts/*.yaml): each file is exactly a Prometheus rule file that
the Monitoring component can load into a PrometheusRule, the pinned promtool accepts it
(`promtool check rules`) and its unit tests pass (`promtool test rules`), every alert has a case
where it fires and one where it stays silent, and every alert's runbook link lands on its heading
in docs/operations.md.

promtool is built by `make setup` (e2e/build.sh promtool) from the wrapper module e2e/go/promtool;
when it is missing these tests fail and say how to build it: an alert nobody checked must not pass.
"""

from __future__ import annotations

import re
import subprocess
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml

from e2e.paths import REPO_ROOT

ALERTS = REPO_ROOT / "monitoring" / "alerts"
ALERT_TESTS = ALERTS / "tests"
RUNBOOK = REPO_ROOT / "docs" / "operations.md"
PROMTOOL_MODULE = REPO_ROOT / "e2e" / "go" / "promtool" / "go.mod"
SEVERITIES = {"critical", "warning"}
ANNOTATIONS = {"summary", "description", "runbook_url"}

RULE_FILES = sorted(ALERTS.glob("*.yaml"))
TEST_FILES = sorted(ALERT_TESTS.glob("*.test.yaml"))


def _rel(path: Path) -> str:
    return str(path.relative_to(REPO_ROOT))


@cache
def _load(path: Path) -> Any:
    return yaml.safe_load(path.read_text())


def _alerts(path: Path) -> list[dict[str, Any]]:
    return [rule for group in _load(path)["groups"] for rule in group["rules"] if "alert" in rule]


def _all_alerts() -> dict[str, dict[str, Any]]:
    return {rule["alert"]: rule for path in RULE_FILES for rule in _alerts(path)}


def _pinned_prometheus_version() -> str:
    """Prometheus v3.X.Y from the wrapper's Go module version v0.3XX.Y (as e2e/build.sh stamps it)."""
    found = re.search(
        r"^require github\.com/prometheus/prometheus v0\.(\d+)\.(\d+)$", PROMTOOL_MODULE.read_text(), re.M
    )
    assert found, f"{_rel(PROMTOOL_MODULE)} does not require github.com/prometheus/prometheus v0.3XX.Y"
    minor_block, patch = int(found[1]), found[2]
    return f"{minor_block // 100}.{minor_block % 100}.{patch}"


def _run(promtool: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(promtool), *args], capture_output=True, text=True, timeout=300, cwd=REPO_ROOT)


def test_alert_files_exist_each_with_its_tests() -> None:
    assert RULE_FILES, f"no rule file in {_rel(ALERTS)}"
    missing = [_rel(p) for p in RULE_FILES if not (ALERT_TESTS / f"{p.stem}.test.yaml").is_file()]
    assert not missing, f"rule files without a tests/<name>.test.yaml: {missing}"
    orphans = [_rel(p) for p in TEST_FILES if not (ALERTS / p.name.replace(".test.yaml", ".yaml")).is_file()]
    assert not orphans, f"test files without their rule file: {orphans}"


def test_promtool_is_the_pinned_version(promtool: Path) -> None:
    result = _run(promtool, "--version")
    expected = _pinned_prometheus_version()
    assert result.returncode == 0, result.stderr
    assert f"promtool, version {expected} " in result.stdout, (
        f"{promtool} is not the pinned {expected} ({_rel(PROMTOOL_MODULE)}): {result.stdout.strip()!r}; "
        "rebuild with `e2e/build.sh promtool`"
    )


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_rule_file_is_exactly_groups(path: Path) -> None:
    """components/monitoring.py puts the file's `groups` into a PrometheusRule's spec: nothing else may be in it."""
    data = _load(path)
    assert isinstance(data, dict) and set(data) == {"groups"}, (
        f"{_rel(path)}: top level must be exactly {{groups: [...]}}"
    )
    groups = data["groups"]
    assert isinstance(groups, list) and groups, f"{_rel(path)}: groups must be a non-empty list"
    for group in groups:
        assert group.get("name") and group.get("rules"), f"{_rel(path)}: every group needs a name and rules"


def test_alert_and_group_names_are_unique_across_files() -> None:
    alerts = [rule["alert"] for path in RULE_FILES for rule in _alerts(path)]
    groups = [group["name"] for path in RULE_FILES for group in _load(path)["groups"]]
    assert alerts, "no alert in any rule file"
    assert sorted({a for a in alerts if alerts.count(a) > 1}) == [], "duplicate alert names"
    assert sorted({g for g in groups if groups.count(g) > 1}) == [], "duplicate group names"


@pytest.mark.parametrize("name", sorted(_all_alerts()))
def test_alert_has_for_severity_and_annotations(name: str) -> None:
    rule = _all_alerts()[name]
    assert rule.get("for"), f"{name}: needs a `for:` duration"
    assert rule.get("labels", {}).get("severity") in SEVERITIES, f"{name}: severity must be one of {sorted(SEVERITIES)}"
    assert set(rule.get("annotations", {})) == ANNOTATIONS, f"{name}: annotations must be exactly {sorted(ANNOTATIONS)}"
    assert rule["annotations"]["runbook_url"] == f"docs/operations.md#{name.lower()}"


def test_every_runbook_link_lands_on_its_heading() -> None:
    """`### AlertName` renders as the anchor #alertname, the runbook_url's fragment."""
    text = RUNBOOK.read_text()
    assert "\n## Alerts\n" in text, f"{_rel(RUNBOOK)} has no '## Alerts' section"
    alerts_section = text.split("\n## Alerts\n", 1)[1].split("\n## ", 1)[0]
    headings = set(re.findall(r"^### (\S+)$", alerts_section, re.M))
    missing = sorted(set(_all_alerts()) - headings)
    assert not missing, f"alerts without a '### <name>' heading under '## Alerts' in {_rel(RUNBOOK)}: {missing}"


@pytest.mark.parametrize("path", RULE_FILES, ids=lambda p: p.name)
def test_promtool_check_rules(promtool: Path, path: Path) -> None:
    result = _run(promtool, "check", "rules", "--lint=all", "--lint-fatal", _rel(path))
    assert result.returncode == 0, f"promtool check rules {_rel(path)}:\n{result.stdout}{result.stderr}"
    assert "SUCCESS" in result.stdout + result.stderr


@pytest.mark.parametrize("path", TEST_FILES, ids=lambda p: p.name)
def test_promtool_test_rules(promtool: Path, path: Path) -> None:
    result = _run(promtool, "test", "rules", _rel(path))
    assert result.returncode == 0, f"promtool test rules {_rel(path)}:\n{result.stdout}{result.stderr}"
    assert "SUCCESS" in result.stdout + result.stderr


def _cases() -> list[tuple[Path, str, bool]]:
    """(test file, alertname, fires?) for every alert_rule_test entry."""
    return [
        (path, check["alertname"], bool(check.get("exp_alerts")))
        for path in TEST_FILES
        for test in _load(path)["tests"]
        for check in test.get("alert_rule_test", [])
    ]


def test_every_alert_has_a_firing_and_a_silent_case() -> None:
    alerts = set(_all_alerts())
    fires = {name for _, name, firing in _cases() if firing}
    silent = {name for _, name, firing in _cases() if not firing}
    assert sorted(alerts - fires) == [], "alerts with no test case where they fire"
    assert sorted(alerts - silent) == [], "alerts with no test case where they stay silent"


def test_test_cases_name_alerts_of_their_own_rule_files() -> None:
    """An `exp_alerts: []` for a misspelt or foreign alert name passes in promtool without testing anything."""
    wrong = []
    for path, name, _ in _cases():
        own = {rule["alert"] for ref in _load(path)["rule_files"] for rule in _alerts((path.parent / ref).resolve())}
        if name not in own:
            wrong.append(f"{_rel(path)}: {name}")
    assert not wrong, f"test cases naming no alert of the file's rule_files: {wrong}"
