"""Day 2: the WorkflowTemplates as code, run by the real workflow controller.

Each Workflow is submitted as `argo submit --from workflowtemplate/<name> -p ...` submits it
(e2e/workflows.py; the argo CLI itself is not built here, see e2e/README.md). The controller
validates it, creates the pods on PROTO-INFERENCE-NG with the toleration and the argo-workflow
service account, and follows them to the end.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from e2e import workflows
from e2e.kubeapi import KubeApi
from e2e.local_stack import LocalStack

CODE = "print('hello from run-code')"
TOLERATION = {"key": "dedicated", "operator": "Equal", "value": "proto-inference", "effect": "NoSchedule"}


def _check_placement(pod: dict, harness: bool) -> None:
    spec = pod["spec"]
    assert spec["serviceAccountName"] == "argo-workflow"
    if harness:  # the harness's node groups (a kind cluster has no PROTO-INFERENCE-NG)
        assert spec["nodeName"] == "inference-0"
        assert spec["nodeSelector"] == {"node-group": "PROTO-INFERENCE-NG"}
        assert TOLERATION in spec["tolerations"]


ITEMS = ["a", "b", "c"]
MANAGE_COMMAND = "check --deploy"


@pytest.fixture(scope="module")
def submitted(local_stack: LocalStack, api: KubeApi, argo_controllers: None) -> Iterator[dict[str, str]]:
    """All four submitted at once (the controller runs them side by side); their names."""
    started = time.monotonic()
    names = {
        "run-code": workflows.submit_from_template(api, "argo", "run-code", {"code": CODE}),
        "no-code": workflows.submit_from_template(api, "argo", "run-code", {}),
        "fan-out": workflows.submit_from_template(api, "argo", "fan-out", {"items": json.dumps(ITEMS), "code": CODE}),
        "django-manage": workflows.submit_from_template(api, "django", "django-manage", {"command": MANAGE_COMMAND}),
    }
    yield names
    local_stack.figures["workflows_all_done_seconds"] = round(time.monotonic() - started, 1)


def _succeeded_pods(api: KubeApi, namespace: str, name: str, harness: bool) -> list[dict]:
    """The Workflow's pods, once it Succeeded: each Succeeded and placed as the templates say."""
    workflow = workflows.wait_done(api, namespace, name)
    assert workflow["status"]["phase"] == "Succeeded", workflow["status"].get("message")
    pods = workflows.pods_of(api, namespace, name)
    for pod in pods:
        _check_placement(pod, harness)
        assert pod["status"]["phase"] == "Succeeded"
    return pods


def _main_argv(pod: dict) -> tuple[dict, list[str]]:
    """The main container, and its command line (the emissary executor runs the template's command
    as its own arguments)."""
    main = next(c for c in pod["spec"]["containers"] if c["name"] == "main")
    return main, [*main.get("command", []), *main.get("args", [])]


def test_run_code_runs_the_given_code_on_the_inference_group(
    local_stack: LocalStack, api: KubeApi, submitted: dict[str, str]
) -> None:
    [pod] = _succeeded_pods(api, "argo", submitted["run-code"], local_stack.target.harness)
    assert CODE in _main_argv(pod)[1]


def test_the_controller_refuses_a_run_without_its_code(api: KubeApi, submitted: dict[str, str]) -> None:
    name = submitted["no-code"]
    workflow = workflows.wait_done(api, "argo", name)
    assert workflow["status"]["phase"] in ("Error", "Failed")
    assert "code" in workflow["status"]["message"]
    assert workflows.pods_of(api, "argo", name) == []


def test_fan_out_creates_one_pod_per_item(local_stack: LocalStack, api: KubeApi, submitted: dict[str, str]) -> None:
    pods = _succeeded_pods(api, "argo", submitted["fan-out"], local_stack.target.harness)
    assert len(pods) == len(ITEMS)
    item_env = {
        env["value"] for pod in pods for env in _main_argv(pod)[0].get("env", []) if env["name"] == "RUN_CODE_ITEM"
    }
    assert item_env == set(ITEMS)  # one pod per item, each given its own


def test_django_manage_runs_with_the_apps_configmap_and_secret(
    local_stack: LocalStack, api: KubeApi, submitted: dict[str, str]
) -> None:
    [pod] = _succeeded_pods(api, "django", submitted["django-manage"], local_stack.target.harness)
    main, argv = _main_argv(pod)
    assert MANAGE_COMMAND in argv
    assert main["image"].startswith("eks-platform-django:")  # the app's own image, as deployed
    assert {"configMapRef": {"name": "django"}} in main["envFrom"]
    assert {"secretRef": {"name": "django-app"}} in main["envFrom"]
