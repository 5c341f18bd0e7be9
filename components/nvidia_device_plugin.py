"""The NVIDIA device plugin: makes `nvidia.com/gpu` schedulable on the GPU node groups.

The NVIDIA AMI (components/node_group.py picks it for GPU instance families) brings the driver
and the container toolkit, but the kubelet learns of the GPUs only from this plugin: without it, a
`run-code` workflow that asks for `nvidia.com/gpu` stays Pending forever. It runs only on the GPU
groups, tolerating their taints and no other, and on no node at all where no group has GPUs (the
component is then not created).

It lives in kube-system: it mounts the kubelet's device-plugin socket directory (a hostPath, which
the restricted and baseline Pod Security levels refuse), and its priority class,
system-node-critical, is admitted only there.
"""

from __future__ import annotations

from typing import Any

import pulumi

from components import versions
from components.context import ClusterContext, Placement
from components.helm_release import chart_release
from components.settings import NODE_GROUP_LABEL, NvidiaDevicePluginSettings

NAMESPACE = "kube-system"
RESOURCES = {
    "requests": {"cpu": "10m", "memory": "32Mi"},
    "limits": {"cpu": "100m", "memory": "128Mi"},
}


def release_values(groups: tuple[Placement, ...]) -> dict[str, Any]:
    """Helm values of the nvidia-device-plugin chart (keys of chart 0.20.0's values.yaml).

    The chart's default affinity wants node-feature-discovery labels (pci-10de, gpu.present),
    which EKS nodes do not carry: it is replaced by the groups' own `node-group` label.
    """
    tolerations = [dict(t) for group in groups for t in group.tolerations]
    return {
        "image": {"repository": versions.NVIDIA_DEVICE_PLUGIN_IMAGE, "tag": versions.NVIDIA_DEVICE_PLUGIN_TAG},
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [
                                {"key": NODE_GROUP_LABEL, "operator": "In", "values": [g.group for g in groups]}
                            ]
                        }
                    ]
                }
            }
        },
        "tolerations": [dict(t) for t in {tuple(sorted(t.items())): t for t in tolerations}.values()],
        "resources": RESOURCES,
        "gfd": {"enabled": False},  # no GPU feature discovery, hence no node-feature-discovery either
    }


class NvidiaDevicePlugin(pulumi.ComponentResource):
    """The device plugin's DaemonSet on the GPU node groups, from NVIDIA's chart, pinned."""

    def __init__(
        self,
        name: str,
        settings: NvidiaDevicePluginSettings,
        ctx: ClusterContext,
        opts: pulumi.ResourceOptions | None = None,
    ):
        super().__init__("platform:index:NvidiaDevicePlugin", name, None, ctx.component(opts))
        if not ctx.gpu_groups:
            raise ValueError("NvidiaDevicePlugin: the stack has no GPU node group (create it only where one exists)")
        chart_release(
            f"{name}-release",
            release_name="nvidia-device-plugin",
            chart=versions.NVIDIA_DEVICE_PLUGIN,
            namespace=NAMESPACE,
            values=release_values(ctx.gpu_groups),
            mirror=ctx.chart_mirror,
            # a DaemonSet on the GPU nodes: it waits for their groups to have joined
            opts=ctx.workload(self, ctx.gpu_groups[0], after=[g.node_group for g in ctx.gpu_groups[1:]]),
        )
        self.register_outputs({})
