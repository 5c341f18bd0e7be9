"""The typed stack configuration: one model, validated once, before any resource exists.

Every key lives under the `eks-platform:` namespace and is declared in Pulumi.yaml with its
type, description and default (tests keep the two in step). `load_settings` turns the raw
values into `Settings` or raises one `ConfigError` that lists every problem as
`eks-platform:<key> = <bad value>: <what is allowed>`.
"""

from __future__ import annotations

import ipaddress
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ConfigDict, Field, ValidationError, ValidationInfo, field_validator, model_validator
from pydantic.alias_generators import to_camel

NAMESPACE = "eks-platform"
ENVIRONMENTS = ("dev", "prod", "local")
SUPPORTED_KUBERNETES_VERSIONS = ("1.33", "1.34", "1.35")
INFERENCE_NODE_GROUP = "PROTO-INFERENCE-NG"
SYSTEM_NODE_GROUP = "system"
NODE_GROUP_LABEL = "node-group"
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
CONTROL_PLANE_LOG_TYPES = ("api", "audit", "authenticator", "controllerManager", "scheduler")
REQUIRED_LOG_TYPES = ("api", "audit", "authenticator")
ARGO_AUTH_MODES = ("client", "sso", "server")

# Stack secrets: config key -> what it is. Declared `secret: true` in Pulumi.yaml, set with
# `pulumi config set --secret`, read with require_secret and never validated by value.
SECRETS = {
    "djangoSecretKey": "Django SECRET_KEY",
    "djangoDatabaseUrl": "Django DATABASE_URL (postgres://user:password@host:5432/db)",
    "argoSsoClientId": "OIDC client id of the Argo server (authMode sso)",
    "argoSsoClientSecret": "OIDC client secret of the Argo server (authMode sso)",
}

Environment = Literal["dev", "prod", "local"]
KubernetesVersion = Literal["1.33", "1.34", "1.35"]
TaintEffect = Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]
LogType = Literal["api", "audit", "authenticator", "controllerManager", "scheduler"]

_AWS_REGION = re.compile(r"^[a-z]{2}(-gov)?-[a-z]+-\d$")
_ACM_ARN = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$")
_SENTRY_DSN = re.compile(r"^https://[0-9a-f]{32}@[a-z0-9.-]+(:\d+)?/\d+$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")
_LABEL_KEY = re.compile(r"^([a-z0-9.-]+/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")


class ConfigError(Exception):
    """The stack configuration is invalid; the message lists every problem."""


class SettingError(ValueError):
    """A rule broken by one key: which key (relative to the model), its value, what is allowed."""

    def __init__(self, key: str, value: Any, allowed: str):
        super().__init__(f"{key} = {value!r}: {allowed}")
        self.key, self.value, self.allowed = key, value, allowed


