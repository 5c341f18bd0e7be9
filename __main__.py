"""eks-platform: one stack = one environment (dev, prod on AWS; local on an existing cluster).

Reads and validates the stack config once, gets a cluster (provisioned or existing), wires
the Kubernetes-side components and exports what operators need. Resource logic lives in
components/.
"""

from __future__ import annotations

import pulumi

from components import versions
from components.argo_rollouts import NAMESPACE as ARGO_ROLLOUTS_NAMESPACE
from components.argo_rollouts import ArgoRollouts, ArgoRolloutsArgs
from components.argo_workflows import WORKFLOW_SERVICE_ACCOUNT, ArgoWorkflows, ArgoWorkflowsArgs
from components.artifact_bucket import ArtifactBucket, ArtifactBucketArgs
from components.cluster_access import connect_existing, provision_eks
from components.cluster_autoscaler import ClusterAutoscaler, ClusterAutoscalerArgs
from components.django_app import DjangoApp, DjangoAppArgs
from components.helm_release import ChartMirror
from components.load_balancer_controller import INGRESS_CLASS, LoadBalancerController, LoadBalancerControllerArgs
from components.local_postgres import LocalPostgres, LocalPostgresArgs
from components.metrics_server import MetricsServer, MetricsServerArgs
from components.settings import INFERENCE_NODE_GROUP, SYSTEM_NODE_GROUP, ConfigError, from_pulumi_config
from components.viewer_access import ViewerAccess, ViewerAccessArgs
from workflows import TemplateContext

try:
    settings = from_pulumi_config()
except ConfigError as error:
    # RunError prints the message alone: the operator sees which key is wrong, not a traceback.
    raise pulumi.RunError(str(error)) from None

config = pulumi.Config()
stack = settings.stack
access = provision_eks(settings) if settings.create_cluster else connect_existing(settings)
system_selector, _ = settings.scheduling_for(SYSTEM_NODE_GROUP)
mirror = ChartMirror(url=settings.chart_mirror.url, versions=settings.chart_mirror.versions)
inference_selector, inference_tolerations = settings.scheduling_for(INFERENCE_NODE_GROUP)

# ---- Cluster add-ons (the two that need IAM only where this stack owns AWS) ----------------
addons = settings.addons
lbc = None
if access.owns_aws and addons.load_balancer_controller.enabled:
    lbc = LoadBalancerController(
        f"{stack}-lbc",
        LoadBalancerControllerArgs(
            cluster_name=access.cluster_name,
            region=settings.region,
            vpc_id=access.vpc_id,
            oidc_provider_arn=access.oidc_provider_arn,
            oidc_provider_url=access.oidc_provider_url,
            node_selector=system_selector,
            kubernetes_deleted_with=access.kubernetes_deleted_with,
            chart_mirror=mirror,
        ),
        opts=access.k8s_opts(schedules_on=[SYSTEM_NODE_GROUP], owns_aws=True),
    )
# The controller's Service mutating webhook (failurePolicy Fail) intercepts every Service
# CREATE once it is registered: a release that creates Services while the controller's pods
# are not ready yet fails with "no endpoints available". Every other release waits for it.
after_lbc = [lbc] if lbc else []
if access.owns_aws and addons.cluster_autoscaler.enabled:
    autoscaler = addons.cluster_autoscaler
    ClusterAutoscaler(
        f"{stack}-cluster-autoscaler",
        ClusterAutoscalerArgs(
            cluster_name=access.cluster_name,
            region=settings.region,
            kubernetes_version=settings.kubernetes_version,
            oidc_provider_arn=access.oidc_provider_arn,
            oidc_provider_url=access.oidc_provider_url,
            scale_down_unneeded_time=autoscaler.scale_down_unneeded_time,
            scale_down_delay_after_add=autoscaler.scale_down_delay_after_add,
            scale_down_utilization_threshold=autoscaler.scale_down_utilization_threshold,
            expander=autoscaler.expander,
            node_selector=system_selector,
            kubernetes_deleted_with=access.kubernetes_deleted_with,
            chart_mirror=mirror,
        ),
        opts=access.k8s_opts(schedules_on=[SYSTEM_NODE_GROUP], depends_on=after_lbc, owns_aws=True),
    )
# ---- Argo Rollouts (Blue/Green and Canary for the Django service) ------------------------------
rollouts = None
if addons.argo_rollouts.enabled:
    rollouts = ArgoRollouts(
        f"{stack}-argo-rollouts",
        ArgoRolloutsArgs(
            node_selector=system_selector,
            replicas=2 if settings.is_prod else 1,
            chart_mirror=mirror,
        ),
        opts=access.k8s_opts(schedules_on=[SYSTEM_NODE_GROUP], depends_on=after_lbc),
    )
