"""The stack outputs: what operators and the workflows read after `pulumi up`."""

from __future__ import annotations

import pulumi

from components.argo_workflows import ArgoWorkflows
from components.artifact_bucket import ArtifactBucket
from components.cluster_access import ClusterAccess
from components.database import Database
from components.django_app import DjangoApp
from components.monitoring import (
    Monitoring,
    alert_receiver,
    grafana_port_forward_command,
    prometheus_port_forward_command,
)
from components.settings import Settings


def export_outputs(
    settings: Settings,
    access: ClusterAccess,
    *,
    django: DjangoApp | None,
    argo: ArgoWorkflows | None,
    bucket: ArtifactBucket | None,
    database: Database | None = None,
    monitoring: Monitoring | None = None,
    image_ready: bool = True,
) -> None:
    """Export the cluster's identity, how to reach it, where Argo and Django live, and what to do next."""
    pulumi.export("environment", settings.environment)
    pulumi.export("clusterName", access.cluster_name)
    pulumi.export("region", settings.region)
    if settings.create_cluster or (settings.existing_cluster and settings.existing_cluster.eks_cluster_name):
        pulumi.export(
            "updateKubeconfigCommand",
            f"aws eks update-kubeconfig --region {settings.region} --name {access.cluster_name}",
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
            pulumi.Output.concat(
                "kubectl -n ", argo.namespace, " port-forward svc/", argo.server_service, " 2746:2746"
            ),
        )
        pulumi.export("argoWorkflowServiceAccount", argo.workflow_service_account)
        pulumi.export("argoWorkflowTemplates", argo.template_names)
        pulumi.export("argoArtifactBucket", bucket.bucket_name if bucket else "")
    if monitoring:
        monitoring_settings = settings.monitoring
        pulumi.export("monitoringNamespace", monitoring.namespace)
        pulumi.export("grafanaPortForwardCommand", grafana_port_forward_command(monitoring_settings))
        pulumi.export("prometheusPortForwardCommand", prometheus_port_forward_command(monitoring_settings))
        pulumi.export("alertReceiver", alert_receiver(monitoring_settings, settings.environment))
        if monitoring_settings.grafana_ingress_host:
            pulumi.export("grafanaUrl", f"http://{monitoring_settings.grafana_ingress_host}")
    if database and database.address is not None:
        pulumi.export("databaseAddress", database.address)
    if django and not image_ready:
        steps = pulumi.Output.concat(
            "The Django release waits for its image. Next: make image STACK=",
            settings.stack,
            " (builds app/ and pushes it to ",
            django.image_repository,
            ", setting django.imageTag), then make up STACK=",
            settings.stack,
            " (README: from an empty account to a serving app).",
        )
        pulumi.export("nextSteps", steps)
        steps.apply(pulumi.log.warn)
    if django:
        pulumi.export("djangoNamespace", django.namespace)
        pulumi.export("djangoImageRepository", django.image_repository)
        pulumi.export("djangoServiceHost", django.service_host)
        pulumi.export("djangoIngressHosts", django.ingress_hosts)
