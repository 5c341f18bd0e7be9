"""NvidiaDevicePlugin: on the GPU node groups only, tolerating their taints and no other; absent without GPUs."""

from __future__ import annotations

from typing import Any

import pytest

from components import versions
from components.context import Placement
from components.nvidia_device_plugin import NvidiaDevicePlugin, release_values
from components.settings import NvidiaDevicePluginSettings
from offline.runner import ProgramRun, record_components, run_program
from tests import upstream_charts
from tests.components.contexts import INFERENCE, unit_context

RELEASE = "kubernetes:helm.sh/v3:Release"
TAINT = {"key": "dedicated", "operator": "Equal", "value": "proto-inference", "effect": "NoSchedule"}


def plugin_release(run: ProgramRun) -> dict[str, Any] | None:
    found = [r.plain for r in run.of_type(RELEASE) if r.plain["chart"] == "nvidia-device-plugin"]
    return found[0] if found else None


def test_prods_g5_group_gets_the_pinned_plugin_in_kube_system(prod: ProgramRun) -> None:
    release = plugin_release(prod)
    assert release is not None
    assert (release["version"], release["repositoryOpts"]["repo"]) == (
        versions.NVIDIA_DEVICE_PLUGIN.version,
        "https://nvidia.github.io/k8s-device-plugin",
    )
    assert release["namespace"] == "kube-system"
    assert release["values"]["tolerations"] == [TAINT]
    [term] = release["values"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"
    ]
    assert term == {"matchExpressions": [{"key": "node-group", "operator": "In", "values": ["PROTO-INFERENCE-NG"]}]}


def test_the_plugin_waits_for_the_gpu_group(prod: ProgramRun) -> None:
    [record] = [r for r in prod.of_type(RELEASE) if r.plain["chart"] == "nvidia-device-plugin"]
    [group] = [
        g for g in prod.of_type("aws:eks/nodeGroup:NodeGroup") if g.plain["nodeGroupName"] == "PROTO-INFERENCE-NG"
    ]
    assert group.urn in record.dependencies


@pytest.mark.parametrize("stack", ["dev", "local"])
def test_no_gpu_group_no_plugin(stack: str, request: pytest.FixtureRequest) -> None:
    assert plugin_release(request.getfixturevalue(stack)) is None


def test_dev_with_a_gpu_group_gets_it_and_it_can_be_turned_off(dev_config: dict[str, Any]) -> None:
    dev_config["nodeGroups"]["PROTO-INFERENCE-NG"]["instanceTypes"] = ["g6.xlarge"]
    assert plugin_release(run_program("dev", dev_config)) is not None
    dev_config["addons"] = {**dev_config.get("addons", {}), "nvidiaDevicePlugin": {"enabled": False}}
    assert plugin_release(run_program("dev", dev_config)) is None


def test_the_component_refuses_a_stack_without_gpus() -> None:
    with pytest.raises(ValueError, match="no GPU node group"):
        record_components(lambda: NvidiaDevicePlugin("ndp", NvidiaDevicePluginSettings(), unit_context()))


def test_the_rendered_daemonsets_land_only_on_the_gpu_group() -> None:
    """The real chart: its NFD-label affinity is replaced, and the only toleration is the group's taint."""
    objects = upstream_charts.render("nvidia-device-plugin", release_values((INFERENCE,)), namespace="kube-system")
    daemonsets = [o for o in objects if o["kind"] == "DaemonSet"]
    assert daemonsets
    for daemonset in daemonsets:
        spec = daemonset["spec"]["template"]["spec"]
        assert spec["tolerations"] == [TAINT]
        [term] = spec["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
        assert term["matchExpressions"][0]["values"] == ["PROTO-INFERENCE-NG"]
        images = {c["image"] for c in spec["containers"]}
        assert images == {f"{versions.NVIDIA_DEVICE_PLUGIN_IMAGE}:{versions.NVIDIA_DEVICE_PLUGIN_TAG}"}


def test_two_gpu_groups_share_one_daemonset_with_both_taints() -> None:
    other = Placement("gpu-b", {"node-group": "gpu-b"}, [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}])
    values = release_values((INFERENCE, other))
    assert values["tolerations"] == [TAINT, other.tolerations[0]]
    terms = values["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"]["nodeSelectorTerms"]
    assert terms[0]["matchExpressions"][0]["values"] == ["PROTO-INFERENCE-NG", "gpu-b"]
