"""The typed stack configuration: one model, validated once, before any resource exists.

Every key lives under the `eks-platform:` namespace and is declared in Pulumi.yaml with its
type, description and default (tests keep the two in step). `load_settings` turns the raw
values into `Settings` or raises one `ConfigError` that lists every problem as
`eks-platform:<key> = <bad value>: <what is allowed>`.

One module per area; each component takes its own section (`settings.django`,
`settings.addons.load_balancer_controller`, ...), never a re-typed copy of its fields.
"""

from components.settings.addons import (
    AddonSettings,
    ArgoRolloutsSettings,
    ChartMirrorSettings,
    ClusterAutoscalerSettings,
    EbsCsiDriverSettings,
    LoadBalancerControllerSettings,
    MetricsServerSettings,
    NvidiaDevicePluginSettings,
)
from components.settings.argo import ArgoArtifactSettings, ArgoControllerSettings, ArgoSettings
from components.settings.base import (
    INFERENCE_NODE_GROUP,
    NAMESPACE,
    NODE_GROUP_LABEL,
    SECRETS,
    SUPPORTED_KUBERNETES_VERSIONS,
    SYSTEM_NODE_GROUP,
    ConfigError,
    SettingError,
)
from components.settings.cluster import ExistingCluster, ExistingVpc
from components.settings.database import DatabaseSettings
from components.settings.django import CanaryStep, DjangoSettings, DjangoStrategySettings
from components.settings.loading import config_keys, from_pulumi_config, load_settings, read_raw_config
from components.settings.monitoring import AlertmanagerSettings, MonitoringSettings
from components.settings.node_groups import NodeGroupSettings, Taint
from components.settings.stack import Settings

__all__ = [
    "INFERENCE_NODE_GROUP",
    "NAMESPACE",
    "NODE_GROUP_LABEL",
    "SECRETS",
    "SUPPORTED_KUBERNETES_VERSIONS",
    "SYSTEM_NODE_GROUP",
    "AddonSettings",
    "AlertmanagerSettings",
    "ArgoArtifactSettings",
    "ArgoControllerSettings",
    "ArgoRolloutsSettings",
    "ArgoSettings",
    "CanaryStep",
    "ChartMirrorSettings",
    "ClusterAutoscalerSettings",
    "ConfigError",
    "DatabaseSettings",
    "DjangoSettings",
    "DjangoStrategySettings",
    "EbsCsiDriverSettings",
    "ExistingCluster",
    "ExistingVpc",
    "LoadBalancerControllerSettings",
    "MetricsServerSettings",
    "MonitoringSettings",
    "NodeGroupSettings",
    "NvidiaDevicePluginSettings",
    "SettingError",
    "Settings",
    "Taint",
    "config_keys",
    "from_pulumi_config",
    "load_settings",
    "read_raw_config",
]
