"""The catalogue of scraped series (monitoring/scraped_metrics.py): well-formed entries whose sources
cite the versions the program pins, and every metric every alert and recording rule of
monitoring/alerts/*.yaml reads listed there. Also the PromQL metric-name extractor both checks rely
on (monitoring/promql.py), on tricky expressions.
"""

from __future__ import annotations

import re
import tarfile
from pathlib import Path
from typing import Any

import pytest
import yaml

from components import versions
from monitoring.promql import UnknownMetricError, grafana_to_promql, metric_names, variable_query_metric_names
from monitoring.scraped_metrics import SCRAPED, ScrapeTarget, exported_metric_names

ROOT = Path(__file__).resolve().parents[2]
ALERTS = ROOT / "monitoring" / "alerts"
METRIC_NAME = re.compile(r"^[a-zA-Z_][a-zA-Z0-9_]*$")  # no `:`: that is a recording rule's, never scraped
VERSION = re.compile(r"\bv?\d+\.\d+(\.\d+)?\b")
# The targets kube-prometheus-stack itself brings (its exporters, and what its ServiceMonitors scrape).
FROM_KUBE_PROMETHEUS_STACK = (
    "kube-state-metrics",
    "node-exporter",
    "kubelet",
    "cadvisor",
    "kube-apiserver",
    "coredns",
    "every-target",
)
# Targets the program scrapes whatever the stack (the Django app's, "django", comes with the app).
REQUIRED_TARGETS = {
    "argo-workflows-controller",
    "argo-rollouts-controller",
    "aws-load-balancer-controller",
    "cluster-autoscaler",
    *FROM_KUBE_PROMETHEUS_STACK,
}


# ---- the catalogue ----------------------------------------------------------------------------


def test_every_target_the_program_scrapes_is_catalogued() -> None:
    assert REQUIRED_TARGETS <= set(SCRAPED), f"missing: {sorted(REQUIRED_TARGETS - set(SCRAPED))}"


@pytest.mark.parametrize("key", sorted(REQUIRED_TARGETS))
def test_each_entry_is_well_formed(key: str) -> None:
    target = SCRAPED[key]
    assert isinstance(target, ScrapeTarget) and target.name == key
    assert target.scraped_by.strip() and target.source.strip()
    assert VERSION.search(target.source), f"{key}: its source cites no version"
    assert isinstance(target.metrics, frozenset) and target.metrics, f"{key}: no metrics"
    bad = sorted(name for name in target.metrics if not METRIC_NAME.match(name))
    assert not bad, f"{key}: not metric names: {bad}"
    for name in target.metrics:
        if name.endswith("_bucket"):
            base = name.removesuffix("_bucket")
            assert {f"{base}_sum", f"{base}_count"} <= target.metrics, f"{key}: histogram {base} is incomplete"


def test_every_entry_of_any_engineer_is_well_formed() -> None:
    """Entries added later (the Django app's) are held to the same shape."""
    for key, target in SCRAPED.items():
        assert target.name == key and target.scraped_by.strip() and VERSION.search(target.source), key
        assert target.metrics and all(METRIC_NAME.match(name) for name in target.metrics), key


def _source(key: str) -> str:
    return SCRAPED[key].source


def test_sources_cite_the_versions_the_program_pins() -> None:
    """A bump in components/versions.py fails here until the catalogue is checked against the new release."""
    kube_prometheus_stack = versions.KUBE_PROMETHEUS_STACK.version
    for key in FROM_KUBE_PROMETHEUS_STACK:
        assert kube_prometheus_stack in SCRAPED[key].scraped_by + _source(key), key
    assert versions.LOAD_BALANCER_CONTROLLER_TAG in _source("aws-load-balancer-controller")
    chart, image_tag = versions.CLUSTER_AUTOSCALER_BY_KUBERNETES_VERSION["1.34"]
    assert chart.version == "9.53.0" and image_tag in _source("cluster-autoscaler")
    assert versions.ARGO_ROLLOUTS.version == "2.41.0" and "v1.9.0" in _source("argo-rollouts-controller")
    assert "v4.0.5" in _source("argo-workflows-controller") and "v4.0.6" in _source("argo-workflows-controller")
    for key in ("kubelet", "cadvisor", "kube-apiserver", "coredns"):
        assert re.search(r"v?1\.34\.\d+", _source(key)), f"{key}: not the stacks' Kubernetes 1.34"


