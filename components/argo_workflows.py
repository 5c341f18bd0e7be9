"""Argo Workflows from its official chart, pinned to PROTO-INFERENCE-NG, with its WorkflowTemplates.

CRDs: the chart's own CRDs (`crds.full: false`), which ship inside the chart and which Helm
applies with the release, so every chart bump upgrades them and an install never downloads
anything. The full CRDs (server-side schema validation of every Workflow) are not in the chart:
its hook Job fetches them from GitHub at install time, which fails on a cluster without egress
(an air-gapped or private cluster, the e2e run). Workflows are still validated by the
controller when submitted, and the templates here by hera and their golden tests. `crds.keep`
leaves the CRDs in place when the release is uninstalled, because deleting a CRD deletes every
Workflow and WorkflowTemplate of that kind in the cluster.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi_kubernetes as kubernetes

from components import versions
from components.artifact_bucket import ArtifactBucket
from components.context import ClusterContext
from components.django_app import DjangoApp
from components.helm_release import chart_release
from components.namespace import platform_namespace
from components.settings import ArgoSettings
from workflows import TemplateContext, build_templates
from workflows.django_manage import NAME as DJANGO_MANAGE

WORKFLOW_SERVICE_ACCOUNT = "argo-workflow"
# hera builds templates from strings; the real Django image (an ECR URL) replaces this at deploy time.
DJANGO_IMAGE_PLACEHOLDER = "ecr-repository-of-this-stack:django-image"
SSO_SECRET = "argo-server-sso"
# TLS 1.2 and 1.3 only. The controller's default, ELBSecurityPolicy-2016-08, still accepts TLS 1.0
# (AWS Load Balancer Controller docs, ingress annotations: ssl-policy; ELB docs, security policies).
TLS_POLICY = "ELBSecurityPolicy-TLS13-1-2-2021-06"
# Argo's own images run as this user; workflow pods get the project's non-root user instead.
WORKFLOW_POD_SECURITY = {
    "runAsNonRoot": True,
    "runAsUser": 10001,
    "runAsGroup": 10001,
    "fsGroup": 10001,
    "seccompProfile": {"type": "RuntimeDefault"},
}
# The restricted Pod Security level for the controller and server pods (the chart's container
# contexts lack a seccomp profile) and for the executor's init and wait containers, which the
# controller adds to every workflow pod (the chart leaves `executor.securityContext` empty).
ARGO_POD_SECURITY = {"runAsNonRoot": True, "seccompProfile": {"type": "RuntimeDefault"}}
EXECUTOR_SECURITY = {
    "runAsNonRoot": True,
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
    "seccompProfile": {"type": "RuntimeDefault"},
}


@dataclass(frozen=True)
class ArtifactRepository:
    """The default artifact repository of the workflows: an S3 (or S3-compatible) bucket."""

    bucket: pulumi.Input[str]
    endpoint: str = "s3.amazonaws.com"
    """An S3-compatible endpoint on stacks without AWS (MinIO)."""
    role_arn: pulumi.Input[str] | None = None
    """IRSA role of the workflow service account (the stack's own bucket on AWS)."""


def artifact_repository(settings: ArgoSettings, bucket: ArtifactBucket | None) -> ArtifactRepository | None:
    """The stack's bucket on AWS; an S3-compatible one configured by hand elsewhere; else none."""
    if bucket is not None:
        return ArtifactRepository(bucket.bucket_name, role_arn=bucket.role_arn)
    artifacts = settings.artifacts
    if artifacts.enabled and artifacts.s3_endpoint:
        return ArtifactRepository(artifacts.bucket, endpoint=artifacts.s3_endpoint)
    return None


def workflow_namespaces(settings: ArgoSettings, django: DjangoApp | None) -> list[str]:
    """Where workflows run: Argo's namespace, and Django's (django-manage needs the app's ConfigMap and Secret).

    The chart creates the workflow service account, annotated with the artifact role, in each.
    """
    return [settings.namespace, *([django.namespace_name] if django else [])]


def substitute(value: Any, placeholder: str, replacement: pulumi.Input[str]) -> Any:
    """`value` with every string that contains `placeholder` resolved against `replacement`."""
    if isinstance(value, dict):
        return {k: substitute(v, placeholder, replacement) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, placeholder, replacement) for v in value]
    if isinstance(value, str) and placeholder in value:
        return pulumi.Output.from_input(replacement).apply(lambda real: value.replace(placeholder, real))
    return value


def pinned(node_selector: dict[str, str], tolerations: list[dict[str, str]]) -> dict[str, Any]:
    """The scheduling block every Argo pod spec in the values gets."""
    return {"nodeSelector": dict(node_selector), "tolerations": [dict(t) for t in tolerations]}


