"""Argo Workflows runs on PROTO-INFERENCE-NG: controller, server and every workflow pod.

Checked on the argo-workflows Helm release's values: `controller`, `server` and
`controller.workflowDefaults.spec` (what every Workflow inherits) each need the node selector
`node-group: PROTO-INFERENCE-NG` and a toleration of `dedicated=proto-inference:NoSchedule`.
The local stack (a kind cluster without that node group) is not applicable.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from .context import StackContext
from .values import get, known

HELM_RELEASE = "kubernetes:helm.sh/v3:Release"
HELM_CHART_V4 = "kubernetes:helm.sh/v4:Chart"
ARGO_CHART = "argo-workflows"
NODE_GROUP_LABEL = "node-group"
INFERENCE_NODE_GROUP = "PROTO-INFERENCE-NG"
TAINT = {"key": "dedicated", "value": "proto-inference", "effect": "NoSchedule"}
# Value paths of the pod specs that must be pinned, with a label for messages.
PINNED_PATHS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("controller", ("controller",)),
    ("server", ("server",)),
    ("workflow pods (controller.workflowDefaults.spec)", ("controller", "workflowDefaults", "spec")),
)


def is_argo_release(resource_type: str, props: Any) -> bool:
    """An argo-workflows Helm release: by chart (repo/chart or chart name) or by release name."""
    if resource_type not in (HELM_RELEASE, HELM_CHART_V4):
        return False
    chart = str(get(props, "chart", default="") or "")
    release_name = str(get(props, "name", default="") or "")
    return chart.rstrip("/").rsplit("/", 1)[-1] == ARGO_CHART or ARGO_CHART in release_name


def tolerates_inference_taint(tolerations: Any) -> bool:
    """Some toleration admits `dedicated=proto-inference:NoSchedule`."""
    for toleration in tolerations if isinstance(tolerations, list) else []:
        if not isinstance(toleration, dict) or toleration.get("key") != TAINT["key"]:
            continue
        if toleration.get("effect", "") not in ("", TAINT["effect"]):  # "" tolerates every effect
            continue
        if toleration.get("operator") == "Exists" or toleration.get("value") == TAINT["value"]:
            return True
    return False


def pinning_problems(values: dict[str, Any]) -> list[str]:
    """What is not pinned to PROTO-INFERENCE-NG in argo-workflows chart values."""
    problems = []
    for label, path in PINNED_PATHS:
        spec = get(values, *path, default={})
        if path == ("server",) and spec.get("enabled") is False:
            continue  # no server, nothing to place
        selector = spec.get("nodeSelector") or {}
        if selector.get(NODE_GROUP_LABEL) != INFERENCE_NODE_GROUP:
            problems.append(f"{label}: nodeSelector lacks {NODE_GROUP_LABEL}: {INFERENCE_NODE_GROUP}")
        if not tolerates_inference_taint(spec.get("tolerations")):
            problems.append(f"{label}: no toleration for {TAINT['key']}={TAINT['value']}:{TAINT['effect']}")
    return problems


def argo_pinned_policy(context: StackContext) -> ResourceValidationPolicy:
    """Built per stack: the local stack has no PROTO-INFERENCE-NG to pin to."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        """Report every pod spec of the Argo release that is not pinned."""
        if not is_argo_release(args.resource_type, args.props):
            return
        if context.is_local:
            args.not_applicable("the local stack has no PROTO-INFERENCE-NG node group")
        values = known(get(args.props, "values", default={}))
        for problem in pinning_problems(values):
            report(problem)

    return ResourceValidationPolicy(
        name="argo-pinned-to-inference-group",
        description=(
            "The Argo Workflows release pins its controller, server and workflow pods to PROTO-INFERENCE-NG "
            "with the dedicated=proto-inference:NoSchedule toleration."
        ),
        validate=validate,
        severity=Severity.MEDIUM,
        remediation_steps="Give the ArgoWorkflows component the ClusterContext, whose inference placement comes from settings.scheduling_for('PROTO-INFERENCE-NG').",
    )
