"""The one way this platform makes a namespace: named, labelled as part of eks-platform, and held
to the Pod Security Standards' `restricted` level by the API server.

Every pod the platform runs in its namespaces qualifies (tests/components/test_pod_security.py
checks each pod template offline; `make e2e` shows the API server admitting them): the Django
web, migration and test pods, Argo's controller, server and workflow pods (with their executor
containers), the Argo Rollouts controller and the local PostgreSQL. `enforce` refuses a pod that
does not; `audit` and `warn` report it. The level is pinned to the cluster's minor, so a cluster
upgrade never tightens it unannounced.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as kubernetes

PART_OF = {"app.kubernetes.io/part-of": "eks-platform"}
POD_SECURITY = "pod-security.kubernetes.io"
LEVEL = "restricted"


def pod_security_labels(kubernetes_version: str) -> dict[str, str]:
    """enforce, audit and warn at `restricted`, each pinned to the policy of `kubernetes_version` (e.g. 1.34)."""
    labels: dict[str, str] = {}
    for mode in ("enforce", "audit", "warn"):
        labels[f"{POD_SECURITY}/{mode}"] = LEVEL
        labels[f"{POD_SECURITY}/{mode}-version"] = f"v{kubernetes_version}"
    return labels


def platform_namespace(
    resource_name: str,
    name: str,
    opts: pulumi.ResourceOptions,
    *,
    kubernetes_version: str,
    labels: dict[str, str] | None = None,
) -> kubernetes.core.v1.Namespace:
    """Namespace `name` with the platform's label, the restricted Pod Security level and `labels`."""
    labels = {**PART_OF, **pod_security_labels(kubernetes_version), **(labels or {})}
    return kubernetes.core.v1.Namespace(resource_name, metadata={"name": name, "labels": labels}, opts=opts)