def test_sources_cite_the_exporter_versions_inside_the_pinned_kube_prometheus_stack() -> None:
    """kube-state-metrics, node-exporter and Prometheus come with the chart: read their versions from it."""
    from tests import upstream_charts

    with tarfile.open(upstream_charts.packaged("kube-prometheus-stack")) as chart:

        def read(member: str) -> Any:
            return yaml.safe_load(chart.extractfile(f"kube-prometheus-stack/{member}").read())

        kube_state_metrics = read("charts/kube-state-metrics/Chart.yaml")
        node_exporter = read("charts/prometheus-node-exporter/Chart.yaml")
        prometheus_tag = read("values.yaml")["prometheus"]["prometheusSpec"]["image"]["tag"]
    assert f"v{kube_state_metrics['appVersion'].lstrip('v')}" in _source("kube-state-metrics")
    assert f"chart {kube_state_metrics['version']}" in _source("kube-state-metrics")
    assert f"v{node_exporter['appVersion'].lstrip('v')}" in _source("node-exporter")
    assert f"chart {node_exporter['version']}" in _source("node-exporter")
    assert re.match(r"v\d+\.\d+\.\d+", prometheus_tag), prometheus_tag
    assert prometheus_tag.split("-")[0] in _source("every-target")


def test_committed_stacks_run_the_kubernetes_minor_the_catalogue_was_read_for() -> None:
    minors = {
        str(yaml.safe_load(path.read_text())["config"].get("eks-platform:kubernetesVersion"))
        for path in ROOT.glob("Pulumi.*.yaml")
        if "eks-platform:kubernetesVersion" in (yaml.safe_load(path.read_text()).get("config") or {})
    }
    assert minors == {"1.34"}, minors


def test_exported_names_are_the_union_of_the_targets() -> None:
    names = exported_metric_names()
    assert names == frozenset().union(*(t.metrics for t in SCRAPED.values()))
    assert {"up", "kube_pod_status_phase", "argo_workflows_gauge", "rollout_info"} <= names
    # Renamed in Argo Workflows v3.6: present only under the new name.
    assert "argo_workflows_count" not in names and "log_messages" not in names


# ---- the alerts -------------------------------------------------------------------------------


def _rule_files() -> list[Path]:
    return sorted(ALERTS.glob("*.yaml"))


def _rules(path: Path) -> list[dict[str, Any]]:
    document = yaml.safe_load(path.read_text()) or {}
    return [rule for group in document.get("groups", []) for rule in group.get("rules", [])]


def test_the_alerts_directory_is_not_empty_once_it_exists() -> None:
    if ALERTS.is_dir():
        assert _rule_files(), f"{ALERTS.relative_to(ROOT)} holds no *.yaml"
    else:
        assert _rule_files() == []


def test_every_metric_every_rule_reads_is_in_the_catalogue() -> None:
    files = _rule_files()
    rules = [(path, rule) for path in files for rule in _rules(path)]
    assert bool(rules) == bool(files), "rule files without rules"
    # Series a rule of these files records exist once Prometheus evaluates it.
    recorded = {rule["record"] for _, rule in rules if "record" in rule}
    exported = exported_metric_names()
    missing = {}
    for path, rule in rules:
        name = rule.get("alert") or rule.get("record")
        used = metric_names(str(rule["expr"]))
        assert used, f"{path.name} {name}: selects no metric"
        unknown = sorted(used - exported - recorded)
        if unknown:
            missing[f"{path.name} {name}"] = unknown
    assert not missing, f"metrics no scraped target exports (monitoring/scraped_metrics.py): {missing}"