class _Model(BaseModel):
    """camelCase keys as in the stack file; unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


def _cidr(value: str, key: str) -> str:
    try:
        return str(ipaddress.IPv4Network(value, strict=True))
    except (ValueError, TypeError):
        raise SettingError(key, value, "an IPv4 CIDR block with no host bits set, e.g. 10.0.0.0/16") from None


def _certificate_arn(value: str, key: str) -> str:
    if value and not _ACM_ARN.match(value):
        raise SettingError(key, value, "an ACM certificate ARN, arn:aws:acm:<region>:<12 digits>:certificate/<uuid>")
    return value


def _role_arns(values: list[str], key: str) -> list[str]:
    for i, arn in enumerate(values):
        if not _ROLE_ARN.match(arn):
            raise SettingError(f"{key}[{i}]", arn, "an IAM role ARN, arn:aws:iam::<12 digits>:role/<name>")
    return values


class Taint(_Model):
    """A Kubernetes taint put on every node of a group."""

    key: str = Field(description="Taint key, e.g. dedicated.")
    value: str = Field(default="", description="Taint value, e.g. proto-inference.")
    effect: TaintEffect = Field(description="NoSchedule, PreferNoSchedule or NoExecute.")

    def toleration(self) -> dict[str, str]:
        """The toleration a pod needs to land on a node with this taint."""
        return {"key": self.key, "operator": "Equal", "value": self.value, "effect": self.effect}


class NodeGroupSettings(_Model):
    """One EKS managed node group, keyed by its name in `nodeGroups`."""

    instance_types: list[str] = Field(min_length=1, description="EC2 instance types, first is preferred.")
    capacity_type: Literal["ON_DEMAND", "SPOT"] = Field(default="ON_DEMAND", description="ON_DEMAND or SPOT.")
    min_size: int = Field(ge=0, description="Fewest nodes the autoscaler keeps.")
    desired_size: int = Field(ge=0, description="Nodes at creation; later changes are the autoscaler's.")
    max_size: int = Field(ge=1, description="Most nodes the autoscaler may add.")
    disk_size: int = Field(default=50, ge=20, le=16384, description="Encrypted gp3 root volume, GiB.")
    labels: dict[str, str] = Field(default_factory=dict, description="Extra node labels.")
    taints: list[Taint] = Field(default_factory=list, description="Node taints.")

    @model_validator(mode="after")
    def _sizes_in_order(self) -> NodeGroupSettings:
        if self.min_size > self.max_size:
            raise SettingError("minSize", self.min_size, f"must be <= maxSize ({self.max_size})")
        if not self.min_size <= self.desired_size <= self.max_size:
            raise SettingError(
                "desiredSize",
                self.desired_size,
                f"must lie within [minSize, maxSize] = [{self.min_size}, {self.max_size}]",
            )
        return self

    @field_validator("labels")
    @classmethod
    def _labels_are_kubernetes_labels(cls, labels: dict[str, str]) -> dict[str, str]:
        for key, value in labels.items():
            if not _LABEL_KEY.match(key) or not _LABEL_VALUE.match(value):
                raise SettingError(
                    f"labels.{key}", value, "a Kubernetes label: [prefix/]name and value of <=63 alphanumerics, -_."
                )
        return labels


class ExistingVpc(_Model):
    """Reuse a VPC someone else made instead of creating one."""

    vpc_id: str = Field(pattern=r"^vpc-[0-9a-f]{8,17}$", description="The VPC id.")
    public_subnet_ids: list[str] = Field(min_length=2, description="Public subnets (load balancers), >= 2 AZs.")
    private_subnet_ids: list[str] = Field(min_length=2, description="Private subnets (nodes), >= 2 AZs.")


class ExistingCluster(_Model):
    """Target a cluster this stack does not own: a kubeconfig context or an EKS cluster by name."""

    kubeconfig_context: str | None = Field(
        default=None, description="Context in ~/.kube/config, e.g. kind-eks-platform."
    )
    eks_cluster_name: str | None = Field(default=None, description="Name of an existing EKS cluster in `region`.")

    @model_validator(mode="after")
    def _exactly_one_target(self) -> ExistingCluster:
        if (self.kubeconfig_context is None) == (self.eks_cluster_name is None):
            raise SettingError(
                "kubeconfigContext",
                self.kubeconfig_context,
                "set exactly one of kubeconfigContext or eksClusterName",
            )
        return self


class ArgoControllerSettings(_Model):
    """Scale knobs of the workflow controller."""

    workers: int = Field(default=32, gt=0, description="Workflow workers (--workflow-workers).")
    qps: float = Field(default=20.0, gt=0, description="Kubernetes API queries per second.")
    burst: int = Field(default=30, gt=0, description="Kubernetes API burst.")
    parallelism: int = Field(default=10, gt=0, description="Most workflows running at once.")


class ArgoArtifactSettings(_Model):
    """The default artifact repository."""

    enabled: bool = Field(default=True, description="S3 artifact repository (off automatically without AWS).")
    expiration_days: int = Field(default=30, gt=0, description="Artifacts expire after this many days.")
    s3_endpoint: str = Field(default="", description="S3-compatible endpoint for stacks without AWS (e.g. MinIO).")
    bucket: str = Field(default="", description="Bucket at s3Endpoint; on AWS the stack creates its own.")


class ArgoSettings(_Model):
    """Argo Workflows, pinned to PROTO-INFERENCE-NG."""

    enabled: bool = Field(default=True, description="Install Argo Workflows.")
    namespace: str = Field(default="argo", pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", description="Namespace.")
    auth_mode: Literal["client", "sso"] = Field(default="client", description="Argo server auth: client or sso.")
    sso_issuer: str = Field(default="", description="OIDC issuer URL when authMode is sso.")
    server_replicas: int = Field(default=0, ge=0, description="Argo server replicas; 0 = 2 in prod, 1 elsewhere.")
    ingress_host: str = Field(
        default="", description="Expose the Argo server through an Ingress at this host; '' = no Ingress."
    )
    ingress_scheme: Literal["internal", "internet-facing"] = Field(
        default="internal", description="ALB scheme of that Ingress on AWS: internal (VPN/VPC only) or internet-facing."
    )
    certificate_arn: str = Field(default="", description="ACM certificate of that Ingress's HTTPS listener (AWS).")
    controller: ArgoControllerSettings = Field(default_factory=ArgoControllerSettings, description="Controller scale.")
    artifacts: ArgoArtifactSettings = Field(default_factory=ArgoArtifactSettings, description="Artifact repository.")
    workflow_ttl_seconds: int = Field(default=86400, gt=0, description="Finished workflows are deleted after this.")

    @field_validator("certificate_arn")
    @classmethod
    def _certificate(cls, value: str) -> str:
        return _certificate_arn(value, "certificateArn")


class CanaryStep(_Model):
    """One step of a canary: shift traffic (setWeight) or wait (pause, forever without a duration)."""

    set_weight: int | None = Field(default=None, ge=0, le=100, description="Percent of traffic to the canary.")
    pause: dict[str, str | int] | None = Field(default=None, description="{} (until promoted) or {duration: 5m}.")

    @model_validator(mode="after")
    def _one_action(self) -> CanaryStep:
        if (self.set_weight is None) == (self.pause is None):
            raise SettingError("steps", self.model_dump(by_alias=True), "each step is {setWeight: N} or {pause: {...}}")
        return self


class DjangoStrategySettings(_Model):
    """How a new image replaces the old one (charts/django `strategy`)."""

    type: Literal["", "RollingUpdate", "Recreate", "BlueGreen", "Canary"] = Field(
        default="", description="'' = Canary in prod, RollingUpdate elsewhere. BlueGreen/Canary need Argo Rollouts."
    )
    canary_steps: list[CanaryStep] = Field(
        default_factory=list, description="Canary only: the steps; [] = the chart's 10% / 50% / 100%."
    )
    auto_promotion: bool | None = Field(
        default=None, description="BlueGreen only: promote without review; unset = the environment's values file."
    )

    @model_validator(mode="after")
    def _options_of_its_type(self) -> DjangoStrategySettings:
        if self.canary_steps and self.type != "Canary":
            raise SettingError(
                "canarySteps", "[...]", f"only with type Canary (type is {self.type or 'the default'!r})"
            )
        if self.auto_promotion is not None and self.type != "BlueGreen":
            raise SettingError("autoPromotion", self.auto_promotion, "only with type BlueGreen")
        return self


class DjangoSettings(_Model):
    """The Django service deployed from charts/django."""

    enabled: bool = Field(default=True, description="Deploy the Django service.")
    namespace: str = Field(default="django", pattern=r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", description="Namespace.")
    image_repository: str = Field(default="", description="Image repository; '' = the stack's ECR repository.")
    image_tag: str = Field(
        default="0.1.0", pattern=r"^[\w][\w.-]{0,127}$", description="Image tag (immutable; never latest)."
    )
    hosts: list[str] = Field(default_factory=list, description="Public host names (Ingress rules and ALLOWED_HOSTS).")
    ingress_class_name: str = Field(default="", description="alb, nginx or '' (alb on AWS stacks, none elsewhere).")
    certificate_arn: str = Field(
        default="", description="ACM certificate of the ALB's HTTPS listener; required for a public ALB Ingress."
    )
    ecr_keep_images: int = Field(default=30, gt=0, description="ECR lifecycle: keep the newest N images.")
    sentry_dsn: str = Field(
        default="", description="Sentry DSN (prod only; a DSN is public by Sentry's design, so not a secret)."
    )
    strategy: DjangoStrategySettings = Field(
        default_factory=DjangoStrategySettings, description="Deployment strategy of the app."
    )
    in_cluster_database: bool = Field(
        default=False,
        description="local only: run PostgreSQL in the cluster, with the credentials of djangoDatabaseUrl.",
    )

    @field_validator("certificate_arn")
    @classmethod
    def _certificate(cls, value: str) -> str:
        return _certificate_arn(value, "certificateArn")

    @field_validator("sentry_dsn")
    @classmethod
    def _dsn(cls, value: str) -> str:
        if value and not _SENTRY_DSN.match(value):
            raise SettingError("sentryDsn", value, "a Sentry DSN, https://<32 hex public key>@<host>/<project id>")
        return value

    @field_validator("image_tag")
    @classmethod
    def _no_latest(cls, tag: str) -> str:
        if tag == "latest":
            raise SettingError("imageTag", tag, "an immutable tag (a version or commit SHA), never latest")
        return tag


class LoadBalancerControllerSettings(_Model):
    """AWS Load Balancer Controller."""

    enabled: bool = Field(default=True, description="Install it (AWS stacks only).")


class ClusterAutoscalerSettings(_Model):
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


class MetricsServerSettings(_Model):
    """metrics-server."""

    enabled: bool = Field(default=True, description="Install it (every stack; the HPA needs it).")


class ArgoRolloutsSettings(_Model):
    """Argo Rollouts."""

    enabled: bool = Field(
        default=True, description="Install it (every stack: a Blue/Green or Canary Rollout needs the controller)."
    )


class AddonSettings(_Model):
    """Cluster add-ons."""

    load_balancer_controller: LoadBalancerControllerSettings = Field(default_factory=LoadBalancerControllerSettings)
    cluster_autoscaler: ClusterAutoscalerSettings = Field(default_factory=ClusterAutoscalerSettings)
    metrics_server: MetricsServerSettings = Field(default_factory=MetricsServerSettings)
    argo_rollouts: ArgoRolloutsSettings = Field(default_factory=ArgoRolloutsSettings)


UPSTREAM_CHARTS = (
    "argo-rollouts",
    "argo-workflows",
    "aws-load-balancer-controller",
    "cluster-autoscaler",
    "metrics-server",
)


class ChartMirrorSettings(_Model):
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


class Settings(_Model):
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
        cidr = _cidr(value, "vpcCidr")
        if not 16 <= ipaddress.IPv4Network(cidr).prefixlen <= 20:
            raise SettingError(
                "vpcCidr", value, "a prefix length from /16 to /20 (room for 3 private + 3 public subnets)"
            )
        return cidr

    @field_validator("public_access_cidrs")
    @classmethod
    def _public_cidrs(cls, values: list[str]) -> list[str]:
        return [_cidr(v, f"publicAccessCidrs[{i}]") for i, v in enumerate(values)]

    @field_validator("admin_role_arns", "viewer_role_arns")
    @classmethod
    def _role_arn_lists(cls, values: list[str], info: ValidationInfo) -> list[str]:
        return _role_arns(values, to_camel(info.field_name))

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
        return self

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
        needed = ("djangoSecretKey", "djangoDatabaseUrl") if self.django.enabled else ()
        if self.argo.enabled and self.argo.auth_mode == "sso":
            needed += ("argoSsoClientId", "argoSsoClientSecret")
        return needed

    @property
    def django_strategy(self) -> str:
        """The configured strategy, else Canary in prod (ALB-weighted) and RollingUpdate elsewhere."""
        return self.django.strategy.type or ("Canary" if self.is_prod else "RollingUpdate")

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
    def argo_server_replicas(self) -> int:
        """Configured, else 2 in prod (with a PodDisruptionBudget) and 1 elsewhere."""
        return self.argo.server_replicas or (2 if self.is_prod else 1)

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
    def zones(self) -> list[str]:
        """Availability zones for subnets: configured, else the region's first two or three."""
        return self.availability_zones or [f"{self.region}{s}" for s in "abc"[: self.min_zone_count]]

    @property
    def nat_gateway_mode(self) -> str:
        """One NAT gateway in dev (cost), one per AZ in prod (an AZ outage keeps egress)."""
        return self.nat_gateways or ("perAz" if self.is_prod else "single")

    def node_labels(self, group: str) -> dict[str, str]:
        """Labels of a node group: its own, plus `node-group: <name>` that selectors use."""
        return {**self.node_groups[group].labels, NODE_GROUP_LABEL: group}

    def scheduling_for(self, group: str) -> tuple[dict[str, str], list[dict[str, str]]]:
        """nodeSelector and tolerations that put a pod on `group`, derived from its config.

        On a stack without that group (a one-node kind cluster) both are empty: pods run
        wherever the cluster has room.
        """
        if group not in self.node_groups:
            return {}, []
        return {NODE_GROUP_LABEL: group}, [t.toleration() for t in self.node_groups[group].taints]


