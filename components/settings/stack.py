"""`Settings`: everything one stack says about itself, its cross-field rules and derived values."""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator
from pydantic.alias_generators import to_camel

from components.settings import aws_names
from components.settings.addons import AddonSettings, ChartMirrorSettings
from components.settings.argo import ArgoSettings
from components.settings.base import (
    INFERENCE_NODE_GROUP,
    NAMESPACE,
    NODE_GROUP_LABEL,
    REQUIRED_LOG_TYPES,
    SYSTEM_NODE_GROUP,
    Environment,
    KubernetesVersion,
    LogType,
    SettingError,
    SettingsModel,
    cidr_block,
    role_arns,
)
from components.settings.cluster import ExistingCluster, ExistingVpc
from components.settings.database import DatabaseSettings
from components.settings.django import DjangoSettings
from components.settings.monitoring import MonitoringSettings
from components.settings.node_groups import NodeGroupSettings

_AWS_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")


class Settings(SettingsModel):
    """Everything one stack says about itself. See the README's configuration reference."""

    stack: str = Field(exclude=True, description="The Pulumi stack name (not a config key).")
    secrets_present: frozenset[str] = Field(default=frozenset(), exclude=True, description="Secret keys that are set.")

    environment: Environment = Field(description="dev, prod or local; drives cost and safety defaults.")
    region: str = Field(default="ap-northeast-2", description="AWS region of the cluster and everything around it.")
    create_cluster: bool = Field(default=True, description="Provision VPC + EKS; false targets existingCluster.")
    existing_cluster: ExistingCluster | None = Field(default=None, description="Target when createCluster is false.")
    cluster_name: str = Field(
        default="",
        pattern=r"^([a-zA-Z][-a-zA-Z0-9]{0,99})?$",
        description="EKS cluster name; '' = eks-platform-<stack>.",
    )
    kubernetes_version: KubernetesVersion = Field(default="1.34", description="EKS Kubernetes minor version.")
    vpc_cidr: str = Field(default="10.0.0.0/16", description="CIDR of the new VPC (/16 to /20).")
    availability_zones: list[str] = Field(
        default_factory=list, description="AZs for subnets; [] = first 2 (dev) or 3 (prod) of the region."
    )
    nat_gateways: Literal["", "single", "perAz"] = Field(
        default="", description="single or perAz; '' = single in dev, perAz in prod."
    )
    existing_vpc: ExistingVpc | None = Field(default=None, description="Reuse a VPC instead of creating one.")
    public_access_cidrs: list[str] = Field(
        default_factory=list, description="CIDRs allowed to the public API endpoint; [] = private endpoint only."
    )
    admin_role_arns: list[str] = Field(default_factory=list, description="IAM roles granted cluster admin.")
    viewer_role_arns: list[str] = Field(
        default_factory=list,
        description="IAM roles granted read-only access (AmazonEKSViewPolicy + Helm release Secrets): preview roles.",
    )
    cluster_log_types: list[LogType] = Field(
        default_factory=lambda: list(REQUIRED_LOG_TYPES), description="Control-plane log types sent to CloudWatch."
    )
    node_groups: dict[str, NodeGroupSettings] = Field(default_factory=dict, description="Managed node groups by name.")
    tags: dict[str, str] = Field(default_factory=dict, description="Extra AWS tags on every resource.")
    data_on_destroy: Literal["", "retain", "delete"] = Field(
        default="", description="Artifact bucket and ECR repository on destroy: retain or delete; '' = retain in prod."
    )
    argo: ArgoSettings = Field(default_factory=ArgoSettings, description="Argo Workflows.")
    django: DjangoSettings = Field(default_factory=DjangoSettings, description="The Django service.")
    addons: AddonSettings = Field(default_factory=AddonSettings, description="Cluster add-ons.")
    database: DatabaseSettings = Field(default_factory=DatabaseSettings, description="The app's database (RDS).")
    monitoring: MonitoringSettings = Field(
        default_factory=MonitoringSettings, description="Metrics, dashboards and alerts (kube-prometheus-stack)."
    )
    cost_budget_usd: int = Field(
        default=0,
        ge=0,
        description="Monthly cost ceiling in USD: make synth and the PR preview fail above it; 0 = none.",
    )
    chart_mirror: ChartMirrorSettings = Field(
        default_factory=ChartMirrorSettings, description="Install every upstream chart from this mirror."
    )

    # ---- field rules -------------------------------------------------------------------
    @field_validator("region")
    @classmethod
    def _region_shape(cls, region: str) -> str:
        if not _AWS_REGION.match(region):
            raise SettingError("region", region, "an AWS region name such as ap-northeast-2 or us-east-1")
        return region

    @field_validator("vpc_cidr")
    @classmethod
    def _vpc_cidr(cls, value: str) -> str:
        cidr = cidr_block(value, "vpcCidr")
        if not 16 <= ipaddress.IPv4Network(cidr).prefixlen <= 20:
            raise SettingError(
                "vpcCidr", value, "a prefix length from /16 to /20 (room for 3 private + 3 public subnets)"
            )
        return cidr

    @field_validator("public_access_cidrs")
    @classmethod
    def _public_cidrs(cls, values: list[str]) -> list[str]:
        return [cidr_block(v, f"publicAccessCidrs[{i}]") for i, v in enumerate(values)]

    @field_validator("admin_role_arns", "viewer_role_arns")
    @classmethod
    def _role_arn_lists(cls, values: list[str], info: ValidationInfo) -> list[str]:
        return role_arns(values, to_camel(info.field_name))

    @field_validator("existing_cluster", "existing_vpc", mode="before")
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        """Pulumi.yaml declares these with `default: {}` (the CLI requires a default): {} = not set."""
        return None if value == {} else value

    # ---- cross-field rules ---------------------------------------------------------------
    @model_validator(mode="after")
    def _stack_rules(self) -> Settings:
        if self.environment == "local" and self.create_cluster:
            raise SettingError(
                "createCluster", True, "false when environment is local (the local stack creates no AWS resources)"
            )
        if not self.create_cluster and self.existing_cluster is None:
            raise SettingError(
                "existingCluster", None, "{kubeconfigContext: ...} or {eksClusterName: ...} when createCluster is false"
            )
        if self.create_cluster:
            self._check_aws_stack()
        self._check_node_groups()
        self._check_argo()
        self._check_django()
        self._check_database()
        self._check_monitoring()
        return self

    def _check_monitoring(self) -> None:
        monitoring = self.monitoring
        if not monitoring.enabled:
            return
        monitoring.check_fits(self.environment)
        if monitoring.grafana_ingress_host and not (
            self.create_cluster and self.addons.load_balancer_controller.enabled
        ):
            raise SettingError(
                "monitoring.grafanaIngressHost",
                monitoring.grafana_ingress_host,
                "'' unless the stack creates its cluster with the load balancer controller (an internal ALB serves it)",
            )
        if monitoring.alertmanager.slack_channel and not monitoring.alertmanager.resolved(self.environment):
            raise SettingError(
                "monitoring.alertmanager.slackChannel",
                monitoring.alertmanager.slack_channel,
                "'' while Alertmanager is off (set monitoring.alertmanager.enabled: true)",
            )

    def _check_database(self) -> None:
        database = self.database
        if (database.enabled or database.security_group_id) and not self.create_cluster:
            key = "database.enabled" if database.enabled else "database.securityGroupId"
            raise SettingError(
                key,
                database.enabled or database.security_group_id,
                "only on a stack that creates its cluster (the database sits in its VPC, open to its nodes)",
            )
        if database.enabled and database.security_group_id:
            raise SettingError(
                "database.securityGroupId",
                database.security_group_id,
                "'' when database.enabled: the stack's own instance gets a security group of its own",
            )
        if database.max_allocated_storage and database.max_allocated_storage < database.allocated_storage:
            raise SettingError(
                "database.maxAllocatedStorage",
                database.max_allocated_storage,
                f"0 or at least allocatedStorage ({database.allocated_storage}): RDS refuses a smaller ceiling",
            )
        if database.enabled and self.django.in_cluster_database:
            raise SettingError("database.enabled", True, "false with django.inClusterDatabase (one database)")

    def _check_argo(self) -> None:
        if not self.argo.enabled:
            return
        inference = self.node_groups.get(INFERENCE_NODE_GROUP)
        if inference is not None and inference.min_size == 0:
            raise SettingError(
                f"nodeGroups.{INFERENCE_NODE_GROUP}.minSize",
                0,
                "at least 1 while Argo's controller and server are pinned to this group (they must always have a node)",
            )
        if self.argo.ingress_host and self.create_cluster and not self.argo.certificate_arn:
            raise SettingError(
                "argo.certificateArn",
                "",
                f"an ACM certificate ARN: argo.ingressHost ({self.argo.ingress_host}) is served by an ALB over HTTPS",
            )
        if self.argo.auth_mode == "sso" and not self.argo.sso_issuer.startswith("https://"):
            raise SettingError(
                "argo.ssoIssuer", self.argo.sso_issuer, "an https:// OIDC issuer URL when authMode is sso"
            )

    def _check_django(self) -> None:
        if not self.django.enabled:
            return
        if not self.create_cluster and not self.django.image_repository:
            raise SettingError(
                "django.imageRepository",
                "",
                "an image repository: without AWS there is no ECR repository to default to",
            )
        if self.django_ingress_is_public_alb and not self.django.certificate_arn:
            raise SettingError(
                "django.certificateArn",
                "",
                f"an ACM certificate ARN: the Django Ingress ({', '.join(self.django.hosts)}) is an internet-facing "
                "ALB, which must terminate HTTPS (the app redirects HTTP to HTTPS when DEBUG is off)",
            )
        if (
            self.django_strategy == "BlueGreen"
            and self.django_ingress_is_public_alb
            and not self.django.strategy.preview_certificate_arn
        ):
            preview = self.django.strategy.preview_host or f"preview.{self.django.hosts[0]}"
            raise SettingError(
                "django.strategy.previewCertificateArn",
                "",
                f"an ACM certificate naming the BlueGreen preview host {preview}: the preview gets an internal ALB of "
                "its own, which serves HTTPS as the live one does, and the live certificate names only django.hosts",
            )
        if self.django_strategy in ("BlueGreen", "Canary") and not self.addons.argo_rollouts.enabled:
            raise SettingError(
                "django.strategy.type",
                self.django_strategy,
                "RollingUpdate or Recreate while addons.argoRollouts is off (a Rollout needs its controller)",
            )
        if self.django.in_cluster_database and self.environment != "local":
            raise SettingError(
                "django.inClusterDatabase",
                True,
                "false outside the local stack: dev and prod use a managed database given by djangoDatabaseUrl",
            )

    def _check_aws_stack(self) -> None:
        aws_names.check_stack_name(self.stack)
        aws_names.check_cluster_derived_names(
            self.resolved_cluster_name,
            artifact_bucket=self.argo.enabled and self.argo.artifacts.enabled,
            ecr_repository=self.django.enabled and not self.django.image_repository,
            database=self.database.enabled,
            defaulted=not self.cluster_name,
        )
        if INFERENCE_NODE_GROUP not in self.node_groups:
            raise SettingError(
                "nodeGroups",
                sorted(self.node_groups),
                f"an AWS stack needs the {INFERENCE_NODE_GROUP} node group (Argo Workflows and inference pods run only "
                f"there) and the {SYSTEM_NODE_GROUP} group",
            )
        if SYSTEM_NODE_GROUP not in self.node_groups:
            raise SettingError(
                "nodeGroups", sorted(self.node_groups), f"an AWS stack needs the {SYSTEM_NODE_GROUP} node group"
            )
        if self.environment == "prod":
            for i, cidr in enumerate(self.public_access_cidrs):
                if ipaddress.IPv4Network(cidr).prefixlen == 0:
                    raise SettingError(
                        f"publicAccessCidrs[{i}]",
                        cidr,
                        "prod must not open the API endpoint to the internet; list office/VPN CIDRs",
                    )
        for i, zone in enumerate(self.availability_zones):
            if not zone.startswith(self.region) or len(zone) != len(self.region) + 1:
                raise SettingError(
                    f"availabilityZones[{i}]", zone, f"an AZ of region {self.region}, e.g. {self.region}a"
                )
        if len(set(self.availability_zones)) != len(self.availability_zones):
            raise SettingError("availabilityZones", self.availability_zones, "distinct zones")
        if self.availability_zones and len(self.availability_zones) < self.min_zone_count:
            raise SettingError(
                "availabilityZones",
                self.availability_zones,
                f"at least {self.min_zone_count} zones in {self.environment}",
            )
        missing_logs = [t for t in REQUIRED_LOG_TYPES if t not in self.cluster_log_types]
        if missing_logs:
            raise SettingError(
                "clusterLogTypes", self.cluster_log_types, f"must include {', '.join(REQUIRED_LOG_TYPES)}"
            )

    def _check_node_groups(self) -> None:
        for name, group in self.node_groups.items():
            if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,62}", name):
                raise SettingError(f"nodeGroups.{name}", name, "a node group name of letters, digits, - and _ (<= 63)")
            own_label = group.labels.get(NODE_GROUP_LABEL, name)
            if own_label != name:
                raise SettingError(
                    f"nodeGroups.{name}.labels.{NODE_GROUP_LABEL}",
                    own_label,
                    f"{name!r} (the label is set from the group name)",
                )
        inference = self.node_groups.get(INFERENCE_NODE_GROUP)
        if inference is not None and not any(t.effect in ("NoSchedule", "NoExecute") for t in inference.taints):
            raise SettingError(
                f"nodeGroups.{INFERENCE_NODE_GROUP}.taints",
                [t.model_dump() for t in inference.taints],
                "at least one NoSchedule or NoExecute taint, e.g. dedicated=proto-inference:NoSchedule",
            )

    # ---- derived values ------------------------------------------------------------------
    @property
    def required_secrets(self) -> tuple[str, ...]:
        """Secret keys this stack cannot run without, by the features it turns on."""
        needed: tuple[str, ...] = ()
        if self.django.enabled:
            needed += ("djangoSecretKey",) if self.database.enabled else ("djangoSecretKey", "djangoDatabaseUrl")
        if self.database.enabled:
            needed += ("databasePassword",)
        if self.argo.enabled and self.argo.auth_mode == "sso":
            needed += ("argoSsoClientId", "argoSsoClientSecret")
        if self.monitoring.enabled:
            needed += ("grafanaAdminPassword",)
            if self.monitoring.alertmanager.slack_channel:
                needed += ("alertmanagerSlackWebhookUrl",)
        return needed

    @property
    def django_strategy(self) -> str:
        """The Django strategy this stack deploys with (see DjangoStrategySettings.resolved)."""
        return self.django.strategy.resolved(self.environment)

    @property
    def django_ingress_is_public_alb(self) -> bool:
        """The Django Ingress is served by an internet-facing ALB (AWS stack, hosts, class alb)."""
        return (
            self.create_cluster
            and self.addons.load_balancer_controller.enabled
            and bool(self.django.hosts)
            and self.django.ingress_class_name in ("", "alb")
        )

    @property
    def retain_data(self) -> bool:
        """Keep the artifact bucket and ECR repository (and their contents) on destroy."""
        return self.data_on_destroy == "retain" or (self.data_on_destroy == "" and self.is_prod)

    @property
    def is_prod(self) -> bool:
        return self.environment == "prod"

    @property
    def min_zone_count(self) -> int:
        return 3 if self.is_prod else 2

    @property
    def resolved_cluster_name(self) -> str:
        """The EKS cluster name: configured, else `eks-platform-<stack>`."""
        if self.existing_cluster and self.existing_cluster.eks_cluster_name:
            return self.existing_cluster.eks_cluster_name
        return self.cluster_name or f"{NAMESPACE}-{self.stack}"

    @property
    def nat_gateway_mode(self) -> str:
        """One NAT gateway in dev (cost), one per AZ in prod (an AZ outage keeps egress)."""
        return self.nat_gateways or ("perAz" if self.is_prod else "single")

    def scheduling_for(self, group: str) -> tuple[dict[str, str], list[dict[str, str]]]:
        """nodeSelector and tolerations that put a pod on `group`, derived from its config.

        On a stack without that group (a one-node kind cluster) both are empty: pods run
        wherever the cluster has room.
        """
        if group not in self.node_groups:
            return {}, []
        return {NODE_GROUP_LABEL: group}, [t.toleration() for t in self.node_groups[group].taints]
