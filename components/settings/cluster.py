"""Where a stack's cluster comes from when it does not create one: `existingVpc`, `existingCluster`."""

from __future__ import annotations

from pydantic import Field, model_validator

from components.settings.base import SettingError, SettingsModel


class ExistingVpc(SettingsModel):
    """Reuse a VPC someone else made instead of creating one."""

    vpc_id: str = Field(pattern=r"^vpc-[0-9a-f]{8,17}$", description="The VPC id.")
    public_subnet_ids: list[str] = Field(min_length=2, description="Public subnets (load balancers), >= 2 AZs.")
    private_subnet_ids: list[str] = Field(min_length=2, description="Private subnets (nodes), >= 2 AZs.")


class ExistingCluster(SettingsModel):
    """Target a cluster this stack does not own: a kubeconfig context or an EKS cluster by name."""

    kubeconfig_context: str | None = Field(
        default=None, description="Context in ~/.kube/config, e.g. kind-eks-platform."
    )
    eks_cluster_name: str | None = Field(default=None, description="Name of an existing EKS cluster in `region`.")

    @model_validator(mode="after")
    def _exactly_one_target(self) -> ExistingCluster:
        if (self.kubeconfig_context is None) == (self.eks_cluster_name is None):
            raise SettingError(
                "kubeconfigContext",
                self.kubeconfig_context,
                "set exactly one of kubeconfigContext or eksClusterName",
            )
        return self
