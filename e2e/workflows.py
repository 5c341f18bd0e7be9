"""Submitting Argo Workflows from their templates, as `argo submit --from workflowtemplate/NAME -p
KEY=VALUE` does (the CLI builds this Workflow and creates it; the controller does the rest), and
reading how far they got."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from e2e.kubeapi import KubeApi, items, wait_for_object

ARGO = "/apis/argoproj.io/v1alpha1/namespaces"
TEMPLATE_LABEL = "workflows.argoproj.io/workflow-template"
DONE = ("Succeeded", "Failed", "Error")


def submit_from_template(api: KubeApi, namespace: str, template: str, parameters: Mapping[str, str]) -> str:
    """Create a Workflow that references WorkflowTemplate `template`; returns its generated name."""
    workflow = {
        "apiVersion": "argoproj.io/v1alpha1",
        "kind": "Workflow",
        "metadata": {"generateName": f"{template}-", "labels": {TEMPLATE_LABEL: template}},
        "spec": {
            "workflowTemplateRef": {"name": template},
            "arguments": {"parameters": [{"name": key, "value": value} for key, value in parameters.items()]},
        },
    }
    created = api.create(f"{ARGO}/{namespace}/workflows", workflow)
    return str(created["metadata"]["name"])


def wait_done(api: KubeApi, namespace: str, name: str, timeout: float = 120) -> dict[str, Any]:
    """The Workflow once its phase is final."""

    def done(workflow: dict[str, Any]) -> bool:
        return workflow.get("status", {}).get("phase") in DONE

    path = f"{ARGO}/{namespace}/workflows/{name}"
    return wait_for_object(api, path, f"Workflow {namespace}/{name} to finish", done, timeout)


def pods_of(api: KubeApi, namespace: str, name: str) -> list[dict[str, Any]]:
    """The pods the controller created for the Workflow."""
    return items(api, f"/api/v1/namespaces/{namespace}/pods?labelSelector=workflows.argoproj.io%2Fworkflow%3D{name}")
