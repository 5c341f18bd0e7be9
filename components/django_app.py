"""The Django service: ECR repository, namespace, the app Secret, and a release of charts/django.

Secrets never pass through Helm values: the Secret is a Pulumi resource built from stack
secrets, and the chart only gets its name (`secret.existingSecret`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_aws as aws
import pulumi_kubernetes as kubernetes

from components.helm_release import chart_release
from components.namespace import platform_namespace

CHART_PATH = "charts/django"
RELEASE_NAME = "django"  # the chart's fullname, hence its ConfigMap and Service name
APP_SECRET = "django-app"


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


@dataclass(frozen=True)
class DjangoAppArgs:
    """What the DjangoApp component needs."""

    environment: str
    """dev, prod or local: picks charts/django/environments/values.<environment>.yaml."""
    namespace: str
    """Namespace of the release."""
    image_tag: str
    """Immutable image tag (a version or the commit SHA the image workflow pushed)."""
    secret_key: pulumi.Input[str]
    """Django SECRET_KEY, from the stack secret."""
    database_url: pulumi.Input[str]
    """DATABASE_URL, from the stack secret."""
    hosts: list[str]
    """Public host names: Ingress rules and ALLOWED_HOSTS."""
    node_selector: dict[str, str]
    """Keep the app on the system group (empty on kind)."""
    image_repository: str = ""
    """Image repository; '' creates an ECR repository and uses it (AWS stacks)."""
    repository_name: str = ""
    """Name of the ECR repository to create."""
    ecr_keep_images: int = 30
    """ECR lifecycle: keep the newest N images."""
    ingress_class_name: str = ""
    """alb or nginx; '' = no Ingress."""
    certificate_arn: str = ""
    """ACM certificate for the ALB's HTTPS listener."""
    vpc_cidr: str = ""
    """The ALB reaches pods from the VPC: the NetworkPolicy admits this CIDR."""
    protect: bool = False
    """prod: protect and retain the ECR repository (images would be lost)."""
    retain_images: bool = False
    """Keep the ECR repository and its images on destroy."""
    sentry_dsn: str = ""
    """Sentry DSN; the chart sets SENTRY__DSN from it in prod only."""
    strategy: str = "RollingUpdate"
    """RollingUpdate, Recreate (a Deployment), BlueGreen or Canary (an Argo Rollout)."""
    canary_steps: tuple[dict[str, Any], ...] = ()
    """Canary steps ({setWeight: N} / {pause: {...}}); () = the chart's default steps."""
    auto_promotion: bool | None = None
    """BlueGreen: promote without review; None = the environment's values file decides."""
    kubernetes_deleted_with: pulumi.Resource | None = None
    """The cluster: the Kubernetes objects are deleted with it. The ECR repository never is."""


def secret_checksum(secret_key: str, database_url: str) -> str:
    """A digest that changes when either secret changes, and reveals neither.

    Keyed with SECRET_KEY (50+ random characters), so a guessable database password cannot be
    recovered from the pod annotation by trying candidates.
    """
    return hmac.new(secret_key.encode(), f"{secret_key}\0{database_url}".encode(), hashlib.sha256).hexdigest()


def release_values(
    args: DjangoAppArgs, image_repository: pulumi.Input[str], secret_digest: pulumi.Input[str] = ""
) -> dict[str, Any]:
    """Stack overrides on top of the environment's values file. No secret value in here.

    `secret_digest` (see `secret_checksum`) goes into a pod annotation: rotating a stack secret
    changes it and so rolls the pods, which read the Secret only at start.
    """
    values: dict[str, Any] = {
        "image": {"repository": image_repository, "tag": args.image_tag},
        "secret": {"create": False, "existingSecret": APP_SECRET},
        "podAnnotations": {"checksum/secret": secret_digest},
    }
    if args.node_selector:  # kind: values.local.yaml nulls the chart's default selector instead
        values["nodeSelector"] = dict(args.node_selector)
    # Merged deeply over the values file, so its per-environment presets (promotion) stay.
    strategy: dict[str, Any] = {"type": args.strategy}
    if args.canary_steps:
        strategy["canary"] = {"steps": [dict(step) for step in args.canary_steps]}
    if args.auto_promotion is True:
        strategy["blueGreen"] = {"autoPromotionEnabled": True}
    elif args.auto_promotion is False:  # and no delay left over from the values file's preset
        strategy["blueGreen"] = {"autoPromotionEnabled": False, "autoPromotionSeconds": 0}
    values["strategy"] = strategy
    config: dict[str, Any] = {"sentryDsn": args.sentry_dsn}
    if args.hosts:  # the chart adds Ingress hosts itself; an empty list would drop localhost
        config["allowedHosts"] = list(args.hosts)
    values["config"] = config
    if args.ingress_class_name and args.hosts:
        values["ingress"] = {
            "enabled": True,
            "className": args.ingress_class_name,
            "hosts": [{"host": h, "paths": [{"path": "/", "pathType": "Prefix"}]} for h in args.hosts],
            # the stack's certificate (required for a public ALB by the settings), never the
            # placeholder ARN of the environment's values file
            "tls": {"certificateArn": args.certificate_arn},
        }
    else:
        values["ingress"] = {"enabled": False}
    if args.vpc_cidr:
        values["networkPolicy"] = {"ingressCidrs": [args.vpc_cidr]}
    return values


