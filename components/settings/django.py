"""The Django service: the `django` section (image, hosts, certificate, strategy)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from components.settings.base import SettingError, SettingsModel, certificate_arn

# The analysis thresholds when the stack sets none: 1 request in 20 failing, or a p95 above half a second.
DEFAULT_MAX_ERROR_RATIO = 0.05
DEFAULT_MAX_P95_LATENCY_SECONDS = 0.5
_SENTRY_DSN = re.compile(r"^https://[0-9a-f]{32}@[a-z0-9.-]+(:\d+)?/\d+$")


class CanaryStep(SettingsModel):
    """One step of a canary: shift traffic (setWeight) or wait (pause, forever without a duration)."""

    set_weight: int | None = Field(default=None, ge=0, le=100, description="Percent of traffic to the canary.")
    pause: dict[str, str | int] | None = Field(default=None, description="{} (until promoted) or {duration: 5m}.")

    @model_validator(mode="after")
    def _one_action(self) -> CanaryStep:
        if (self.set_weight is None) == (self.pause is None):
            raise SettingError("steps", self.model_dump(by_alias=True), "each step is {setWeight: N} or {pause: {...}}")
        return self


class SmokeTestSettings(SettingsModel):
    """The smoke-test analysis of BlueGreen and Canary (charts/django `strategy.analysis`); unset = the chart's."""

    count: int | None = Field(default=None, ge=1, le=20, description="Measurements (Jobs) per analysis; unset = 3.")
    interval: str | None = Field(
        default=None, pattern=r"^[1-9][0-9]*(s|m)$", description="Time between measurements, e.g. 30s; unset = 30s."
    )
    failure_limit: int | None = Field(
        default=None, ge=0, description="Failed measurements tolerated; one more fails the analysis; unset = 1."
    )

    @model_validator(mode="after")
    def _limit_below_count(self) -> SmokeTestSettings:
        if self.count is not None and self.failure_limit is not None and self.failure_limit >= self.count:
            raise SettingError(
                "smokeTest.failureLimit", self.failure_limit, f"less than smokeTest.count ({self.count})"
            )
        return self

    def chart_values(self) -> dict[str, int | str]:
        """The keys set, as the chart's `strategy.analysis` names them."""
        return self.model_dump(by_alias=True, exclude_none=True)


class DjangoStrategySettings(SettingsModel):
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

    smoke_test: SmokeTestSettings = Field(
        default_factory=SmokeTestSettings,
        description="Canary/BlueGreen: the smoke test's count, interval and failureLimit; unset = 3, 30s, 1.",
    )
    metrics_analysis: bool = Field(
        default=True,
        description="Canary/BlueGreen with monitoring: Prometheus's verdict joins the smoke test; false = the smoke test alone.",
    )
    max_error_ratio: float | None = Field(
        default=None,
        gt=0,
        lt=1,
        description="Canary/BlueGreen with monitoring: the new pods' 5xx ratio that fails the analysis; unset = 0.05.",
    )
    max_p95_latency_seconds: float | None = Field(
        default=None,
        gt=0,
        le=60,
        description="Canary/BlueGreen with monitoring: the new pods' p95 latency that fails the analysis; unset = 0.5 s.",
    )

    preview_host: str = Field(
        default="",
        pattern=r"^([a-z0-9]([a-z0-9.-]*[a-z0-9])?)?$",
        description="BlueGreen only: the preview's host; '' = preview.<first host>. It gets an internal ALB of its own.",
    )
    preview_certificate_arn: str = Field(
        default="",
        description="BlueGreen only: ACM certificate naming the preview host; required behind an HTTPS ALB.",
    )

    @field_validator("preview_certificate_arn")
    @classmethod
    def _preview_certificate(cls, value: str) -> str:
        return certificate_arn(value, "previewCertificateArn")

    @property
    def analysis_thresholds(self) -> tuple[float, float]:
        """(5xx ratio, p95 latency in seconds) above which the analysis of a new version fails."""
        return (
            DEFAULT_MAX_ERROR_RATIO if self.max_error_ratio is None else self.max_error_ratio,
            DEFAULT_MAX_P95_LATENCY_SECONDS if self.max_p95_latency_seconds is None else self.max_p95_latency_seconds,
        )

    def resolved(self, environment: str) -> str:
        """The configured type, else Canary in prod (ALB-weighted) and RollingUpdate elsewhere."""
        return self.type or ("Canary" if environment == "prod" else "RollingUpdate")

    @model_validator(mode="after")
    def _options_of_its_type(self) -> DjangoStrategySettings:
        if self.canary_steps and self.type != "Canary":
            raise SettingError(
                "canarySteps", "[...]", f"only with type Canary (type is {self.type or 'the default'!r})"
            )
        blue_green_only = {
            "autoPromotion": self.auto_promotion,
            "previewHost": self.preview_host or None,
            "previewCertificateArn": self.preview_certificate_arn or None,
        }
        for key, value in blue_green_only.items():
            if value is not None and self.type != "BlueGreen":
                raise SettingError(key, value, "only with type BlueGreen")
        analysed = {
            "maxErrorRatio": self.max_error_ratio,
            "maxP95LatencySeconds": self.max_p95_latency_seconds,
            "smokeTest": self.smoke_test.chart_values() or None,
            "metricsAnalysis": None if self.metrics_analysis else False,
        }
        for key, value in analysed.items():
            if value is not None and self.type not in ("Canary", "BlueGreen", ""):
                raise SettingError(key, value, "only with type Canary or BlueGreen (the strategies that analyse)")
        return self


class DjangoSettings(SettingsModel):
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
        return certificate_arn(value, "certificateArn")

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
