"""The local stack, through the real Pulumi engine, on a real Kubernetes 1.34 API server.

In order: what the API server holds after the install (test_fault_install.py installs it, through
two killed runs and their recoveries); an `up` through an API server restart;
`preview --expect-no-changes`. The day-2 scenarios follow (MODULE_ORDER in conftest.py), and
test_teardown.py destroys the stack. The figures (seconds per step, resources) go to
build/e2e/figures.json and the test output.
"""

from __future__ import annotations

import base64
import json
import subprocess
import threading
import urllib.request
from collections.abc import Callable

import pytest
from pulumi import automation as auto

from e2e.cluster import restart_api_server
from e2e.faults import lock_files, pending, recovered
from e2e.helm_records import helm_releases, latest_statuses
from e2e.kubeapi import ApiError, KubeApi, items, wait_for
from e2e.local_stack import MONITORING, WORKLOAD_NAMESPACES, LocalStack
from e2e.paths import bin_dir, state_dir
from e2e.procs import free_loopback_port

RESTART_RELEASE = "argo-workflows"
RESTART_PARALLELISM = 11  # the default is 10


def test_the_install_succeeded(local_stack: LocalStack) -> None:
    if local_stack.up_result is None:  # test_fault_install.py deselected (-k): install here
        local_stack.up("up")
    assert local_stack.up_result.summary.result == "succeeded"
    assert len(local_stack.up_result.outputs) > 10


def test_the_platform_namespaces_enforce_restricted_pod_security(local_stack: LocalStack, api: KubeApi) -> None:
    """The labels are on the namespaces, and the API server refuses a pod that breaks the level there."""
    for name in WORKLOAD_NAMESPACES:
        labels = api.get(f"/api/v1/namespaces/{name}")["metadata"]["labels"]
        assert {mode: labels.get(f"pod-security.kubernetes.io/{mode}") for mode in ("enforce", "audit", "warn")} == {
            "enforce": "restricted",
            "audit": "restricted",
            "warn": "restricted",
        }, name
    root_pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "runs-as-root"},
        "spec": {"containers": [{"name": "c", "image": "busybox:1.37.0", "securityContext": {"privileged": True}}]},
    }
    with pytest.raises(ApiError) as refused:
        api.create("/api/v1/namespaces/django/pods?dryRun=All", root_pod)
    assert refused.value.code == 403 and 'violates PodSecurity "restricted:v1.34"' in str(refused.value)


def test_every_pod_the_stack_made_was_admitted(local_stack: LocalStack, api: KubeApi) -> None:
    """Every workload's pods exist (admitted under restricted), the migration hook's among them."""
    pods = {name: items(api, f"/api/v1/namespaces/{name}/pods") for name in WORKLOAD_NAMESPACES}
    assert all(pods.values()), {name: len(found) for name, found in pods.items()}
    events = items(api, "/api/v1/events?fieldSelector=reason%3DFailedCreate")
    refused = [e["message"] for e in events if "PodSecurity" in e.get("message", "")]
    assert refused == []


@pytest.mark.harness  # a kind cluster has no PROTO-INFERENCE-NG: Argo is not pinned there
def test_argo_runs_only_on_proto_inference_ng_with_the_toleration(local_stack: LocalStack, api: KubeApi) -> None:
    pods = items(api, "/api/v1/namespaces/argo/pods")
    assert len(pods) >= 2  # the workflow controller and the server
    for pod in pods:
        assert pod["spec"]["nodeName"] == "inference-0", pod["metadata"]["name"]
        assert pod["spec"]["nodeSelector"]["node-group"] == "PROTO-INFERENCE-NG"
        tolerations = [t for t in pod["spec"].get("tolerations", []) if t.get("key") == "dedicated"]
        assert tolerations == [
            {"key": "dedicated", "operator": "Equal", "value": "proto-inference", "effect": "NoSchedule"}
        ]