# ---- loading ---------------------------------------------------------------------------------


def _is_plain_string(annotation: Any) -> bool:
    """True for fields read verbatim (str, Literal of str): '1.34' must not become a float."""
    if annotation is str:
        return True
    return get_origin(annotation) is Literal and all(isinstance(a, str) for a in get_args(annotation))


def config_keys() -> dict[str, Any]:
    """Config key (camelCase) -> pydantic field info, for every key a stack file may set."""
    return {
        field.alias: field
        for name, field in Settings.model_fields.items()
        if name not in ("stack", "secrets_present") and field.alias
    }


def read_raw_config(get: Callable[[str], str | None], keys: Iterable[str] = ()) -> dict[str, Any]:
    """Collect the stack's values through `get(key)` (Pulumi hands every value over as a string).

    `keys` are the namespace's keys the stack actually sets: those the model does not know are
    kept, so that `load_settings` refuses them instead of silently using a default.
    """
    known = config_keys()
    raw: dict[str, Any] = {}
    for key in sorted(set(known) | (set(keys) - set(SECRETS))):
        text = get(key)
        if text is None:
            continue
        field = known.get(key)
        if field is None or _is_plain_string(field.annotation):
            raw[key] = text
            continue
        try:
            raw[key] = json.loads(text)
        except json.JSONDecodeError:
            raw[key] = text  # let the model report the type error with the key's name
    return raw


