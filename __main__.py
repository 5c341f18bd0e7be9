"""eks-platform: one stack = one environment (dev, prod on AWS; local on an existing cluster).

Reads and validates the stack config once, gets a cluster (provisioned or existing), then wires
each capability: its own settings section, the cluster context, and the components it needs.
Resource logic and the dependencies each resource waits for live in components/.
"""

from __future__ import annotations

import pulumi

from components.argo_rollouts import ArgoRollouts
from components.argo_workflows import WORKFLOW_SERVICE_ACCOUNT, ArgoWorkflows, workflow_namespaces
from components.artifact_bucket import ArtifactBucket
from components.cluster_access import connect_existing, provision_eks
from components.cluster_autoscaler import ClusterAutoscaler
from components.context import ClusterContext
from components.database import Database
from components.django_app import DjangoApp, image_in_registry
from components.ebs_csi_driver import EbsCsiDriver
from components.load_balancer_controller import INGRESS_CLASS, LoadBalancerController
from components.local_postgres import LocalPostgres
from components.metrics_server import MetricsServer
from components.monitoring import Monitoring, prometheus_url
from components.monitoring_crds import MonitoringCrds
from components.nvidia_device_plugin import NvidiaDevicePlugin
from components.outputs import export_outputs
from components.settings import ConfigError, from_pulumi_config
from components.viewer_access import ViewerAccess

try:
    settings = from_pulumi_config()
except ConfigError as error:
    # RunError prints the message alone: the operator sees which key is wrong, not a traceback.
    raise pulumi.RunError(str(error)) from None

config = pulumi.Config()
image_ready = image_in_registry(settings)  # an account read, before anything is registered
stack, addons, argo_settings, django_settings = settings.stack, settings.addons, settings.argo, settings.django
access = provision_eks(settings) if settings.create_cluster else connect_existing(settings)
ctx = ClusterContext.of(access, settings)
aws_addons = ctx.owns_aws  # the add-ons that need IAM run only where this stack owns AWS
monitoring_settings = settings.monitoring
if monitoring_settings.enabled:
    # First, and fast: every release that renders a ServiceMonitor waits for these CRDs only.
    crds = MonitoringCrds(f"{stack}-monitoring-crds", ctx)
    ctx = ctx.with_monitoring(crds, prometheus_url(monitoring_settings), monitoring_settings.namespace)

# ---- Cluster add-ons ---------------------------------------------------------------------------
lbc = None
if aws_addons and addons.load_balancer_controller.enabled:
    lbc = LoadBalancerController(f"{stack}-lbc", addons.load_balancer_controller, ctx)
ctx = ctx.with_ingress_controller(lbc, INGRESS_CLASS)
if aws_addons and addons.cluster_autoscaler.enabled:
    ClusterAutoscaler(f"{stack}-cluster-autoscaler", addons.cluster_autoscaler, ctx)
if aws_addons and addons.ebs_csi_driver.enabled:
    EbsCsiDriver(f"{stack}-ebs-csi-driver", addons.ebs_csi_driver, ctx)
rollouts = ArgoRollouts(f"{stack}-argo-rollouts", addons.argo_rollouts, ctx) if addons.argo_rollouts.enabled else None
if ctx.gpu_groups and addons.nvidia_device_plugin.enabled:
    NvidiaDevicePlugin(f"{stack}-nvidia-device-plugin", addons.nvidia_device_plugin, ctx)

# ---- Django and its database: RDS (AWS), an external one, or the local stack's PostgreSQL --------
local_postgres = database = django = None
if ctx.owns_aws and (settings.database.enabled or settings.database.security_group_id):
    database = Database(f"{stack}-database", settings.database, ctx, password=config.get_secret("databasePassword"))
if django_settings.enabled and django_settings.in_cluster_database:
    local_postgres = LocalPostgres(f"{stack}-postgres", ctx, database_url=config.require_secret("djangoDatabaseUrl"))
if django_settings.enabled:
    django = DjangoApp(
        f"{stack}-django",
        django_settings,
        ctx,
        secret_key=config.require_secret("djangoSecretKey"),
        database_url=database.url if database and database.url else config.require_secret("djangoDatabaseUrl"),
        rollouts=rollouts,
        database=local_postgres,
        release=image_ready,  # a new stack's first run: the image is pushed after it (nextSteps)
    )

# ---- Argo Workflows, pinned to PROTO-INFERENCE-NG -----------------------------------------------
argo = bucket = None
if argo_settings.enabled and argo_settings.artifacts.enabled and ctx.owns_aws:
    bucket = ArtifactBucket(
        f"{stack}-argo-artifacts",
        argo_settings,
        ctx,
        service_account=WORKFLOW_SERVICE_ACCOUNT,
        workflow_namespaces=workflow_namespaces(argo_settings, django),
    )
if argo_settings.enabled:
    argo = ArgoWorkflows(
        f"{stack}-argo",
        argo_settings,
        ctx,
        bucket=bucket,
        django=django,
        sso_client_id=config.get_secret("argoSsoClientId"),
        sso_client_secret=config.get_secret("argoSsoClientSecret"),
    )

# ---- Monitoring: beside the app, not before it (only the CRDs above come first) ------------------
monitoring = None
if monitoring_settings.enabled:
    monitoring = Monitoring(
        f"{stack}-monitoring",
        monitoring_settings,
        ctx,
        grafana_admin_password=config.require_secret("grafanaAdminPassword"),
        slack_webhook_url=config.get_secret("alertmanagerSlackWebhookUrl"),
    )

namespaced = [c for c in (local_postgres, django, argo, rollouts, monitoring) if c]
# ---- metrics-server (HPA metrics) -----------------------------------------------------------------
if addons.metrics_server.enabled:
    # Created after the workload namespaces, so destroyed before them: its APIService
    # (metrics.k8s.io) goes with it. An aggregated API that is registered but unavailable stops
    # the namespace controller's discovery, and a namespace deletion then hangs until it times out.
    MetricsServer(
        f"{stack}-metrics-server", addons.metrics_server, ctx, after=[c.namespace_resource for c in namespaced]
    )

# ---- Read-only access for preview roles (Helm release Secrets in every release namespace) ----
workloads = [c for c in (django, argo, rollouts, monitoring) if c]
if ctx.owns_aws and settings.viewer_role_arns:
    ViewerAccess(
        f"{stack}-viewers",
        ctx,
        release_namespaces=["kube-system", *(c.namespace_name for c in workloads)],
        after=[c.namespace_resource for c in workloads],
    )

export_outputs(
    settings,
    access,
    django=django,
    argo=argo,
    bucket=bucket,
    database=database,
    monitoring=monitoring,
    image_ready=image_ready,
)