def test_django_is_available_and_loads_its_configmap_and_secret(local_stack: LocalStack, api: KubeApi) -> None:
    status = api.get("/apis/apps/v1/namespaces/django/deployments/django")["status"]
    assert status.get("availableReplicas", 0) >= 1
    pods = items(api, "/api/v1/namespaces/django/pods?labelSelector=app.kubernetes.io%2Fcomponent%3Dweb")
    assert pods
    for pod in pods:
        [container] = pod["spec"]["containers"]
        assert container["envFrom"] == [{"configMapRef": {"name": "django"}}, {"secretRef": {"name": "django-app"}}]
        assert pod["status"]["phase"] == "Running"
    secret = api.get("/api/v1/namespaces/django/secrets/django-app")
    decoded = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert decoded == {
        "SECRET_KEY": local_stack.secret_values["djangoSecretKey"],
        "DATABASE_URL": local_stack.secret_values["djangoDatabaseUrl"],
    }


@pytest.mark.containers  # a real pod behind the Service (kwok's fake pods serve nothing)
def test_healthz_answers_through_port_forward(local_stack: LocalStack) -> None:
    target = local_stack.target
    port = free_loopback_port()
    forward = subprocess.Popen(
        [
            str(bin_dir() / "kubectl"),
            "--kubeconfig",
            str(target.kubeconfig),
            "--context",
            target.context,
            "-n",
            "django",
            "port-forward",
            "svc/django",
            f"{port}:80",
            "--address",
            "127.0.0.1",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:

        def answers() -> bool:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as response:
                    return response.status == 200
            except OSError:
                return False

        wait_for("/healthz through kubectl port-forward", answers, 60, interval=1)
    finally:
        forward.terminate()
        forward.wait(timeout=10)


def test_the_migration_hook_job_ran(local_stack: LocalStack, api: KubeApi) -> None:
    job = api.get("/apis/batch/v1/namespaces/django/jobs/django-migrate")
    assert job["status"].get("succeeded") == 1
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "python",
        "manage.py",
        "migrate",
        "--noinput",
    ]


def test_the_in_cluster_postgresql_is_ready(local_stack: LocalStack, api: KubeApi) -> None:
    statefulset = api.get("/apis/apps/v1/namespaces/postgres/statefulsets/postgres")
    assert statefulset["status"].get("readyReplicas") == 1


def test_the_api_server_accepted_the_workflow_templates(local_stack: LocalStack, api: KubeApi) -> None:
    expected = set(local_stack.up_result.outputs["argoWorkflowTemplates"].value)
    found = {
        t["metadata"]["name"]
        for namespace in ("argo", "django")
        for t in items(api, f"/apis/argoproj.io/v1alpha1/namespaces/{namespace}/workflowtemplates")
    }
    assert expected and found == expected
    run_code = api.get("/apis/argoproj.io/v1alpha1/namespaces/argo/workflowtemplates/run-code")
    assert run_code["spec"]["nodeSelector"] == {"node-group": "PROTO-INFERENCE-NG"}


def test_no_secret_value_in_any_configmap_or_helm_release(local_stack: LocalStack, api: KubeApi) -> None:
    password = local_stack.secret_values["djangoDatabaseUrl"].split(":")[2].split("@")[0]
    needles = [*local_stack.secret_values.values(), password]
    releases = helm_releases(api)
    assert {r["name"] for r in releases} >= {"django", "argo-workflows", "metrics-server"}
    for release in releases:
        text = json.dumps(release)
        assert not [n for n in needles if n in text], release["name"]
    for config_map in items(api, "/api/v1/configmaps"):
        text = json.dumps(config_map.get("data", {}))
        assert not [n for n in needles if n in text], config_map["metadata"]["name"]


def test_the_monitoring_crds_are_established(local_stack: LocalStack, api: KubeApi) -> None:
    crds = [
        c
        for c in items(api, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")
        if c["spec"]["group"] == "monitoring.coreos.com"
    ]
    assert len(crds) == 10
    for crd in crds:
        conditions = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
        assert conditions["Established"] == "True", crd["metadata"]["name"]


def test_the_api_server_accepted_every_monitoring_object(local_stack: LocalStack, api: KubeApi) -> None:
    """The API server validated each against its CRD: the platform's rules, the charts' ServiceMonitors."""
    rules = {r["metadata"]["name"] for r in items(api, f"{MONITORING}/namespaces/monitoring/prometheusrules")}
    assert {"platform-django", "platform-argo"} <= rules and len(rules) > 20  # the chart's default rules too
    monitors = {
        (m["metadata"]["namespace"], m["metadata"]["name"]) for m in items(api, f"{MONITORING}/servicemonitors")
    }
    namespaces = {namespace for namespace, _ in monitors}
    assert {"argo", "argo-rollouts", "django", "monitoring"} <= namespaces, monitors
    [prometheus] = items(api, f"{MONITORING}/namespaces/monitoring/prometheuses")
    assert prometheus["spec"]["retention"] == "6h" and "storage" not in prometheus["spec"]
    assert items(api, f"{MONITORING}/namespaces/monitoring/alertmanagers") == []  # the light profile
    dashboards = items(api, "/api/v1/namespaces/monitoring/configmaps?labelSelector=grafana_dashboard%3D1")
    assert {"dashboard-argo-workflows", "dashboard-argo-rollouts", "dashboard-django"} <= {
        d["metadata"]["name"] for d in dashboards
    }


def test_no_operator_webhook_on_the_local_profile(local_stack: LocalStack, api: KubeApi) -> None:
    """The local profile runs without the operator's webhook: the e2e API server could not reach it."""
    for kind in ("validatingwebhookconfigurations", "mutatingwebhookconfigurations"):
        names = [w["metadata"]["name"] for w in items(api, f"/apis/admissionregistration.k8s.io/v1/{kind}")]
        assert not [n for n in names if "kube-prometheus-stack" in n], names


@pytest.mark.harness  # the harness's two fake nodes
def test_node_exporter_runs_on_every_node_inference_included(local_stack: LocalStack, api: KubeApi) -> None:
    selector = "labelSelector=app.kubernetes.io%2Fname%3Dprometheus-node-exporter"
    pods = items(api, f"/api/v1/namespaces/kube-system/pods?{selector}")
    assert sorted(p["spec"]["nodeName"] for p in pods) == ["inference-0", "system-0"]
    grafana = items(api, "/api/v1/namespaces/monitoring/pods?labelSelector=app.kubernetes.io%2Fname%3Dgrafana")
    assert grafana and all(p["spec"]["nodeName"] == "system-0" for p in grafana)


@pytest.mark.harness  # restarts the harness's API server
def test_an_up_through_an_api_server_restart_converges(local_stack: LocalStack, api: KubeApi) -> None:
    """An Argo change (a Helm upgrade of argo-workflows) with the API server stopped and started by
    its pid as soon as Helm starts the upgrade: the `up` completes, or `make recover` and one more
    `up` converge. The preview below checks the convergence."""
    before = latest_statuses(api)[RESTART_RELEASE][1]

    def upgrading() -> bool:
        return latest_statuses(api)[RESTART_RELEASE][1] > before

    local_stack.configure({"argo": {"controller": {"parallelism": RESTART_PARALLELISM}}})
    outcome: dict[str, object] = {}
    restart = threading.Thread(target=lambda: outcome.update(result=_restart_when(upgrading)), daemon=True)
    restart.start()
    try:
        local_stack.timed("api_restart_up", lambda: local_stack.stack.up(on_output=print))
        local_stack.figures["api_restart_up_completed"] = True
    except auto.CommandError as failed:
        print(f"the up failed across the restart: {str(failed)[-2000:]}")
        local_stack.figures["api_restart_up_completed"] = False
        restart.join(60)
        recovered(local_stack, "api_restart_recover")
        local_stack.up("api_restart_second_up")
    restart.join(60)
    local_stack.figures["api_restart_seconds"] = outcome["result"]
    assert outcome["result"] > 0  # it did restart, mid-upgrade
    assert lock_files(local_stack) == [] and pending(local_stack) == []
    [config] = [
        c
        for c in items(api, "/api/v1/namespaces/argo/configmaps")
        if c["metadata"]["name"].endswith("controller-configmap")
    ]
    assert f"parallelism: {RESTART_PARALLELISM}" in config["data"]["config"]
    assert latest_statuses(api)[RESTART_RELEASE][2] == "deployed"


def _restart_when(condition: Callable[[], bool]) -> float:
    wait_for("the Helm upgrade to start", condition, 120, interval=0.1)
    return restart_api_server(state_dir())


def test_preview_shows_no_changes(local_stack: LocalStack) -> None:
    local_stack.preview_is_clean("preview_no_changes")
