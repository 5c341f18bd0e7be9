"""Monitoring: kube-prometheus-stack pinned, per-environment profiles, secrets kept out of values,
what is scraped, and the renders of every committed stack against Kubernetes 1.34 and the CRDs."""

from __future__ import annotations

import json
from typing import Any

import pytest

from components import versions
from components.monitoring import (
    NODE_EXPORTER_NAMESPACE,
    Monitoring,
    alert_receiver,
    prometheus_url,
    release_values,
    rule_groups,
)
from components.monitoring_crds import MonitoringCrds, crd_files
from components.settings import AlertmanagerSettings, MonitoringSettings
from offline.mocks import is_secret
from offline.runner import ProgramRun, placeholder, record_components
from scripts import monitoring_crds
from tests import monitoring_crds as crd_schemas
from tests import upstream_charts
from tests.components.contexts import INFERENCE, unit_context, values_context
from tests.pod_security import pod_specs, violations

RELEASE = "kubernetes:helm.sh/v3:Release"
MONITORING_KINDS = {"ServiceMonitor", "PodMonitor", "PrometheusRule", "Prometheus", "Alertmanager"}


def build(settings: MonitoringSettings | None = None, **context: Any) -> list:
    def program() -> None:
        Monitoring(
            "mon",
            settings or MonitoringSettings(),
            unit_context(**context),
            grafana_admin_password=placeholder("grafanaAdminPassword"),
            slack_webhook_url=placeholder("alertmanagerSlackWebhookUrl"),
        )

    return record_components(program)


def release_of(records: list) -> dict[str, Any]:
    [release] = [r for r in records if r.type == RELEASE]
    return release.plain


def stack_release(run: ProgramRun) -> dict[str, Any]:
    [release] = [r.plain for r in run.of_type(RELEASE) if r.plain["chart"] == "kube-prometheus-stack"]
    return release


# ---- the release ---------------------------------------------------------------------------


def test_release_is_the_pinned_chart_in_its_own_namespace() -> None:
    release = release_of(build())
    assert (release["chart"], release["version"]) == ("kube-prometheus-stack", "88.5.3")
    assert release["repositoryOpts"]["repo"] == versions.KUBE_PROMETHEUS_STACK.repository
    assert release["namespace"] == "monitoring" and release["name"] == "kube-prometheus-stack"
    assert release["values"]["crds"] == {"enabled": False}  # monitoring/crds, applied by the program


def test_every_stack_installs_monitoring(any_stack: ProgramRun) -> None:
    assert stack_release(any_stack)["version"] == versions.KUBE_PROMETHEUS_STACK.version
    assert any_stack.outputs["grafanaPortForwardCommand"] == (
        "kubectl -n monitoring port-forward svc/kube-prometheus-stack-grafana 3000:80"
    )


@pytest.mark.parametrize(
    ("environment", "retention", "volume", "size", "replicas"),
    [("local", "6h", None, "", 1), ("dev", "7d", "20Gi", "16GB", 1), ("prod", "30d", "100Gi", "80GB", 2)],
)
def test_prometheus_profile_per_environment(
    environment: str, retention: str, volume: str | None, size: str, replicas: int
) -> None:
    spec = release_values(MonitoringSettings(), values_context(environment=environment))["prometheus"]["prometheusSpec"]
    assert (spec["retention"], spec["retentionSize"], spec["replicas"]) == (retention, size, replicas)
    claim = spec.get("storageSpec", {}).get("volumeClaimTemplate", {}).get("spec")
    if volume is None:
        assert claim is None  # the light profile: an emptyDir
    else:
        assert claim["storageClassName"] == "gp3" and claim["resources"]["requests"]["storage"] == volume
    assert ("podAntiAffinity" in spec) == (replicas > 1)


def test_alertmanager_is_optional_on_local_and_on_elsewhere() -> None:
    assert release_values(MonitoringSettings(), values_context(environment="local"))["alertmanager"]["enabled"] is False
    prod = release_values(MonitoringSettings(), values_context(environment="prod"))["alertmanager"]
    assert prod["enabled"] is True and prod["alertmanagerSpec"]["replicas"] == 2
    on = MonitoringSettings(alertmanager=AlertmanagerSettings(enabled=True))
    assert release_values(on, values_context(environment="local"))["alertmanager"]["enabled"] is True


def test_settings_override_the_profile() -> None:
    settings = MonitoringSettings(retention="90d", storage_size="200Gi", prometheus_replicas=3)
    spec = release_values(settings, values_context(environment="dev"))["prometheus"]["prometheusSpec"]
    assert (spec["retention"], spec["retentionSize"], spec["replicas"]) == ("90d", "160GB", 3)
    assert spec["storageSpec"]["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"] == "200Gi"


