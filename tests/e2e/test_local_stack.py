"""The local stack, through the real Pulumi engine, on a real Kubernetes 1.34 API server.

In order: `pulumi up`; what the API server then holds; `preview --expect-no-changes`; a second
`up` that changes nothing; `pulumi destroy`, and that nothing of the stack is left. The figures
(seconds per step, resources) go to build/e2e/figures.json and the test output.
"""

from __future__ import annotations

import base64
import gzip
import json
import time
from collections.abc import Iterator
from typing import Any

import pytest
from pulumi import automation as auto

from e2e import chart_repo
from e2e.control_plane import CONTEXT_NAME, Layout
from e2e.kubeapi import ApiError, KubeApi
from e2e.stack import e2e_overrides, open_stack, random_secrets

STACK = "local"
DESTROY_LIMIT_S = 600
WORKLOAD_NAMESPACES = ("argo", "argo-rollouts", "django", "postgres", "monitoring")
MONITORING = "/apis/monitoring.coreos.com/v1"
FIGURES: dict[str, Any] = {}


class Deployment:
    """The stack under test and what its steps returned."""

    def __init__(self, stack: auto.Stack, secret_values: dict[str, str]):
        self.stack = stack
        self.secret_values = secret_values
        self.up: auto.UpResult | None = None
        self.destroyed = False


def timed(name: str, step):
    started = time.monotonic()
    try:
        return step()
    finally:
        FIGURES[f"{name}_seconds"] = round(time.monotonic() - started, 1)


# The harness cluster's storage, as kind's local-path provisioner would give: one volume for the
# local PostgreSQL's claim (kwok runs no container, so the path is never used).
VOLUME = {
    "apiVersion": "v1",
    "kind": "PersistentVolume",
    "metadata": {"name": "e2e-volume-0", "labels": {"e2e": "harness"}},
    "spec": {
        "capacity": {"storage": "5Gi"},
        "accessModes": ["ReadWriteOnce"],
        "persistentVolumeReclaimPolicy": "Retain",
        "hostPath": {"path": "/var/lib/e2e-volume-0"},
    },
}


@pytest.fixture(scope="module")
def deployment(cluster: Layout, api: KubeApi) -> Iterator[Deployment]:
    if api.exists("/api/v1/persistentvolumes/e2e-volume-0"):
        api.delete("/api/v1/persistentvolumes/e2e-volume-0")
    api.create("/api/v1/persistentvolumes", VOLUME)
    repo, url = chart_repo.start(cluster.state)
    secret_values = random_secrets()
    stack = open_stack(
        cluster.state,
        STACK,
        e2e_overrides(CONTEXT_NAME, url),
        secret_values=secret_values,
        extra_env={"KUBECONFIG": str(cluster.admin_kubeconfig)},
    )
    deployed = Deployment(stack, secret_values)
    try:
        yield deployed
    finally:
        if deployed.up is not None and not deployed.destroyed:
            stack.destroy(on_output=print)  # a failed check must not leave the stack up
        repo.stop()
        api.delete("/api/v1/persistentvolumes/e2e-volume-0")
        figures = cluster.state / "figures.json"
        figures.write_text(json.dumps(FIGURES, indent=2) + "\n")
        print(f"e2e figures ({figures}): {json.dumps(FIGURES)}")


def items(api: KubeApi, path: str) -> list[dict[str, Any]]:
    return api.get(path)["items"]


def test_up_succeeds(deployment: Deployment) -> None:
    deployment.up = timed("up", lambda: deployment.stack.up(on_output=print))
    assert deployment.up.summary.result == "succeeded"
    FIGURES["resources_created"] = deployment.up.summary.resource_changes.get("create", 0)
    assert FIGURES["resources_created"] > 20


def test_the_platform_namespaces_enforce_restricted_pod_security(deployment: Deployment, api: KubeApi) -> None:
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


