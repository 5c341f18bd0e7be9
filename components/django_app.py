"""The Django service: ECR repository, namespace, the app Secret, and a release of charts/django.

Secrets never pass through Helm values: the Secret is a Pulumi resource built from stack
secrets, and the chart only gets its name (`secret.existingSecret`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as kubernetes

from components.context import ClusterContext
from components.helm_release import chart_release
from components.namespace import platform_namespace
from components.settings import DjangoSettings, Settings, aws_names

CHART_PATH = "charts/django"
RELEASE_NAME = "django"  # the chart's fullname, hence its ConfigMap and Service name
APP_SECRET = "django-app"
ROLLOUT_STRATEGIES = ("BlueGreen", "Canary")
READINESS_GATE_LABEL = "elbv2.k8s.aws/pod-readiness-gate-inject"  # an Argo Rollout instead of a Deployment


def keep_last_images(count: int) -> str:
    """ECR lifecycle policy: expire all but the newest `count` images."""
    return json.dumps(
        {
            "rules": [
                {
                    "rulePriority": 1,
                    "description": f"keep the newest {count} images",
                    "selection": {"tagStatus": "any", "countType": "imageCountMoreThan", "countNumber": count},
                    "action": {"type": "expire"},
                }
            ]
        },
        sort_keys=True,
    )


def secret_checksum(secret_key: str, database_url: str) -> str:
    """A digest that changes when either secret changes, and reveals neither.

    Keyed with SECRET_KEY (50+ random characters), so a guessable database password cannot be
    recovered from the pod annotation by trying candidates.
    """
    return hmac.new(secret_key.encode(), f"{secret_key}\0{database_url}".encode(), hashlib.sha256).hexdigest()


def release_values(
    settings: DjangoSettings,
    ctx: ClusterContext,
    image_repository: pulumi.Input[str],
    secret_digest: pulumi.Input[str] = "",
) -> dict[str, Any]:
    """Stack overrides on top of the environment's values file. No secret value in here.

    `secret_digest` (see `secret_checksum`) goes into a pod annotation: rotating a stack secret
    changes it and so rolls the pods, which read the Secret only at start.
    """
    values: dict[str, Any] = {
        "image": {"repository": image_repository, "tag": settings.image_tag},
        "secret": {"create": False, "existingSecret": APP_SECRET},
        "podAnnotations": {"checksum/secret": secret_digest},
    }
    if ctx.system.node_selector:  # kind: values.local.yaml nulls the chart's default selector instead
        values["nodeSelector"] = dict(ctx.system.node_selector)
    values["strategy"] = strategy_values(settings, ctx.environment, prometheus_url=ctx.prometheus_url)
    config: dict[str, Any] = {"sentryDsn": settings.sentry_dsn}
    if settings.hosts:  # the chart adds Ingress hosts itself; an empty list would drop localhost
        config["allowedHosts"] = list(settings.hosts)
    values["config"] = config
    ingress_class = ingress_class_of(settings, ctx)
    if ingress_class:
        values["ingress"] = {
            "enabled": True,
            "className": ingress_class,
            "hosts": [{"host": h, "paths": [{"path": "/", "pathType": "Prefix"}]} for h in settings.hosts],
            # the stack's certificate (required for a public ALB by the settings), never the
            # placeholder ARN of the environment's values file
            "tls": {"certificateArn": settings.certificate_arn},
        }
    else:
        values["ingress"] = {"enabled": False}
    network_policy: dict[str, Any] = {"ingressCidrs": [ctx.vpc_cidr]} if ctx.vpc_cidr else {}
    if ctx.monitored:
        # /metrics on its own port, reached only from Prometheus's namespace, through the ServiceMonitor.
        values["metrics"] = {"serviceMonitor": {"enabled": True}}
        network_policy["metricsNamespaces"] = [ctx.monitoring_namespace]
    if network_policy:
        values["networkPolicy"] = network_policy
    return values


def strategy_values(settings: DjangoSettings, environment: str, *, prometheus_url: str = "") -> dict[str, Any]:
    """The chart's `strategy`, merged deeply over the values file, so its per-environment presets (promotion) stay.

    With monitoring (`prometheus_url`), a Canary's or Blue-Green's analysis also queries Prometheus
    for the new pods' 5xx ratio and p95 latency, against the stack's thresholds, unless the stack
    sets `metricsAnalysis: false`. `smokeTest` tunes the smoke test's count, interval and failure limit.
    """
    strategy: dict[str, Any] = {"type": settings.strategy.resolved(environment)}
    analysis: dict[str, Any] = settings.strategy.smoke_test.chart_values()
    if prometheus_url and settings.strategy.metrics_analysis and strategy["type"] in ("Canary", "BlueGreen"):
        max_error_ratio, max_p95 = settings.strategy.analysis_thresholds
        analysis |= {
            "prometheus": {
                "enabled": True,
                "address": prometheus_url,
                "maxErrorRatio": max_error_ratio,
                "maxP95LatencySeconds": max_p95,
            }
        }
    if analysis:
        strategy["analysis"] = analysis
    if settings.strategy.canary_steps:
        steps = [step.model_dump(by_alias=True, exclude_none=True) for step in settings.strategy.canary_steps]
        strategy["canary"] = {"steps": steps}
    blue_green: dict[str, Any] = {}
    if settings.strategy.auto_promotion is True:
        blue_green = {"autoPromotionEnabled": True}
    elif settings.strategy.auto_promotion is False:  # and no delay left over from the values file's preset
        blue_green = {"autoPromotionEnabled": False, "autoPromotionSeconds": 0}
    if settings.strategy.preview_host:
        blue_green["previewHost"] = settings.strategy.preview_host
    if settings.strategy.preview_certificate_arn:  # never the values file's placeholder
        blue_green["previewIngress"] = {"certificateArn": settings.strategy.preview_certificate_arn}
    if blue_green:
        strategy["blueGreen"] = blue_green
    return strategy


def ingress_class_of(settings: DjangoSettings, ctx: ClusterContext) -> str:
    """The Ingress's class: configured, else the stack's (alb on AWS); '' = no Ingress (nor without hosts)."""
    return (settings.ingress_class_name or ctx.ingress_class) if settings.hosts else ""


def image_in_registry(settings: Settings) -> bool:
    """Whether the Django release can be created: its image tag is in the stack's ECR repository.

    A read of the account, made before any resource is registered. On a new stack the repository
    does not exist yet (this run creates it) or holds no image: the release would sit in
    ImagePullBackOff until its timeout and fail the `up`, so it is left out, and the run says what
    comes next (stack output `nextSteps`). A repository that holds images but not this tag is a
    mistake, not a first run: a `pulumi up` stops with the tags it has (a preview only warns, as a
    PR's preview runs before its image is pushed). Images from elsewhere (`imageRepository`) and
    stacks without AWS are not checked.
    """
    django = settings.django
    if not (settings.create_cluster and django.enabled and not django.image_repository):
        return True
    name = aws_names.ecr_repository_name(settings.resolved_cluster_name)
    if name not in aws.ecr.get_repositories(region=settings.region).names:
        return False
    images = aws.ecr.get_images(repository_name=name, region=settings.region).image_ids
    tags = sorted({image.image_tag for image in images if image.image_tag})
    if not tags:
        return False
    if django.image_tag not in tags:
        message = (
            f"eks-platform:django.imageTag = {django.image_tag!r}: not in the ECR repository {name} "
            f"(it holds {', '.join(tags[-5:])}{' ...' if len(tags) > 5 else ''}); push it first (make image "
            f"STACK={settings.stack}) or set a tag it holds"
        )
        if not pulumi.runtime.is_dry_run():
            raise pulumi.RunError(message + "; nothing was created")
        pulumi.log.warn(message)
    return True


class DjangoApp(pulumi.ComponentResource):
    """The Django service of one stack."""

    image_repository: pulumi.Output[str]
    image: pulumi.Output[str]
    """repository:tag of the deployed image."""
    namespace: pulumi.Output[str]
    service_host: pulumi.Output[str]
    ingress_hosts: pulumi.Output[list[str]]
    namespace_resource: kubernetes.core.v1.Namespace
    config_map_name: str = RELEASE_NAME
    secret_name: str = APP_SECRET

    def __init__(
        self,
        name: str,
        settings: DjangoSettings,
        ctx: ClusterContext,
        *,
        secret_key: pulumi.Input[str],
        database_url: pulumi.Input[str],
        rollouts: pulumi.Resource | None = None,
        database: pulumi.Resource | None = None,
        release: bool = True,
        opts: pulumi.ResourceOptions | None = None,
    ):
        """`secret_key`, `database_url`: the stack secrets. `rollouts`: the Argo Rollouts controller
        (a BlueGreen or Canary release waits for it); `database`: an in-cluster database (local).
        `release`: False on a first run whose image is not pushed yet (`image_in_registry`)."""
        creates_ecr = ctx.owns_aws and not settings.image_repository
        super().__init__("platform:index:DjangoApp", name, None, ctx.component(opts, owns_aws=creates_ecr))
        self.namespace_name = settings.namespace
        if not creates_ecr:
            repository_url: pulumi.Input[str] = settings.image_repository
        else:
            repository = aws.ecr.Repository(
                f"{name}-ecr",
                name=aws_names.ecr_repository_name(ctx.cluster_name),  # checked against ECR's rules by the settings
                image_tag_mutability="IMMUTABLE",  # a tag names one image forever: rollbacks are exact
                image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
                encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS")],
                force_delete=not ctx.retain_data,
                # prod: protected, and kept with its images on destroy (rollbacks need them)
                opts=pulumi.ResourceOptions(parent=self, protect=ctx.protect, retain_on_delete=ctx.retain_data),
            )
            aws.ecr.LifecyclePolicy(
                f"{name}-ecr-lifecycle",
                repository=repository.name,
                policy=keep_last_images(settings.ecr_keep_images),
                opts=pulumi.ResourceOptions(parent=repository),
            )
            repository_url = repository.repository_url

        # Kubernetes objects die with the cluster; the ECR repository above does not.
        # Behind an ALB the controller injects a readiness gate into each pod, so a rollout waits
        # until the pod is a healthy target: without it a target group can hold only initial or
        # draining targets for a moment, and clients get 5xx (AWS Load Balancer Controller docs,
        # "Pod readiness gate").
        readiness_gates = {READINESS_GATE_LABEL: "enabled"} if ingress_class_of(settings, ctx) == "alb" else {}
        namespace = platform_namespace(
            f"{name}-ns",
            settings.namespace,
            ctx.kubernetes(self),
            kubernetes_version=ctx.kubernetes_version,
            labels=readiness_gates,
        )
        secret = kubernetes.core.v1.Secret(
            f"{name}-secret",
            metadata={"name": APP_SECRET, "namespace": settings.namespace},
            type="Opaque",
            string_data={
                "SECRET_KEY": pulumi.Output.secret(secret_key),
                "DATABASE_URL": pulumi.Output.secret(database_url),
            },
            opts=ctx.kubernetes(self, [namespace]),
        )
        # Not a secret: a keyed digest of the two secrets (see secret_checksum).
        digest = pulumi.Output.unsecret(
            pulumi.Output.all(secret_key, database_url).apply(lambda pair: secret_checksum(*pair))
        )
        is_rollout = settings.strategy.resolved(ctx.environment) in ROLLOUT_STRATEGIES
        if release:
            chart_release(
                f"{name}-release",
                release_name=RELEASE_NAME,
                chart=CHART_PATH,
                namespace=settings.namespace,
                # The same file `helm upgrade -f environments/values.<env>.yaml` uses by hand.
                value_yaml_files=[pulumi.FileAsset(f"{CHART_PATH}/environments/values.{ctx.environment}.yaml")],
                values=release_values(settings, ctx, repository_url, digest),
                timeout=900,  # the migration hook runs inside the install/upgrade
                # The migration hook needs the database; a Rollout needs the Rollouts CRDs and controller;
                # the Ingress needs the ingress controller's webhook.
                opts=ctx.workload(
                    self,
                    ctx.system,
                    after=[namespace, secret, database, rollouts if is_rollout else None],
                    ingress=bool(ingress_class_of(settings, ctx)),
                    scraped=ctx.monitored,
                ),
            )

        self.namespace_resource = namespace
        self.image_repository = pulumi.Output.from_input(repository_url)
        self.image = self.image_repository.apply(lambda repository: f"{repository}:{settings.image_tag}")
        self.namespace = pulumi.Output.from_input(settings.namespace)
        self.service_host = pulumi.Output.from_input(f"{RELEASE_NAME}.{settings.namespace}.svc.cluster.local")
        self.ingress_hosts = pulumi.Output.from_input(list(settings.hosts) if ingress_class_of(settings, ctx) else [])
        self.register_outputs(
            {
                "image_repository": self.image_repository,
                "namespace": self.namespace,
                "service_host": self.service_host,
                "ingress_hosts": self.ingress_hosts,
            }
        )
