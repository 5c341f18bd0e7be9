"""Cluster add-ons (`addons`) and where their upstream charts come from (`chartMirror`)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator

from components import versions
from components.settings.base import SettingError, SettingsModel


class LoadBalancerControllerSettings(SettingsModel):
    """AWS Load Balancer Controller."""

    enabled: bool = Field(default=True, description="Install it (AWS stacks only).")


class ClusterAutoscalerSettings(SettingsModel):
    """cluster-autoscaler."""

    enabled: bool = Field(default=True, description="Install it (AWS stacks only).")
    scale_down_unneeded_time: str = Field(
        default="10m", pattern=r"^\d+[smh]$", description="Idle time before scale-down."
    )
    scale_down_delay_after_add: str = Field(default="10m", pattern=r"^\d+[smh]$", description="Wait after a scale-up.")
    scale_down_utilization_threshold: float = Field(
        default=0.5, gt=0, le=1, description="Below this a node is unneeded."
    )
    expander: Literal["least-waste", "random", "most-pods", "priority"] = Field(
        default="least-waste", description="Expander."
    )


class MetricsServerSettings(SettingsModel):
    """metrics-server."""

    enabled: bool = Field(default=True, description="Install it (every stack; the HPA needs it).")


class ArgoRolloutsSettings(SettingsModel):
    """Argo Rollouts."""

    enabled: bool = Field(
        default=True, description="Install it (every stack: a Blue/Green or Canary Rollout needs the controller)."
    )


class NvidiaDevicePluginSettings(SettingsModel):
    """NVIDIA device plugin."""

    enabled: bool = Field(
        default=True, description="Install it where a node group has GPU instances (nothing is installed otherwise)."
    )


class EbsCsiDriverSettings(SettingsModel):
    """Amazon EBS CSI driver."""

    enabled: bool = Field(default=True, description="Install it (AWS stacks only): volumes, and the gp3 StorageClass.")


class AddonSettings(SettingsModel):
    """Cluster add-ons."""

    load_balancer_controller: LoadBalancerControllerSettings = Field(default_factory=LoadBalancerControllerSettings)
    cluster_autoscaler: ClusterAutoscalerSettings = Field(default_factory=ClusterAutoscalerSettings)
    metrics_server: MetricsServerSettings = Field(default_factory=MetricsServerSettings)
    argo_rollouts: ArgoRolloutsSettings = Field(default_factory=ArgoRolloutsSettings)
    nvidia_device_plugin: NvidiaDevicePluginSettings = Field(default_factory=NvidiaDevicePluginSettings)
    ebs_csi_driver: EbsCsiDriverSettings = Field(default_factory=EbsCsiDriverSettings)


# The upstream charts a stack installs, by name (components/versions.py pins each one).
UPSTREAM_CHARTS = tuple(sorted({chart.name for chart in versions.pinned_charts()}))


class ChartMirrorSettings(SettingsModel):
    """One chart repository (or OCI registry) holding copies of every upstream chart."""

    url: str = Field(
        default="",
        pattern=r"^((https?|oci)://\S+)?$",
        description="http(s):// chart repository or oci:// registry path; '' = each chart's own repository.",
    )
    versions: dict[str, str] = Field(
        default_factory=dict, description="Chart name -> version, where the mirror holds another version than the pin."
    )

    @field_validator("versions")
    @classmethod
    def _known_charts(cls, versions: dict[str, str]) -> dict[str, str]:
        for chart, version in versions.items():
            if chart not in UPSTREAM_CHARTS:
                raise SettingError(
                    f"versions.{chart}", version, f"one of the upstream charts: {', '.join(UPSTREAM_CHARTS)}"
                )
            if not re.fullmatch(r"\d+\.\d+\.\d+([-+][\w.-]+)?", version):
                raise SettingError(f"versions.{chart}", version, "an exact chart version such as 1.0.18 (no ranges)")
        return versions
