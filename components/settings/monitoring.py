"""Metrics, dashboards and alerts: the `monitoring` section (kube-prometheus-stack).

Every size and period has a per-environment default ('' or 0 = the environment's): local is the
light profile (no volume, 6 hours of data, no Alertmanager), dev keeps a week on 20 GiB, prod a
month on 100 GiB with two Prometheus and two Alertmanager replicas.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from pydantic import Field, model_validator

from components.settings.base import SettingError, SettingsModel

# Prometheus's byte-size format (--storage.tsdb.retention.size, units.Base2Bytes) and a volume's size.
_PROMETHEUS_SIZE = re.compile(r"^(\d+)(B|KB|MB|GB|TB)$")
_VOLUME_SIZE = re.compile(r"^(\d+)Gi$")

_SLACK_WEBHOOK = re.compile(r"^https://hooks\.slack\.com/services/\S+$")
# Grafana refuses no password, so the platform sets the floor: an admin password an attacker cannot guess in a day.
GRAFANA_PASSWORD_MIN_LENGTH = 12

# environment -> (retention, volume size, Prometheus replicas); local has no volume.
_PROFILE = {"local": ("6h", "", 1), "dev": ("7d", "20Gi", 1), "prod": ("30d", "100Gi", 2)}
# What Prometheus may fill of its volume (retentionSize default): the WAL and compaction need the rest.
_RETENTION_SHARE = 0.8


class AlertmanagerSettings(SettingsModel):
    """Where alerts go."""

    enabled: bool | None = Field(
        default=None, description="Run Alertmanager; unset = on in dev and prod, off on local."
    )
    slack_channel: str = Field(
        default="",
        pattern=r"^(#[a-z0-9][a-z0-9_-]{0,79})?$",
        description="Slack channel of the receiver (#name); its webhook is the stack secret alertmanagerSlackWebhookUrl.",
    )

    def resolved(self, environment: str) -> bool:
        return self.enabled if self.enabled is not None else environment != "local"


class MonitoringSettings(SettingsModel):
    """kube-prometheus-stack: Prometheus, Alertmanager, Grafana, kube-state-metrics, node-exporter."""

    enabled: bool = Field(default=True, description="Install monitoring (every stack).")
    namespace: str = Field(
        default="monitoring", pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", description="Namespace of the stack."
    )
    retention: str = Field(
        default="",
        pattern=r"^((\d+(ms|s|m|h|d|w|y))+)?$",
        description="How long Prometheus keeps data (Prometheus duration); '' = 6h local, 7d dev, 30d prod.",
    )
    storage_size: str = Field(
        default="",
        description="Prometheus's gp3 volume (e.g. 50Gi); '' = 20Gi dev, 100Gi prod, none on local (no volume).",
    )
    retention_size: str = Field(
        default="", description="Prometheus's size limit (e.g. 40GB), below the volume; '' = 80% of the volume."
    )
    prometheus_replicas: int = Field(default=0, ge=0, le=3, description="Prometheus replicas; 0 = 2 in prod, else 1.")
    alertmanager: AlertmanagerSettings = Field(default_factory=AlertmanagerSettings, description="Alertmanager.")
    grafana_ingress_host: str = Field(
        default="",
        pattern=r"^([a-z0-9]([a-z0-9.-]*[a-z0-9])?)?$",
        description="Grafana behind an internal ALB at this host (AWS stacks); '' = port-forward only.",
    )

    @model_validator(mode="after")
    def _sizes(self) -> MonitoringSettings:
        if self.storage_size and not _VOLUME_SIZE.match(self.storage_size):
            raise SettingError("storageSize", self.storage_size, "a volume size in Gi, e.g. 50Gi")
        if self.retention_size:
            match = _PROMETHEUS_SIZE.match(self.retention_size)
            if not match:
                raise SettingError(
                    "retentionSize", self.retention_size, "a Prometheus size such as 40GB (B, KB, MB, GB, TB)"
                )
        return self

    # ---- resolved per environment ---------------------------------------------------------
    def resolved_retention(self, environment: str) -> str:
        return self.retention or _PROFILE[environment][0]

    def resolved_storage_size(self, environment: str) -> str:
        """The volume size, '' for none (local's light profile, unless set)."""
        return self.storage_size or _PROFILE[environment][1]

    def resolved_retention_size(self, environment: str) -> str:
        """retentionSize: as set, else 80% of the volume in GB; '' without a volume."""
        if self.retention_size:
            return self.retention_size
        volume = self.resolved_storage_size(environment)
        return f"{int(int(volume.removesuffix('Gi')) * _RETENTION_SHARE)}GB" if volume else ""

    def resolved_replicas(self, environment: str) -> int:
        return self.prometheus_replicas or _PROFILE[environment][2]

    def check_fits(self, environment: str) -> None:
        """retentionSize must stay below the volume, or Prometheus fills the disk and stops ingesting."""
        volume = self.resolved_storage_size(environment)
        size = _PROMETHEUS_SIZE.match(self.retention_size) if self.retention_size else None
        if not (volume and size):
            return
        factor = {"B": 1, "KB": 2**10, "MB": 2**20, "GB": 2**30, "TB": 2**40}[size.group(2)]
        if int(size.group(1)) * factor >= int(volume.removesuffix("Gi")) * 2**30:
            raise SettingError(  # raised from Settings, which names the section
                "monitoring.retentionSize",
                self.retention_size,
                f"less than the volume ({volume}); leave room for the WAL",
            )


def secret_problems(get: Callable[[str], str | None], settings: MonitoringSettings) -> list[tuple[str, str]]:
    """(key, what is allowed) for each monitoring secret that is set but malformed; values never shown."""
    problems = []
    password = get("grafanaAdminPassword") or ""
    if settings.enabled and password and len(password) < GRAFANA_PASSWORD_MIN_LENGTH:
        problems.append(("grafanaAdminPassword", f"at least {GRAFANA_PASSWORD_MIN_LENGTH} characters"))
    webhook = get("alertmanagerSlackWebhookUrl") or ""
    if settings.alertmanager.slack_channel and webhook and not _SLACK_WEBHOOK.match(webhook):
        problems.append(
            ("alertmanagerSlackWebhookUrl", "a Slack incoming-webhook URL, https://hooks.slack.com/services/...")
        )
    return problems