class DjangoApp(pulumi.ComponentResource):
    """The Django service of one stack."""

    image_repository: pulumi.Output[str]
    namespace: pulumi.Output[str]
    service_host: pulumi.Output[str]
    ingress_hosts: pulumi.Output[list[str]]
    namespace_resource: kubernetes.core.v1.Namespace
    config_map_name: str = RELEASE_NAME
    secret_name: str = APP_SECRET

    def __init__(
        self,
        name: str,
        args: DjangoAppArgs,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("platform:index:DjangoApp", name, None, opts)
        if args.image_repository:
            repository_url: pulumi.Input[str] = args.image_repository
        else:
            repository = aws.ecr.Repository(
                f"{name}-ecr",
                name=args.repository_name,
                image_tag_mutability="IMMUTABLE",  # a tag names one image forever: rollbacks are exact
                image_scanning_configuration=aws.ecr.RepositoryImageScanningConfigurationArgs(scan_on_push=True),
                encryption_configurations=[aws.ecr.RepositoryEncryptionConfigurationArgs(encryption_type="KMS")],
                force_delete=not args.retain_images,
                opts=pulumi.ResourceOptions(parent=self, protect=args.protect, retain_on_delete=args.retain_images),
            )
            aws.ecr.LifecyclePolicy(
                f"{name}-ecr-lifecycle",
                repository=repository.name,
                policy=keep_last_images(args.ecr_keep_images),
                opts=pulumi.ResourceOptions(parent=repository),
            )
            repository_url = repository.repository_url

        # Kubernetes objects die with the cluster; the ECR repository above does not.
        in_cluster = pulumi.ResourceOptions(parent=self, deleted_with=args.kubernetes_deleted_with)
        namespace = platform_namespace(f"{name}-ns", args.namespace, in_cluster)
        secret = kubernetes.core.v1.Secret(
            f"{name}-secret",
            metadata={"name": APP_SECRET, "namespace": args.namespace},
            type="Opaque",
            string_data={
                "SECRET_KEY": pulumi.Output.secret(args.secret_key),
                "DATABASE_URL": pulumi.Output.secret(args.database_url),
            },
            opts=pulumi.ResourceOptions.merge(in_cluster, pulumi.ResourceOptions(depends_on=[namespace])),
        )
        # Not a secret: a keyed digest of the two secrets (see secret_checksum).
        digest = pulumi.Output.unsecret(
            pulumi.Output.all(args.secret_key, args.database_url).apply(lambda pair: secret_checksum(*pair))
        )
        chart_release(
            f"{name}-release",
            release_name=RELEASE_NAME,
            chart=CHART_PATH,
            namespace=args.namespace,
            # The same file `helm upgrade -f environments/values.<env>.yaml` uses by hand.
            value_yaml_files=[pulumi.FileAsset(f"{CHART_PATH}/environments/values.{args.environment}.yaml")],
            values=release_values(args, repository_url, digest),
            timeout=900,  # the migration hook runs inside the install/upgrade
            opts=pulumi.ResourceOptions.merge(in_cluster, pulumi.ResourceOptions(depends_on=[namespace, secret])),
        )

        self.namespace_resource = namespace
        self.image_repository = pulumi.Output.from_input(repository_url)
        self.namespace = pulumi.Output.from_input(args.namespace)
        self.service_host = pulumi.Output.from_input(f"{RELEASE_NAME}.{args.namespace}.svc.cluster.local")
        self.ingress_hosts = pulumi.Output.from_input(list(args.hosts) if args.ingress_class_name else [])
        self.register_outputs(
            {
                "image_repository": self.image_repository,
                "namespace": self.namespace,
                "service_host": self.service_host,
                "ingress_hosts": self.ingress_hosts,
            }
        )
