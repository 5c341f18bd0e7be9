"""Every scenario of charts/django lints, renders, and is valid Kubernetes for the pinned version.

Scenarios are the two environment files plus every ci/*-values.yaml (see conftest.chart_scenarios),
so a scenario dropped into ci/ is tested without touching this file.
"""

from __future__ import annotations

import copy

import kubernetes_validate
import pytest

# The scenarios issue 4 asks for; more may exist, none of these may go missing.
REQUIRED_CI_SCENARIOS = {
    "nodeport",
    "loadbalancer",
    "ingress-alb",
    "ingress-nginx-tls",
    "recreate-strategy",
    "chart-created-secret",
    "kind",
    "bluegreen",
    "canary-alb",
    "canary",
    # issue 17: a ServiceMonitor, and the Argo analyses that also ask Prometheus
    "servicemonitor",
    "canary-prometheus",
    "bluegreen-prometheus",
}
# What any release consists of; optional objects (Ingress, HPA, Secret) are asserted per scenario.
ALWAYS_RENDERED = {"ServiceAccount", "ConfigMap", "Service", "Job", "Pod", "NetworkPolicy"}
# The app's workload per strategy.type: the Argo strategies swap the Deployment for a Rollout and
# add the smoke-test AnalysisTemplate.
WORKLOAD_KINDS = {
    "RollingUpdate": {"Deployment"},
    "Recreate": {"Deployment"},
    "BlueGreen": {"Rollout", "AnalysisTemplate"},
    "Canary": {"Rollout", "AnalysisTemplate"},
}


def test_ci_folder_holds_every_required_scenario(chart) -> None:
    names = {p.name.removesuffix("-values.yaml") for p in (chart.dir / "ci").glob("*-values.yaml")}
    assert REQUIRED_CI_SCENARIOS <= names, f"missing ci scenarios: {sorted(REQUIRED_CI_SCENARIOS - names)}"


def test_lint_is_clean(chart, scenario) -> None:
    assert "0 chart(s) failed" in chart.lint(scenario.values)


def test_renders_the_release(chart, scenario) -> None:
    kinds = {doc["kind"] for doc in chart.template(scenario.values)}
    expected = ALWAYS_RENDERED | WORKLOAD_KINDS[chart.strategy_type(scenario.values)]
    assert expected <= kinds, f"{scenario.name} lacks {sorted(expected - kinds)}"
    assert not (WORKLOAD_KINDS["RollingUpdate"] | WORKLOAD_KINDS["Canary"]) - expected & kinds


def test_every_object_is_valid_for_the_pinned_kubernetes(chart, scenario) -> None:
    for doc in chart.template(scenario.values):
        # Built-in kinds: kubernetes-validate raises ValidationError (wrong field/type) or
        # SchemaNotFoundError (unknown apiVersion/kind). argoproj.io kinds (Rollout, AnalysisTemplate):
        # validated against the argo-rollouts chart's CRD schemas instead (conftest.validate_object).
        # Either way an unknown kind fails the test; none is skipped.
        chart.validate(doc)


@pytest.mark.parametrize("version", ["1.33.0", "1.35.0"])
def test_prod_is_valid_across_the_supported_range(chart, version: str) -> None:
    """Chart.yaml's kubeVersion promises 1.33-1.35: the prod render must hold at both ends."""
    assert version in chart.supported_kube_versions
    for doc in chart.template(chart.values_file("env-prod"), kube_version=version):
        chart.validate(doc, version)


def test_strict_validation_rejects_an_unknown_field(chart) -> None:
    """Guards the guard: if validation were lax, the scenario tests above would prove nothing."""
    deployment = copy.deepcopy(chart.template(chart.values_file("env-prod")).one("Deployment"))
    deployment["spec"]["template"]["spec"]["containers"][0]["envFromm"] = []
    with pytest.raises(kubernetes_validate.ValidationError, match="envFromm"):
        kubernetes_validate.validate(deployment, chart.kube_version, strict=True)


@pytest.mark.parametrize("version", ["1.32.0", "1.36.0"])
def test_kubernetes_outside_the_supported_range_is_refused(chart, version: str) -> None:
    error = chart.template_error(chart.values_file("env-dev"), kube_version=version)
    assert "chart requires kubeVersion: >=1.33.0-0 <1.36.0-0" in error
