"""metrics-server: the resource metrics API (`metrics.k8s.io`) the Django HPA scales on.

Needs no AWS, so it is the one add-on that also runs on the local stack. It must be the only
provider of `v1beta1.metrics.k8s.io` in the cluster: turn it off on a cluster that already
has one (an EKS metrics-server add-on, minikube's addon).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi

from components import versions
from components.context import ClusterContext
from components.helm_release import chart_release
from components.settings import MetricsServerSettings

NAMESPACE = "kube-system"
# Upstream sizing: ~1 mCPU and 2 MiB per node, plus headroom for scrape bursts.
RESOURCES = {
    "requests": {"cpu": "100m", "memory": "200Mi"},
    "limits": {"cpu": "500m", "memory": "400Mi"},
}


def release_values(ctx: ClusterContext) -> dict[str, Any]:
    """Helm values of the metrics-server chart: 2 replicas with a PodDisruptionBudget in prod, so a
    drain never removes the metrics API; kubelet certificates verified except on local (kind's
    kubelets sign their own)."""
    return {
        "image": {"repository": versions.METRICS_SERVER_IMAGE, "tag": versions.METRICS_SERVER_TAG},
        "replicas": ctx.replicas,
        "podDisruptionBudget": {"enabled": True, "minAvailable": 1} if ctx.replicas > 1 else {"enabled": False},
        "args": ["--kubelet-insecure-tls"] if ctx.environment == "local" else [],
        "resources": RESOURCES,
        "nodeSelector": ctx.system.node_selector,
        # No tolerations: metrics-server must never take room on the tainted inference nodes.
        "tolerations": [],
    }


class MetricsServer(pulumi.ComponentResource):
    """metrics-server from its official chart, pinned, off the inference node group."""

    api_service: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        settings: MetricsServerSettings,
        ctx: ClusterContext,
        *,
        after: Sequence[pulumi.Resource | None] = (),
        opts: pulumi.ResourceOptions | None = None,
    ):
        """`after`: what the release is created after, hence destroyed before (see __main__.py)."""
        super().__init__("platform:index:MetricsServer", name, None, ctx.component(opts))
        chart_release(
            f"{name}-release",
            release_name="metrics-server",
            chart=versions.METRICS_SERVER,
            namespace=NAMESPACE,
            values=release_values(ctx),
            mirror=ctx.chart_mirror,
            opts=ctx.workload(self, ctx.system, after=after),
        )

        self.api_service = pulumi.Output.from_input("v1beta1.metrics.k8s.io")
        self.register_outputs({"api_service": self.api_service})
