"""fan-out: run run-code once per item of a JSON list, at most `parallelism` at a time.

Submit with e.g.
`argo submit -n argo --from workflowtemplate/fan-out -p items='["a","b"]' -p code='import os; print(os.environ["RUN_CODE_ITEM"])'`.

The work itself is run-code's `main` template, referenced with templateRef rather than copied,
so retries, deadline, resources, pinning and outputs are defined once. Each item reaches the
code as $RUN_CODE_ITEM (an object item as its JSON text); every other run-code input is
forwarded unchanged, so one fan-out can use any image, command and resources run-code accepts.
"""

from __future__ import annotations

from hera.workflows import DAG, Task, WorkflowTemplate
from hera.workflows.models import TemplateRef

from workflows import run_code
from workflows.common import ENTRYPOINT, ParameterSpec, input_ref, new_workflow_template
from workflows.context import TemplateContext

NAME = "fan-out"
TASK_NAME = "run-code"
PER_ITEM_PARAMETER = "item"
DESCRIPTION = "Runs run-code once per item of the JSON list 'items', a bounded number at a time."
_ITEMS_HELP = "JSON list; one run-code per element, which the code reads from $RUN_CODE_ITEM."


def forwarded_parameters(ctx: TemplateContext) -> list[ParameterSpec]:
    """run-code's inputs that fan-out passes through (all but the per-item one)."""
    return [spec for spec in run_code.parameters(ctx) if spec.name != PER_ITEM_PARAMETER]


def build(ctx: TemplateContext) -> WorkflowTemplate:
    """The fan-out WorkflowTemplate for `ctx`."""
    specs = [ParameterSpec("items", None, _ITEMS_HELP), *forwarded_parameters(ctx)]
    # Spec-level parallelism bounds the whole workflow, the DAG's bounds the loop even when
    # another workflow references this DAG template on its own.
    with (
        new_workflow_template(
            ctx, NAME, DESCRIPTION, arguments=[spec.argument() for spec in specs], parallelism=ctx.fan_out_parallelism
        ) as template,
        DAG(name=ENTRYPOINT, inputs=[spec.input() for spec in specs], parallelism=ctx.fan_out_parallelism),
    ):
        Task(
            name=TASK_NAME,
            template_ref=TemplateRef(name=run_code.NAME, template=ENTRYPOINT),
            with_param=input_ref("items"),
            arguments={
                PER_ITEM_PARAMETER: "{{item}}",
                **{spec.name: input_ref(spec.name) for spec in forwarded_parameters(ctx)},
            },
        )
    return template
