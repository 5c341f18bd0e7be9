"""docs/operations.md: covers what an operator needs, with names that exist.

Every `pulumi stack output <name>` the runbook and the workflows use is an output the program
exports; every `argo submit --from workflowtemplate/<t> -p <name>=...` names a template and
parameters the WorkflowTemplates declare.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from offline.runner import ProgramRun

ROOT = Path(__file__).resolve().parents[2]
RUNBOOK = (ROOT / "docs" / "operations.md").read_text()


@pytest.mark.parametrize(
    "needle",
    [
        "aws eks update-kubeconfig",
        'kubectl -n "$DJANGO_NS" get pods',
        "logs <pod> --previous",
        'helm -n "$DJANGO_NS" test django --logs',
        "exec deploy/django -- printenv",
        'argo submit -n "$ARGO_NS" --from workflowtemplate/run-code',
        "--watch",
        'argo logs -n "$ARGO_NS" @latest --follow',
        'helm -n "$DJANGO_NS" rollback django',
        'kubectl -n "$DJANGO_NS" rollout undo deploy/django',
        'kubectl argo rollouts -n "$DJANGO_NS" get rollout django --watch',
        'kubectl argo rollouts -n "$DJANGO_NS" promote django --full',
        'kubectl argo rollouts -n "$DJANGO_NS" abort django',
        'kubectl argo rollouts -n "$DJANGO_NS" undo django',
        'kubectl argo rollouts -n "$DJANGO_NS" retry rollout django',
        "make up STACK=",
        "pulumi config set --secret djangoSecretKey",
        "nodeGroups.PROTO-INFERENCE-NG.maxSize",
        "make destroy STACK=dev",
        "Recovering from a half-finished destroy",
        "make recover STACK=dev",
        "--holder-gone",
        "pulumi state unprotect --all --stack prod",
    ],
)
def test_runbook_covers(needle: str) -> None:
    assert needle in RUNBOOK


def test_secret_values_are_never_printed_by_the_runbook() -> None:
    for line in RUNBOOK.splitlines():
        if "printenv" in line and not line.lstrip().startswith(("Never", "`")):
            assert "SECRET_KEY" not in line and "DATABASE_URL" not in line, line


def test_stack_outputs_used_by_runbook_and_workflows_exist(dev: ProgramRun, prod: ProgramRun) -> None:
    texts = [RUNBOOK, *(p.read_text() for p in (ROOT / ".github" / "workflows").glob("*.yml"))]
    used = {name for text in texts for name in re.findall(r"pulumi stack output (\w+)", text)}
    assert {"region", "clusterName", "argoNamespace", "djangoNamespace", "djangoImageRepository"} <= used
    for run in (dev, prod):
        assert used <= set(run.outputs), sorted(used - set(run.outputs))


def argo_submissions(text: str) -> list[tuple[str, list[str]]]:
    """(template, parameter names) of every `argo submit --from workflowtemplate/...` command."""
    found = []
    for match in re.finditer(r"--from workflowtemplate/([\w-]+)", text):
        rest = text[match.end() :]
        command = re.match(r"(?:[^\n]*\\\n)*[^\n]*", rest).group(0)  # through `\` continuations
        found.append((match.group(1), re.findall(r"-p ([\w-]+)=", command)))
    return found


def test_argo_submissions_name_real_templates_and_parameters(dev: ProgramRun) -> None:
    submissions = argo_submissions(RUNBOOK)
    assert {name for name, _ in submissions} >= {"run-code", "django-manage", "fan-out"}
    assert ("run-code", ["code", "cpu", "memory"]) in submissions
    assert ("fan-out", ["items", "code"]) in submissions
    for name, parameters in submissions:
        assert name in dev.outputs["argoWorkflowTemplates"]
        template = yaml.safe_load((ROOT / "workflows" / "golden" / f"{name}.yaml").read_text())
        declared = {p["name"] for p in template["spec"]["arguments"]["parameters"]}
        assert set(parameters) <= declared, f"{name}: {set(parameters) - declared}"


def test_policy_table_lists_every_policy() -> None:
    from policy.eks_platform_policy import StackContext, build_policies

    for policy in build_policies(StackContext(stack="prod", environment="prod")):
        assert f"`{policy.name}`" in RUNBOOK, policy.name
