"""`make diff` (scripts/diff.py): one change in the tree, exactly one object diff in the report.

A throwaway git repository holds a copy of this working tree: its previous commit turns Argo
Rollouts off in the dev stack, its last commit is the tree as it is. Each test changes one thing
in that copy's working tree and renders it again; the program run and the unchanged charts come
from the cache (one mock run per distinct program, one helm render per distinct input), so a
change costs one `helm template` of charts/django.
"""

from __future__ import annotations

import base64
import importlib.util
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml

from components import versions
from offline import charts
from tests import upstream_charts

ROOT = Path(__file__).resolve().parents[2]
HELM = ROOT / "tools" / "bin" / "helm"
CHARTS = charts.CACHE  # the project's chart cache: the throwaway copy's own build/charts is empty
DEV_VALUES = "charts/django/environments/values.dev.yaml"
BASE = "BASE"


def _load_script() -> Any:
    spec = importlib.util.spec_from_file_location("make_diff", ROOT / "scripts" / "diff.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_diff"] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)
    return module


make_diff = _load_script()


def git(repo: Path, *args: str) -> str:
    command = ["git", "-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "commit.gpgsign=false", *args]
    return subprocess.run(command, cwd=repo, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture(scope="module")
def repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git copy of the working tree: HEAD~1 without Argo Rollouts in dev, HEAD as the tree is."""
    repo = tmp_path_factory.mktemp("repo")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout
    for name in filter(None, listed.decode().split("\0")):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet committed is listed too
            (repo / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / name)
    stack_file = repo / "Pulumi.dev.yaml"
    real = stack_file.read_text()
    document = yaml.safe_load(real)
    document["config"].setdefault("eks-platform:addons", {})["argoRollouts"] = {"enabled": False}
    stack_file.write_text(yaml.safe_dump(document, sort_keys=False))
    git(repo, "init", "--quiet")
    git(repo, "add", "-A")
    git(repo, "commit", "--quiet", "-m", "dev without Argo Rollouts")
    stack_file.write_text(real)
    git(repo, "commit", "--quiet", "-am", "the tree as it is")
    return repo


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("diff-cache")


def render(repo: Path, cache: Path) -> dict[str, Any]:
    return make_diff.render_in_subprocess(repo, "dev", CHARTS, HELM, cache)


@pytest.fixture(scope="module")
def base(repo: Path, cache: Path) -> dict[str, Any]:
    """The rendering of the unchanged copy (HEAD): the BASE of every one-change test."""
    return render(repo, cache)


@contextmanager
def edited(repo: Path, path: str, old: str, new: str) -> Iterator[None]:
    """`path` in the copy's working tree with `old` replaced by `new`, restored afterwards."""
    file = repo / path
    original = file.read_text()
    assert original.count(old) == 1, f"{old!r} not exactly once in {path}"
    file.write_text(original.replace(old, new))
    try:
        yield
    finally:
        file.write_text(original)


def blocks(lines: list[str]) -> dict[str, list[str]]:
    """Report lines grouped by object: `kind/namespace/name` -> its heading and diff lines."""
    found: dict[str, list[str]] = {}
    current: list[str] = []
    for line in lines:
        heading = re.match(r"^[~+-] (changed|added|removed) +(\S+/\S+/\S+)  \(release ", line)
        if heading:
            current = found.setdefault(heading.group(2), [])
        if not line:
            current = []  # a blank line ends the object; the summary line belongs to none
        else:
            current.append(line)
    return found


def changed_lines(block: list[str]) -> list[str]:
    """The -/+ lines of a unified diff, without its ---/+++ file lines."""
    return [line for line in block[1:] if line[:1] in "-+" and not line.startswith(("---", "+++"))]


def changes(base: dict[str, Any], repo: Path, cache: Path) -> dict[str, list[str]]:
    return blocks(make_diff.compare(base, render(repo, cache), BASE))


# ---- one change at a time ---------------------------------------------------------------------------------


def test_replicas_in_the_values_file_change_only_the_deployment_replicas(
    base: dict[str, Any], repo: Path, cache: Path
) -> None:
    with edited(repo, DEV_VALUES, "replicaCount: 1\n", "replicaCount: 2\n"):
        found = changes(base, repo, cache)
    assert set(found) == {"Deployment/django/django"}
    assert found["Deployment/django/django"][0].startswith("~ changed ")
    assert changed_lines(found["Deployment/django/django"]) == ["-  replicas: 1", "+  replicas: 2"]


def test_an_extra_env_var_changes_the_configmap_its_checksum_and_the_test_pod_only(
    base: dict[str, Any], repo: Path, cache: Path
) -> None:
    with edited(
        repo, DEV_VALUES, "config:\n  debug: true\n", "config:\n  debug: true\n  extraEnv:\n    FEATURE_X: enabled\n"
    ):
        found = changes(base, repo, cache)
    # the chart's `helm test` Pod checks that every configured variable is set: it lists the new one
    assert set(found) == {"ConfigMap/django/django", "Deployment/django/django", "Pod/django/django-test-env"}
    assert changed_lines(found["ConfigMap/django/django"]) == ["+  FEATURE_X: enabled"]
    assert found["Pod/django/django-test-env"][0].endswith("(release django; hook test)")
    assert changed_lines(found["Pod/django/django-test-env"]) == ["+    - FEATURE_X"]
    checksum = changed_lines(found["Deployment/django/django"])
    assert [line[:1] for line in checksum] == ["-", "+"]
    assert all(re.fullmatch(r"[-+] +checksum/config: [0-9a-f]{64}", line) for line in checksum), checksum


def test_the_strategy_changes_only_the_deployment_strategy(base: dict[str, Any], repo: Path, cache: Path) -> None:
    """The stack setting `django.strategy` (the program passes it to the chart)."""
    hosts = "    hosts: [django.dev.example.com]\n"
    with edited(repo, "Pulumi.dev.yaml", hosts, hosts + "    strategy:\n      type: Recreate\n"):
        found = changes(base, repo, cache)
    assert set(found) == {"Deployment/django/django"}
    lines = changed_lines(found["Deployment/django/django"])
    assert "-    type: RollingUpdate" in lines and "+    type: Recreate" in lines
    assert [line for line in lines if line.startswith("+")] == ["+    type: Recreate"]
    assert {line.split(":")[0].strip("- ") for line in lines if line.startswith("-")} == {
        "type",
        "rollingUpdate",
        "maxSurge",
        "maxUnavailable",
    }


def test_a_hook_object_is_marked(base: dict[str, Any], repo: Path, cache: Path) -> None:
    with edited(repo, DEV_VALUES, "replicaCount: 1\n", "replicaCount: 1\nmigration:\n  backoffLimit: 4\n"):
        found = changes(base, repo, cache)
    assert set(found) == {"Job/django/django-migrate"}
    [heading, *_] = found["Job/django/django-migrate"]
    assert heading.endswith("(release django; hook post-install,pre-upgrade)")
    assert changed_lines(found["Job/django/django-migrate"]) == ["-  backoffLimit: 2", "+  backoffLimit: 4"]


# ---- the command, end to end (git, BASE in its own tree, the header) ---------------------------------


def run_command(repo: Path, cache: Path, base_ref: str) -> str:
    command = [sys.executable, str(repo / "scripts" / "diff.py"), "dev", "--base", base_ref]
    command += ["--charts-cache", str(CHARTS), "--helm", str(HELM), "--cache-dir", str(cache)]
    return subprocess.run(command, cwd=repo, capture_output=True, text=True, check=True).stdout


def test_an_unchanged_tree_prints_no_changes(base: dict[str, Any], repo: Path, cache: Path) -> None:
    """The load balancer controller's chart makes a new webhook certificate on every render: masked."""
    report = run_command(repo, cache, "HEAD")
    assert report.rstrip().splitlines()[-1] == "no changes"
    assert "# make diff: stack dev, HEAD (" in report and "--kube-version 1.34.0" in report
    workflows = upstream_charts.fetched("argo-workflows")
    substituted = f"note: argo-workflows: the pinned {versions.ARGO_WORKFLOWS.version} is in no chart source"
    # said exactly when the cache holds a substitute (offline), and never where the pin itself was fetched
    assert (substituted in report) == workflows.substituted
    if workflows.substituted:
        assert f"rendered its offline substitute {versions.OFFLINE_SUBSTITUTES['argo-workflows']}" in report


def test_the_base_runs_its_own_program_and_objects_on_one_side_are_added(
    base: dict[str, Any], repo: Path, cache: Path
) -> None:
    report = run_command(repo, cache, "HEAD~1")  # Argo Rollouts off in dev at HEAD~1
    assert "#   release argo-rollouts (argo-rollouts): argo-rollouts 2.41.0 [new]" in report
    found = blocks(report.splitlines())
    assert found and all(block[0].startswith("+ added ") for block in found.values())
    assert {block[0].split("(release ")[1].split(")")[0].split(";")[0] for block in found.values()} == {"argo-rollouts"}
    assert "CustomResourceDefinition/(cluster)/rollouts.argoproj.io" in found
    assert "Deployment/argo-rollouts/argo-rollouts" in found
    assert report.rstrip().endswith(f"0 changed, {len(found)} added, 0 removed")


def test_make_diff_is_a_documented_target() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^diff: .*## .+", makefile, re.MULTILINE)
    assert "$(PY) scripts/diff.py $(STACK) --base $(BASE)" in makefile
    assert re.search(r"^BASE \?= origin/main$", makefile, re.MULTILINE)
    readme = (ROOT / "README.md").read_text()
    assert "## Reviewable diffs" in readme and "make diff STACK=dev BASE=origin/main" in readme


# ---- Secrets: compared, never printed -----------------------------------------------------------------------


SECRET_VALUES = ROOT / "charts" / "django" / "ci" / "chart-created-secret-values.yaml"


def chart_rendering(values_file: Path) -> dict[str, Any]:
    """charts/django alone, rendered by the script's renderer with one ci values file."""
    release = {"name": "django", "namespace": "django", "values": {}}
    source = make_diff.ChartSource(str(ROOT / "charts" / "django"), (), "local")
    objects = make_diff.helm_template(release, source, [values_file], upstream_charts.KUBE_VERSION, HELM)
    return {
        "kubeVersion": upstream_charts.KUBE_VERSION,
        "releases": [],
        "objects": make_diff.keyed("django", "django", objects),
    }


def secret_strings(*values: str) -> list[str]:
    return [form for value in values for form in (value, base64.b64encode(value.encode()).decode())]


def test_a_changed_secret_is_reported_without_its_values(tmp_path: Path) -> None:
    old_key = "not-a-real-secret-key"
    new_key = "another-fake-secret-key-0123456789"
    changed = tmp_path / "changed-secret-values.yaml"
    changed.write_text(SECRET_VALUES.read_text().replace(old_key, new_key))
    assert old_key in SECRET_VALUES.read_text()
    report = "\n".join(make_diff.compare(chart_rendering(SECRET_VALUES), chart_rendering(changed), BASE))
    found = blocks(report.splitlines())
    assert found["Secret/django/django"][0].startswith("~ changed ")
    assert "  values changed (not shown): SECRET_KEY" in found["Secret/django/django"]
    for secret in secret_strings(old_key, new_key, "postgres://django:not-a-real-password@postgres:5432/django"):
        assert secret not in report


def test_an_added_secret_shows_its_key_names_only(tmp_path: Path) -> None:
    existing = tmp_path / "existing-secret-values.yaml"
    document = yaml.safe_load(SECRET_VALUES.read_text())
    values = document["secret"]["values"]
    document["secret"] = {"create": False, "existingSecret": "django-app"}
    existing.write_text(yaml.safe_dump(document))
    report = "\n".join(make_diff.compare(chart_rendering(existing), chart_rendering(SECRET_VALUES), BASE))
    [line] = blocks(report.splitlines())["Secret/django/django"]
    assert line.startswith("+ added ") and line.endswith("keys: DATABASE_URL, SECRET_KEY")
    for secret in secret_strings(*values.values()):
        assert secret not in report
