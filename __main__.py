"""eks-platform: one stack = one environment (dev, prod on AWS; local on an existing cluster).

Reads and validates the stack config once, gets a cluster (provisioned or existing), wires
the Kubernetes-side components and exports what operators need. Resource logic lives in
components/.
"""

from __future__ import annotations

import pulumi

from components.cluster_access import connect_existing, provision_eks
from components.settings import ConfigError, from_pulumi_config

try:
    settings = from_pulumi_config()
except ConfigError as error:
    # RunError prints the message alone: the operator sees which key is wrong, not a traceback.
    raise pulumi.RunError(str(error)) from None

access = provision_eks(settings) if settings.create_cluster else connect_existing(settings)

pulumi.export("environment", settings.environment)
pulumi.export("clusterName", access.cluster_name)
pulumi.export("region", settings.region)
if settings.create_cluster or (settings.existing_cluster and settings.existing_cluster.eks_cluster_name):
    pulumi.export(
        "updateKubeconfigCommand", f"aws eks update-kubeconfig --region {settings.region} --name {access.cluster_name}"
    )
if access.owns_aws:
    pulumi.export("vpcId", access.vpc_id)
    pulumi.export("oidcProviderArn", access.oidc_provider_arn)
    pulumi.export("nodeGroupNames", access.node_group_names)
    pulumi.export("kubeconfig", access.kubeconfig)
