"""The e2e tier on a real cluster: the context switch selects the right checks, and the kind
workflow that runs it loads every image tag the scenarios deploy.

The workflow itself cannot run here (no docker, no GitHub): actionlint checks it with the others
(tests/delivery/test_workflows.py), and these tests check what it relies on.
"""

from __future__ import annotations

import ast
import os
import re
import subprocess
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
E2E_TESTS = ROOT / "tests" / "e2e"
WORKFLOW = ROOT / ".github" / "workflows" / "e2e-kind.yml"
HARNESS_MODULES = {
    "test_control_plane",
    "test_fake_nodes",
    "test_network_safety",
    "test_aws_stacks_real_engine",
    "test_argo_controllers",
}
SCENARIO_MODULES = {
    "test_fault_install",
    "test_local_stack",
    "test_upgrade",
    "test_helm_test",
    "test_workflows",
    "test_canary",
    "test_blue_green",
    "test_fault_destroy",
    "test_teardown",
}


def collected(context: str | None) -> list[str]:
    """The e2e test ids pytest selects (collection only: nothing starts)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EKS_PLATFORM_E2E")}
    env["EKS_PLATFORM_E2E"] = "1"
    if context:
        env["EKS_PLATFORM_E2E_CONTEXT"] = context
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "tests/e2e",
            "--collect-only",
            "-q",
            "-p",
            "no:cacheprovider",
            "-p",
            "no:xdist",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return [line for line in run.stdout.splitlines() if line.startswith("tests/e2e/")]


def modules(ids: list[str]) -> set[str]:
    return {test_id.split("::")[0].rsplit("/", 1)[-1].removesuffix(".py") for test_id in ids}


def test_the_harness_runs_everything_and_a_context_only_the_scenarios() -> None:
    harness = collected(None)
    kind = collected("kind-eks-platform")
    assert modules(harness) == HARNESS_MODULES | SCENARIO_MODULES
    assert modules(kind) == SCENARIO_MODULES
    dropped = set(harness) - set(kind)
    # Inside the scenario modules only the checks that read the harness's fake nodes or stages go.
    assert {i for i in dropped if modules([i]) <= SCENARIO_MODULES} == {
        "tests/e2e/test_local_stack.py::test_argo_runs_only_on_proto_inference_ng_with_the_toleration",
        "tests/e2e/test_local_stack.py::test_node_exporter_runs_on_every_node_inference_included",
        "tests/e2e/test_local_stack.py::test_an_up_through_an_api_server_restart_converges",
        "tests/e2e/test_blue_green.py::test_a_failing_smoke_test_aborts_the_promotion",
    }
    only_on_kind = set(kind) - set(harness)
    assert only_on_kind == {"tests/e2e/test_local_stack.py::test_healthz_answers_through_port_forward"}
    # The same order on both: install first, teardown last.
    assert kind[-1] == harness[-1] == "tests/e2e/test_teardown.py::test_destroy_leaves_nothing_of_the_stack"


def _scenario_tags() -> set[str]:
    tags = set()
    for path in E2E_TESTS.glob("test_*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and re.fullmatch(r"\d+\.\d+\.\d+", node.value)
            ):
                tags.add(node.value)
    return tags


def test_the_workflow_loads_every_tag_the_scenarios_deploy_into_kind() -> None:
    workflow = yaml.safe_load(WORKFLOW.read_text())
    loaded = set(workflow["env"]["APP_TAGS"].split())
    committed = yaml.safe_load((ROOT / "Pulumi.local.yaml").read_text())["config"]["eks-platform:django"]["imageTag"]
    assert _scenario_tags() | {committed} <= loaded
    assert workflow["env"]["EKS_PLATFORM_E2E_CONTEXT"] == "kind-eks-platform"
    run = "\n".join(step.get("run", "") for step in workflow["jobs"]["e2e-kind"]["steps"])
    assert 'kind" create cluster --name "$KIND_CLUSTER"' in run and "make e2e" in run
    assert 'docker build -t "eks-platform-django:0.1.0" app' in run


def test_the_kind_version_is_pinned_in_tools_lock() -> None:
    lock = dict(
        line.split("=", 1)
        for line in (ROOT / "tools.lock").read_text().splitlines()
        if "=" in line and not line.startswith("#")
    )
    assert re.fullmatch(r"v\d+\.\d+\.\d+", lock["kind_version"])
