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

from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as kubernetes

from components import versions
from components.helm_release import UPSTREAM, ChartMirror, chart_release
from components.namespace import platform_namespace
from workflows import TemplateContext, build_templates

WORKFLOW_SERVICE_ACCOUNT = "argo-workflow"
SSO_SECRET = "argo-server-sso"
# Argo's own images run as this user; workflow pods get the project's non-root user instead.
WORKFLOW_POD_SECURITY = {
    "runAsNonRoot": True,
    "runAsUser": 10001,
    "runAsGroup": 10001,
    "fsGroup": 10001,
    "seccompProfile": {"type": "RuntimeDefault"},
}


@dataclass(frozen=True)
class ArgoWorkflowsArgs:
    """What the ArgoWorkflows component needs."""

    namespace: str
    """Namespace of the controller, the server and the WorkflowTemplates."""
    node_selector: dict[str, str]
    """Where everything Argo runs goes: PROTO-INFERENCE-NG's label (empty on a kind cluster)."""
    tolerations: list[dict[str, str]]
    """Tolerations of PROTO-INFERENCE-NG's taints, derived from the node group config."""
    auth_mode: str
    """Argo server auth mode: client (bearer token) or sso."""
    server_replicas: int
    """Argo server replicas; more than one adds a PodDisruptionBudget."""
    workers: int
    """Controller workflow workers."""
    qps: float
    """Controller Kubernetes API QPS."""
    burst: int
    """Controller Kubernetes API burst."""
    parallelism: int
    """Most workflows running at once."""
    workflow_ttl_seconds: int
    """Finished workflows are deleted after this many seconds."""
    region: str
    """AWS region of the artifact bucket."""
    extra_workflow_namespaces: list[str] = field(default_factory=list)
    """Other namespaces workflows run in (django-manage runs next to the app's ConfigMap/Secret)."""
    artifact_bucket: pulumi.Input[str] | None = None
    """S3 bucket of the default artifact repository; None turns the repository off."""
    artifact_endpoint: str = "s3.amazonaws.com"
    """S3 endpoint (an S3-compatible one on stacks without AWS)."""
    artifact_role_arn: pulumi.Input[str] | None = None
    """IRSA role of the workflow service account (AWS stacks)."""
    sso_issuer: str = ""
    """OIDC issuer when auth_mode is sso."""
    sso_client_id: pulumi.Input[str] | None = None
    """OIDC client id (a stack secret) when auth_mode is sso."""
    sso_client_secret: pulumi.Input[str] | None = None
    """OIDC client secret (a stack secret) when auth_mode is sso."""
    ingress_host: str = ""
    """Expose the server through an Ingress at this host; '' keeps it ClusterIP-only."""
    ingress_class_name: str = ""
    """IngressClass for that Ingress."""
    ingress_scheme: str = "internal"
    """ALB scheme of that Ingress (class alb): internal or internet-facing."""
    certificate_arn: str = ""
    """ACM certificate of the ALB's HTTPS listener (class alb)."""
    template_context: TemplateContext | None = None
    """Inputs of the WorkflowTemplates (run-code, django-manage, fan-out); None registers none."""
    django_image: pulumi.Input[str] | None = None
    """The Django image when only known at deploy time (an ECR repository URL); it replaces
    `template_context.django_image`, which then serves as a placeholder."""
    chart_mirror: ChartMirror = UPSTREAM
    """Where the upstream chart comes from (the stack's `chartMirror`)."""


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


def alb_annotations(args: ArgoWorkflowsArgs) -> dict[str, str]:
    """What the AWS Load Balancer Controller needs to serve the Argo server.

    TLS ends at the ALB (the chart's `server.secure` stays false: the server speaks plain HTTP
    on 2746), port 80 only redirects to 443, pod IPs are the targets, and the health check is
    the server's own readiness path `/`.
    """
    return {
        "alb.ingress.kubernetes.io/scheme": args.ingress_scheme,
        "alb.ingress.kubernetes.io/target-type": "ip",
        "alb.ingress.kubernetes.io/backend-protocol": "HTTP",
        "alb.ingress.kubernetes.io/certificate-arn": args.certificate_arn,
        "alb.ingress.kubernetes.io/listen-ports": '[{"HTTP": 80}, {"HTTPS": 443}]',
        "alb.ingress.kubernetes.io/ssl-redirect": "443",
        "alb.ingress.kubernetes.io/healthcheck-path": "/",
        "alb.ingress.kubernetes.io/success-codes": "200",
    }


