"""Last: `pulumi destroy` of the local stack after every scenario, and that nothing of it is left."""

from __future__ import annotations

from e2e import controllers
from e2e.helm_records import helm_releases
from e2e.kubeapi import KubeApi, items
from e2e.local_stack import MONITORING, STACK, WORKLOAD_NAMESPACES, LocalStack

DESTROY_LIMIT_S = 600


def test_destroy_leaves_nothing_of_the_stack(local_stack: LocalStack, api: KubeApi) -> None:
    if local_stack.target.harness:  # as a chart uninstall stops them: nothing acts during the destroy
        controllers.stop_all(controllers.harness_layout())
    destroyed = local_stack.timed("destroy", lambda: local_stack.stack.destroy(on_output=print))
    local_stack.destroyed = True
    assert destroyed.summary.result == "succeeded"
    assert local_stack.figures["destroy_seconds"] < DESTROY_LIMIT_S
    for namespace in WORKLOAD_NAMESPACES:
        assert not api.exists(f"/api/v1/namespaces/{namespace}"), namespace
    assert helm_releases(api) == []
    helm_made = "labelSelector=app.kubernetes.io%2Fmanaged-by%3DHelm"
    for kind in ("clusterroles", "clusterrolebindings"):
        assert items(api, f"/apis/rbac.authorization.k8s.io/v1/{kind}?{helm_made}") == [], kind
    assert not api.exists("/apis/apiregistration.k8s.io/v1/apiservices/v1beta1.metrics.k8s.io")
    # Kept on purpose (deleting a CRD deletes every object of its kind): Argo's and the monitoring
    # CRDs, and nothing else of the stack; no object of theirs is left, the day-2 scenarios'
    # Rollouts, AnalysisRuns and Workflows included.
    kept = sorted(c["metadata"]["name"] for c in items(api, "/apis/apiextensions.k8s.io/v1/customresourcedefinitions"))
    local_stack.figures["crds_kept"] = kept
    assert kept and all(name.endswith((".argoproj.io", ".monitoring.coreos.com")) for name in kept)
    assert len([name for name in kept if name.endswith(".monitoring.coreos.com")]) == 10
    for kind in ("workflowtemplates", "workflows", "rollouts", "analysisruns", "analysistemplates"):
        assert items(api, f"/apis/argoproj.io/v1alpha1/{kind}") == [], kind
    for kind in ("servicemonitors", "prometheusrules", "prometheuses"):
        assert items(api, f"{MONITORING}/{kind}") == [], kind
    selector = "labelSelector=app.kubernetes.io%2Fname%3Dprometheus-node-exporter"
    assert items(api, f"/apis/apps/v1/namespaces/kube-system/daemonsets?{selector}") == []
    local_stack.stack.workspace.remove_stack(STACK)
