"""Monitoring: kube-prometheus-stack (Prometheus, Alertmanager, Grafana, kube-state-metrics,
node-exporter), the platform's alerts and dashboards, on every stack.

- **Placement.** Everything runs on the system group with requests and limits, as non-root, in a
  namespace held to the `restricted` Pod Security level, except node-exporter. It runs on every
  node (PROTO-INFERENCE-NG and GPU groups included: it tolerates exactly their taints, nothing
  wider) and needs the host's network, PID namespace and filesystem, which `restricted` (and
  `baseline`) refuse; so it runs in kube-system, beside the other per-node agents (aws-node,
  kube-proxy), rather than lowering the monitoring namespace's level for everything in it.
- **What is scraped** (monitoring/scraped_metrics.py lists each target's series): Prometheus selects
  every ServiceMonitor, PodMonitor and PrometheusRule in the cluster, not only this release's,
  so the Argo, Rollouts, load balancer controller, cluster-autoscaler and Django charts bring
  their own. Control-plane components EKS does not expose (controller-manager, scheduler, etcd,
  kube-proxy) are not scraped, and their default alerts are off, so no target is down forever.
- **Secrets.** Grafana's admin password is a Secret made here from the stack secret
  (`admin.existingSecret`); the Slack webhook is a Secret mounted into Alertmanager
  (`alertmanagerSpec.secrets`) and read with `api_url_file`. Helm values hold neither.
- **Admission webhook.** The operator's webhook validates every PrometheusRule in dev and prod
  (failurePolicy Fail after the install; Ignore during it, when it cannot serve yet). The local
  profile turns it off: a kind cluster gains little from it and the e2e API server sends webhook
  traffic to a refusing socket; the rules are checked by `promtool` in `make test` instead.
- **CRDs** come from components/monitoring_crds.py, applied before any release needs them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pulumi
import pulumi_kubernetes as kubernetes
import yaml

from components import versions
from components.context import ClusterContext
from components.ebs_csi_driver import STORAGE_CLASS
from components.helm_release import chart_release
from components.namespace import platform_namespace
from components.settings import MonitoringSettings
from monitoring.dashboards import dashboards

RELEASE = "kube-prometheus-stack"
ALERTS = Path(__file__).resolve().parent.parent / "monitoring" / "alerts"
GRAFANA_ADMIN_SECRET = "grafana-admin"
SLACK_SECRET = "alertmanager-slack"
DASHBOARD_LABEL = "grafana_dashboard"
NODE_EXPORTER_NAMESPACE = "kube-system"  # host access: see the module doc

# Requests and limits per container, sized for a cluster of tens of nodes (the light profile halves
# Prometheus). Prometheus's memory grows with active series: raise its limit with the cluster.
_PROMETHEUS = {"requests": {"cpu": "200m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "2Gi"}}
_PROMETHEUS_LIGHT = {"requests": {"cpu": "100m", "memory": "512Mi"}, "limits": {"cpu": "500m", "memory": "1Gi"}}
_SMALL = {"requests": {"cpu": "10m", "memory": "32Mi"}, "limits": {"cpu": "100m", "memory": "64Mi"}}
_MEDIUM = {"requests": {"cpu": "50m", "memory": "128Mi"}, "limits": {"cpu": "200m", "memory": "256Mi"}}
_GRAFANA = {"requests": {"cpu": "100m", "memory": "256Mi"}, "limits": {"cpu": "500m", "memory": "512Mi"}}
_ALERTMANAGER_VOLUME = "2Gi"


def prometheus_url(settings: MonitoringSettings) -> str:
    """In-cluster address of Prometheus (the chart's `<release>-prometheus` Service): what analyses query."""
    return f"http://{RELEASE}-prometheus.{settings.namespace}.svc.cluster.local:9090"


def grafana_port_forward_command(settings: MonitoringSettings) -> str:
    return f"kubectl -n {settings.namespace} port-forward svc/{RELEASE}-grafana 3000:80"


def prometheus_port_forward_command(settings: MonitoringSettings) -> str:
    return f"kubectl -n {settings.namespace} port-forward svc/{RELEASE}-prometheus 9090:9090"


def alert_receiver(settings: MonitoringSettings, environment: str) -> str:
    """Where alerts go, in words (a stack output and the runbook's first question)."""
    if not settings.alertmanager.resolved(environment):
        return "none: Alertmanager is off; alerts show in Prometheus (/alerts) and Grafana only"
    if settings.alertmanager.slack_channel:
        return f"slack {settings.alertmanager.slack_channel}"
    return "none: no receiver configured (monitoring.alertmanager.slackChannel); alerts show in Alertmanager only"


def node_exporter_tolerations(ctx: ClusterContext) -> list[dict[str, str]]:
    """The taints of the tainted groups (PROTO-INFERENCE-NG, GPU), each tolerated exactly: no wildcard."""
    found: list[dict[str, str]] = []
    for placement in (ctx.inference, *ctx.gpu_groups):
        found += [t for t in placement.tolerations if t not in found]
    return found


def _volume(size: str) -> dict[str, Any]:
    return {
        "volumeClaimTemplate": {
            "spec": {
                "storageClassName": STORAGE_CLASS,
                "accessModes": ["ReadWriteOnce"],
                "resources": {"requests": {"storage": size}},
            }
        }
    }


def alertmanager_config(settings: MonitoringSettings) -> dict[str, Any]:
    """Alertmanager's routing: to Slack when a channel is set (URL read from the mounted Secret), else nowhere."""
    slack = settings.alertmanager.slack_channel
    receivers: list[dict[str, Any]] = [{"name": "null"}]
    route: dict[str, Any] = {
        "group_by": ["namespace", "alertname"],
        "group_wait": "30s",
        "group_interval": "5m",
        "repeat_interval": "12h",
        "receiver": "null",
        # Watchdog fires always (the pipeline's heartbeat) and InfoInhibitor only inhibits.
        "routes": [{"receiver": "null", "matchers": ['alertname=~"Watchdog|InfoInhibitor"']}],
    }
    if slack:
        receivers.append(
            {
                "name": "slack",
                "slack_configs": [
                    {
                        "api_url_file": f"/etc/alertmanager/secrets/{SLACK_SECRET}/webhook-url",
                        "channel": slack,
                        "send_resolved": True,
                        "title": "[{{ .Status | toUpper }}] {{ .CommonLabels.alertname }}",
                        "text": "{{ range .Alerts }}{{ .Annotations.summary }}\n{{ .Annotations.runbook_url }}\n{{ end }}",
                    }
                ],
            }
        )
        route["receiver"] = "slack"
    return {
        "global": {"resolve_timeout": "5m"},
        "inhibit_rules": [
            {
                "source_matchers": ["severity=critical"],
                "target_matchers": ["severity=warning"],
                "equal": ["namespace", "alertname"],
            }
        ],
        "route": route,
        "receivers": receivers,
    }


def release_values(settings: MonitoringSettings, ctx: ClusterContext) -> dict[str, Any]:
    """Helm values of kube-prometheus-stack: no secret among them (tests/components/test_monitoring.py)."""
    environment = ctx.environment
    system = {"nodeSelector": ctx.system.node_selector, "tolerations": []}
    storage = settings.resolved_storage_size(environment)
    alertmanager = settings.alertmanager.resolved(environment)
    replicas = settings.resolved_replicas(environment)
    off = {"enabled": False}
    prometheus_spec: dict[str, Any] = {
        **system,
        "replicas": replicas,
        "retention": settings.resolved_retention(environment),
        "retentionSize": settings.resolved_retention_size(environment),
        "resources": _PROMETHEUS if storage else _PROMETHEUS_LIGHT,
        # Every ServiceMonitor, PodMonitor, Probe, ScrapeConfig and PrometheusRule of the cluster.
        "serviceMonitorSelectorNilUsesHelmValues": False,
        "podMonitorSelectorNilUsesHelmValues": False,
        "probeSelectorNilUsesHelmValues": False,
        "scrapeConfigSelectorNilUsesHelmValues": False,
        "ruleSelectorNilUsesHelmValues": False,
    }
    if storage:
        prometheus_spec["storageSpec"] = _volume(storage)
    if replicas > 1:
        prometheus_spec["podAntiAffinity"] = "hard"
    alertmanager_spec: dict[str, Any] = {
        **system,
        "replicas": 2 if ctx.is_prod else 1,
        "resources": _SMALL,
        "secrets": [SLACK_SECRET] if settings.alertmanager.slack_channel else [],
    }
    if storage:
        alertmanager_spec["storage"] = _volume(_ALERTMANAGER_VOLUME)
    grafana: dict[str, Any] = {
        **system,
        # The chart's default keys (admin-user, admin-password) in the Secret made here.
        "admin": {"existingSecret": GRAFANA_ADMIN_SECRET},
        "resources": _GRAFANA,
        # Dashboards are code (ConfigMaps the sidecar loads); nothing in Grafana needs a volume.
        "persistence": off,
        "initChownData": off,
        "testFramework": off,
        "sidecar": {
            "resources": _SMALL,
            "dashboards": {"enabled": True, "label": DASHBOARD_LABEL, "labelValue": "1"},
        },
    }
    if settings.grafana_ingress_host:
        grafana["ingress"] = {
            "enabled": True,
            "ingressClassName": ctx.ingress_class,
            "hosts": [settings.grafana_ingress_host],
            "annotations": {
                "alb.ingress.kubernetes.io/scheme": "internal",
                "alb.ingress.kubernetes.io/target-type": "ip",
            },
        }
    return {
        "crds": off,  # components/monitoring_crds.py applies them
        "windowsMonitoring": off,
        # EKS runs these on its own control plane and does not expose them: never scrape, never alert.
        "kubeControllerManager": off,
        "kubeScheduler": off,
        "kubeEtcd": off,
        "kubeProxy": off,
        "defaultRules": {
            "create": True,
            "rules": {
                "etcd": False,
                "kubeControllerManager": False,
                "kubeSchedulerAlerting": False,
                "kubeSchedulerRecording": False,
                "kubeProxy": False,
                "windows": False,
            },
        },
        "prometheusOperator": {
            **system,
            "resources": _MEDIUM,
            "prometheusConfigReloader": {"resources": _SMALL},
            "admissionWebhooks": {
                "enabled": environment != "local",
                "failurePolicy": "IgnoreOnInstallOnly",
                "patch": {**system, "resources": _SMALL},
            },
        },
        "prometheus": {"prometheusSpec": prometheus_spec},
        "alertmanager": {
            "enabled": alertmanager,
            "alertmanagerSpec": alertmanager_spec,
            "config": alertmanager_config(settings),
        },
        "grafana": grafana,
        "kube-state-metrics": {
            **system,
            "resources": _MEDIUM,
            # kube_node_labels{label_node_group=...}: the capacity dashboard counts each group's nodes.
            "metricLabelsAllowlist": ["nodes=[node-group]"],
        },
        "prometheus-node-exporter": {
            "namespaceOverride": NODE_EXPORTER_NAMESPACE,
            "resources": _SMALL,
            "tolerations": node_exporter_tolerations(ctx),
        },
    }


def rule_groups() -> dict[str, list[dict[str, Any]]]:
    """File stem -> rule groups of every monitoring/alerts/*.yaml (each file is `{groups: [...]}`)."""
    return {path.stem: yaml.safe_load(path.read_text())["groups"] for path in sorted(ALERTS.glob("*.yaml"))}


class Monitoring(pulumi.ComponentResource):
    """kube-prometheus-stack, pinned, with the platform's alerts and dashboards."""

    namespace_name: str
    namespace: pulumi.Output[str]
    prometheus_url: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        settings: MonitoringSettings,
        ctx: ClusterContext,
        *,
        grafana_admin_password: pulumi.Input[str],
        slack_webhook_url: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("platform:index:Monitoring", name, None, ctx.component(opts))
        self.namespace_resource = platform_namespace(
            f"{name}-namespace",
            settings.namespace,
            ctx.kubernetes(self),
            kubernetes_version=ctx.kubernetes_version,
        )
        in_namespace = ctx.kubernetes(self, [self.namespace_resource])
        secrets = [
            kubernetes.core.v1.Secret(
                f"{name}-grafana-admin",
                metadata={"name": GRAFANA_ADMIN_SECRET, "namespace": settings.namespace},
                string_data={"admin-user": "admin", "admin-password": grafana_admin_password},
                opts=in_namespace,
            )
        ]
        if settings.alertmanager.slack_channel and slack_webhook_url is not None:
            secrets.append(
                kubernetes.core.v1.Secret(
                    f"{name}-alertmanager-slack",
                    metadata={"name": SLACK_SECRET, "namespace": settings.namespace},
                    string_data={"webhook-url": slack_webhook_url},
                    opts=in_namespace,
                )
            )
        for file_name, text in dashboards().items():
            stem = file_name.removesuffix(".json")
            kubernetes.core.v1.ConfigMap(
                f"{name}-dashboard-{stem}",
                metadata={
                    "name": f"dashboard-{stem}",
                    "namespace": settings.namespace,
                    "labels": {DASHBOARD_LABEL: "1"},
                },
                data={file_name: text},
                opts=in_namespace,
            )
        release = chart_release(
            f"{name}-release",
            release_name=RELEASE,
            chart=versions.KUBE_PROMETHEUS_STACK,
            namespace=settings.namespace,
            values=release_values(settings, ctx),
            mirror=ctx.chart_mirror,
            opts=ctx.workload(
                self,
                ctx.system,
                # Not after the EBS CSI driver: Helm waits for none of the volumes (the operator makes
                # the StatefulSets), and a claim made before the gp3 class exists binds once it does.
                after=[self.namespace_resource, *secrets],
                ingress=bool(settings.grafana_ingress_host),
                scraped=True,
            ),
        )
        # After the release: in dev and prod its webhook (failurePolicy Fail) must serve first.
        for stem, groups in rule_groups().items():
            kubernetes.apiextensions.CustomResource(
                f"{name}-rules-{stem}",
                api_version="monitoring.coreos.com/v1",
                kind="PrometheusRule",
                metadata={"name": f"platform-{stem}", "namespace": settings.namespace},
                spec={"groups": groups},
                opts=ctx.kubernetes(self, [release]),
            )
        self.namespace_name = settings.namespace
        self.namespace = pulumi.Output.from_input(settings.namespace)
        self.prometheus_url = pulumi.Output.from_input(prometheus_url(settings))
        self.register_outputs({"namespace": self.namespace, "prometheus_url": self.prometheus_url})
