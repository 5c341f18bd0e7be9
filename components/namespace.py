"""The one way this platform makes a namespace: named, labelled as part of eks-platform."""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as kubernetes

PART_OF = {"app.kubernetes.io/part-of": "eks-platform"}


def platform_namespace(
    resource_name: str, name: str, opts: pulumi.ResourceOptions, labels: dict[str, str] | None = None
) -> kubernetes.core.v1.Namespace:
    """Namespace `name` with the platform's label (and `labels`, e.g. a Pod Security level)."""
    return kubernetes.core.v1.Namespace(
        resource_name, metadata={"name": name, "labels": {**PART_OF, **(labels or {})}}, opts=opts
    )
