"""AWS resources a pending create may have made: imported where the provider's ID is a name the
program chose (the inputs hold it), otherwise reported with the command that finds them.

The ID formats are the import IDs of the Pulumi AWS provider's registry pages ("Import" section of
each resource): an EKS cluster, IAM role, ECR repository or instance profile by its name, an S3
bucket by its bucket name, an RDS instance by its identifier, a node group as
`<cluster>:<node group>`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Inputs = dict[str, Any]


def _field(name: str) -> Callable[[Inputs], str | None]:
    return lambda inputs: inputs.get(name) if isinstance(inputs.get(name), str) else None


def _node_group(inputs: Inputs) -> str | None:
    cluster, group = inputs.get("clusterName"), inputs.get("nodeGroupName")
    return f"{cluster}:{group}" if isinstance(cluster, str) and isinstance(group, str) else None


DETERMINISTIC: dict[str, Callable[[Inputs], str | None]] = {
    "aws:eks/cluster:Cluster": _field("name"),
    "aws:iam/role:Role": _field("name"),
    "aws:iam/instanceProfile:InstanceProfile": _field("name"),
    "aws:ecr/repository:Repository": _field("name"),
    "aws:s3/bucket:Bucket": _field("bucket"),
    "aws:s3/bucketV2:BucketV2": _field("bucket"),
    "aws:rds/instance:Instance": _field("identifier"),
    "aws:eks/nodeGroup:NodeGroup": _node_group,
}


def deterministic_id(resource_type: str, inputs: Inputs) -> str | None:
    """The import ID, when this type's ID is a name in the inputs."""
    builder = DETERMINISTIC.get(resource_type)
    return builder(inputs) if builder else None


def finder(resource_type: str, inputs: Inputs, stack: str, region: str | None) -> str:
    """A command that lists the candidates for a resource whose ID AWS assigns: every AWS resource
    of the stack carries the provider's default tags `project=eks-platform` and `stack=<stack>`
    (components/cluster_access.py), and its own `Name` tag when the program gave one."""
    where = f" --region {region}" if region else ""
    filters = f"Key=project,Values=eks-platform Key=stack,Values={stack}"
    tags = inputs.get("tags") if isinstance(inputs.get("tags"), dict) else {}
    if isinstance(tags.get("Name"), str):
        filters += f" Key=Name,Values={tags['Name']}"
    return f"aws resourcegroupstaggingapi get-resources{where} --tag-filters {filters}  # {resource_type}"