def test_control_plane_components_eks_hides_are_neither_scraped_nor_alerted_on() -> None:
    values = release_values(MonitoringSettings(), values_context())
    for component in ("kubeControllerManager", "kubeScheduler", "kubeEtcd", "kubeProxy"):
        assert values[component] == {"enabled": False}, component
    rules = values["defaultRules"]["rules"]
    assert not any(rules[k] for k in ("etcd", "kubeControllerManager", "kubeSchedulerAlerting", "kubeProxy"))


def test_admission_webhook_validates_rules_in_dev_and_prod_and_is_off_on_local() -> None:
    for environment, enabled in (("dev", True), ("prod", True), ("local", False)):
        hooks = release_values(MonitoringSettings(), values_context(environment=environment))["prometheusOperator"][
            "admissionWebhooks"
        ]
        assert hooks["enabled"] is enabled, environment
        assert hooks["failurePolicy"] == "IgnoreOnInstallOnly"  # Fail after the install, when it serves


def test_node_exporter_tolerates_exactly_the_inference_taint_in_kube_system() -> None:
    exporter = release_values(MonitoringSettings(), values_context())["prometheus-node-exporter"]
    assert exporter["tolerations"] == INFERENCE.tolerations
    assert all(t.get("key") for t in exporter["tolerations"])  # no wildcard toleration
    assert exporter["namespaceOverride"] == NODE_EXPORTER_NAMESPACE == "kube-system"


# ---- secrets -------------------------------------------------------------------------------


def test_grafana_password_is_a_secret_resource_never_a_value() -> None:
    records = build()
    values = release_of(records)["values"]
    assert values["grafana"]["admin"] == {"existingSecret": "grafana-admin"}
    assert "adminPassword" not in values["grafana"]
    [secret] = [r for r in records if r.type == "kubernetes:core/v1:Secret" and r.name == "mon-grafana-admin"]
    assert is_secret(secret.inputs["stringData"])
    assert secret.plain["stringData"] == {"admin-user": "admin", "admin-password": placeholder("grafanaAdminPassword")}
    assert placeholder("grafanaAdminPassword") not in json.dumps(values)


def test_slack_receiver_reads_its_webhook_from_a_mounted_secret() -> None:
    settings = MonitoringSettings(alertmanager=AlertmanagerSettings(slack_channel="#platform-alerts"))
    records = build(settings)
    values = release_of(records)["values"]
    assert placeholder("alertmanagerSlackWebhookUrl") not in json.dumps(values)
    assert values["alertmanager"]["alertmanagerSpec"]["secrets"] == ["alertmanager-slack"]
    [slack] = [r for r in values["alertmanager"]["config"]["receivers"] if r["name"] == "slack"]
    assert slack["slack_configs"][0]["api_url_file"] == "/etc/alertmanager/secrets/alertmanager-slack/webhook-url"
    assert values["alertmanager"]["config"]["route"]["receiver"] == "slack"
    [secret] = [r for r in records if r.type == "kubernetes:core/v1:Secret" and r.name == "mon-alertmanager-slack"]
    assert is_secret(secret.inputs["stringData"])
    assert secret.plain["stringData"] == {"webhook-url": placeholder("alertmanagerSlackWebhookUrl")}


def test_without_a_receiver_the_stack_says_so() -> None:
    assert alert_receiver(MonitoringSettings(), "dev").startswith("none: no receiver configured")
    assert alert_receiver(MonitoringSettings(), "local").startswith("none: Alertmanager is off")
    slack = MonitoringSettings(alertmanager=AlertmanagerSettings(slack_channel="#ops"))
    assert alert_receiver(slack, "prod") == "slack #ops"
    routes = release_values(MonitoringSettings(), values_context())["alertmanager"]["config"]
    assert [r["name"] for r in routes["receivers"]] == ["null"]


# ---- alerts, dashboards, CRDs --------------------------------------------------------------


def test_each_alert_file_becomes_a_prometheus_rule_created_after_the_release() -> None:
    records = build()
    rules = [r for r in records if r.type == "kubernetes:monitoring.coreos.com/v1:PrometheusRule"]
    assert rules and {r.plain["metadata"]["name"] for r in rules} == {f"platform-{stem}" for stem in rule_groups()}
    [release] = [r for r in records if r.type == RELEASE]
    for rule in rules:
        assert release.urn in rule.dependencies, rule.name
        assert rule.plain["spec"]["groups"] == rule_groups()[rule.plain["metadata"]["name"].removeprefix("platform-")]


