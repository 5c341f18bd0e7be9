"""The Grafana dashboards (monitoring/dashboards/): valid dashboards with unique uids, every panel
querying something, no datasource input left for the sidecar to choke on, the upstream copies
byte-identical to their pinned commits, and every metric every query reads (panels and templating
variables) exported by a target the program scrapes (monitoring/scraped_metrics.py), except the
named, commented metrics the unmodified upstream dashboards still query.
"""

from __future__ import annotations

import json
import re
import subprocess
import tarfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.settings.base import INFERENCE_NODE_GROUP, NODE_GROUP_LABEL
from monitoring import dashboards as dashboards_module
from monitoring.dashboards import (
    DEFAULT_DATASOURCE,
    DEFAULT_DATASOURCE_UID,
    UPSTREAM,
    UPSTREAM_METRICS_NOT_EXPORTED,
    dashboards,
    files,
    resolve_inputs,
    sha256,
)
from monitoring.promql import grafana_to_promql, metric_names, variable_query_metric_names
from monitoring.scraped_metrics import exported_metric_names

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "monitoring" / "dashboards" / "README.md"
OURS = ("django.json", "inference-capacity.json")
EXPECTED = {*OURS, *UPSTREAM}
# Panels that show no query result by design.
NO_QUERY_PANELS = {"row", "text"}
# Grafana's own annotation source, present in every dashboard.
GRAFANA_BUILTIN = "-- Grafana --"
# A ConfigMap holds at most 1 MiB; keep room for its metadata.
CONFIGMAP_LIMIT = 1024 * 1024 - 16 * 1024
# Grafana limits a dashboard uid to 40 characters.
UID = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
VARIABLE_REF = re.compile(r"^\$\{?(\w+)\}?$")


def _raw(name: str) -> dict[str, Any]:
    return json.loads((dashboards_module.DIRECTORY / name).read_text())


def _resolved(name: str) -> dict[str, Any]:
    return json.loads(dashboards()[name])


