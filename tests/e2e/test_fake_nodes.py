"""The kwok fake nodes behave as the program's node groups need: labelled and tainted like the
real ones, Ready, pods run on them, Job and Helm-test pods complete, deleted pods go away."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from e2e.kubeapi import ApiError, KubeApi, node_is_ready, wait_for

pytestmark = pytest.mark.harness  # the harness itself: deselected on a real cluster (e2e/target.py)

NAMESPACE = "e2e-fake-nodes"
TOLERATE_INFERENCE = {"key": "dedicated", "operator": "Equal", "value": "proto-inference", "effect": "NoSchedule"}


@pytest.fixture(scope="module")
def namespace(api: KubeApi) -> Iterator[str]:
    api.create("/api/v1/namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": NAMESPACE}})
    wait_for(
        "default ServiceAccount in the namespace",
        lambda: api.exists(f"/api/v1/namespaces/{NAMESPACE}/serviceaccounts/default"),
        30,
    )
    yield NAMESPACE
    api.delete(f"/api/v1/namespaces/{NAMESPACE}")


def _pod_spec(node_group: str | None = None, restart: str = "Always") -> dict[str, Any]:
    spec: dict[str, Any] = {
        "containers": [{"name": "main", "image": "registry.invalid/never-pulled:1"}],
        "restartPolicy": restart,
    }
    if node_group:
        spec["nodeSelector"] = {"node-group": node_group}
        spec["tolerations"] = [TOLERATE_INFERENCE]
    return spec


def _pod(api: KubeApi, name: str) -> dict[str, Any]:
    return api.get(f"/api/v1/namespaces/{NAMESPACE}/pods/{name}")


def _phase(api: KubeApi, name: str) -> str:
    return str(_pod(api, name).get("status", {}).get("phase", ""))


def test_nodes_are_ready_labelled_tainted_and_on_loopback(api: KubeApi) -> None:
    nodes = {n["metadata"]["name"]: n for n in api.get("/api/v1/nodes")["items"]}
    assert nodes["system-0"]["metadata"]["labels"]["node-group"] == "system"
    assert nodes["inference-0"]["metadata"]["labels"]["node-group"] == "PROTO-INFERENCE-NG"
    assert nodes["inference-0"]["spec"]["taints"] == [
        {"key": "dedicated", "value": "proto-inference", "effect": "NoSchedule"}
    ]
    assert "taints" not in nodes["system-0"]["spec"]
    for node in nodes.values():
        assert node_is_ready(node)
        internal = [a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP"]
        assert internal == ["127.0.0.1"]


def test_plain_pod_lands_on_system_node_and_runs(api: KubeApi, namespace: str) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "plain"}, "spec": _pod_spec()}
    api.create(f"/api/v1/namespaces/{namespace}/pods", pod)
    wait_for("pod Running", lambda: _phase(api, "plain") == "Running", 30)
    status = _pod(api, "plain")
    assert status["spec"]["nodeName"] == "system-0"  # the untolerated taint keeps it off inference-0
    assert all(c["ready"] for c in status["status"]["containerStatuses"])


def test_tolerating_pod_with_node_selector_lands_on_inference_node(api: KubeApi, namespace: str) -> None:
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "infer"}, "spec": _pod_spec("PROTO-INFERENCE-NG")}
    api.create(f"/api/v1/namespaces/{namespace}/pods", pod)
    wait_for("pod Running", lambda: _phase(api, "infer") == "Running", 30)
    assert _pod(api, "infer")["spec"]["nodeName"] == "inference-0"


def test_job_completes(api: KubeApi, namespace: str) -> None:
    job = {
        "apiVersion": "batch/v1",
        "kind": "Job",
        "metadata": {"name": "migrate"},
        "spec": {"backoffLimit": 0, "template": {"spec": _pod_spec(restart="Never")}},
    }
    api.create(f"/apis/batch/v1/namespaces/{namespace}/jobs", job)

    def complete() -> bool:
        conditions = (
            api.get(f"/apis/batch/v1/namespaces/{namespace}/jobs/migrate").get("status", {}).get("conditions", [])
        )
        return any(c["type"] == "Complete" and c["status"] == "True" for c in conditions)

    wait_for("Job Complete", complete, 60)


def test_helm_test_pod_succeeds(api: KubeApi, namespace: str) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "chart-test", "annotations": {"helm.sh/hook": "test"}},
        "spec": _pod_spec(restart="Never"),
    }
    api.create(f"/api/v1/namespaces/{namespace}/pods", pod)
    wait_for("helm test pod Succeeded", lambda: _phase(api, "chart-test") == "Succeeded", 30)


def test_deleted_pod_with_finalizer_goes_away(api: KubeApi, namespace: str) -> None:
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "doomed", "finalizers": ["e2e.eks-platform.test/hold"]},
        "spec": _pod_spec(),
    }
    api.create(f"/api/v1/namespaces/{namespace}/pods", pod)
    wait_for("pod Running", lambda: _phase(api, "doomed") == "Running", 30)
    api.delete(f"/api/v1/namespaces/{namespace}/pods/doomed")

    def gone() -> bool:
        try:
            _pod(api, "doomed")
        except ApiError as err:
            return err.code == 404
        return False

    wait_for("deleted pod removed", gone, 30)
