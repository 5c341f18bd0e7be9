"""run-code: run given code in a given image on the inference node group.

Submit with e.g. `argo submit -n argo --from workflowtemplate/run-code -p code='print(42)'`.

Resources (cpu, memory, gpu) are parameters, and Kubernetes resource quantities cannot hold
`{{...}}` text (Argo parses `container.resources` into typed quantities before substituting),
so they are set through `podSpecPatch`, which Argo documents for exactly this: a strategic
merge patch, substituted first, onto the `main` container. The GPU count always lands in
requests and limits of `nvidia.com/gpu`; the default 0 is a no-op because the scheduler and
kubelet skip extended resources with a zero quantity, so no conditional is needed and a CPU-only
run schedules on any node of the group.
"""

from __future__ import annotations

import json

from hera.workflows import (
    Artifact,
    ConfigMapEnvFrom,
    Container,
    Env,
    SecretEnvFrom,
    TarArchiveStrategy,
    WorkflowTemplate,
)

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

NAME = "run-code"
OUTPUTS_DIR = "/tmp/outputs"
OUTPUTS_ARTIFACT = "outputs"
GPU_RESOURCE = "nvidia.com/gpu"
DEFAULT_ENV_SOURCE = "run-code-env"
DESCRIPTION = (
    "Runs code in an image: argv = command + [code] + args. Files written to $RUN_CODE_OUTPUTS_DIR "
    "are saved as the 'outputs' artifact where an artifact repository exists."
)


def parameters(ctx: TemplateContext) -> list[ParameterSpec]:
    """run-code's inputs, in the order the Argo UI shows them; fan-out forwards the same list."""
    return [
        ParameterSpec("image", ctx.run_code_image, "Image to run (pin a tag; never latest)."),
        ParameterSpec("command", json.dumps(["python", "-c"]), "JSON list: the program and its leading flags."),
        ParameterSpec("code", None, "Code appended after command ('' = none, e.g. when command runs a file)."),
        ParameterSpec("args", "[]", "JSON list of arguments after the code (sys.argv[1:] for python -c)."),
        ParameterSpec("item", "", "One fan-out item, given to the code as $RUN_CODE_ITEM."),
        ParameterSpec("cpu", ctx.run_code_cpu, "CPU request, e.g. 500m or 2."),
        ParameterSpec("memory", ctx.run_code_memory, "Memory request and limit, e.g. 2Gi."),
        ParameterSpec("gpu", "0", f"Number of GPUs ({GPU_RESOURCE}); 0 = none."),
        ParameterSpec("env-configmap", DEFAULT_ENV_SOURCE, "ConfigMap whose keys become env vars (if it exists)."),
        ParameterSpec("env-secret", DEFAULT_ENV_SOURCE, "Secret whose keys become env vars (if it exists)."),
    ]


def resources_patch() -> str:
    """podSpecPatch giving the main container the cpu/memory/gpu parameters as requests and limits.

    No CPU limit: CFS throttling slows a job without protecting neighbours that requests do
    not already protect. Memory limit = request, so a leak kills this pod, not the node.
    """
    gpu = input_ref("gpu")
    patch = {
        "containers": [
            {
                "name": "main",
                "resources": {
                    "requests": {"cpu": input_ref("cpu"), "memory": input_ref("memory"), GPU_RESOURCE: gpu},
                    "limits": {"memory": input_ref("memory"), GPU_RESOURCE: gpu},
                },
            }
        ]
    }
    return json.dumps(patch, sort_keys=True)


def build(ctx: TemplateContext) -> WorkflowTemplate:
    """The run-code WorkflowTemplate for `ctx`."""
    specs = parameters(ctx)
    outputs = None
    if ctx.artifacts_enabled:
        # optional: a run that writes nothing must not fail on a missing directory.
        outputs = [Artifact(name=OUTPUTS_ARTIFACT, path=OUTPUTS_DIR, optional=True, archive=TarArchiveStrategy())]
    with new_workflow_template(ctx, NAME, DESCRIPTION, arguments=[spec.argument() for spec in specs]) as template:
        Container(
            name="main",
            inputs=[spec.input() for spec in specs],
            image=input_ref("image"),
            command=["python3", "-c", launchers.RUN_CODE, input_ref("command"), input_ref("code"), input_ref("args")],
            env=[
                home_env(),
                Env(name="RUN_CODE_OUTPUTS_DIR", value=OUTPUTS_DIR),
                Env(name="RUN_CODE_ITEM", value=input_ref("item")),
            ],
            # optional: the default names need not exist; a typo'd name then runs without env.
            env_from=[
                ConfigMapEnvFrom(name=input_ref("env-configmap"), optional=True),
                SecretEnvFrom(name=input_ref("env-secret"), optional=True),
            ],
            pod_spec_patch=resources_patch(),
            security_context=container_security_context(),
            volumes=[tmp_volume()],
            outputs=outputs,
            retry_strategy=retry_strategy(ctx, ctx.run_code_retry_policy),
            **pod_template_settings(ctx),
        )
    return template
