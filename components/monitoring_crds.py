"""The prometheus-operator CRDs (ServiceMonitor, PrometheusRule, Prometheus, ...), applied by the program.

Helm installs a chart's `crds/` once and never upgrades them, and these are too large for a
client-side apply's annotation (prometheuses is 0.8 MB). So kube-prometheus-stack runs with
`crds.enabled: false`, and this component applies the chart's own files (monitoring/crds/, copied
byte for byte by `make monitoring-crds`; a test holds them to the pinned chart) server-side:

- a chart bump upgrades them in the same `pulumi up`, shown in its preview;
- they exist seconds after the API server answers, so every release that renders a ServiceMonitor
  (Argo, the load balancer controller, cluster-autoscaler, Django) waits for them, not for the
  monitoring release and its pods (`ClusterContext.with_monitoring`);
- they are kept on destroy (`retainOnDelete`, inherited by each CRD), as Argo's are: deleting a CRD
  deletes every object of its kind, in every namespace, including another team's.
"""

from __future__ import annotations

from pathlib import Path

import pulumi
import pulumi_kubernetes as kubernetes

from components.context import ClusterContext

CRDS = Path(__file__).resolve().parent.parent / "monitoring" / "crds"


def crd_files() -> list[str]:
    """The CRD files, relative to the project (the program runs there): stable in state on every machine."""
    root = CRDS.parent.parent
    return [str(path.relative_to(root)) for path in sorted(CRDS.glob("*.yaml"))]


class MonitoringCrds(pulumi.ComponentResource):
    """The pinned chart's monitoring.coreos.com CRDs, server-side applied and kept on destroy."""

    def __init__(self, name: str, ctx: ClusterContext, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:index:MonitoringCrds", name, None, ctx.component(opts))
        self.definitions = kubernetes.yaml.v2.ConfigGroup(
            f"{name}-definitions",
            files=crd_files(),
            opts=pulumi.ResourceOptions.merge(ctx.kubernetes(self), pulumi.ResourceOptions(retain_on_delete=True)),
        )
        self.register_outputs({})