def test_dashboards_are_config_maps_the_grafana_sidecar_loads() -> None:
    from monitoring.dashboards import dashboards

    records = build()
    maps = [r.plain for r in records if r.type == "kubernetes:core/v1:ConfigMap"]
    assert {name for m in maps for name in m["data"]} == set(dashboards())
    assert all(m["metadata"]["labels"] == {"grafana_dashboard": "1"} for m in maps)
    sidecar = release_of(records)["values"]["grafana"]["sidecar"]["dashboards"]
    assert (sidecar["label"], sidecar["labelValue"]) == ("grafana_dashboard", "1")


def test_crds_are_the_pinned_charts_own_files_kept_on_destroy() -> None:
    assert monitoring_crds.differences(monitoring_crds.chart_crds()) == []
    records = record_components(lambda: MonitoringCrds("crds", unit_context()))
    [group] = [r for r in records if r.type == "kubernetes:yaml/v2:ConfigGroup"]
    assert group.plain["files"] == crd_files() and len(crd_files()) == 10
    assert all(not f.startswith("/") for f in crd_files())  # the same in state on every machine
    assert group.retain_on_delete is True


def test_every_release_rendering_a_service_monitor_waits_for_the_crds(any_stack: ProgramRun) -> None:
    [crds] = any_stack.of_type("kubernetes:yaml/v2:ConfigGroup")
    for release in any_stack.of_type(RELEASE):
        chart = release.plain["chart"]
        if chart.startswith("./") or chart.endswith("django") or chart == "kube-prometheus-stack":
            continue  # charts/django: tests/charts; kube-prometheus-stack: below
        docs = upstream_charts.render(chart, release.plain["values"], namespace=release.plain["namespace"])
        if any(d["kind"] == "ServiceMonitor" for d in docs):
            assert crds.urn in release.dependencies, chart
    assert (
        crds.urn
        in next(r for r in any_stack.of_type(RELEASE) if r.plain["chart"] == "kube-prometheus-stack").dependencies
    )


def test_the_addons_are_scraped(aws_stack: ProgramRun) -> None:
    charts = {r.plain["chart"]: r.plain["values"] for r in aws_stack.of_type(RELEASE)}
    assert charts["argo-workflows"]["controller"]["metricsConfig"]["enabled"] is True
    assert charts["argo-workflows"]["controller"]["serviceMonitor"]["enabled"] is True
    assert charts["argo-rollouts"]["controller"]["metrics"]["serviceMonitor"]["enabled"] is True
    assert charts["aws-load-balancer-controller"]["serviceMonitor"]["enabled"] is True
    assert charts["cluster-autoscaler"]["serviceMonitor"] == {"enabled": True, "namespace": "kube-system"}
    assert charts["cluster-autoscaler"]["extraArgs"]["emit-per-nodegroup-metrics"] is True


def test_analyses_know_where_prometheus_is() -> None:
    assert prometheus_url(MonitoringSettings()) == (
        "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090"
    )


# ---- the rendered chart, per committed stack ------------------------------------------------


def rendered(run: ProgramRun) -> list[dict[str, Any]]:
    release = stack_release(run)
    return upstream_charts.render(
        "kube-prometheus-stack", release["values"], namespace=release["namespace"], release=release["name"]
    )


def test_render_passes_kubernetes_1_34_and_the_monitoring_crd_schemas(any_stack: ProgramRun) -> None:
    docs = rendered(any_stack)
    kinds = {d["kind"] for d in docs}
    assert {"ServiceMonitor", "PrometheusRule", "Prometheus"} <= kinds
    for doc in docs:
        crd_schemas.validate(doc)
    assert ("Alertmanager" in kinds) == (any_stack.stack != "local")


def test_the_platforms_own_monitoring_objects_pass_their_crd_schemas(any_stack: ProgramRun) -> None:
    mine = [
        r.plain
        for r in any_stack.records
        if r.type.startswith("kubernetes:monitoring.coreos.com/") and r.plain.get("kind") in MONITORING_KINDS
    ]
    assert mine
    for doc in mine:
        crd_schemas.validate(doc)


def test_the_service_prometheus_is_reached_at_exists(any_stack: ProgramRun) -> None:
    services = {
        (d["metadata"]["name"], d["metadata"].get("namespace")) for d in rendered(any_stack) if d["kind"] == "Service"
    }
    assert ("kube-prometheus-stack-prometheus", "monitoring") in services
    assert ("kube-prometheus-stack-grafana", "monitoring") in services


