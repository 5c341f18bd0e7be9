"""Argo WorkflowTemplates as code (hera): run-code, django-manage and fan-out.

`build_templates(ctx)` returns plain manifests (dicts) that the ArgoWorkflows component turns
into `kubernetes.apiextensions.CustomResource` objects. Golden copies rendered with
`workflows.golden.REFERENCE_CONTEXT` live in workflows/golden/; after an intended change run
`make golden` (= `python -m workflows.golden --write`) and review the diff.
"""

from __future__ import annotations

from typing import Any

from hera.workflows import WorkflowTemplate

from workflows import django_manage, fan_out, run_code
from workflows.context import TemplateContext, TemplateContextError

TEMPLATE_NAMES = (run_code.NAME, django_manage.NAME, fan_out.NAME)
"""metadata.name of every template, in the order `build_templates` returns them."""


def build_workflow_templates(ctx: TemplateContext) -> list[WorkflowTemplate]:
    """The hera objects behind `build_templates` (for round-trip checks and `to_yaml`)."""
    # fan-out references run-code by templateRef, so run-code comes first: a consumer that
    # creates them in order never has a dangling reference.
    return [run_code.build(ctx), django_manage.build(ctx), fan_out.build(ctx)]


def build_templates(ctx: TemplateContext) -> list[dict[str, Any]]:
    """The WorkflowTemplate manifests for `ctx`: apiVersion, kind, metadata and spec, JSON-ready."""
    return [template.to_dict() for template in build_workflow_templates(ctx)]


__all__ = ["TEMPLATE_NAMES", "TemplateContext", "TemplateContextError", "build_templates", "build_workflow_templates"]
