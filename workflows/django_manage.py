"""django-manage: `python manage.py <command>` in the app image with the app's ConfigMap and Secret.

Submit with e.g. `argo submit -n argo --from workflowtemplate/django-manage -p command='migrate --noinput'`.

Retries only on Argo *errors* (pod deleted, node lost), not on a failing command: a management
command need not be idempotent (a batch that sends mail), so a failed run is for a human to
look at, while an infrastructure hiccup is safe to repeat.
"""

from __future__ import annotations

from hera.workflows import ConfigMapEnvFrom, Container, Resources, SecretEnvFrom, WorkflowTemplate

from workflows import launchers
from workflows.common import (
    ParameterSpec,
    container_security_context,
    home_env,
    input_ref,
    new_workflow_template,
    pod_template_settings,
    retry_strategy,
    tmp_volume,
)
from workflows.context import TemplateContext

NAME = "django-manage"
RETRY_POLICY = "OnError"
DESCRIPTION = "Runs a Django management command (python manage.py <command> <args>) in the app image."

PARAMETERS = [
    ParameterSpec("command", None, "Management command and its options as shell-like words, e.g. 'migrate --noinput'."),
    ParameterSpec(
        "args", "[]", 'JSON list of extra arguments, for values with spaces, e.g. ["--database", "default"].'
    ),
]


def build(ctx: TemplateContext) -> WorkflowTemplate:
    """The django-manage WorkflowTemplate for `ctx`."""
    with new_workflow_template(
        ctx, NAME, DESCRIPTION, namespace=ctx.django_namespace, arguments=[spec.argument() for spec in PARAMETERS]
    ) as template:
        Container(
            name="main",
            inputs=[spec.input() for spec in PARAMETERS],
            image=ctx.django_image,
            command=[
                "python3",
                "-c",
                launchers.DJANGO_MANAGE,
                ctx.django_manage_py,
                input_ref("command"),
                input_ref("args"),
            ],
            env=[home_env()],
            # Not optional: without its settings the app would run against defaults (or no
            # database); a missing object stops the container from starting, with a clear event.
            env_from=[ConfigMapEnvFrom(name=ctx.django_config_map), SecretEnvFrom(name=ctx.django_secret)],
            resources=Resources(
                cpu_request=ctx.django_cpu, memory_request=ctx.django_memory, memory_limit=ctx.django_memory
            ),
            security_context=container_security_context(),
            volumes=[tmp_volume()],
            retry_strategy=retry_strategy(ctx, RETRY_POLICY),
            **pod_template_settings(ctx),
        )
    return template