def _panels(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every panel, those nested in collapsed rows included."""

    def walk(panels: list[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        for panel in panels:
            yield panel
            yield from walk(panel.get("panels", []))

    return walk(dashboard.get("panels", []))


def _queries(dashboard: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """(where, PromQL) of every panel target."""
    for panel in _panels(dashboard):
        for target in panel.get("targets", []):
            if target.get("expr"):
                yield f"panel {panel.get('title')!r} target {target.get('refId')}", target["expr"]


def _query_variables(dashboard: dict[str, Any]) -> Iterator[dict[str, Any]]:
    return (v for v in dashboard.get("templating", {}).get("list", []) if v.get("type") == "query")


def _metrics_used(dashboard: dict[str, Any]) -> dict[str, set[str]]:
    """Metric name -> where the dashboard reads it (panel targets and templating variable queries)."""
    used: dict[str, set[str]] = {}
    for where, expr in _queries(dashboard):
        for name in metric_names(expr):
            used.setdefault(name, set()).add(where)
    for variable in _query_variables(dashboard):
        for name in variable_query_metric_names(variable["query"]):
            used.setdefault(name, set()).add(f"variable {variable['name']!r}")
    return used


def _datasource_references(node: Any) -> Iterator[Any]:
    """Every value of a `datasource` key anywhere in the dashboard."""
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "datasource":
                yield value
            yield from _datasource_references(value)
    elif isinstance(node, list):
        for item in node:
            yield from _datasource_references(item)


def test_the_api_provides_every_dashboard_file() -> None:
    provided = dashboards()
    assert set(provided) == {path.name for path in files()}
    assert EXPECTED <= set(provided), f"missing: {sorted(EXPECTED - set(provided))}"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_file_is_a_valid_grafana_dashboard(name: str) -> None:
    dashboard = _resolved(name)
    assert isinstance(dashboard.get("title"), str) and dashboard["title"].strip()
    assert isinstance(dashboard.get("uid"), str) and UID.match(dashboard["uid"]), dashboard.get("uid")
    assert isinstance(dashboard.get("schemaVersion"), int) and dashboard["schemaVersion"] >= 27
    panels = list(_panels(dashboard))
    assert [p for p in panels if p.get("type") not in NO_QUERY_PANELS], "no panel shows data"
    for panel in panels:
        assert isinstance(panel.get("type"), str) and isinstance(panel.get("gridPos"), dict), panel.get("title")
    ids = [p["id"] for p in panels if "id" in p]
    assert len(ids) == len(set(ids)), f"panel ids repeat in {name}"


def test_uids_and_titles_are_unique() -> None:
    parsed = [_resolved(name) for name in dashboards()]
    uids = [d["uid"] for d in parsed]
    titles = [d["title"] for d in parsed]
    assert len(set(uids)) == len(uids), uids
    assert len(set(titles)) == len(titles), titles


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_data_panel_has_targets_with_an_expression(name: str) -> None:
    dashboard = _resolved(name)
    for panel in _panels(dashboard):
        if panel.get("type") in NO_QUERY_PANELS:
            continue
        targets = panel.get("targets", [])
        assert targets, f"{name}: panel {panel.get('title')!r} has no target"
        for target in targets:
            assert isinstance(target.get("expr"), str) and target["expr"].strip(), (name, panel.get("title"), target)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_query_parses_as_promql(name: str) -> None:
    dashboard = _resolved(name)
    queries = list(_queries(dashboard))
    assert queries
    for where, expr in queries:
        assert metric_names(expr), f"{name} {where} selects no metric: {expr}"


def test_every_query_is_valid_for_the_pinned_promtool(tmp_path: Path, promtool: Path) -> None:
    """Prometheus's own parser (promtool from e2e/go/promtool, as the alert tests use it) accepts
    every panel query once Grafana's variables are replaced, each checked as a recording rule."""
    rules = [
        {"record": f"dashboard:query_{i}:check", "expr": grafana_to_promql(expr)}
        for i, (_, expr) in enumerate(q for name in sorted(dashboards()) for q in _queries(_resolved(name)))
    ]
    assert rules
    path = tmp_path / "dashboard-queries.yaml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboards", "rules": rules}]}))
    checked = subprocess.run([str(promtool), "check", "rules", str(path)], capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(rules)} rules found" in checked.stdout


def test_files_make_valid_configmaps_for_the_sidecar() -> None:
    """components/monitoring.py names each ConfigMap `dashboard-<stem>` and keys it by the file name."""
    for name, text in dashboards().items():
        stem = name.removesuffix(".json")
        assert name.endswith(".json") and DNS_LABEL.match(stem), name
        assert len(f"dashboard-{stem}") <= 63, name
        assert len(text.encode()) < CONFIGMAP_LIMIT, f"{name} is {len(text.encode())} bytes"


def test_the_upstream_workflows_dashboard_has_a_datasource_input_to_resolve() -> None:
    """What the substitution is for: the published export needs Grafana's import dialog."""
    raw_text = (dashboards_module.DIRECTORY / "argo-workflows.json").read_text()
    assert "${DS_PROMETHEUS}" in raw_text
    assert [entry["name"] for entry in _raw("argo-workflows.json")["__inputs"]] == ["DS_PROMETHEUS"]


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_no_datasource_is_left_unresolved(name: str) -> None:
    text = dashboards()[name]
    dashboard = json.loads(text)
    assert "__inputs" not in dashboard
    assert not re.search(r"\$\{DS_\w*\}", text), f"{name} keeps a datasource input"
    datasource_variables = {
        v["name"] for v in dashboard.get("templating", {}).get("list", []) if v.get("type") == "datasource"
    }
    for reference in _datasource_references(dashboard):
        assert _is_resolved(reference, datasource_variables), f"{name}: datasource {reference!r} is unresolved"