# ---- monitoring/promql.py ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expr", "names"),
    [
        ("up", {"up"}),
        ('foo{a="b"}', {"foo"}),
        # functions, aggregations with by/without, histogram_quantile's le
        ("histogram_quantile(0.95, sum by (le, view) (rate(x_bucket[5m])))", {"x_bucket"}),
        ("sum without (instance) (rate(a_total[1m])) / ignoring (code) group_left sum(b)", {"a_total", "b"}),
        ("sum(rate(a[5m])) by (job)", {"a"}),
        # vector matching keywords and label lists are not metrics
        ("a * on (namespace, pod) group_left(node, owner_name) b", {"a", "b"}),
        ("a and on (n) b unless c offset 10m or d", {"a", "b", "c", "d"}),
        ("a > bool 0", {"a"}),
        # label matchers: label names, regexes and values that look like metrics are not metrics
        ('a{job=~"kube_state_metrics|rate", le="0.5", offset="by"}', {"a"}),
        ('label_replace(x, "namespace", "$1", "exported_namespace", "(.+)")', {"x"}),
        ('label_join(y, "a", ",", "b", "c")', {"y"}),
        ('count_values("version", z)', {"z"}),
        # __name__ matchers
        ('{__name__="only"}', {"only"}),
        ('{__name__=~"one|two", job="x"}', {"one", "two"}),
        ('{__name__=~"(one|two)"}', {"one", "two"}),
        ('{"utf8.name", a="b"}', {"utf8.name"}),
        # durations, subqueries, offset and @ modifiers
        ("max_over_time(rate(c[5m])[1h:30s])", {"c"}),
        ("d offset 1h30m", {"d"}),
        ("e @ start()", {"e"}),
        ("time() - max(process_start_time_seconds)", {"process_start_time_seconds"}),
        ("vector(0)", set()),
        ("-f", {"f"}),
        ("(g)", {"g"}),
        ("scalar(h) * 2", {"h"}),
        ("absent(i)", {"i"}),
        ("topk(5, j) or on() vector(0)", {"j"}),
        # Grafana variables
        ("rate(k[$__rate_interval])", {"k"}),
        ("rate(k[${__interval}])", {"k"}),
        ("increase(l[$__range])", {"l"}),
        ('m{namespace="$namespace", pod=~"${pod:regex}", node="[[node]]"}', {"m"}),
        ("rate(n[$window])", {"n"}),
        ("topk($top, o)", {"o"}),
        ("p offset $shift", {"p"}),
        ('q{a="$__rate_interval"}', {"q"}),
    ],
)
def test_metric_names(expr: str, names: set[str]) -> None:
    assert metric_names(expr) == names


@pytest.mark.parametrize(
    "expr",
    [
        '{job="x"}',  # no metric name
        '{__name__=~"go_.*"}',  # a pattern of names
        '{__name__!="a", job="x"}',
    ],
)
def test_selectors_without_a_listable_name_are_refused(expr: str) -> None:
    with pytest.raises(UnknownMetricError):
        metric_names(expr)


@pytest.mark.parametrize("expr", ["sum(", "rate(a[5m]) offset 5m", "a and on (x) group_left b", "a{b=}", ""])
def test_invalid_promql_is_refused(expr: str) -> None:
    with pytest.raises(ValueError):
        metric_names(expr)


def test_grafana_variables_are_replaced_outside_strings_only() -> None:
    assert grafana_to_promql('rate(a{n="$ns"}[$__rate_interval])') == 'rate(a{n="$ns"}[5m])'
    assert grafana_to_promql("topk($k, b) offset $o") == "topk(1, b) offset 5m"
    assert grafana_to_promql(r'c{a="x\"$y"}[[[i]]]') == r'c{a="x\"$y"}[5m]'


@pytest.mark.parametrize(
    ("query", "names"),
    [
        ("label_values(argo_workflows_count,kubernetes_namespace) ", {"argo_workflows_count"}),
        ('label_values(rollout_info{namespace="$rollout_namespace"},name)', {"rollout_info"}),
        ('label_values(a{b=~"c,d"}, e)', {"a"}),
        ("label_values(namespace)", set()),
        ("label_names()", set()),
        ("query_result(topk(5, sum by (pod) (rate(x[5m]))))", {"x"}),
        ({"query": "label_values(kube_node_labels, label_node_group)", "refId": "A"}, {"kube_node_labels"}),
        ({"qryType": 1, "query": "", "metric": "y", "label": "z"}, {"y"}),
        ("sum by (a) (w)", {"w"}),
    ],
)
def test_variable_query_metric_names(query: str | dict[str, Any], names: set[str]) -> None:
    assert variable_query_metric_names(query) == names


def test_a_metrics_variable_query_is_refused() -> None:
    with pytest.raises(UnknownMetricError):
        variable_query_metric_names("metrics(argo_.*)")