def test_every_pod_the_stack_made_was_admitted(deployment: Deployment, api: KubeApi) -> None:
    """Every workload's pods exist (admitted under restricted), the migration hook's among them."""
    pods = {name: items(api, f"/api/v1/namespaces/{name}/pods") for name in WORKLOAD_NAMESPACES}
    assert all(pods.values()), {name: len(found) for name, found in pods.items()}
    events = items(api, "/api/v1/events?fieldSelector=reason%3DFailedCreate")
    refused = [e["message"] for e in events if "PodSecurity" in e.get("message", "")]
    assert refused == []


def test_argo_runs_only_on_proto_inference_ng_with_the_toleration(deployment: Deployment, api: KubeApi) -> None:
    pods = items(api, "/api/v1/namespaces/argo/pods")
    assert len(pods) >= 2  # the workflow controller and the server
    for pod in pods:
        assert pod["spec"]["nodeName"] == "inference-0", pod["metadata"]["name"]
        assert pod["spec"]["nodeSelector"]["node-group"] == "PROTO-INFERENCE-NG"
        tolerations = [t for t in pod["spec"].get("tolerations", []) if t.get("key") == "dedicated"]
        assert tolerations == [
            {"key": "dedicated", "operator": "Equal", "value": "proto-inference", "effect": "NoSchedule"}
        ]


def test_django_is_available_and_loads_its_configmap_and_secret(deployment: Deployment, api: KubeApi) -> None:
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
        "SECRET_KEY": deployment.secret_values["djangoSecretKey"],
        "DATABASE_URL": deployment.secret_values["djangoDatabaseUrl"],
    }


def test_the_migration_hook_job_ran(deployment: Deployment, api: KubeApi) -> None:
    job = api.get("/apis/batch/v1/namespaces/django/jobs/django-migrate")
    assert job["status"].get("succeeded") == 1
    assert job["spec"]["template"]["spec"]["containers"][0]["command"] == [
        "python",
        "manage.py",
        "migrate",
        "--noinput",
    ]


def test_the_in_cluster_postgresql_is_ready(deployment: Deployment, api: KubeApi) -> None:
    statefulset = api.get("/apis/apps/v1/namespaces/postgres/statefulsets/postgres")
    assert statefulset["status"].get("readyReplicas") == 1


def test_the_api_server_accepted_the_workflow_templates(deployment: Deployment, api: KubeApi) -> None:
    expected = set(deployment.up.outputs["argoWorkflowTemplates"].value)
    found = {
        t["metadata"]["name"]
        for namespace in ("argo", "django")
        for t in items(api, f"/apis/argoproj.io/v1alpha1/namespaces/{namespace}/workflowtemplates")
    }
    assert expected and found == expected
    run_code = api.get("/apis/argoproj.io/v1alpha1/namespaces/argo/workflowtemplates/run-code")
    assert run_code["spec"]["nodeSelector"] == {"node-group": "PROTO-INFERENCE-NG"}


def _helm_releases(api: KubeApi) -> list[dict[str, Any]]:
    """Every Helm release record in the cluster, decoded (base64, base64, gzip, JSON)."""
    found = []
    for secret in items(api, "/api/v1/secrets?labelSelector=owner%3Dhelm"):
        payload = base64.b64decode(base64.b64decode(secret["data"]["release"]))
        found.append(json.loads(gzip.decompress(payload)))
    return found


def test_no_secret_value_in_any_configmap_or_helm_release(deployment: Deployment, api: KubeApi) -> None:
    password = deployment.secret_values["djangoDatabaseUrl"].split(":")[2].split("@")[0]
    needles = [*deployment.secret_values.values(), password]
    releases = _helm_releases(api)
    assert {r["name"] for r in releases} >= {"django", "argo-workflows", "metrics-server"}
    for release in releases:
        text = json.dumps(release)
        assert not [n for n in needles if n in text], release["name"]
    for config_map in items(api, "/api/v1/configmaps"):
        text = json.dumps(config_map.get("data", {}))
        assert not [n for n in needles if n in text], config_map["metadata"]["name"]


