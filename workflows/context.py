"""Everything environment-specific the WorkflowTemplates need, validated once.

The templates themselves hold no stack knowledge: the node group, namespace, images and
limits all come from a `TemplateContext`, so the same code renders dev, prod and the local
kind cluster (where the node selector is empty and no artifact repository exists).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal

RetryPolicyName = Literal["Always", "OnFailure", "OnError", "OnTransientError"]

_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$")
_LABEL_KEY = re.compile(r"^([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")
_CPU = re.compile(r"^\d+(\.\d+)?m?$")
_MEMORY = re.compile(r"^\d+(\.\d+)?(Ki|Mi|Gi|Ti)$")
_DURATION = re.compile(r"^(\d+(\.\d+)?(ms|s|m|h))+$")
_TOLERATION_KEYS = {"key", "operator", "value", "effect", "tolerationSeconds"}
_TOLERATION_OPERATORS = ("Equal", "Exists")
_TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")
_RETRY_POLICIES = ("Always", "OnFailure", "OnError", "OnTransientError")


class TemplateContextError(ValueError):
    """A `TemplateContext` field holds a value the templates cannot use; the message names it."""

    def __init__(self, field_name: str, value: Any, allowed: str):
        super().__init__(f"TemplateContext.{field_name} = {value!r}: {allowed}")
        self.field_name = field_name


def is_pinned_image(image: str) -> bool:
    """True for `repo:tag` (tag not `latest`) or `repo@sha256:...`; a bare repo floats like `latest`."""
    if "@sha256:" in image:
        return True
    last_segment = image.rsplit("/", 1)[-1]
    if ":" not in last_segment:
        return False
    tag = last_segment.rsplit(":", 1)[1]
    return bool(tag) and tag != "latest"


@dataclass(frozen=True, kw_only=True)
class TemplateContext:
    """The stack-specific inputs of the WorkflowTemplates (see `workflows.golden.REFERENCE_CONTEXT`).

    The dict/list fields are copied into every manifest, never shared, so mutating a rendered
    manifest cannot change the context.
    """

    namespace: str
    """Namespace the WorkflowTemplates (and the workflows submitted from them) live in."""
    service_account_name: str
    """ServiceAccount the workflow pods run as; a dedicated one, never `default`."""
    node_selector: dict[str, str]
    """nodeSelector of every workflow pod: the inference group's label; {} = anywhere (kind)."""
    tolerations: list[dict[str, Any]]
    """Tolerations of every workflow pod ({key, operator, value, effect}): the inference group's taints."""
    django_image: str
    """The Django app image (repository:tag, pinned) django-manage runs in."""
    django_config_map: str
    """ConfigMap with the app's non-secret environment (envFrom of django-manage)."""
    django_secret: str
    """Secret with the app's secret environment, e.g. SECRET_KEY, DATABASE_URL (envFrom of django-manage)."""
    run_code_image: str
    """Default image of run-code and fan-out (pinned tag, e.g. python:3.11.14-slim-bookworm)."""
    artifacts_enabled: bool = True
    """Save run-code's /tmp/outputs to the artifact repository; False where none exists (local stack)."""
    active_deadline_seconds: int = 3600
    """Deadline of one pod attempt (template activeDeadlineSeconds) of run-code and django-manage."""
    retry_limit: int = 3
    """How many times a failed run-code / django-manage pod is retried."""
    retry_backoff_duration: str = "30s"
    """Wait before the first retry; later waits grow by `retry_backoff_factor`."""
    retry_backoff_factor: int = 2
    """Multiplier of the retry wait after each attempt."""
    retry_backoff_max_duration: str = "2h"
    """No retry starts after this much time since the first attempt (bounds cost on a hopeless job)."""
    run_code_retry_policy: RetryPolicyName = "Always"
    """Always: a node drain or spot reclaim is an Argo *Error*, which OnFailure would not retry."""
    fan_out_parallelism: int = 4
    """Most run-code pods fan-out runs at the same time (bounds GPU/CPU use of one fan-out)."""
    run_as_user: int = 10001
    """Non-root UID (and GID) of every workflow pod; the reference Django image's user (>= 10000
    keeps clear of host UIDs). Images without that user still run: nothing needs a passwd entry."""
    run_code_cpu: str = "1"
    """Default CPU request of run-code."""
    run_code_memory: str = "2Gi"
    """Default memory request and limit of run-code."""
    django_cpu: str = "250m"
    """CPU request of django-manage."""
    django_memory: str = "512Mi"
    """Memory request and limit of django-manage."""
    django_namespace: str | None = None
    """Namespace of django-manage (None = `namespace`): envFrom can only read the app's ConfigMap
    and Secret from the pod's own namespace, so it must run where they live."""
    django_manage_py: str = "manage.py"
    """Path of manage.py in the Django image, relative to its WORKDIR."""
    labels: dict[str, str] = field(default_factory=lambda: {"app.kubernetes.io/part-of": "eks-platform"})
    """Labels on every WorkflowTemplate (metadata only; pods are selected by Argo's own labels)."""

    def __post_init__(self) -> None:
        """Reject values that would render a template Kubernetes or Argo refuses, naming the field."""
        self._check_names()
        self._check_scheduling()
        self._check_images()
        self._check_limits()

    def _check_names(self) -> None:
        for name in ("namespace", "django_namespace"):
            value = getattr(self, name)
            if (value is not None or name == "namespace") and not _DNS_LABEL.match(str(value)):
                raise TemplateContextError(name, value, "a namespace name: a DNS label (lowercase alphanumerics and -)")
        if not _DNS_SUBDOMAIN.match(self.service_account_name):
            raise TemplateContextError("service_account_name", self.service_account_name, "a ServiceAccount name")
        if self.service_account_name == "default":
            raise TemplateContextError(
                "service_account_name", self.service_account_name, "a dedicated workflow ServiceAccount, not 'default'"
            )
        for name in ("django_config_map", "django_secret"):
            value = getattr(self, name)
            if not _DNS_SUBDOMAIN.match(value):
                raise TemplateContextError(name, value, "a Kubernetes object name (DNS subdomain)")
        if not self.django_manage_py.endswith("manage.py"):
            raise TemplateContextError("django_manage_py", self.django_manage_py, "a path ending in manage.py")
        for key, value in self.labels.items():
            if not _LABEL_KEY.match(key) or not _LABEL_VALUE.match(value):
                raise TemplateContextError(f"labels[{key!r}]", value, "a Kubernetes label key and value")

    def _check_scheduling(self) -> None:
        for key, value in self.node_selector.items():
            if not _LABEL_KEY.match(key) or not _LABEL_VALUE.match(value):
                raise TemplateContextError(f"node_selector[{key!r}]", value, "a Kubernetes label key and value")
        for i, toleration in enumerate(self.tolerations):
            where = f"tolerations[{i}]"
            unknown = set(toleration) - _TOLERATION_KEYS
            if unknown:
                raise TemplateContextError(where, toleration, f"only the keys {sorted(_TOLERATION_KEYS)}")
            operator = toleration.get("operator", "Equal")
            if operator not in _TOLERATION_OPERATORS:
                raise TemplateContextError(f"{where}.operator", operator, f"one of {_TOLERATION_OPERATORS}")
            effect = toleration.get("effect", "")
            if effect and effect not in _TAINT_EFFECTS:
                raise TemplateContextError(f"{where}.effect", effect, f"one of {_TAINT_EFFECTS} (or empty for all)")
            if operator == "Equal" and not toleration.get("key"):
                raise TemplateContextError(f"{where}.key", toleration.get("key"), "a taint key (operator Equal)")

    def _check_images(self) -> None:
        for name in ("django_image", "run_code_image"):
            image = getattr(self, name)
            if not is_pinned_image(image):
                raise TemplateContextError(name, image, "a pinned image, repository:tag (not latest) or @sha256 digest")

    def _check_limits(self) -> None:
        positive = {
            "active_deadline_seconds": self.active_deadline_seconds,
            "fan_out_parallelism": self.fan_out_parallelism,
            "run_as_user": self.run_as_user,
            "retry_backoff_factor": self.retry_backoff_factor,
        }
        for name, value in positive.items():
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise TemplateContextError(name, value, "an integer >= 1")
        if isinstance(self.retry_limit, bool) or not isinstance(self.retry_limit, int) or self.retry_limit < 0:
            raise TemplateContextError("retry_limit", self.retry_limit, "an integer >= 0")
        if self.run_code_retry_policy not in _RETRY_POLICIES:
            raise TemplateContextError("run_code_retry_policy", self.run_code_retry_policy, f"one of {_RETRY_POLICIES}")
        for name in ("retry_backoff_duration", "retry_backoff_max_duration"):
            if not _DURATION.match(getattr(self, name)):
                raise TemplateContextError(name, getattr(self, name), "a Go duration such as 30s, 5m or 2h")
        for name in ("run_code_cpu", "django_cpu"):
            if not _CPU.match(getattr(self, name)):
                raise TemplateContextError(name, getattr(self, name), "a CPU quantity such as 500m or 2")
        for name in ("run_code_memory", "django_memory"):
            if not _MEMORY.match(getattr(self, name)):
                raise TemplateContextError(name, getattr(self, name), "a binary memory quantity such as 512Mi or 4Gi")
