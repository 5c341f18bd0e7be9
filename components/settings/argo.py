"""Argo Workflows: the `argo` section (controller scale, artifacts, server auth and Ingress)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator

from components.settings.base import SettingsModel, certificate_arn


class ArgoControllerSettings(SettingsModel):
    """Scale knobs of the workflow controller."""

    workers: int = Field(default=32, gt=0, description="Workflow workers (--workflow-workers).")
    qps: float = Field(default=20.0, gt=0, description="Kubernetes API queries per second.")
    burst: int = Field(default=30, gt=0, description="Kubernetes API burst.")
    parallelism: int = Field(default=10, gt=0, description="Most workflows running at once.")


class ArgoArtifactSettings(SettingsModel):
    """The default artifact repository."""

    enabled: bool = Field(default=True, description="S3 artifact repository (off automatically without AWS).")
    expiration_days: int = Field(default=30, gt=0, description="Artifacts expire after this many days.")
    s3_endpoint: str = Field(default="", description="S3-compatible endpoint for stacks without AWS (e.g. MinIO).")
    bucket: str = Field(default="", description="Bucket at s3Endpoint; on AWS the stack creates its own.")


class ArgoSettings(SettingsModel):
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
        return certificate_arn(value, "certificateArn")