def test_the_monitoring_crds_are_established(deployment: Deployment, api: KubeApi) -> None:
    crds = [
        c
        for c in items(api, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions")
        if c["spec"]["group"] == "monitoring.coreos.com"
    ]
    assert len(crds) == 10
    for crd in crds:
        conditions = {c["type"]: c["status"] for c in crd["status"]["conditions"]}
        assert conditions["Established"] == "True", crd["metadata"]["name"]


def test_the_api_server_accepted_every_monitoring_object(deployment: Deployment, api: KubeApi) -> None:
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


def test_no_operator_webhook_on_the_local_profile(deployment: Deployment, api: KubeApi) -> None:
    """The local profile runs without the operator's webhook: the e2e API server could not reach it."""
    for kind in ("validatingwebhookconfigurations", "mutatingwebhookconfigurations"):
        names = [w["metadata"]["name"] for w in items(api, f"/apis/admissionregistration.k8s.io/v1/{kind}")]
        assert not [n for n in names if "kube-prometheus-stack" in n], names


def test_node_exporter_runs_on_every_node_inference_included(deployment: Deployment, api: KubeApi) -> None:
    selector = "labelSelector=app.kubernetes.io%2Fname%3Dprometheus-node-exporter"
    pods = items(api, f"/api/v1/namespaces/kube-system/pods?{selector}")
    assert sorted(p["spec"]["nodeName"] for p in pods) == ["inference-0", "system-0"]
    grafana = items(api, "/api/v1/namespaces/monitoring/pods?labelSelector=app.kubernetes.io%2Fname%3Dgrafana")
    assert grafana and all(p["spec"]["nodeName"] == "system-0" for p in grafana)


def test_preview_shows_no_changes(deployment: Deployment) -> None:
    preview = timed("preview_no_changes", lambda: deployment.stack.preview(expect_no_changes=True, on_output=print))
    assert set(preview.change_summary) == {"same"}


def test_a_second_up_changes_nothing(deployment: Deployment) -> None:
    again = timed("second_up", lambda: deployment.stack.up(expect_no_changes=True, on_output=print))
    assert set(again.summary.resource_changes) == {"same"}


def test_destroy_leaves_nothing_of_the_stack(deployment: Deployment, api: KubeApi) -> None:
    destroyed = timed("destroy", lambda: deployment.stack.destroy(on_output=print))
    deployment.destroyed = True
    assert destroyed.summary.result == "succeeded"
    assert FIGURES["destroy_seconds"] < DESTROY_LIMIT_S
    for namespace in WORKLOAD_NAMESPACES:
        assert not api.exists(f"/api/v1/namespaces/{namespace}"), namespace
    assert _helm_releases(api) == []
    helm_made = "labelSelector=app.kubernetes.io%2Fmanaged-by%3DHelm"
    for kind in ("clusterroles", "clusterrolebindings"):
        assert items(api, f"/apis/rbac.authorization.k8s.io/v1/{kind}?{helm_made}") == [], kind
    assert not api.exists("/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io")
    # Kept on purpose (deleting a CRD deletes every object of its kind): Argo's and the monitoring
    # CRDs, and nothing else of the stack; no object of theirs is left.
    kept = sorted(c["metadata"]["name"] for c in items(api, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"))
    FIGURES["crds_kept"] = kept
    assert kept and all(name.endswith((".argoproj.io", ".monitoring.coreos.com")) for name in kept)
    assert len([name for name in kept if name.endswith(".monitoring.coreos.com")]) == 10
    assert items(api, "/apis/argoproj.io/v1alpha1/workflowtemplates") == []
    for kind in ("servicemonitors", "prometheusrules", "prometheuses"):
        assert items(api, f"{MONITORING}/{kind}") == [], kind
    selector = "labelSelector=app.kubernetes.io%2Fname%3Dprometheus-node-exporter"
    assert items(api, f"/apis/apps/v1/namespaces/kube-system/daemonsets?{selector}") == []
    deployment.stack.workspace.remove_stack(STACK)