def load_settings(raw: Mapping[str, Any], *, stack: str, secrets_present: set[str] | frozenset[str]) -> Settings:
    """Validate the raw stack config; raise one ConfigError naming every bad key."""
    unknown = sorted(set(raw) - set(config_keys()))
    problems = [f"{NAMESPACE}:{key}: unknown key; allowed keys: {', '.join(sorted(config_keys()))}" for key in unknown]
    if not problems:
        try:
            settings = Settings.model_validate({**raw, "stack": stack, "secrets_present": frozenset(secrets_present)})
        except ValidationError as exc:
            problems = [_describe(error) for error in exc.errors()]
        else:
            problems = _missing_secrets(settings)
            if not problems:
                return settings
    raise ConfigError(
        f"Invalid configuration for stack '{stack}' ({len(problems)} problem(s)); nothing was created:\n"
        + "\n".join(f"  - {p}" for p in problems)
    )


def _missing_secrets(settings: Settings) -> list[str]:
    """One line per stack secret the enabled features need and the stack lacks: all of them at once."""
    return [
        f"{NAMESPACE}:{key} = None: a stack secret; set it with `pulumi config set --secret {key} <value>` "
        f"({SECRETS[key]})"
        for key in settings.required_secrets
        if key not in settings.secrets_present
    ]