def release_values(args: ArgoWorkflowsArgs) -> dict[str, Any]:
    """Helm values of the argo-workflows chart. Never contains a secret (SSO uses a Secret ref)."""
    place = pinned(args.node_selector, args.tolerations)
    server: dict[str, Any] = {
        **place,
        "replicas": args.server_replicas,
        "authModes": [args.auth_mode],
        "serviceType": "ClusterIP",  # reached by port-forward, or the optional Ingress below
        "pdb": {"enabled": args.server_replicas > 1, "minAvailable": 1},
        "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}, "limits": {"memory": "512Mi"}},
    }
    if args.auth_mode == "sso":
        server["sso"] = {
            "enabled": True,
            "issuer": args.sso_issuer,
            "clientId": {"name": SSO_SECRET, "key": "client-id"},
            "clientSecret": {"name": SSO_SECRET, "key": "client-secret"},
            "redirectUrl": f"https://{args.ingress_host}/oauth2/callback" if args.ingress_host else "",
            "rbac": {"enabled": True},
        }
    if args.ingress_host:
        server["ingress"] = {
            "enabled": True,
            "ingressClassName": args.ingress_class_name,
            "annotations": alb_annotations(args) if args.ingress_class_name == "alb" else {},
            "hosts": [args.ingress_host],
            "paths": ["/"],
            "pathType": "Prefix",
        }
    values: dict[str, Any] = {
        # The chart's own (minimal) CRDs, rendered by Helm: full CRDs come from a hook Job that
        # downloads them from GitHub at install time, which a cluster without egress cannot do.
        "crds": {"install": True, "full": False, "keep": True},
        "singleNamespace": False,
        "workflow": {
            "serviceAccount": {
                "create": True,
                "name": WORKFLOW_SERVICE_ACCOUNT,
                "annotations": {"eks.amazonaws.com/role-arn": args.artifact_role_arn} if args.artifact_role_arn else {},
            },
            "rbac": {"create": True},  # the emissary executor's minimal Role, per workflow namespace
        },
        "controller": {
            **place,
            "workflowNamespaces": [args.namespace, *args.extra_workflow_namespaces],
            "workflowWorkers": args.workers,
            "parallelism": args.parallelism,
            "extraArgs": ["--qps", str(args.qps), "--burst", str(args.burst)],
            "resources": {"requests": {"cpu": "250m", "memory": "256Mi"}, "limits": {"memory": "1Gi"}},
            "workflowDefaults": {
                "spec": {
                    **place,
                    "serviceAccountName": WORKFLOW_SERVICE_ACCOUNT,
                    "securityContext": WORKFLOW_POD_SECURITY,
                    "podGC": {"strategy": "OnPodCompletion", "deleteDelayDuration": "120s"},
                    "ttlStrategy": {
                        "secondsAfterSuccess": args.workflow_ttl_seconds,
                        "secondsAfterFailure": args.workflow_ttl_seconds * 3,  # keep failures longer to debug
                    },
                }
            },
        },
        "server": server,
        "executor": {"resources": {"requests": {"cpu": "50m", "memory": "64Mi"}, "limits": {"memory": "256Mi"}}},
        "useStaticCredentials": False,  # IRSA, never access keys
    }
    if args.artifact_bucket is not None:
        values["artifactRepository"] = {
            "archiveLogs": False,
            "s3": {
                "bucket": args.artifact_bucket,
                "endpoint": args.artifact_endpoint,
                "region": args.region,
                "useSDKCreds": True,
                "encryptionOptions": {"enableEncryption": True},
                "keyFormat": "{{workflow.namespace}}/{{workflow.name}}/{{pod.name}}",
            },
        }
    return values


class ArgoWorkflows(pulumi.ComponentResource):
    """Namespace, the argo-workflows Helm release and the WorkflowTemplates as code."""

    namespace: pulumi.Output[str]
    server_service: pulumi.Output[str]
    workflow_service_account: pulumi.Output[str]
    template_names: pulumi.Output[list[str]]
    namespace_resource: kubernetes.core.v1.Namespace

    def __init__(self, name: str, args: ArgoWorkflowsArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:index:ArgoWorkflows", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        namespace = platform_namespace(f"{name}-ns", args.namespace, child)
        after_namespace = pulumi.ResourceOptions(parent=self, depends_on=[namespace])
        if args.auth_mode == "sso":
            kubernetes.core.v1.Secret(
                f"{name}-sso",
                metadata={"name": SSO_SECRET, "namespace": args.namespace},
                string_data={"client-id": args.sso_client_id, "client-secret": args.sso_client_secret},
                opts=after_namespace,
            )
        release = chart_release(
            f"{name}-release",
            release_name="argo-workflows",
            chart=versions.ARGO_WORKFLOWS,
            namespace=args.namespace,
            values=release_values(args),
            mirror=args.chart_mirror,
            opts=after_namespace,
        )
        templates = build_templates(args.template_context) if args.template_context else []
        for manifest in templates:
            if args.django_image is not None and args.template_context is not None:
                manifest = substitute(manifest, args.template_context.django_image, args.django_image)
            kubernetes.apiextensions.CustomResource(
                f"{name}-template-{manifest['metadata']['name']}",
                api_version=manifest["apiVersion"],
                kind=manifest["kind"],
                metadata=manifest["metadata"],
                spec=manifest["spec"],
                # the CRD arrives with the release: register templates only after it
                opts=pulumi.ResourceOptions(parent=self, depends_on=[release]),
            )

        self.namespace_resource = namespace
        self.namespace = pulumi.Output.from_input(args.namespace)
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
