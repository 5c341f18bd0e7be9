"""Read-only cluster access for preview roles: what `pulumi preview` of this program reads.

EKS's AmazonEKSViewPolicy (given to `viewerRoleArns` through access entries, see
components/cluster.py) maps to the `view` ClusterRole, which deliberately cannot read Secrets.
A `helm.v3.Release` preview reads the release's state from Helm's storage, Secrets of type
`helm.sh/release.v1` in the release namespace, so a viewer also gets read access to Secrets in
exactly the namespaces this stack installs releases into. RBAC cannot select Secrets by type:
those namespaces' other Secrets are readable too. That is the price of a preview with a
read-only role; keep application Secrets out of kube-system and the add-on namespaces.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_kubernetes as kubernetes

from components.cluster import VIEWER_GROUP

RELEASE_READER = "eks-platform-release-reader"


@dataclass(frozen=True)
class ViewerAccessArgs:
    """What the ViewerAccess component needs."""

    release_namespaces: list[str]
    """Namespaces holding Helm release Secrets (one RoleBinding each)."""
    namespace_resources: list[pulumi.Resource]
    """Namespaces this stack creates: bindings wait for them."""


class ViewerAccess(pulumi.ComponentResource):
    """A ClusterRole that reads Secrets, bound to the viewers' group in each release namespace."""

    def __init__(self, name: str, args: ViewerAccessArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:index:ViewerAccess", name, None, opts)
        role = kubernetes.rbac.v1.ClusterRole(
            f"{name}-release-reader",
            metadata={"name": RELEASE_READER, "labels": {"app.kubernetes.io/part-of": "eks-platform"}},
            rules=[{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch"]}],
            opts=pulumi.ResourceOptions(parent=self),
        )
        for namespace in sorted(set(args.release_namespaces)):
            kubernetes.rbac.v1.RoleBinding(
                f"{name}-{namespace}",
                metadata={"name": RELEASE_READER, "namespace": namespace},
                role_ref={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": RELEASE_READER},
                subjects=[{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": VIEWER_GROUP}],
                opts=pulumi.ResourceOptions(parent=self, depends_on=[role, *args.namespace_resources]),
            )
        self.register_outputs({})
