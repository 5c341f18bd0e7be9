"""TemplateContext refuses values that would render a template Kubernetes or Argo rejects,
and says which field is wrong and what it accepts."""

from __future__ import annotations

import dataclasses

import pytest

from workflows import TemplateContext, TemplateContextError
from workflows.context import is_pinned_image
from workflows.golden import REFERENCE_CONTEXT

BAD_VALUES = {
    "service account default": ("service_account_name", "default", "not 'default'"),
    "service account not a name": ("service_account_name", "Argo_Workflow", "a ServiceAccount name"),
    "namespace not a DNS label": ("namespace", "Argo", "a DNS label"),
    "django namespace not a DNS label": ("django_namespace", "my_app", "a DNS label"),
    "run-code image latest": ("run_code_image", "python:latest", "pinned image"),
    "run-code image untagged": ("run_code_image", "python", "pinned image"),
    "django image on a registry port, untagged": ("django_image", "registry.local:5000/django", "pinned image"),
    "config map name": ("django_config_map", "Django Config", "DNS subdomain"),
    "secret name": ("django_secret", "", "DNS subdomain"),
    "negative retries": ("retry_limit", -1, "an integer >= 0"),
    "zero parallelism": ("fan_out_parallelism", 0, "an integer >= 1"),
    "root user": ("run_as_user", 0, "an integer >= 1"),
    "boolean deadline": ("active_deadline_seconds", True, "an integer >= 1"),
    "retry policy": ("run_code_retry_policy", "Sometimes", "one of"),
    "backoff duration": ("retry_backoff_duration", "30 seconds", "a Go duration"),
    "cpu quantity": ("run_code_cpu", "one", "a CPU quantity"),
    "memory quantity": ("run_code_memory", "2GB", "a binary memory quantity"),
    "manage.py path": ("django_manage_py", "/app/run.sh", "ending in manage.py"),
    "node selector value": ("node_selector", {"node-group": "has space"}, "label key and value"),
    "toleration operator": ("tolerations", [{"key": "dedicated", "operator": "In", "effect": "NoSchedule"}], "one of"),
    "toleration effect": ("tolerations", [{"key": "dedicated", "value": "x", "effect": "NoRun"}], "one of"),
    "toleration unknown key": ("tolerations", [{"key": "dedicated", "values": "x"}], "only the keys"),
    "toleration without key": ("tolerations", [{"operator": "Equal", "value": "x"}], "a taint key"),
}


@pytest.mark.parametrize("case", BAD_VALUES)
def test_a_bad_value_names_the_field_and_what_is_allowed(case):
    field_name, value, allowed = BAD_VALUES[case]
    with pytest.raises(TemplateContextError) as error:
        dataclasses.replace(REFERENCE_CONTEXT, **{field_name: value})
    message = str(error.value)
    assert message.startswith(f"TemplateContext.{field_name}"), message
    assert allowed in message, message


def test_the_reference_context_is_valid_and_frozen():
    assert isinstance(REFERENCE_CONTEXT, TemplateContext)
    with pytest.raises(dataclasses.FrozenInstanceError):
        REFERENCE_CONTEXT.namespace = "elsewhere"  # type: ignore[misc]


def test_the_local_stack_shape_is_accepted():
    """kind: no node groups, no artifact repository."""
    ctx = dataclasses.replace(REFERENCE_CONTEXT, node_selector={}, tolerations=[], artifacts_enabled=False)
    assert ctx.node_selector == {} and ctx.artifacts_enabled is False


@pytest.mark.parametrize(
    ("image", "pinned"),
    [
        ("python:3.11.14-slim-bookworm", True),
        ("123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/django:0.1.0", True),
        ("registry.local:5000/team/app:1.2.3", True),
        ("ghcr.io/org/app@sha256:" + "0" * 64, True),
        ("python", False),
        ("python:latest", False),
        ("registry.local:5000/team/app", False),
        ("python:", False),
    ],
)
def test_is_pinned_image(image, pinned):
    assert is_pinned_image(image) is pinned
