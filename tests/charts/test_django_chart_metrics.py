"""Metrics in charts/django (issue 17): the app's metrics port, the ServiceMonitor that scrapes it,
and the Argo analysis that asks Prometheus about the new pods.

- The metrics port is on the pods and on a headless Service of its own only: never on the chart's
  Service (which may be a LoadBalancer), the preview/canary Services or an Ingress backend, and the
  NetworkPolicy admits only the metrics namespaces to it.
- The ServiceMonitor selects exactly that Service and copies the pod-template hashes onto the
  series; it is validated against the ServiceMonitor CRD of the kube-prometheus-stack chart the
  platform installs (conftest.validate_object), strictly.
- The Prometheus AnalysisTemplate's queries are run by the pinned promtool on synthetic series (no
  traffic, idle, healthy, failing, other versions and namespaces), and its success conditions are
  evaluated on the results' shape as Argo Rollouts does (tests/charts/argo_conditions.py): no traffic
  passes, a 5xx ratio or a p95 above the threshold fails, a healthy canary passes.
"""

from __future__ import annotations

import copy
import math
import runpy
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import promql_parser
import pytest
import yaml

from monitoring.promql import metric_names
from monitoring.scraped_metrics import SCRAPED
from tests.charts.argo_conditions import ERROR, FAILED, SUCCESSFUL, ExprError, eval_condition, evaluate_result

ADDRESS = "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090"
ANALYSIS = {
    "metrics.serviceMonitor.enabled": True,
    "strategy.analysis.prometheus.enabled": True,
    "strategy.analysis.prometheus.address": ADDRESS,
}
ARGO = {"Canary": ("canary", "analysis"), "BlueGreen": ("blueGreen", "prePromotionAnalysis")}
NEW_SERVICE = {"Canary": "django-canary", "BlueGreen": "django-preview"}
HASH_ARG = "{{args.pod-template-hash}}"
NEW_HASH = "5d8f7c9b4"


def _render(chart, name: str = "env-prod", **overrides: Any):
    return chart.template(chart.values_file(name), overrides=overrides)


def _named(manifests, kind: str, name: str) -> dict[str, Any]:
    [found] = [doc for doc in manifests.of_kind(kind) if doc["metadata"]["name"] == name]
    return found


def _app_container(manifests) -> dict[str, Any]:
    [app] = manifests.of_kind("Deployment") + manifests.of_kind("Rollout")
    [container] = app["spec"]["template"]["spec"]["containers"]
    return container


def _metrics(manifests) -> dict[str, dict[str, Any]]:
    """The Prometheus AnalysisTemplate's metrics by name."""
    return {m["name"]: m for m in _named(manifests, "AnalysisTemplate", "django-prometheus")["spec"]["metrics"]}


# ---- the metrics port --------------------------------------------------------------------------------


def test_the_app_pods_declare_the_metrics_port_and_the_app_learns_it(chart) -> None:
    manifests = _render(chart)
    ports = {p["name"]: p["containerPort"] for p in _app_container(manifests)["ports"]}
    assert ports == {"http": 8000, "metrics": 9000}
    assert manifests.config_data["METRICS_PORT"] == "9000"
    moved = _render(chart, **{"metrics.port": 9100})
    assert {p["name"]: p["containerPort"] for p in _app_container(moved)["ports"]}["metrics"] == 9100
    assert moved.config_data["METRICS_PORT"] == "9100"


def test_the_default_port_is_the_reference_apps(chart) -> None:
    app_default = runpy.run_path(str(chart.repo_root / "app" / "config" / "metrics.py"))["DEFAULT_PORT"]
    assert yaml.safe_load((chart.dir / "values.yaml").read_text())["metrics"]["port"] == app_default


def test_metrics_can_be_turned_off(chart) -> None:
    manifests = _render(chart, **{"metrics.enabled": False})
    assert [p["name"] for p in _app_container(manifests)["ports"]] == ["http"]
    assert manifests.config_data["METRICS_PORT"] == "0", "the reference app then serves no metrics"
    assert [rule["ports"] for rule in manifests.one("NetworkPolicy")["spec"]["ingress"]] == [
        [{"port": "http", "protocol": "TCP"}]
    ]
    assert not manifests.of_kind("ServiceMonitor")