# ---- Django -------------------------------------------------------------------------------
django = database = None
if settings.django.enabled and settings.django.in_cluster_database:
    # local only (the settings refuse it elsewhere): PostgreSQL with the credentials of the URL
    database = LocalPostgres(
        f"{stack}-postgres",
        LocalPostgresArgs(
            database_url=config.require_secret("djangoDatabaseUrl"),
            node_selector=system_selector,
            image=f"{versions.LOCAL_POSTGRES_IMAGE}:{versions.LOCAL_POSTGRES_TAG}",
        ),
        opts=access.k8s_opts(schedules_on=[SYSTEM_NODE_GROUP]),
    )
if settings.django.enabled:
    creates_ecr = access.owns_aws and not settings.django.image_repository
    django = DjangoApp(
        f"{stack}-django",
        DjangoAppArgs(
            environment=settings.environment,
            namespace=settings.django.namespace,
            image_tag=settings.django.image_tag,
            image_repository=settings.django.image_repository,
            repository_name=f"{access.cluster_name}/django",
            ecr_keep_images=settings.django.ecr_keep_images,
            secret_key=config.require_secret("djangoSecretKey"),
            database_url=config.require_secret("djangoDatabaseUrl"),
            hosts=settings.django.hosts,
            node_selector=system_selector,
            ingress_class_name=settings.django.ingress_class_name or (INGRESS_CLASS if lbc else ""),
            certificate_arn=settings.django.certificate_arn,
            sentry_dsn=settings.django.sentry_dsn,
            strategy=settings.django_strategy,
            canary_steps=tuple(
                step.model_dump(by_alias=True, exclude_none=True) for step in settings.django.strategy.canary_steps
            ),
            auto_promotion=settings.django.strategy.auto_promotion,
            vpc_cidr=settings.vpc_cidr if access.owns_aws and not settings.existing_vpc else "",
            protect=settings.is_prod,
            retain_images=settings.retain_data,
            kubernetes_deleted_with=access.kubernetes_deleted_with,
        ),
        # the controller must outlive the Ingress, or destroy leaks the ALB and blocks the VPC;
        # the migration hook needs the database; a Rollout needs the Rollouts CRD and controller
        opts=access.k8s_opts(
            schedules_on=[SYSTEM_NODE_GROUP], depends_on=[*after_lbc, database, rollouts], owns_aws=creates_ecr
        ),
    )

# ---- Argo Workflows -------------------------------------------------------------------------
argo = bucket = None
if settings.argo.enabled:
    artifacts = settings.argo.artifacts
    if artifacts.enabled and access.owns_aws:
        bucket = ArtifactBucket(
            f"{stack}-argo-artifacts",
            ArtifactBucketArgs(
                name_prefix=f"{access.cluster_name}-argo-artifacts",
                expiration_days=artifacts.expiration_days,
                namespace=settings.argo.namespace,
                service_account=WORKFLOW_SERVICE_ACCOUNT,
                oidc_provider_arn=access.oidc_provider_arn,
                oidc_provider_url=access.oidc_provider_url,
                retain=settings.retain_data,
            ),
            opts=pulumi.ResourceOptions(providers=[access.aws_provider]),
        )
    bucket_name = (
        bucket.bucket_name if bucket else (artifacts.bucket if artifacts.enabled and artifacts.s3_endpoint else None)
    )
    django_image_placeholder = (
        f"{settings.django.image_repository or 'ecr-repository-of-this-stack'}:{settings.django.image_tag}"
    )
    argo = ArgoWorkflows(
        f"{stack}-argo",
        ArgoWorkflowsArgs(
            namespace=settings.argo.namespace,
            node_selector=inference_selector,
            tolerations=inference_tolerations,
            auth_mode=settings.argo.auth_mode,
            sso_issuer=settings.argo.sso_issuer,
            sso_client_id=config.get_secret("argoSsoClientId"),
            sso_client_secret=config.get_secret("argoSsoClientSecret"),
            server_replicas=settings.argo_server_replicas,
            workers=settings.argo.controller.workers,
            qps=settings.argo.controller.qps,
            burst=settings.argo.controller.burst,
            parallelism=settings.argo.controller.parallelism,
            workflow_ttl_seconds=settings.argo.workflow_ttl_seconds,
            region=settings.region,
            extra_workflow_namespaces=[settings.django.namespace] if django else [],
            artifact_bucket=bucket_name,
            artifact_endpoint=artifacts.s3_endpoint or "s3.amazonaws.com",
            artifact_role_arn=bucket.role_arn if bucket else None,
            ingress_host=settings.argo.ingress_host,
            ingress_class_name="alb" if access.owns_aws else "nginx",
            ingress_scheme=settings.argo.ingress_scheme,
            certificate_arn=settings.argo.certificate_arn,
            chart_mirror=mirror,
            template_context=TemplateContext(
                namespace=settings.argo.namespace,
                service_account_name=WORKFLOW_SERVICE_ACCOUNT,
                node_selector=inference_selector,
                tolerations=inference_tolerations,
                django_image=django_image_placeholder,
                django_config_map=DjangoApp.config_map_name,
                django_secret=DjangoApp.secret_name,
                django_namespace=settings.django.namespace,
                run_code_image=versions.RUN_CODE_IMAGE,
                artifacts_enabled=bucket_name is not None,
            ),
            django_image=django.image_repository.apply(lambda repo: f"{repo}:{settings.django.image_tag}")
            if django
            else None,
        ),
        # Not on the Django release: a failed migration must not block Argo, nor Argo wait for
        # Django's rollout. Argo needs only the Django namespace (its workflow RoleBinding lives
        # there) and the image URL (an input of the template, from the ECR repository).
        opts=access.k8s_opts(
            schedules_on=[INFERENCE_NODE_GROUP], depends_on=[*after_lbc, django.namespace_resource if django else None]
        ),
    )