def alb_annotations(settings: ArgoSettings) -> dict[str, str]:
    """What the AWS Load Balancer Controller needs to serve the Argo server.

    TLS ends at the ALB (the chart's `server.secure` stays false: the server speaks plain HTTP
    on 2746), port 80 only redirects to 443, pod IPs are the targets, and the health check is
    the server's own readiness path `/`.
    """
    return {
        "alb.ingress.kubernetes.io/scheme": settings.ingress_scheme,
        "alb.ingress.kubernetes.io/target-type": "ip",
        "alb.ingress.kubernetes.io/backend-protocol": "HTTP",
        "alb.ingress.kubernetes.io/certificate-arn": settings.certificate_arn,
        "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
        "alb.ingress.kubernetes.io/ssl-redirect": "443",
        "alb.ingress.kubernetes.io/ssl-policy": TLS_POLICY,
        "alb.ingress.kubernetes.io/healthcheck-path": "/",
        "alb.ingress.kubernetes.io/success-codes": "200",
    }


def ingress_class_of(ctx: ClusterContext) -> str:
    """The Argo server Ingress's class: the ALB on AWS stacks, nginx elsewhere."""
    return "alb" if ctx.owns_aws else "nginx"


def release_values(
    settings: ArgoSettings,
    ctx: ClusterContext,
    *,
    artifacts: ArtifactRepository | None = None,
    namespaces: list[str] | None = None,
) -> dict[str, Any]:
    """Helm values of the argo-workflows chart. Never contains a secret (SSO uses a Secret ref).

    `namespaces`: where workflows run (`workflow_namespaces`); Argo's own alone by default.
    """
    place = pinned(ctx.inference.node_selector, ctx.inference.tolerations)
    server_replicas = settings.server_replicas or ctx.replicas
    server: dict[str, Any] = {
        **place,
        "podSecurityContext": ARGO_POD_SECURITY,
        "replicas": server_replicas,
        "authModes": [settings.auth_mode],
        "serviceType": "ClusterIP",  # reached by port-forward, or the optional Ingress below
        "pdb": {"enabled": server_replicas > 1, "minAvailable": 1},
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}},
    }
    if settings.auth_mode == "sso":
        server["sso"] = {
            "enabled": True,
            "issuer": settings.sso_issuer,
            "clientId": {"name": SSO_SECRET, "key": "client-id"},
            "clientSecret": {"name": SSO_SECRET, "key": "client-secret"},
            "redirectUrl": f"https://{settings.ingress_host}/oauth2/callback" if settings.ingress_host else "",
            "rbac": {"enabled": True},
        }
    if settings.ingress_host:
        ingress_class = ingress_class_of(ctx)
        server["ingress"] = {
            "enabled": True,
            "ingressClassName": ingress_class,
            "annotations": alb_annotations(settings) if ingress_class == "alb" else {},
            "hosts": [settings.ingress_host],
            "paths": ["/"],
            "pathType": "Prefix",
        }
    controller = settings.controller
    values: dict[str, Any] = {
        # The chart's own (minimal) CRDs, rendered by Helm: full CRDs come from a hook Job that
        # downloads them from GitHub at install time, which a cluster without egress cannot do.
        "crds": {"install": True, "full": False, "keep": True},
        "singleNamespace": False,
        "workflow": {
            "serviceAccount": {
                "create": True,
                "name": WORKFLOW_SERVICE_ACCOUNT,
                "annotations": {"eks.amazonaws.com/role-arn": artifacts.role_arn}
                if artifacts and artifacts.role_arn
                else {},
            },
            "rbac": {"create": True},  # the emissary executor's minimal Role, per workflow namespace
        },
        "controller": {
            **place,
            "podSecurityContext": ARGO_POD_SECURITY,
            "workflowNamespaces": namespaces or [settings.namespace],
            "workflowWorkers": controller.workers,
            "parallelism": controller.parallelism,
            "extraArgs": ["--qps", str(controller.qps), "--burst", str(controller.burst)],
            "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}},
            # The controller's metrics on :9090 (plain HTTP inside the cluster) and, where monitoring
            # runs, their ServiceMonitor: the Argo dashboard and the workflow-failure alerts.
            "metricsConfig": {"enabled": True},
            "serviceMonitor": {"enabled": ctx.monitored},
            "workflowDefaults": {
                "spec": {
                    **place,
                    "serviceAccountName": WORKFLOW_SERVICE_ACCOUNT,
                    "securityContext": WORKFLOW_POD_SECURITY,
                    "podGC": {"strategy": "OnPodCompletion", "deleteDelayDuration": "120s"},
                    "ttlStrategy": {
                        "secondsAfterSuccess": settings.workflow_ttl_seconds,
                        "secondsAfterFailure": settings.workflow_ttl_seconds * 3,  # keep failures longer to debug
                    },
                }
            },
        },
        "server": server,
        "executor": {
            "resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}},
            "securityContext": EXECUTOR_SECURITY,
        },
        "useStaticCredentials": False,  # IRSA, never access keys
    }
    if artifacts is not None:
        values["artifactRepository"] = {
            "archiveLogs": False,
            "s3": {
                "bucket": artifacts.bucket,
                "endpoint": artifacts.endpoint,
                "region": ctx.region,
                "useSDKCreds": True,
                "encryptionOptions": {"enableEncryption": True},
                "keyFormat": "{{workflow.namespace}}/{{workflow.name}}/{{pod.name}}",
            },
        }
    return values


