"""metrics-server: the resource metrics API (`metrics.k8s.io`) the Django HPA scales on.

Needs no AWS, so it is the one add-on that also runs on the local stack. It must be the only
provider of `v1beta1.metrics.k8s.io` in the cluster: turn it off on a cluster that already
has one (an EKS metrics-server add-on, minikube's addon).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pulumi

from components import versions
from components.helm_release import UPSTREAM, ChartMirror, chart_release

NAMESPACE = "kube-system"
# Upstream sizing: ~1 mCPU and 2 MiB per node, plus headroom for scrape bursts.
RESOURCES = {
    "requests": {"cpu": "100m", "memory": "200Mi"},
    "limits": {"cpu": "500m", "memory": "400Mi"},
}


@dataclass(frozen=True)
class MetricsServerArgs:
    """What the MetricsServer component needs."""

    node_selector: dict[str, str] = field(default_factory=dict)
    """Where it runs: the system node group's label (`settings.scheduling_for("system")[0]`); empty on kind."""
    replicas: int = 1
    """Replicas; more than one adds a PodDisruptionBudget so a drain never removes the metrics API."""
    kubelet_insecure_tls: bool = False
    """Skip verifying kubelet serving certificates: only for kind, whose kubelets self-sign theirs."""
    chart_mirror: ChartMirror = UPSTREAM
    """Where the upstream chart comes from (the stack's `chartMirror`)."""


def release_values(args: MetricsServerArgs) -> dict[str, Any]:
    """Helm values of the metrics-server chart."""
    return {
        "image": {"repository": versions.METRICS_SERVER_IMAGE, "tag": versions.METRICS_SERVER_TAG},
        "replicas": args.replicas,
        "podDisruptionBudget": {"enabled": True, "minAvailable": 1} if args.replicas > 1 else {"enabled": False},
        "args": ["--kubelet-insecure-tls"] if args.kubelet_insecure_tls else [],
        "resources": RESOURCES,
        "nodeSelector": args.node_selector,
        # No tolerations: metrics-server must never take room on the tainted inference nodes.
        "tolerations": [],
    }


class MetricsServer(pulumi.ComponentResource):
    """metrics-server from its official chart, pinned, off the inference node group."""

    api_service: pulumi.Output[str]

    def __init__(self, name: str, args: MetricsServerArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:index:MetricsServer", name, None, opts)
        chart_release(
            f"{name}-release",
            release_name="metrics-server",
            chart=versions.METRICS_SERVER,
            namespace=NAMESPACE,
            values=release_values(args),
            mirror=args.chart_mirror,
            opts=pulumi.ResourceOptions(parent=self),
        )

        self.api_service = pulumi.Output.from_input("v1beta1.metrics.k8s.io")
        self.register_outputs({"api_service": self.api_service})
