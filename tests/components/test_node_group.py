"""NodeGroup: hardened launch template, labels/taints, autoscaler tags, autoscaler owns desiredSize."""

from __future__ import annotations

from components.node_group import NodeGroup, NodeGroupCluster, autoscaler_node_template_tags
from components.settings import NodeGroupSettings
from offline.runner import record_components

TAINT = {"key": "dedicated", "value": "proto-inference", "effect": "NoSchedule"}
LABELS = {"node-group": "PROTO-INFERENCE-NG", "workload": "inference"}


def build(instance_types=("m6i.xlarge",)):
    settings = NodeGroupSettings.model_validate(
        {
            "instanceTypes": list(instance_types),
            "capacityType": "SPOT",
            "minSize": 0,
            "desiredSize": 1,
            "maxSize": 4,
            "diskSize": 100,
            "labels": {"workload": "inference"},
            "taints": [TAINT],
        }
    )
    cluster = NodeGroupCluster("c1", "arn:aws:iam::123456789012:role/nodes", ["subnet-private-a", "subnet-private-b"])
    return record_components(lambda: NodeGroup("ng", "PROTO-INFERENCE-NG", settings, cluster))


def of(records, type_):
    return [r for r in records if r.type == type_]


def test_node_group_labels_taints_and_subnets() -> None:
    [group] = of(build(), "aws:eks/nodeGroup:NodeGroup")
    inputs = group.plain
    assert inputs["nodeGroupName"] == "PROTO-INFERENCE-NG"
    assert inputs["labels"] == LABELS
    assert inputs["taints"] == [{"key": "dedicated", "value": "proto-inference", "effect": "NO_SCHEDULE"}]
    assert inputs["subnetIds"] == ["subnet-private-a", "subnet-private-b"]
    assert inputs["scalingConfig"] == {"minSize": 0, "desiredSize": 1, "maxSize": 4}
    assert group.ignore_changes == ["scalingConfig.desiredSize"]


def test_launch_template_requires_imdsv2_and_encrypts_the_root_volume() -> None:
    [template] = of(build(), "aws:ec2/launchTemplate:LaunchTemplate")
    metadata = template.inputs["metadataOptions"]
    assert metadata["httpTokens"] == "required" and metadata["httpPutResponseHopLimit"] == 1
    [disk] = template.inputs["blockDeviceMappings"]
    assert disk["ebs"]["encrypted"] == "true" and disk["ebs"]["volumeSize"] == 100


def test_autoscaler_tags_match_labels_and_taints() -> None:
    records = build()
    expected = {
        "k8s.io/cluster-autoscaler/node-template/label/node-group": "PROTO-INFERENCE-NG",
        "k8s.io/cluster-autoscaler/node-template/label/workload": "inference",
        "k8s.io/cluster-autoscaler/node-template/taint/dedicated": "proto-inference:NoSchedule",
    }
    assert autoscaler_node_template_tags(LABELS, [TAINT]) == expected
    asg_tags = {r.inputs["tag"]["key"]: r.inputs["tag"]["value"] for r in of(records, "aws:autoscaling/tag:Tag")}
    assert asg_tags == expected
    [group] = of(records, "aws:eks/nodeGroup:NodeGroup")
    assert expected.items() <= group.inputs["tags"].items()


def test_gpu_instances_get_the_nvidia_ami() -> None:
    [group] = of(build(["g5.xlarge"]), "aws:eks/nodeGroup:NodeGroup")
    assert group.inputs["amiType"] == "AL2023_x86_64_NVIDIA"
    [cpu] = of(build(), "aws:eks/nodeGroup:NodeGroup")
    assert cpu.inputs["amiType"] == "AL2023_x86_64_STANDARD"


def test_the_desired_size_is_the_autoscalers_unless_the_new_range_excludes_it() -> None:
    from components.node_group import desired_size

    group = NodeGroupSettings.model_validate(
        {"instanceTypes": ["m6i.large"], "minSize": 3, "desiredSize": 3, "maxSize": 6}
    )
    assert desired_size(group, None) == (3, False)  # first deploy: the configured size
    assert desired_size(group, 5) == (5, False)  # within range: the autoscaler's, untouched
    assert desired_size(group, 2) == (3, True)  # minSize raised above it: moved up, and sent
    assert desired_size(group, 9) == (6, True)  # maxSize lowered below it: moved down, and sent


def test_raising_min_size_above_the_live_desired_size_sends_the_new_floor(monkeypatch, dev_config) -> None:
    """EKS refuses minSize > desiredSize; the update must carry the raised desired size."""
    from offline import mocks
    from offline.runner import run_program

    monkeypatch.setattr(mocks, "LIVE_NODE_GROUPS", {"eks-platform-dev": {"system": 1, "PROTO-INFERENCE-NG": 2}})
    dev_config["nodeGroups"]["system"].update(minSize=2, desiredSize=2, maxSize=3)
    groups = {
        g.plain["nodeGroupName"]: g for g in run_program("dev", dev_config).of_type("aws:eks/nodeGroup:NodeGroup")
    }
    assert groups["system"].plain["scalingConfig"]["desiredSize"] == 2
    assert groups["system"].ignore_changes == []
    # the other group's live size (2) is in range: left to the autoscaler
    assert groups["PROTO-INFERENCE-NG"].plain["scalingConfig"]["desiredSize"] == 2
    assert groups["PROTO-INFERENCE-NG"].ignore_changes == ["scalingConfig.desiredSize"]