def template_context(
    settings: ArgoSettings, ctx: ClusterContext, django: DjangoApp | None, artifacts: bool
) -> TemplateContext:
    """The stack-specific inputs of the WorkflowTemplates.

    hera builds the templates from plain strings, so the Django image is a placeholder here; the
    component substitutes the real one (an ECR URL, known only at deploy time) afterwards.
    """
    return TemplateContext(
        namespace=settings.namespace,
        service_account_name=WORKFLOW_SERVICE_ACCOUNT,
        node_selector=ctx.inference.node_selector,
        tolerations=ctx.inference.tolerations,
        django_image=DJANGO_IMAGE_PLACEHOLDER,
        django_config_map=DjangoApp.config_map_name,
        django_secret=DjangoApp.secret_name,
        django_namespace=django.namespace_name if django else None,
        run_code_image=versions.RUN_CODE_IMAGE,
        artifacts_enabled=artifacts,
    )


def templates_for(context: TemplateContext, django: DjangoApp | None) -> list[dict[str, Any]]:
    """The WorkflowTemplates of the stack; django-manage only with the app (it runs its image, env and database)."""
    templates = build_templates(context)
    if django is None:
        return [t for t in templates if t["metadata"]["name"] != DJANGO_MANAGE]
    return [substitute(t, context.django_image, django.image) for t in templates]


class ArgoWorkflows(pulumi.ComponentResource):
    """Namespace, the argo-workflows Helm release and the WorkflowTemplates as code."""

    namespace: pulumi.Output[str]
    server_service: pulumi.Output[str]
    workflow_service_account: pulumi.Output[str]
    template_names: pulumi.Output[list[str]]
    namespace_resource: kubernetes.core.v1.Namespace

    def __init__(
        self,
        name: str,
        settings: ArgoSettings,
        ctx: ClusterContext,
        *,
        bucket: ArtifactBucket | None = None,
        django: DjangoApp | None = None,
        sso_client_id: pulumi.Input[str] | None = None,
        sso_client_secret: pulumi.Input[str] | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        """`bucket`: the stack's artifact bucket (AWS). `django`: the app, whose namespace workflows
        also run in (django-manage) and whose image they use. `sso_client_*`: stack secrets (authMode sso)."""
        super().__init__("platform:index:ArgoWorkflows", name, None, ctx.component(opts))
        self.namespace_name = settings.namespace
        namespace = platform_namespace(
            f"{name}-ns", settings.namespace, ctx.kubernetes(self), kubernetes_version=ctx.kubernetes_version
        )
        if settings.auth_mode == "sso":
            kubernetes.core.v1.Secret(
                f"{name}-sso",
                metadata={"name": SSO_SECRET, "namespace": settings.namespace},
                string_data={"client-id": sso_client_id, "client-secret": sso_client_secret},
                opts=ctx.kubernetes(self, [namespace]),
            )
        artifacts = artifact_repository(settings, bucket)
        release = chart_release(
            f"{name}-release",
            release_name="argo-workflows",
            chart=versions.ARGO_WORKFLOWS,
            namespace=settings.namespace,
            values=release_values(
                settings,
                ctx,
                artifacts=artifacts,
                namespaces=workflow_namespaces(settings, django),
            ),
            mirror=ctx.chart_mirror,
            # Not on the Django release: a failed migration must not block Argo, nor Argo wait for
            # Django's rollout. The chart's workflow RoleBinding lives in Django's namespace.
            opts=ctx.workload(
                self,
                ctx.inference,
                after=[namespace, django.namespace_resource if django else None],
                ingress=bool(settings.ingress_host),
                scraped=ctx.monitored,
            ),
        )
        templates = templates_for(template_context(settings, ctx, django, artifacts is not None), django)
        for manifest in templates:
            kubernetes.apiextensions.CustomResource(
                f"{name}-template-{manifest['metadata']['name']}",
                api_version=manifest["apiVersion"],
                kind=manifest["kind"],
                metadata=manifest["metadata"],
                spec=manifest["spec"],
                # the CRD arrives with the release: register templates only after it
                opts=ctx.kubernetes(self, [release]),
            )

        self.namespace_resource = namespace
        self.namespace = pulumi.Output.from_input(settings.namespace)
        self.server_service = pulumi.Output.from_input("argo-workflows-server")
        self.workflow_service_account = pulumi.Output.from_input(WORKFLOW_SERVICE_ACCOUNT)
        self.template_names = pulumi.Output.from_input([t["metadata"]["name"] for t in templates])
        self.register_outputs(
            {
                "namespace": self.namespace,
                "server_service": self.server_service,
                "workflow_service_account": self.workflow_service_account,
                "template_names": self.template_names,
            }
        )