def _is_resolved(reference: Any, datasource_variables: set[str]) -> bool:
    """The default datasource (by uid or reference), Grafana's own, a datasource variable of the
    dashboard (`$datasource`), or nothing (the default)."""
    uid = reference.get("uid") if isinstance(reference, dict) else reference
    if uid is None or uid in (DEFAULT_DATASOURCE_UID, GRAFANA_BUILTIN):
        return True
    variable = VARIABLE_REF.match(str(uid))
    return bool(variable) and variable[1] in datasource_variables


@pytest.mark.parametrize("name", OURS)
def test_our_dashboards_name_the_default_prometheus_datasource(name: str) -> None:
    dashboard = _raw(name)
    assert "__inputs" not in dashboard
    for panel in _panels(dashboard):
        if panel.get("type") in NO_QUERY_PANELS:
            continue
        assert panel.get("datasource") == DEFAULT_DATASOURCE, (name, panel.get("title"))
        for target in panel["targets"]:
            assert target.get("datasource") == DEFAULT_DATASOURCE, (name, panel.get("title"))
    for variable in _query_variables(dashboard):
        assert variable.get("datasource") == DEFAULT_DATASOURCE, (name, variable["name"])


def test_the_default_datasource_uid_is_the_one_the_pinned_chart_provisions() -> None:
    from tests import upstream_charts

    with tarfile.open(upstream_charts.packaged("kube-prometheus-stack")) as chart:
        values = yaml.safe_load(chart.extractfile("kube-prometheus-stack/values.yaml").read())
    datasources = values["grafana"]["sidecar"]["datasources"]
    assert datasources["defaultDatasourceEnabled"] is True
    assert datasources["uid"] == DEFAULT_DATASOURCE_UID


def test_resolving_inputs_replaces_whole_references_and_uids_and_refuses_other_inputs() -> None:
    exported = {
        "uid": "x",
        "__inputs": [{"name": "DS_P", "type": "datasource", "pluginId": "prometheus"}],
        "panels": [
            {"datasource": "${DS_P}", "targets": [{"datasource": {"type": "prometheus", "uid": "${DS_P}"}}]},
            {"datasource": "$other"},
        ],
    }
    resolved = resolve_inputs(exported)
    assert "__inputs" not in resolved
    assert resolved["panels"][0]["datasource"] == DEFAULT_DATASOURCE
    assert resolved["panels"][0]["targets"][0]["datasource"] == {"type": "prometheus", "uid": DEFAULT_DATASOURCE_UID}
    assert resolved["panels"][1]["datasource"] == "$other"
    assert "__inputs" in exported, "the input dashboard is not modified"
    with pytest.raises(ValueError, match="cannot resolve input"):
        resolve_inputs({"__inputs": [{"name": "VAR_X", "type": "constant", "value": "1"}]})
    with pytest.raises(ValueError, match="cannot resolve input"):
        resolve_inputs({"__inputs": [{"name": "DS_L", "type": "datasource", "pluginId": "loki"}]})


@pytest.mark.parametrize("name", sorted(UPSTREAM))
def test_upstream_copies_are_byte_identical_to_their_pinned_commit(name: str) -> None:
    """The pinned sha256 is that of the file at the commit (as mirrored beside the checkout)."""
    pin = UPSTREAM[name]
    assert re.fullmatch(r"[0-9a-f]{40}", pin.commit) and re.fullmatch(r"[0-9a-f]{64}", pin.sha256)
    assert sha256(dashboards_module.DIRECTORY / name) == pin.sha256, (
        f"{name} differs from {pin.repository}@{pin.commit}:{pin.path}; upstream dashboards are not edited here"
    )


