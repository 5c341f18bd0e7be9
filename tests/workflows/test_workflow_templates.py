"""What the WorkflowTemplates mean, not just how they look: pinning, security, retries,
resources, references, and that the pods they produce are valid Kubernetes pods."""

from __future__ import annotations

import copy
import dataclasses
import json
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
from hera.workflows import WorkflowTemplate

from tests.workflows.argo_sim import Manifest, by_name, pod_templates, simulate_pod, template
from workflows import TEMPLATE_NAMES, build_templates, build_workflow_templates
from workflows.context import is_pinned_image
from workflows.golden import REFERENCE_CONTEXT

KUBERNETES_VERSION = "1.34"  # the version the stacks pin
WORKFLOWS_DIR = Path(__file__).resolve().parents[2] / "workflows"

OTHER_SCHEDULING = {
    "node_selector": {"pool": "gpu-b"},
    "tolerations": [{"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}],
}


def _ctx(**changes: Any):
    return dataclasses.replace(REFERENCE_CONTEXT, **changes)


def _input_default(tmpl: dict[str, Any], name: str) -> str:
    return next(p["default"] for p in tmpl["inputs"]["parameters"] if p["name"] == name)


# ---- shape -------------------------------------------------------------------------------


def test_build_templates_returns_the_three_named_workflow_templates():
    manifests = build_templates(REFERENCE_CONTEXT)
    assert [m["metadata"]["name"] for m in manifests] == ["run-code", "django-manage", "fan-out"]
    assert tuple(m["metadata"]["name"] for m in manifests) == TEMPLATE_NAMES
    for manifest in manifests:
        assert manifest["apiVersion"] == "argoproj.io/v1alpha1"
        assert manifest["kind"] == "WorkflowTemplate"
        assert manifest["metadata"]["namespace"] == REFERENCE_CONTEXT.namespace
        assert manifest["spec"]["entrypoint"] in {t["name"] for t in manifest["spec"]["templates"]}


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_manifest_is_a_json_serializable_custom_resource(reference_manifests, name):
    manifest = reference_manifests[name]
    assert json.loads(json.dumps(manifest)) == manifest, "a CustomResource's inputs must be plain JSON"
    assert set(manifest) == {"apiVersion", "kind", "metadata", "spec"}
    assert manifest["metadata"]["labels"]["app.kubernetes.io/name"] == name
    assert manifest["metadata"]["annotations"]["workflows.argoproj.io/description"]


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_round_trips_through_heras_argo_model(name):
    """from_dict validates against hera's models (generated from Argo's OpenAPI schema); a
    misspelt or misplaced key would be dropped there and break the equality."""
    hera_template = next(t for t in build_workflow_templates(REFERENCE_CONTEXT) if t.name == name)
    rendered = hera_template.to_dict()
    assert WorkflowTemplate.from_dict(rendered).to_dict() == rendered


def test_a_misplaced_key_fails_the_round_trip(reference_manifests):
    """Negative control for the round-trip check: an unknown field does not survive it."""
    broken = copy.deepcopy(reference_manifests["run-code"])
    template(broken)["nodeSelectr"] = {"node-group": "x"}
    assert WorkflowTemplate.from_dict(broken).to_dict() != broken


def test_rendering_is_deterministic_and_does_not_alias_the_context():
    first = build_templates(REFERENCE_CONTEXT)
    first[0]["spec"]["nodeSelector"]["node-group"] = "edited"
    first[0]["spec"]["tolerations"][0]["key"] = "edited"
    assert REFERENCE_CONTEXT.node_selector == {"node-group": "PROTO-INFERENCE-NG"}
    assert REFERENCE_CONTEXT.tolerations[0]["key"] == "dedicated"
    assert build_templates(REFERENCE_CONTEXT) == build_templates(REFERENCE_CONTEXT)


# ---- scheduling on the inference node group ----------------------------------------------------


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_every_pod_selects_the_node_group_and_tolerates_its_taint(reference_manifests, name):
    manifest = reference_manifests[name]
    expected_selector = {"node-group": "PROTO-INFERENCE-NG"}
    expected_tolerations = [
        {"key": "dedicated", "operator": "Equal", "value": "proto-inference", "effect": "NoSchedule"}
    ]
    assert manifest["spec"]["nodeSelector"] == expected_selector
    assert manifest["spec"]["tolerations"] == expected_tolerations
    for tmpl in pod_templates(manifest):
        assert tmpl["nodeSelector"] == expected_selector, tmpl["name"]
        assert tmpl["tolerations"] == expected_tolerations, tmpl["name"]


def test_scheduling_is_derived_from_the_context_not_hardcoded():
    manifests = by_name(build_templates(_ctx(**OTHER_SCHEDULING)))
    text = json.dumps(manifests)
    assert "PROTO-INFERENCE-NG" not in text
    assert "proto-inference" not in text
    for manifest in manifests.values():
        assert manifest["spec"]["nodeSelector"] == {"pool": "gpu-b"}
        assert manifest["spec"]["tolerations"] == OTHER_SCHEDULING["tolerations"]
        for tmpl in pod_templates(manifest):
            assert tmpl["nodeSelector"] == {"pool": "gpu-b"}
            assert tmpl["tolerations"] == OTHER_SCHEDULING["tolerations"]


def test_no_workflow_module_names_the_node_group():
    """Only the reference context (golden.py) may spell the node group or its taint."""
    offenders = [
        path.name
        for path in WORKFLOWS_DIR.glob("*.py")
        if path.name != "golden.py"
        and ("PROTO-INFERENCE-NG" in path.read_text() or "proto-inference" in path.read_text())
    ]
    assert offenders == []


def test_a_context_without_node_groups_renders_unpinned_pods():
    """The local kind stack has one unlabelled node: no selector, no tolerations."""
    for manifest in build_templates(_ctx(node_selector={}, tolerations=[])):
        assert "nodeSelector" not in manifest["spec"]
        assert "tolerations" not in manifest["spec"]
        for tmpl in pod_templates(manifest):
            assert "nodeSelector" not in tmpl
            assert "tolerations" not in tmpl


# ---- identity, images and security ---------------------------------------------------------


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_pods_use_the_workflow_service_account_never_default(reference_manifests, name):
    manifest = reference_manifests[name]
    assert manifest["spec"]["serviceAccountName"] == "argo-workflow"
    for tmpl in pod_templates(manifest):
        assert tmpl["serviceAccountName"] == "argo-workflow"
    assert '"serviceAccountName": "default"' not in json.dumps(manifest)


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_no_image_floats(reference_manifests, name):
    manifest = reference_manifests[name]
    images = []
    for tmpl in pod_templates(manifest):
        image = tmpl["container"]["image"]
        # a parameterised image is as pinned as the default it falls back to
        images.append(_input_default(tmpl, "image") if image == "{{inputs.parameters.image}}" else image)
    for parameter in manifest["spec"].get("arguments", {}).get("parameters", []):
        if parameter["name"] == "image":
            images.append(parameter["value"])
    for tmpl in manifest["spec"]["templates"]:
        for parameter in tmpl.get("inputs", {}).get("parameters", []):
            if parameter["name"] == "image":
                images.append(parameter["default"])
    assert images, f"{name} names no image at all"
    for image in images:
        assert is_pinned_image(image), image
        assert not image.endswith(":latest"), image


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_pods_run_non_root_with_a_read_only_root_filesystem(reference_manifests, name):
    manifest = reference_manifests[name]
    expected_pod = {
        "runAsNonRoot": True,
        "runAsUser": 10001,
        "runAsGroup": 10001,
        "fsGroup": 10001,
        "seccompProfile": {"type": "RuntimeDefault"},
    }
    assert manifest["spec"]["securityContext"] == expected_pod
    for tmpl in pod_templates(manifest):
        assert tmpl["securityContext"] == expected_pod
        container = tmpl["container"]
        assert container["securityContext"] == {
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "readOnlyRootFilesystem": True,
            "runAsNonRoot": True,
        }
        # the read-only root needs a writable /tmp, and HOME must point into it
        assert {"name": "tmp", "emptyDir": {}} in tmpl["volumes"]
        assert {"name": "tmp", "mountPath": "/tmp"} in container["volumeMounts"]
        assert {"name": "HOME", "value": "/tmp"} in container["env"]
        assert "podSpecPatch" not in tmpl or "securityContext" not in tmpl["podSpecPatch"]


# ---- run-code ------------------------------------------------------------------------------------


def test_run_code_retries_with_exponential_backoff_and_has_a_deadline(reference_manifests):
    main = template(reference_manifests["run-code"])
    assert main["retryStrategy"] == {
        "limit": 3,
        "retryPolicy": "Always",
        "backoff": {"duration": "30s", "factor": 2, "maxDuration": "2h"},
    }
    assert main["activeDeadlineSeconds"] == 3600


def test_run_code_retry_and_deadline_follow_the_context():
    ctx = _ctx(retry_limit=1, run_code_retry_policy="OnFailure", active_deadline_seconds=600, retry_backoff_factor=3)
    main = template(by_name(build_templates(ctx))["run-code"])
    assert main["retryStrategy"]["limit"] == 1
    assert main["retryStrategy"]["retryPolicy"] == "OnFailure"
    assert main["retryStrategy"]["backoff"]["factor"] == 3
    assert main["activeDeadlineSeconds"] == 600


def test_run_code_parameters_have_the_documented_defaults(reference_manifests):
    manifest = reference_manifests["run-code"]
    arguments = {p["name"]: p.get("value") for p in manifest["spec"]["arguments"]["parameters"]}
    inputs = {p["name"]: p.get("default") for p in template(manifest)["inputs"]["parameters"]}
    assert arguments == inputs, "what `argo submit` sees and what a templateRef caller gets must agree"
    assert inputs == {
        "image": "python:3.11.14-slim-bookworm",
        "command": '["python", "-c"]',
        "code": None,  # required
        "args": "[]",
        "item": "",
        "cpu": "1",
        "memory": "2Gi",
        "gpu": "0",
        "env-configmap": "run-code-env",
        "env-secret": "run-code-env",
    }
    for parameter in manifest["spec"]["arguments"]["parameters"]:
        assert parameter["description"], parameter["name"]


def test_run_code_requests_cpu_memory_and_gpu_from_its_parameters(reference_manifests):
    manifest = reference_manifests["run-code"]
    main = template(manifest)
    assert "resources" not in main["container"], "resources come from podSpecPatch, where parameters are allowed"

    default_pod = simulate_pod(manifest, {"code": "pass"})
    assert default_pod["spec"]["containers"][0]["resources"] == {
        "requests": {"cpu": "1", "memory": "2Gi", "nvidia.com/gpu": "0"},
        "limits": {"memory": "2Gi", "nvidia.com/gpu": "0"},
    }
    gpu_pod = simulate_pod(manifest, {"code": "pass", "gpu": "2", "cpu": "4", "memory": "30Gi"})
    assert gpu_pod["spec"]["containers"][0]["resources"] == {
        "requests": {"cpu": "4", "memory": "30Gi", "nvidia.com/gpu": "2"},
        "limits": {"memory": "30Gi", "nvidia.com/gpu": "2"},
    }


def test_run_code_takes_env_from_optional_configmap_and_secret_parameters(reference_manifests):
    manifest = reference_manifests["run-code"]
    container = template(manifest)["container"]
    assert container["envFrom"] == [
        {"configMapRef": {"name": "{{inputs.parameters.env-configmap}}", "optional": True}},
        {"secretRef": {"name": "{{inputs.parameters.env-secret}}", "optional": True}},
    ]
    pod = simulate_pod(manifest, {"code": "pass", "env-configmap": "batch-cfg", "env-secret": "batch-creds"})
    assert pod["spec"]["containers"][0]["envFrom"] == [
        {"configMapRef": {"name": "batch-cfg", "optional": True}},
        {"secretRef": {"name": "batch-creds", "optional": True}},
    ]


def test_run_code_saves_its_outputs_directory_as_an_optional_tgz_artifact(reference_manifests):
    main = template(reference_manifests["run-code"])
    assert main["outputs"]["artifacts"] == [
        {"name": "outputs", "path": "/tmp/outputs", "optional": True, "archive": {"tar": {}}}
    ]
    assert {"name": "RUN_CODE_OUTPUTS_DIR", "value": "/tmp/outputs"} in main["container"]["env"]
    # the artifact path is on the emptyDir, so Argo's wait container can read it
    assert main["outputs"]["artifacts"][0]["path"].startswith("/tmp/")


def test_run_code_has_no_artifact_where_no_repository_exists():
    main = template(by_name(build_templates(_ctx(artifacts_enabled=False)))["run-code"])
    assert "outputs" not in main
    assert {"name": "RUN_CODE_OUTPUTS_DIR", "value": "/tmp/outputs"} in main["container"]["env"]


# ---- django-manage -----------------------------------------------------------------------------


def test_django_manage_runs_manage_py_in_the_app_image_with_its_config_map_and_secret(reference_manifests):
    manifest = reference_manifests["django-manage"]
    container = template(manifest)["container"]
    assert container["image"] == "eks-platform/django:0.1.0"
    assert container["envFrom"] == [
        {"configMapRef": {"name": "django-config"}},
        {"secretRef": {"name": "django-secret"}},
    ]
    assert container["command"][:2] == ["python3", "-c"]
    assert container["command"][3:] == ["manage.py", "{{inputs.parameters.command}}", "{{inputs.parameters.args}}"]
    assert container["resources"] == {"requests": {"cpu": "250m", "memory": "512Mi"}, "limits": {"memory": "512Mi"}}
    parameters = {p["name"]: p.get("value") for p in manifest["spec"]["arguments"]["parameters"]}
    assert parameters == {"command": None, "args": "[]"}


def test_django_manage_follows_the_context():
    ctx = _ctx(
        django_image="registry.example:5000/app@sha256:" + "a" * 64,
        django_config_map="web-env",
        django_secret="web-secrets",
    )
    container = template(by_name(build_templates(ctx))["django-manage"])["container"]
    assert container["image"] == ctx.django_image
    assert container["envFrom"] == [{"configMapRef": {"name": "web-env"}}, {"secretRef": {"name": "web-secrets"}}]


def test_django_manage_can_live_in_the_apps_namespace():
    """envFrom reads only the pod's own namespace, so django-manage may run where the app lives."""
    manifests = by_name(build_templates(_ctx(django_namespace="django")))
    assert manifests["django-manage"]["metadata"]["namespace"] == "django"
    assert manifests["run-code"]["metadata"]["namespace"] == "argo"
    assert manifests["fan-out"]["metadata"]["namespace"] == "argo"
    assert by_name(build_templates(REFERENCE_CONTEXT))["django-manage"]["metadata"]["namespace"] == "argo"


def test_django_manage_retries_infrastructure_errors_only(reference_manifests):
    main = template(reference_manifests["django-manage"])
    assert main["retryStrategy"]["retryPolicy"] == "OnError"
    assert main["retryStrategy"]["limit"] == 3
    assert main["retryStrategy"]["backoff"]["duration"] == "30s"
    assert main["activeDeadlineSeconds"] == 3600


# ---- fan-out -----------------------------------------------------------------------------------


def test_fan_out_runs_run_code_by_template_ref_once_per_item(reference_manifests):
    fan_out = reference_manifests["fan-out"]
    run_code_main = template(reference_manifests["run-code"])
    dag = template(fan_out)
    assert fan_out["spec"]["entrypoint"] == dag["name"]
    (task,) = dag["dag"]["tasks"]
    assert task["templateRef"] == {"name": "run-code", "template": run_code_main["name"]}
    assert task["withParam"] == "{{inputs.parameters.items}}"
    passed = {p["name"]: p["value"] for p in task["arguments"]["parameters"]}
    assert passed["item"] == "{{item}}"
    run_code_inputs = {p["name"]: p for p in run_code_main["inputs"]["parameters"]}
    assert set(passed) <= set(run_code_inputs), "every argument must be an input of run-code"
    required = {name for name, p in run_code_inputs.items() if "default" not in p}
    assert required <= set(passed), "run-code's required inputs must be passed"
    dag_inputs = {p["name"] for p in dag["inputs"]["parameters"]}
    for name, value in passed.items():
        if name != "item":
            assert value == "{{inputs.parameters." + name + "}}" and name in dag_inputs


def test_fan_out_defaults_match_run_code(reference_manifests):
    fan_out_inputs = {
        p["name"]: p.get("default") for p in template(reference_manifests["fan-out"])["inputs"]["parameters"]
    }
    run_code_inputs = {
        p["name"]: p.get("default") for p in template(reference_manifests["run-code"])["inputs"]["parameters"]
    }
    assert fan_out_inputs.pop("items") is None  # required
    assert fan_out_inputs == {k: v for k, v in run_code_inputs.items() if k != "item"}


def test_fan_out_parallelism_is_bounded_by_the_context(reference_manifests):
    fan_out = reference_manifests["fan-out"]
    assert fan_out["spec"]["parallelism"] == 4
    assert template(fan_out)["parallelism"] == 4
    wider = by_name(build_templates(_ctx(fan_out_parallelism=16)))["fan-out"]
    assert wider["spec"]["parallelism"] == 16
    assert template(wider)["parallelism"] == 16


# ---- the pods against the Kubernetes schema -------------------------------------------------------

POD_CASES = {
    "run-code defaults": ("run-code", {"code": "print(1)"}),
    "run-code with a GPU": ("run-code", {"code": "print(1)", "gpu": "1", "cpu": "3500m", "memory": "14Gi"}),
    "django-manage migrate": ("django-manage", {"command": "migrate --noinput"}),
}


@pytest.mark.parametrize("case", POD_CASES)
def test_the_pod_argo_would_create_is_a_valid_kubernetes_pod(reference_manifests, case):
    name, overrides = POD_CASES[case]
    pod = simulate_pod(reference_manifests[name], overrides)
    kubernetes_validate.validate(pod, KUBERNETES_VERSION, strict=True)
    spec = pod["spec"]
    assert spec["nodeSelector"] == {"node-group": "PROTO-INFERENCE-NG"}
    assert spec["tolerations"][0]["key"] == "dedicated"
    assert spec["serviceAccountName"] == "argo-workflow"


def test_the_pod_schema_check_rejects_a_broken_pod(reference_manifests):
    """Negative control: the strict schema does catch a mistyped field."""
    pod = simulate_pod(reference_manifests["django-manage"], {"command": "check"})
    pod["spec"]["containers"][0]["securityContext"]["readOnlyRootFileSystem"] = True  # wrong case
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(pod, KUBERNETES_VERSION, strict=True)


def test_all_manifests_are_covered(reference_manifests: dict[str, Manifest]):
    """Guard for the parametrised tests above: a new template must be added to TEMPLATE_NAMES."""
    assert set(reference_manifests) == set(TEMPLATE_NAMES)
