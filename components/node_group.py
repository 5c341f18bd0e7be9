"""One EKS managed node group: hardened launch template, labels, taints, autoscaler tags."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import versions
from components.settings import NODE_GROUP_LABEL, NodeGroupSettings

# Kubernetes spells taint effects in CamelCase; the EKS API in SHOUTING_SNAKE.
EKS_TAINT_EFFECT = {"NoSchedule": "NO_SCHEDULE", "PreferNoSchedule": "PREFER_NO_SCHEDULE", "NoExecute": "NO_EXECUTE"}
_GPU_FAMILIES = ("g4dn", "g5", "g5g", "g6", "g6e", "gr6", "p3", "p4d", "p4de", "p5", "p5e")


def autoscaler_node_template_tags(labels: dict[str, str], taints: list[dict[str, str]]) -> dict[str, str]:
    """cluster-autoscaler node-template tags, so it can scale the group up from zero.

    With no node running, the autoscaler cannot see the labels and taints a new node would
    have; it reads them from these ASG tags instead and only then knows a pending pod fits.
    """
    tags = {f"k8s.io/cluster-autoscaler/node-template/label/{k}": v for k, v in labels.items()}
    for taint in taints:
        tags[f"k8s.io/cluster-autoscaler/node-template/taint/{taint['key']}"] = f"{taint['value']}:{taint['effect']}"
    return tags


def has_gpus(instance_types: list[str]) -> bool:
    """The group's (first) instance type is of an NVIDIA GPU family."""
    return instance_types[0].split(".")[0] in _GPU_FAMILIES


def ami_type_for(instance_types: list[str]) -> str:
    """NVIDIA AL2023 AMI for GPU instance families, the standard AL2023 AMI otherwise."""
    return versions.GPU_AMI_TYPE if has_gpus(instance_types) else versions.DEFAULT_AMI_TYPE


def desired_size(settings: NodeGroupSettings, live: int | None) -> tuple[int, bool]:
    """(desired size to declare, whether to send it) for a group whose live desired size is `live`.

    The autoscaler owns the desired size, so the program normally ignores changes to it. But EKS
    refuses a scaling config whose desired size lies outside [minSize, maxSize] (UpdateNodegroupConfig:
    "desired capacity ... can't be lower than min / greater than max"), and the provider would send
    the stale one: raising minSize above it, or lowering maxSize below it, would fail the update.
    Then the desired size is moved into the new range, and sent.
    """
    if live is None:
        return settings.desired_size, False
    clamped = min(max(live, settings.min_size), settings.max_size)
    return clamped, clamped != live


@dataclass(frozen=True)
class NodeGroupCluster:
    """The cluster side of a node group: what it joins, as which role, in which subnets."""

    cluster_name: str
    """EKS cluster the group joins."""
    node_role_arn: pulumi.Input[str]
    """IAM role of the nodes."""
    subnet_ids: pulumi.Input[list[str]]
    """Private subnets only: nodes get no public IP."""
    control_plane: pulumi.Resource | None = None
    """The cluster resource: the node group (not its launch template) is created once it exists."""


class NodeGroup(pulumi.ComponentResource):
    """A managed node group in private subnets, IMDSv2-only, with autoscaler discovery tags."""

    node_group_name: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        group_name: str,
        settings: NodeGroupSettings,
        cluster: NodeGroupCluster,
        live_desired_size: int | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ):
        """`group_name` as in the stack config (e.g. PROTO-INFERENCE-NG); `settings` its `nodeGroups` entry;
        `live_desired_size` the group's current desired size on AWS (None before it exists)."""
        super().__init__("platform:index:NodeGroup", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        node_tags = {"Name": f"{cluster.cluster_name}-{group_name}"}
        # `node-group: <name>` is what every nodeSelector of the platform matches.
        labels = {**settings.labels, NODE_GROUP_LABEL: group_name}
        taints = [taint.model_dump() for taint in settings.taints]
        launch_template = aws.ec2.LaunchTemplate(
            f"{name}-lt",
            description=f"{group_name} nodes of {cluster.cluster_name}",
            # IMDSv2 only, one hop: pods cannot reach the node's instance credentials. Pods that
            # need the region or VPC id get them passed explicitly (see the add-ons).
            metadata_options=aws.ec2.LaunchTemplateMetadataOptionsArgs(
                http_endpoint="enabled", http_tokens="required", http_put_response_hop_limit=1
            ),
            block_device_mappings=[
                aws.ec2.LaunchTemplateBlockDeviceMappingArgs(
                    device_name="/dev/xvda",
                    ebs=aws.ec2.LaunchTemplateBlockDeviceMappingEbsArgs(
                        volume_size=settings.disk_size,
                        volume_type="gp3",
                        encrypted="true",
                        delete_on_termination="true",
                    ),
                )
            ],
            tag_specifications=[
                aws.ec2.LaunchTemplateTagSpecificationArgs(resource_type=kind, tags=node_tags)
                for kind in ("instance", "volume")
            ],
            update_default_version=True,
            tags={},  # the stack's tags come from the provider's default_tags
            opts=child,
        )

        template_tags = autoscaler_node_template_tags(labels, taints)
        desired, resize = desired_size(settings, live_desired_size)
        node_group = aws.eks.NodeGroup(
            f"{name}-ng",
            cluster_name=cluster.cluster_name,
            node_group_name=group_name,
            node_role_arn=cluster.node_role_arn,
            subnet_ids=cluster.subnet_ids,
            instance_types=settings.instance_types,
            capacity_type=settings.capacity_type,
            ami_type=ami_type_for(settings.instance_types),
            scaling_config=aws.eks.NodeGroupScalingConfigArgs(
                min_size=settings.min_size, desired_size=desired, max_size=settings.max_size
            ),
            labels=labels,
            taints=[
                aws.eks.NodeGroupTaintArgs(key=t["key"], value=t["value"] or None, effect=EKS_TAINT_EFFECT[t["effect"]])
                for t in taints
            ],
            launch_template=aws.eks.NodeGroupLaunchTemplateArgs(
                id=launch_template.id, version=launch_template.latest_version.apply(str)
            ),
            update_config=aws.eks.NodeGroupUpdateConfigArgs(max_unavailable_percentage=33),
            tags=template_tags,
            # Only the group waits for the control plane (its name is plain config, no implicit
            # dependency); the launch template is made meanwhile.
            opts=pulumi.ResourceOptions(
                parent=self,
                depends_on=[cluster.control_plane] if cluster.control_plane else [],
                ignore_changes=[] if resize else ["scalingConfig.desiredSize"],
            ),
        )

        # EKS does not copy node group tags to the Auto Scaling group it creates, and the
        # autoscaler reads the ASG: tag it directly.
        asg_name = node_group.resources.apply(lambda resources: resources[0].autoscaling_groups[0].name)
        for key, value in template_tags.items():
            aws.autoscaling.Tag(
                f"{name}-asg-{key.rsplit('/', 1)[-1]}-{'label' if '/label/' in key else 'taint'}",
                autoscaling_group_name=asg_name,
                tag=aws.autoscaling.TagTagArgs(key=key, value=value, propagate_at_launch=False),
                opts=pulumi.ResourceOptions(parent=node_group),
            )

        self.node_group_name = node_group.node_group_name
        self.register_outputs({"node_group_name": self.node_group_name})
