"""Pieces every WorkflowTemplate shares: metadata, scheduling, security and retry settings.

Each template sets its own node pinning, ServiceAccount and security context although the
controller's workflowDefaults set them too: defence in depth, and the templates keep working
unchanged under a controller without defaults.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from typing import Any

from hera.workflows import EmptyDirVolume, Env, Parameter, RetryStrategy, WorkflowTemplate
from hera.workflows.models import Backoff, Capabilities, PodSecurityContext, SeccompProfile, SecurityContext, Toleration

from workflows.context import TemplateContext

API_VERSION = "argoproj.io/v1alpha1"
ENTRYPOINT = "main"
TMP_DIR = "/tmp"
DESCRIPTION_ANNOTATION = "workflows.argoproj.io/description"


@dataclass(frozen=True)
class ParameterSpec:
    """One template parameter: name, default (None = the caller must set it) and what it means."""

    name: str
    default: str | None
    description: str

    def argument(self) -> Parameter:
        """As a workflow argument: what `argo submit -p` and the UI's submit form set."""
        if self.default is None:
            return Parameter(name=self.name, description=self.description)
        return Parameter(name=self.name, value=self.default, description=self.description)

    def input(self) -> Parameter:
        """As a template input with the same default, so a templateRef caller may leave it out."""
        if self.default is None:
            return Parameter(name=self.name, description=self.description)
        return Parameter(name=self.name, default=self.default, description=self.description)


def input_ref(name: str) -> str:
    """The Argo tag that reads input parameter `name`."""
    return "{{inputs.parameters." + name + "}}"


def new_workflow_template(
    ctx: TemplateContext, name: str, description: str, namespace: str | None = None, **spec: Any
) -> WorkflowTemplate:
    """A WorkflowTemplate named `name` (in `namespace`, default ctx.namespace) whose spec-level
    scheduling and security come from `ctx`."""
    return WorkflowTemplate(
        api_version=API_VERSION,
        kind="WorkflowTemplate",
        name=name,
        namespace=namespace or ctx.namespace,
        labels={**ctx.labels, "app.kubernetes.io/name": name},
        annotations={DESCRIPTION_ANNOTATION: description},
        entrypoint=ENTRYPOINT,
        service_account_name=ctx.service_account_name,
        security_context=pod_security_context(ctx),
        **scheduling(ctx),
        **spec,
    )


def scheduling(ctx: TemplateContext) -> dict[str, Any]:
    """nodeSelector and tolerations keyword arguments; omitted when the context has none (kind)."""
    result: dict[str, Any] = {}
    if ctx.node_selector:
        result["node_selector"] = dict(ctx.node_selector)
    if ctx.tolerations:
        result["tolerations"] = [Toleration.model_validate(copy.deepcopy(t)) for t in ctx.tolerations]
    return result


def pod_template_settings(ctx: TemplateContext) -> dict[str, Any]:
    """Keyword arguments every pod-producing template gets: SA, pinning, pod security, deadline."""
    return {
        "service_account_name": ctx.service_account_name,
        "pod_security_context": pod_security_context(ctx),
        "active_deadline_seconds": ctx.active_deadline_seconds,
        **scheduling(ctx),
    }


def pod_security_context(ctx: TemplateContext) -> PodSecurityContext:
    """Non-root UID/GID and the runtime's default seccomp profile (the restricted Pod Security level)."""
    return PodSecurityContext(
        run_as_non_root=True,
        run_as_user=ctx.run_as_user,
        run_as_group=ctx.run_as_user,
        fs_group=ctx.run_as_user,
        seccomp_profile=SeccompProfile(type="RuntimeDefault"),
    )


def container_security_context() -> SecurityContext:
    """No privilege escalation, no capabilities, read-only root fs (writes go to the /tmp emptyDir)."""
    return SecurityContext(
        allow_privilege_escalation=False,
        capabilities=Capabilities(drop=["ALL"]),
        read_only_root_filesystem=True,
        run_as_non_root=True,
    )


def tmp_volume() -> EmptyDirVolume:
    """A writable /tmp for a read-only root filesystem."""
    return EmptyDirVolume(name="tmp", mount_path=TMP_DIR)


def home_env() -> Env:
    """HOME=/tmp: the pinned UID has no home directory, and tools (pip, caches) write under HOME."""
    return Env(name="HOME", value=TMP_DIR)


def retry_strategy(ctx: TemplateContext, policy: str) -> RetryStrategy:
    """`ctx.retry_limit` retries under `policy`, waiting duration, duration*factor, ... up to maxDuration."""
    return RetryStrategy(
        limit=ctx.retry_limit,
        retry_policy=policy,
        backoff=Backoff(
            duration=ctx.retry_backoff_duration,
            factor=ctx.retry_backoff_factor,
            max_duration=ctx.retry_backoff_max_duration,
        ),
    )