def test_the_readme_records_each_upstream_source() -> None:
    rows = {
        cells[0]: cells[1:]
        for line in README.read_text().splitlines()
        if line.startswith("| ") and (cells := [c.strip() for c in line.strip("|").split("|")])[0] in UPSTREAM
    }
    assert set(rows) == set(UPSTREAM)
    for name, pin in UPSTREAM.items():
        assert rows[name] == [pin.repository, pin.path, pin.commit, pin.sha256], name


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_metric_a_dashboard_reads_is_exported_by_a_scraped_target(name: str) -> None:
    used = _metrics_used(_resolved(name))
    assert used
    missing = {metric: sorted(where) for metric, where in used.items() if metric not in exported_metric_names()}
    allowed = {metric for (file, metric) in UPSTREAM_METRICS_NOT_EXPORTED if file == name}
    assert set(missing) - allowed == set(), (
        f"{name} reads metrics no scraped target exports (monitoring/scraped_metrics.py): "
        f"{ {m: w for m, w in missing.items() if m not in allowed} }"
    )
    # The allow-list cannot go stale: each entry is read by the dashboard and still not exported.
    assert allowed <= set(missing), f"{name}: allowed but exported or unused: {sorted(allowed - set(missing))}"


def test_only_unmodified_upstream_dashboards_may_read_unexported_metrics() -> None:
    assert {file for file, _ in UPSTREAM_METRICS_NOT_EXPORTED} <= set(UPSTREAM)
    assert all(reason.strip() for reason in UPSTREAM_METRICS_NOT_EXPORTED.values())


def test_the_django_dashboard_splits_traffic_errors_and_latency_by_version() -> None:
    """The ServiceMonitor copies the pods' rollouts-pod-template-hash (podTargetLabels): a canary's
    ReplicaSet is a series of its own."""
    split = [
        expr for _, expr in _queries(_raw("django.json")) if re.search(r"by \([^)]*rollouts_pod_template_hash", expr)
    ]
    read = set().union(*(metric_names(expr) for expr in split))
    assert {
        "django_http_requests_total_by_view_transport_method_total",
        "django_http_responses_total_by_status_view_method_total",
        "django_http_requests_latency_seconds_by_view_method_bucket",
    } <= read
    every = set().union(*(metric_names(expr) for _, expr in _queries(_raw("django.json"))))
    assert {"kube_pod_status_ready", "kube_pod_container_status_restarts_total"} <= every


def test_the_capacity_dashboard_matches_the_inference_group_and_its_taint() -> None:
    dashboard = _raw("inference-capacity.json")
    constants = {v["name"]: v["query"] for v in dashboard["templating"]["list"] if v["type"] == "constant"}
    assert constants["group"] == INFERENCE_NODE_GROUP
    texts = [expr for _, expr in _queries(dashboard)]
    node_label = "label_" + re.sub(r"[^A-Za-z0-9_]", "_", NODE_GROUP_LABEL)
    assert any(f'kube_node_labels{{{node_label}="$group"}}' in expr for expr in texts)
    assert any('kube_pod_tolerations{key="$taint_key", value="$taint_value"}' in expr for expr in texts)
    read = set().union(*(metric_names(expr) for expr in texts))
    assert {
        "kube_node_status_allocatable",
        "kube_pod_container_resource_requests",
        "kube_pod_status_phase",
        "node_cpu_seconds_total",
        "node_memory_MemAvailable_bytes",
        "argo_workflows_gauge",
    } <= read
    # The taint is the one every committed stack gives the group.
    stacks = [yaml.safe_load(path.read_text()) for path in sorted(ROOT.glob("Pulumi.*.yaml"))]
    taints = [
        group["taints"]
        for stack in stacks
        for group in [(stack.get("config") or {}).get("eks-platform:nodeGroups", {}).get(INFERENCE_NODE_GROUP)]
        if group and group.get("taints")
    ]
    assert taints, "no stack taints the inference group"
    for group_taints in taints:
        assert {"key": constants["taint_key"], "value": constants["taint_value"]} in [
            {"key": t["key"], "value": t["value"]} for t in group_taints
        ]
