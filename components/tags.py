"""Tag conventions shared by the AWS components."""

from __future__ import annotations


def cluster_tag(cluster_name: str) -> str:
    """The `kubernetes.io/cluster/<name>` tag key that EKS and its load balancers look for."""
    return f"kubernetes.io/cluster/{cluster_name}"