def test_nothing_public_carries_the_metrics_port(chart, scenario) -> None:
    """The chart's Service (NodePort/LoadBalancer in some scenarios), the Argo Services and every
    Ingress backend reach the app port only: /metrics stays inside the cluster."""
    manifests = chart.template(scenario.values)
    for service in manifests.of_kind("Service"):
        ports = service["spec"]["ports"]
        if service["metadata"]["name"] == "django-metrics":
            assert service["spec"]["clusterIP"] == "None" and service["spec"]["type"] == "ClusterIP"
            assert [p["targetPort"] for p in ports] == ["metrics"]
        else:
            assert [p["targetPort"] for p in ports] == ["http"], service["metadata"]["name"]
    for ingress in manifests.of_kind("Ingress"):
        for rule in ingress["spec"]["rules"]:
            for path in rule["http"]["paths"]:
                backend = path["backend"]["service"]
                assert backend["name"] != "django-metrics"
                assert backend["port"].get("name") in ("http", "use-annotation")


def test_only_the_metrics_namespaces_reach_the_metrics_port(chart) -> None:
    manifests = chart.template(chart.values_file("ci-servicemonitor"))
    rules = manifests.one("NetworkPolicy")["spec"]["ingress"]
    metrics_rules = [r for r in rules if {"port": "metrics", "protocol": "TCP"} in r["ports"]]
    assert metrics_rules == [
        {
            "ports": [{"port": "metrics", "protocol": "TCP"}],
            "from": [{"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "observability"}}}],
        }
    ]
    app_rule = next(r for r in rules if r not in metrics_rules)
    assert app_rule["ports"] == [{"port": "http", "protocol": "TCP"}]
    # The port number is the one the app was told.
    assert manifests.config_data["METRICS_PORT"] == "9100"
    assert _named(manifests, "Service", "django-metrics")["spec"]["ports"][0]["port"] == 9100


# ---- the ServiceMonitor --------------------------------------------------------------------------------


def test_no_service_monitor_by_default(chart) -> None:
    for name in ("env-dev", "env-prod", "env-local"):
        manifests = chart.template(chart.values_file(name))
        assert not manifests.of_kind("ServiceMonitor")
        assert "django-metrics" not in {s["metadata"]["name"] for s in manifests.of_kind("Service")}


@pytest.mark.parametrize("strategy", ["RollingUpdate", "Canary", "BlueGreen"])
def test_the_service_monitor_scrapes_every_app_pod_through_the_metrics_service(chart, strategy: str) -> None:
    manifests = _render(chart, **{"metrics.serviceMonitor.enabled": True, "strategy.type": strategy})
    monitor = manifests.one("ServiceMonitor")
    chart.validate(monitor)
    spec = monitor["spec"]
    assert spec["namespaceSelector"] == {"matchNames": ["django"]}
    assert spec["endpoints"] == [{"port": "metrics", "path": "/metrics", "interval": "30s", "scrapeTimeout": "10s"}]
    # Both hashes, whichever workload runs: Prometheus writes them as rollouts_pod_template_hash and
    # pod_template_hash (the analysis selects the first).
    assert spec["podTargetLabels"] == ["rollouts-pod-template-hash", "pod-template-hash"]
    selected = [
        s["metadata"]["name"]
        for s in manifests.of_kind("Service")
        if spec["selector"]["matchLabels"].items() <= s["metadata"]["labels"].items()
    ]
    assert selected == ["django-metrics"], "the ServiceMonitor must select the metrics Service alone"
    service = _named(manifests, "Service", "django-metrics")
    workload = manifests.one("Rollout" if strategy in ARGO else "Deployment")
    assert service["spec"]["selector"] == workload["spec"]["selector"]["matchLabels"]
    assert service["spec"]["ports"] == [{"name": "metrics", "port": 9000, "targetPort": "metrics", "protocol": "TCP"}]


def test_extra_labels_join_but_never_replace_the_charts(chart) -> None:
    labels = {"release": "kube-prometheus-stack", "app.kubernetes.io/component": "other"}
    manifests = _render(chart, **{"metrics.serviceMonitor.enabled": True, "metrics.serviceMonitor.labels": labels})
    got = manifests.one("ServiceMonitor")["metadata"]["labels"]
    assert got["release"] == "kube-prometheus-stack"
    assert got["app.kubernetes.io/component"] == "metrics"
    assert got["app.kubernetes.io/instance"] == "django"


def test_the_scrape_settings_come_from_the_values(chart) -> None:
    endpoint = chart.template(chart.values_file("ci-canary-prometheus")).one("ServiceMonitor")["spec"]["endpoints"][0]
    assert (endpoint["interval"], endpoint["scrapeTimeout"]) == ("15s", "5s")


def test_service_monitor_crd_validation_is_strict(chart) -> None:
    """Guards the guard: the CRD schema must refuse what the operator would refuse or prune."""
    monitor = chart.template(chart.values_file("ci-servicemonitor")).one("ServiceMonitor")
    chart.validate(monitor)
    typo = copy.deepcopy(monitor)
    typo["spec"]["endpoints"][0]["scrapeTimout"] = "5s"
    with pytest.raises(jsonschema.ValidationError, match="scrapeTimout"):
        chart.validate(typo)
    wrong_type = copy.deepcopy(monitor)
    wrong_type["spec"]["podTargetLabels"] = "rollouts-pod-template-hash"
    with pytest.raises(jsonschema.ValidationError, match="is not of type 'array'"):
        chart.validate(wrong_type)
    with pytest.raises(LookupError, match="no CRD in kube-prometheus-stack"):
        chart.validate({"apiVersion": "monitoring.coreos.com/v1", "kind": "PodMonitorr", "metadata": {}, "spec": {}})


# ---- the analysis: which templates, which pods -------------------------------------------------------------


@pytest.mark.parametrize(
    "name, strategy", [("ci-canary-prometheus", "Canary"), ("ci-bluegreen-prometheus", "BlueGreen")]
)
def test_the_analysis_adds_prometheus_on_the_new_pods_hash(chart, name: str, strategy: str) -> None:
    manifests = chart.template(chart.values_file(name))
    rollout = manifests.one("Rollout")
    chart.validate(rollout)
    field, key = ARGO[strategy]
    analysis = rollout["spec"]["strategy"][field][key]
    assert analysis["templates"] == [{"templateName": "django-smoke"}, {"templateName": "django-prometheus"}]
    assert analysis["args"] == [
        {"name": "service-name", "value": NEW_SERVICE[strategy]},
        # Latest: the ReplicaSet being introduced (the canary, or BlueGreen's preview).
        {"name": "pod-template-hash", "valueFrom": {"podTemplateHashValue": "Latest"}},
    ]
    template = _named(manifests, "AnalysisTemplate", "django-prometheus")
    chart.validate(template)
    assert template["spec"]["args"] == [{"name": "pod-template-hash"}]
    assert template["metadata"]["labels"]["app.kubernetes.io/component"] == "analysis"
    # every argument a template declares is passed (Argo fails an analysis with an unresolved one)
    declared = {a["name"] for t in manifests.of_kind("AnalysisTemplate") for a in t["spec"]["args"]}
    assert declared == {a["name"] for a in analysis["args"]}
    # the smoke test is unchanged beside it
    smoke = _named(manifests, "AnalysisTemplate", "django-smoke")
    assert [m["name"] for m in smoke["spec"]["metrics"]] == ["healthz"]


def test_measurement_settings_and_thresholds_come_from_the_values(chart) -> None:
    metrics = _metrics(chart.template(chart.values_file("ci-canary-prometheus")))
    assert set(metrics) == {"error-ratio", "p95-latency"}
    for metric in metrics.values():
        assert (metric["count"], metric["interval"], metric["failureLimit"]) == (4, "30s", 1)
        assert metric["provider"]["prometheus"]["address"] == ADDRESS
        assert "[1m]" in metric["provider"]["prometheus"]["query"]
    assert metrics["error-ratio"]["successCondition"] == "isNaN(result[0]) || result[0] <= 0.02"
    assert metrics["p95-latency"]["successCondition"] == "isNaN(result[0]) || result[0] <= 0.3"
    defaults = _metrics(chart.template(chart.values_file("ci-bluegreen-prometheus")))
    assert defaults["error-ratio"]["successCondition"].endswith("<= 0.05")
    assert defaults["p95-latency"]["successCondition"].endswith("<= 0.5")
    for metric in defaults.values():
        assert (metric["count"], metric["interval"], metric["failureLimit"]) == (5, "1m", 1)
        assert "[2m]" in metric["provider"]["prometheus"]["query"]


def test_without_prometheus_the_smoke_test_runs_alone(chart) -> None:
    for strategy, (field, key) in ARGO.items():
        manifests = _render(chart, **{"strategy.type": strategy, "metrics.serviceMonitor.enabled": True})
        analysis = manifests.one("Rollout")["spec"]["strategy"][field][key]
        assert analysis["templates"] == [{"templateName": "django-smoke"}]
        assert [a["name"] for a in analysis["args"]] == ["service-name"]
        assert [t["metadata"]["name"] for t in manifests.of_kind("AnalysisTemplate")] == ["django-smoke"]


@pytest.mark.parametrize("strategy", ["RollingUpdate", "Recreate"])
def test_prometheus_analysis_is_inert_without_an_argo_strategy(chart, strategy: str) -> None:
    """A Deployment has no analysis: the preset renders nothing and demands nothing."""
    manifests = _render(chart, **{**ANALYSIS, "metrics.serviceMonitor.enabled": False, "strategy.type": strategy})
    assert not manifests.of_kind("AnalysisTemplate")


# ---- the queries ---------------------------------------------------------------------------------------------


def _queries(chart, name: str = "ci-canary-prometheus", hash_value: str = NEW_HASH) -> dict[str, str]:
    return {
        metric: spec["provider"]["prometheus"]["query"].replace(HASH_ARG, hash_value)
        for metric, spec in _metrics(chart.template(chart.values_file(name))).items()
    }


def test_queries_are_promql_on_catalogued_series_of_the_new_pods(chart) -> None:
    raw = _metrics(chart.template(chart.values_file("ci-canary-prometheus")))
    for name, query in _queries(chart).items():
        assert HASH_ARG in raw[name]["provider"]["prometheus"]["query"], "Argo fills the hash in"
        promql_parser.parse(query)  # raises on a syntax error
        assert metric_names(query) <= SCRAPED["django"].metrics, name
        selectors = [
            node
            for node in _walk(promql_parser.parse(query))
            if isinstance(node, promql_parser.VectorSelector) and node.name
        ]
        assert selectors, name
        for selector in selectors:
            matchers = {m.name: (str(m.op), m.value) for m in selector.matchers.matchers}
            assert matchers["namespace"][1] == "django"
            assert matchers["job"][1] == "django-metrics", "the metrics Service's name, Prometheus's job"
            assert matchers["rollouts_pod_template_hash"][1] == NEW_HASH


def _walk(tree: Any) -> list[Any]:
    nodes: list[Any] = []
    promql_parser.walk(tree, pre_visit=nodes.append)
    return nodes


# Synthetic series, one sample a minute for 10 minutes; the queries are evaluated at 10m. Labels of
# the series the ServiceMonitor produces: namespace and job of the target, the pod's hash.
RESPONSES = "django_http_responses_total_by_status_view_method_total"
BUCKETS = "django_http_requests_latency_seconds_by_view_method_bucket"
LE = ("0.05", "0.1", "0.25", "0.5", "0.75", "1.0", "+Inf")


def _series(metric: str, per_minute: float, namespace: str = "django", pod_hash: str = NEW_HASH, **labels: str):
    label_text = ",".join(
        f'{k}="{v}"'
        for k, v in {
            "namespace": namespace,
            "job": "django-metrics",
            "rollouts_pod_template_hash": pod_hash,
            "view": "index",
            "method": "GET",
            **labels,
        }.items()
    )
    return {"series": f"{metric}{{{label_text}}}", "values": f"100+{per_minute:g}x10"}


def _responses(per_minute: dict[str, float], **where: str) -> list[dict[str, str]]:
    return [_series(RESPONSES, rate, status=status, **where) for status, rate in per_minute.items()]


def _latency(per_minute_under: dict[str, float], **where: str) -> list[dict[str, str]]:
    """Cumulative buckets: every observation at or below le; `per_minute_under` gives the count of
    each bucket (non-decreasing in le)."""
    return [_series(BUCKETS, per_minute_under.get(le, 0), le=le, **where) for le in LE]


FAST = {"0.05": 0, "0.1": 60, "0.25": 60, "0.5": 60, "0.75": 60, "1.0": 60, "+Inf": 60}
SLOW = {"0.05": 0, "0.1": 0, "0.25": 0, "0.5": 0, "0.75": 0, "1.0": 60, "+Inf": 60}
NAN = math.nan

# name -> (input series, expected error-ratio result, expected p95 result). Each result is the whole
# instant vector the query returns: always exactly one value, NaN when the new pods served nothing.
CASES: dict[str, tuple[list[dict[str, str]], list[float], list[float]]] = {
    "new-pods-not-scraped-yet": (
        # Only the old version has series (it even fails): nothing to judge the new one by.
        _responses({"200": 30, "500": 30}, pod_hash="old000") + _latency(SLOW, pod_hash="old000"),
        [NAN],
        [NAN],
    ),
    "new-pods-idle": (
        # The new pods have series but no request in the window: rate 0, 0/0.
        _responses({"200": 0}) + _latency({le: 0 for le in LE}),
        [NAN],
        [NAN],
    ),
    "healthy": (
        # No 5xx series at all (the numerator's `or vector(0)`), fast; a slow, failing other
        # namespace with the same hash must not count.
        _responses({"200": 60})
        + _latency(FAST)
        + _responses({"500": 600}, namespace="staging")
        + _latency(SLOW, namespace="staging"),
        [0.0],
        [0.05 + 0.05 * 0.95],
    ),
    "healthy-two-pods": (
        _responses({"200": 30}, pod="a")
        + _responses({"200": 30, "201": 30}, pod="b")
        + _latency(FAST, pod="a")
        + _latency(FAST, pod="b"),
        [0.0],
        [0.05 + 0.05 * 0.95],
    ),
    "failing": (
        # A quarter 5xx, all slow; the old version's healthy traffic must not dilute it.
        _responses({"200": 45, "500": 10, "503": 5})
        + _latency(SLOW)
        + _responses({"200": 6000}, pod_hash="old000")
        + _latency(FAST, pod_hash="old000"),
        [0.25],
        [0.75 + 0.25 * 0.95],
    ),
    "only-errors": (
        _responses({"500": 60}) + _latency(FAST),
        [1.0],
        [0.05 + 0.05 * 0.95],
    ),
}
# (error-ratio phase, p95-latency phase) under the default thresholds (0.05, 0.5 s)
PHASES = {
    "new-pods-not-scraped-yet": (SUCCESSFUL, SUCCESSFUL),
    "new-pods-idle": (SUCCESSFUL, SUCCESSFUL),
    "healthy": (SUCCESSFUL, SUCCESSFUL),
    "healthy-two-pods": (SUCCESSFUL, SUCCESSFUL),
    "failing": (FAILED, FAILED),
    "only-errors": (FAILED, SUCCESSFUL),
}


def _expectations(query: str, result: list[float]) -> list[dict[str, Any]]:
    """promtool checks for `result`: exactly one sample, NaN (which never equals itself, so promtool
    cannot compare it: `x != bool x` is 1 only for NaN) or the value."""
    one = {"expr": f"count({query})", "eval_time": "10m", "exp_samples": [{"labels": "{}", "value": len(result)}]}
    [value] = result
    if math.isnan(value):
        check = {"expr": f"({query}) != bool ({query})", "exp_samples": [{"labels": "{}", "value": 1}]}
    else:
        check = {"expr": query, "exp_samples": [{"labels": "{}", "value": value}]}
    return [one, {**check, "eval_time": "10m"}]


def test_the_queries_return_one_value_or_nan_on_every_traffic_shape(chart, promtool: Path, tmp_path: Path) -> None:
    queries = _queries(chart, "ci-bluegreen-prometheus")  # the default 2m window
    groups = [
        {
            "name": name,
            "interval": "1m",
            "input_series": series,
            "promql_expr_test": _expectations(queries["error-ratio"], ratio)
            + _expectations(queries["p95-latency"], p95),
        }
        for name, (series, ratio, p95) in CASES.items()
    ]
    tests = tmp_path / "analysis.test.yaml"
    tests.write_text(yaml.safe_dump({"evaluation_interval": "1m", "fuzzy_compare": True, "tests": groups}))
    result = subprocess.run(
        [str(promtool), "test", "rules", str(tests)], capture_output=True, text=True, timeout=300, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "SUCCESS" in result.stdout


@pytest.mark.parametrize("case", sorted(CASES))
def test_each_traffic_shape_gets_the_intended_verdict(chart, case: str) -> None:
    """The results above, fed to the rendered conditions as Argo evaluates them."""
    metrics = _metrics(chart.template(chart.values_file("ci-bluegreen-prometheus")))
    _, ratio, p95 = CASES[case]
    got = (
        evaluate_result(ratio, success=metrics["error-ratio"]["successCondition"]),
        evaluate_result(p95, success=metrics["p95-latency"]["successCondition"]),
    )
    assert got == PHASES[case]


def test_the_conditions_on_representative_results(chart) -> None:
    metrics = _metrics(chart.template(chart.values_file("ci-bluegreen-prometheus")))
    ratio, p95 = metrics["error-ratio"]["successCondition"], metrics["p95-latency"]["successCondition"]
    assert evaluate_result([0.01], success=ratio) == SUCCESSFUL
    assert evaluate_result([0.05], success=ratio) == SUCCESSFUL  # at the threshold: still fine
    assert evaluate_result([0.0500001], success=ratio) == FAILED
    assert evaluate_result([NAN], success=ratio) == SUCCESSFUL  # no traffic
    assert evaluate_result([0.2], success=p95) == SUCCESSFUL
    assert evaluate_result([2.5], success=p95) == FAILED
    assert evaluate_result([NAN], success=p95) == SUCCESSFUL
    # An empty vector would be an error (index out of range): the queries never return one.
    assert evaluate_result([], success=ratio) == ERROR
    assert evaluate_result([], success=p95) == ERROR


# ---- the evaluator the verdicts rely on ------------------------------------------------------------------------


def test_the_evaluator_follows_expr_semantics() -> None:
    """Guards the guard: a condition without the NaN case would fail a quiet canary, and the
    evaluator must say so; short-circuiting, indexing and Go's NaN comparisons as expr has them."""
    assert evaluate_result([NAN], success="result[0] <= 0.05") == FAILED
    assert evaluate_result([NAN], success="result[0] > 0.05") == FAILED
    assert evaluate_result([NAN], failure="result[0] > 0.05") == SUCCESSFUL
    assert evaluate_result([0.1], success="result[0] < 0.05", failure="result[0] > 0.5") == "Inconclusive"
    assert eval_condition("isNaN(result[0]) || result[5] > 1", [NAN]) is True  # right side never runs
    with pytest.raises(ExprError, match="index out of range"):
        eval_condition("isNaN(result[0]) || result[5] > 1", [0.0])
    assert eval_condition("result[-1] == 3 && len(result) == 2", [1.0, 3.0]) is True
    assert eval_condition("not (result[0] != result[0])", [1.0]) is True
    assert eval_condition("!(result[0] == result[0])", [NAN]) is True
    with pytest.raises(ExprError, match="isNaN takes a float64"):
        eval_condition("isNaN(1)", [])
    with pytest.raises(ExprError, match="expected bool"):
        eval_condition("result[0]", [1.0])
    with pytest.raises(ExprError, match="unknown function"):
        eval_condition("default(result[0], 0) < 1", [1.0])
    with pytest.raises(ExprError, match="unexpected '-'"):
        eval_condition("result[0] - 1 < 0", [1.0])  # outside the subset: refused, not guessed


# ---- refusals --------------------------------------------------------------------------------------------------

# (overrides on top of environments/values.dev.yaml, text the error must contain)
TEMPLATE_REFUSALS = {
    "analysis-without-service-monitor": (
        {**ANALYSIS, "metrics.serviceMonitor.enabled": False, "strategy.type": "Canary"},
        "strategy.analysis.prometheus.enabled: needs metrics.serviceMonitor.enabled=true",
    ),
    "service-monitor-without-metrics": (
        {"metrics.enabled": False, "metrics.serviceMonitor.enabled": True},
        "metrics.serviceMonitor.enabled: needs metrics.enabled=true",
    ),
    "metrics-on-the-app-port": (
        {"metrics.port": 8000},
        "metrics.port: 8000 is containerPort; metrics need a port of their own",
    ),
}


@pytest.mark.parametrize("overrides, message", TEMPLATE_REFUSALS.values(), ids=TEMPLATE_REFUSALS.keys())
def test_chart_refuses(chart, overrides: dict[str, Any], message: str) -> None:
    assert message in chart.template_error(chart.values_file("env-dev"), overrides=overrides)


SCHEMA_REFUSALS = {
    "analysis-without-address": (
        {"strategy.analysis.prometheus.enabled": True},
        "strategy.analysis.prometheus.address: String length must be greater than or equal to 1",
    ),
    "address-without-scheme": (
        {"strategy.analysis.prometheus.address": "prometheus.monitoring:9090"},
        "strategy.analysis.prometheus.address: Does not match pattern",
    ),
    "ratio-as-percent": (
        {"strategy.analysis.prometheus.maxErrorRatio": 5},
        "strategy.analysis.prometheus.maxErrorRatio: Must be less than 1",
    ),
    "zero-latency": (
        {"strategy.analysis.prometheus.maxP95LatencySeconds": 0},
        "strategy.analysis.prometheus.maxP95LatencySeconds: Must be greater than 0",
    ),
    "malformed-window": (
        {"strategy.analysis.prometheus.window": "two minutes"},
        "strategy.analysis.prometheus.window: Does not match pattern",
    ),
    "privileged-metrics-port": (
        {"metrics.port": 90},
        "metrics.port: Must be greater than or equal to 1024",
    ),
    "scrape-interval-typo": (
        {"metrics.serviceMonitor.interval": "30 seconds"},
        "metrics.serviceMonitor.interval: Does not match pattern",
    ),
    "unknown-service-monitor-key": (
        {"metrics.serviceMonitor.honorLabels": True},
        "metrics.serviceMonitor: Additional property honorLabels is not allowed",
    ),
    "malformed-metrics-namespace": (
        {"networkPolicy.metricsNamespaces": ["Monitoring"]},
        "networkPolicy.metricsNamespaces.0: Does not match pattern",
    ),
}


@pytest.mark.parametrize("overrides, message", SCHEMA_REFUSALS.values(), ids=SCHEMA_REFUSALS.keys())
def test_schema_refuses(chart, overrides: dict[str, Any], message: str) -> None:
    error = chart.template_error(chart.values_file("env-dev"), overrides=overrides)
    assert "values don't meet the specifications of the schema" in error
    assert message in error


# ---- NOTES.txt -------------------------------------------------------------------------------------------------


def test_notes_show_the_metrics_and_the_analysis(chart, render_notes) -> None:
    notes = render_notes(chart.values_file("ci-canary-prometheus"))
    assert "GET /metrics on port 9000" in notes
    assert "ServiceMonitor django (Service django-metrics)" in notes
    assert f"asks Prometheus ({ADDRESS}) about the new pods" in notes
    assert "5xx ratio above 0.02 or p95 latency above 0.3s fails it; no traffic passes" in notes
    quiet = render_notes(chart.values_file("env-prod"))
    assert "No ServiceMonitor (metrics.serviceMonitor.enabled=false)" in quiet
    assert "asks Prometheus" not in quiet
