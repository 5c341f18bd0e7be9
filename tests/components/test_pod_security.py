"""Restricted Pod Security: every namespace the platform makes enforces it, and every pod there meets it.

Pods are checked offline with tests/pod_security.py; `make e2e` shows the API server enforcing
the labels (tests/e2e/test_local_stack.py).
"""

from __future__ import annotations

from typing import Any

import pytest

from components.namespace import pod_security_labels
from offline.runner import ProgramRun
from tests import upstream_charts
from tests.pod_security import pod_specs, violations

RELEASE = "kubernetes:helm.sh/v3:Release"
PLATFORM_NAMESPACES = {"django", "argo", "argo-rollouts", "postgres", "monitoring"}


def release(run: ProgramRun, chart: str) -> dict[str, Any]:
    [found] = [r.plain for r in run.of_type(RELEASE) if r.plain["chart"] == chart]
    return found


def test_every_platform_namespace_enforces_audits_and_warns_at_restricted(any_stack: ProgramRun) -> None:
    namespaces = {
        r.plain["metadata"]["name"]: r.plain["metadata"]["labels"]
        for r in any_stack.of_type("kubernetes:core/v1:Namespace")
    }
    assert set(namespaces) <= PLATFORM_NAMESPACES and {"django", "argo", "argo-rollouts"} <= set(namespaces)
    for name, labels in namespaces.items():
        for mode in ("enforce", "audit", "warn"):
            assert labels[f"pod-security.kubernetes.io/{mode}"] == "restricted", (name, mode)
            assert labels[f"pod-security.kubernetes.io/{mode}-version"] == "v1.34", (name, mode)


@pytest.mark.parametrize("chart", ["argo-workflows", "argo-rollouts"])
def test_the_argo_charts_pods_are_restricted_with_the_programs_values(any_stack: ProgramRun, chart: str) -> None:
    values = release(any_stack, chart)
    specs = dict(pod_specs(upstream_charts.render(chart, values["values"], namespace=values["namespace"])))
    assert specs
    assert {where: violations(spec) for where, spec in specs.items() if violations(spec)} == {}


def test_the_local_postgresql_is_restricted(local: ProgramRun) -> None:
    [statefulset] = local.of_type("kubernetes:apps/v1:StatefulSet")
    assert violations(statefulset.plain["spec"]["template"]["spec"]) == []


def workflow_pods(template: dict[str, Any], executor: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The pods the Argo controller makes for a WorkflowTemplate's container steps: the step's (else the
    workflow's) pod security context, the executor's init and wait containers (the chart's
    executor.securityContext), and the main container. Steps that only call others (fan-out) make none."""
    spec = template["spec"]
    pods = {}
    for step in spec["templates"]:
        main = step.get("container") or step.get("script")
        if main is None:
            continue
        pods[f"{template['metadata']['name']}/{step['name']}"] = {
            "securityContext": step.get("securityContext") or spec.get("securityContext"),
            "initContainers": [{"name": "init", "securityContext": executor}],
            "containers": [{"name": "wait", "securityContext": executor}, {"name": "main", **main}],
            "volumes": step.get("volumes", []) + spec.get("volumes", []),
        }
    return pods


def test_every_workflow_pod_is_restricted_in_argo_and_django(any_stack: ProgramRun) -> None:
    executor = release(any_stack, "argo-workflows")["values"]["executor"]["securityContext"]
    templates = any_stack.of_type("kubernetes:argoproj.io/v1alpha1:WorkflowTemplate")
    pods = {where: pod for t in templates for where, pod in workflow_pods(t.plain, executor).items()}
    assert set(pods) == {"run-code/main", "django-manage/main"}
    assert {where: violations(pod) for where, pod in pods.items() if violations(pod)} == {}
    # without the executor's context the wait and init containers would be refused
    [run_code] = [t.plain for t in templates if t.plain["metadata"]["name"] == "run-code"]
    assert "wait: allowPrivilegeEscalation is not false" in violations(workflow_pods(run_code, {})["run-code/main"])


def test_the_executor_context_reaches_the_controller_configuration(dev: ProgramRun) -> None:
    values = release(dev, "argo-workflows")["values"]
    objects = upstream_charts.render("argo-workflows", values, namespace="argo")
    [config] = [o for o in objects if o["kind"] == "ConfigMap" and "config" in o["data"]]
    assert "allowPrivilegeEscalation: false" in config["data"]["config"].split("executor:", 1)[1]


@pytest.mark.parametrize(
    ("spec", "broken"),
    [
        ({"containers": [{"name": "c", "securityContext": {}}]}, "c: allowPrivilegeEscalation is not false"),
        ({"hostNetwork": True, "containers": []}, "hostNetwork is true"),
        ({"volumes": [{"name": "h", "hostPath": {"path": "/"}}], "containers": []}, "volume h of type ['hostPath']"),
        (
            {
                "securityContext": {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}},
                "containers": [
                    {
                        "name": "c",
                        "securityContext": {
                            "allowPrivilegeEscalation": False,
                            "capabilities": {"drop": ["ALL"], "add": ["SYS_ADMIN"]},
                        },
                    }
                ],
            },
            "c: adds capabilities ['SYS_ADMIN']",
        ),
    ],
)
def test_the_checker_finds_what_the_api_server_would_refuse(spec: dict[str, Any], broken: str) -> None:
    assert broken in violations(spec)


def test_the_labels_pin_the_policy_to_the_cluster_minor() -> None:
    assert pod_security_labels("1.35")["pod-security.kubernetes.io/enforce-version"] == "v1.35"