def _describe(error: Any) -> str:
    """One line per pydantic error: `eks-platform:<key path> = <value>: <what is allowed>`."""
    path = [str(p) for p in error["loc"]]
    original = error.get("ctx", {}).get("error")
    if isinstance(original, SettingError):
        path = [p for p in path if p not in ("function-after", "function-before")]
        if path and re.split(r"[.\[]", original.key)[0] == path[-1]:
            path = path[:-1]  # a field rule names its own field already
        path.append(original.key)
        return f"{NAMESPACE}:{_join(path)} = {original.value!r}: {original.allowed}"
    value = error.get("input")
    if error["type"] == "missing":
        return f"{NAMESPACE}:{_join(path)} is required but not set"
    if error["type"] == "extra_forbidden":
        return f"{NAMESPACE}:{_join(path)} = {value!r}: unknown key (check the spelling against the README)"
    return f"{NAMESPACE}:{_join(path)} = {value!r}: {error['msg']}"


def _join(path: list[str]) -> str:
    """nodeGroups.system.taints[0].effect — indexes in brackets, keys dotted."""
    text = ""
    for part in path:
        if part.isdigit():
            text += f"[{part}]"
        elif part.startswith("["):
            text += part
        else:
            text += f".{part}" if text else part
    return text


def from_pulumi_config() -> Settings:
    """Read and validate this stack's `eks-platform:*` config (the program's only config read)."""
    import pulumi
    from pulumi.runtime.config import CONFIG, get_config, get_config_env

    def get(key: str) -> str | None:
        return get_config(f"{NAMESPACE}:{key}")

    # Every key the stack sets in this namespace. The CLI merges declared keys only and passes
    # an undeclared one through untouched (pkg/workspace/config.go, mergeConfig, v3.274.1), so
    # a typo such as `kubernetesVerison` is caught here, not by the CLI.
    prefix = f"{NAMESPACE}:"
    given = {key.removeprefix(prefix) for key in {*CONFIG.get(), *get_config_env()} if key.startswith(prefix)}
    present = {key for key in SECRETS if get(key)}  # a declared default of "" means "not set"
    return load_settings(read_raw_config(get, given), stack=pulumi.get_stack(), secrets_present=present)