# ---- metrics-server (HPA metrics) -------------------------------------------------------------
if addons.metrics_server.enabled:
    MetricsServer(
        f"{stack}-metrics-server",
        MetricsServerArgs(
            node_selector=system_selector,
            replicas=2 if settings.is_prod else 1,
            kubelet_insecure_tls=settings.environment == "local",  # kind's kubelets sign their own certs
            chart_mirror=mirror,
        ),
        # Created after the workload namespaces, so destroyed before them: its APIService
        # (metrics.k8s.io) goes with it. An aggregated API that is registered but unavailable
        # (metrics-server down or already gone) stops the namespace controller's discovery,
        # and a namespace deletion then hangs until it times out.
        opts=access.k8s_opts(
            schedules_on=[SYSTEM_NODE_GROUP],
            depends_on=[*after_lbc, *(c.namespace_resource for c in (database, django, argo, rollouts) if c)],
        ),
    )

# ---- Read-only access for preview roles (Helm release Secrets in every release namespace) ----
if access.owns_aws and settings.viewer_role_arns:
    ViewerAccess(
        f"{stack}-viewers",
        ViewerAccessArgs(
            release_namespaces=[
                "kube-system",
                *([settings.django.namespace] if django else []),
                *([settings.argo.namespace] if argo else []),
                *([ARGO_ROLLOUTS_NAMESPACE] if rollouts else []),
            ],
            namespace_resources=[r.namespace_resource for r in (django, argo, rollouts) if r],
        ),
        opts=access.k8s_opts(),
    )

# ---- Outputs ----------------------------------------------------------------------------------
pulumi.export("environment", settings.environment)
pulumi.export("clusterName", access.cluster_name)
pulumi.export("region", settings.region)
if settings.create_cluster or (settings.existing_cluster and settings.existing_cluster.eks_cluster_name):
    pulumi.export(
        "updateKubeconfigCommand", f"aws eks update-kubeconfig --region {settings.region} --name {access.cluster_name}"
    )
if access.owns_aws:
    pulumi.export("vpcId", access.vpc_id)
    pulumi.export("oidcProviderArn", access.oidc_provider_arn)
    pulumi.export("nodeGroupNames", access.node_group_names)
    pulumi.export("kubeconfig", access.kubeconfig)
if argo:
    pulumi.export("argoNamespace", argo.namespace)
    pulumi.export("argoServerService", argo.server_service)
    pulumi.export(
        "argoPortForwardCommand",
        pulumi.Output.concat("kubectl -n ", argo.namespace, " port-forward svc/", argo.server_service, " 2746:2746"),
    )
    pulumi.export("argoWorkflowServiceAccount", argo.workflow_service_account)
    pulumi.export("argoWorkflowTemplates", argo.template_names)
    pulumi.export("argoArtifactBucket", bucket.bucket_name if bucket else "")
if django:
    pulumi.export("djangoNamespace", django.namespace)
    pulumi.export("djangoImageRepository", django.image_repository)
    pulumi.export("djangoServiceHost", django.service_host)
    pulumi.export("djangoIngressHosts", django.ingress_hosts)