def test_grafana_reads_its_admin_from_the_platforms_secret(any_stack: ProgramRun) -> None:
    [grafana] = [
        d for d in rendered(any_stack) if d["kind"] == "Deployment" and d["metadata"]["name"].endswith("grafana")
    ]
    env = {
        e["name"]: e.get("valueFrom")
        for c in grafana["spec"]["template"]["spec"]["containers"]
        for e in c.get("env", [])
    }
    assert env["GF_SECURITY_ADMIN_PASSWORD"] == {"secretKeyRef": {"name": "grafana-admin", "key": "admin-password"}}
    assert env["GF_SECURITY_ADMIN_USER"] == {"secretKeyRef": {"name": "grafana-admin", "key": "admin-user"}}


def test_every_container_has_requests_limits_and_a_pinned_image(any_stack: ProgramRun) -> None:
    problems = []
    for where, spec in pod_specs(rendered(any_stack)):
        for container in spec.get("initContainers", []) + spec["containers"]:
            resources = container.get("resources") or {}
            if set(resources) != {"requests", "limits"}:
                problems.append(f"{where}/{container['name']}: resources {sorted(resources)}")
            tag = container["image"].rsplit("/", 1)[-1].partition(":")[2]
            if not tag or tag.startswith("latest"):
                problems.append(f"{where}/{container['name']}: image {container['image']}")
    assert problems == []


def test_pods_in_the_monitoring_namespace_are_restricted_and_node_exporter_is_not_there(
    any_stack: ProgramRun,
) -> None:
    docs = rendered(any_stack)
    exporters = [d for d in docs if d["kind"] == "DaemonSet"]
    assert [d["metadata"]["namespace"] for d in exporters] == ["kube-system"]
    in_monitoring = [d for d in docs if d["kind"] != "DaemonSet"]
    specs = dict(pod_specs(in_monitoring))
    assert specs
    assert {where: violations(spec) for where, spec in specs.items() if violations(spec)} == {}


def test_the_crs_the_operator_runs_are_non_root_on_the_system_group(any_stack: ProgramRun) -> None:
    for doc in rendered(any_stack):
        if doc["kind"] in ("Prometheus", "Alertmanager"):
            spec = doc["spec"]
            assert spec["securityContext"]["runAsNonRoot"] is True, doc["kind"]
            expected = {} if any_stack.stack == "local" else {"node-group": "system"}
            assert spec.get("nodeSelector", {}) == expected, doc["kind"]
            assert set(spec["resources"]) == {"requests", "limits"}


# ---- the Django release under monitoring --------------------------------------------------


def django_values(run: ProgramRun) -> dict[str, Any]:
    [release] = [r for r in run.of_type(RELEASE) if r.plain["chart"] == "charts/django"]
    return release.plain["values"]


def test_django_is_scraped_and_its_metrics_port_admits_only_monitoring(any_stack: ProgramRun) -> None:
    values = django_values(any_stack)
    assert values["metrics"] == {"serviceMonitor": {"enabled": True}}
    assert values["networkPolicy"]["metricsNamespaces"] == ["monitoring"]


def test_prod_canary_analysis_queries_prometheus_with_the_stack_thresholds(prod: ProgramRun) -> None:
    analysis = django_values(prod)["strategy"]["analysis"]["prometheus"]
    assert analysis == {
        "enabled": True,
        "address": "http://kube-prometheus-stack-prometheus.monitoring.svc.cluster.local:9090",
        "maxErrorRatio": 0.05,
        "maxP95LatencySeconds": 0.5,
    }


def test_rolling_update_stacks_and_unmonitored_stacks_run_no_prometheus_analysis(dev: ProgramRun) -> None:
    from offline.runner import run_program, stack_config

    assert "analysis" not in django_values(dev)["strategy"]  # dev: RollingUpdate
    config = stack_config("prod")
    off = run_program("prod", {**config, "monitoring": {"enabled": False}})
    values = django_values(off)
    assert "analysis" not in values["strategy"] and "metrics" not in values
    canary = {**config, "django": {**config["django"], "strategy": {"type": "Canary", "maxErrorRatio": 0.01}}}
    tuned = django_values(run_program("prod", canary))["strategy"]["analysis"]["prometheus"]
    assert (tuned["maxErrorRatio"], tuned["maxP95LatencySeconds"]) == (0.01, 0.5)


def test_metrics_analysis_false_leaves_the_smoke_test_alone_with_its_settings() -> None:
    from offline.runner import run_program, stack_config

    config = stack_config("prod")
    strategy = {"type": "Canary", "metricsAnalysis": False, "smokeTest": {"count": 1, "failureLimit": 0}}
    values = django_values(run_program("prod", {**config, "django": {**config["django"], "strategy": strategy}}))
    assert values["strategy"]["analysis"] == {"count": 1, "failureLimit": 0}
    assert values["metrics"] == {"serviceMonitor": {"enabled": True}}  # still scraped: only the verdict is off
