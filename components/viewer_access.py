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

from collections.abc import Sequence

import pulumi
import pulumi_kubernetes as kubernetes

from components.cluster import VIEWER_GROUP
from components.context import ClusterContext

RELEASE_READER = "eks-platform-release-reader"


class ViewerAccess(pulumi.ComponentResource):
    """A ClusterRole that reads Secrets, bound to the viewers' group in each release namespace."""

    def __init__(
        self,
        name: str,
        ctx: ClusterContext,
        *,
        release_namespaces: Sequence[str],
        after: Sequence[pulumi.Resource],
        opts: pulumi.ResourceOptions | None = None,
    ):
        """`release_namespaces`: namespaces holding Helm release Secrets (one RoleBinding each);
        `after`: the namespaces this stack creates, which the bindings wait for."""
        super().__init__("platform:index:ViewerAccess", name, None, ctx.component(opts))
        role = kubernetes.rbac.v1.ClusterRole(
            f"{name}-release-reader",
            metadata={"name": RELEASE_READER, "labels": {"app.kubernetes.io/part-of": "eks-platform"}},
            rules=[{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch"]}],
            opts=ctx.kubernetes(self),
        )
        for namespace in sorted(set(release_namespaces)):
            kubernetes.rbac.v1.RoleBinding(
                f"{name}-{namespace}",
                metadata={"name": RELEASE_READER, "namespace": namespace},
                role_ref={"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": RELEASE_READER},
                subjects=[{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": VIEWER_GROUP}],
                opts=ctx.kubernetes(self, [role, *after]),
            )
        self.register_outputs({})
