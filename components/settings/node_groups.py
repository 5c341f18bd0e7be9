"""Managed node groups: `nodeGroups.<name>` (instance types, sizes, labels, taints)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import Field, field_validator, model_validator

from components.settings.base import SettingError, SettingsModel, TaintEffect

_LABEL_KEY = re.compile(r"^([a-z0-9.-]+/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_LABEL_VALUE = re.compile(r"^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$")


class Taint(SettingsModel):
    """A Kubernetes taint put on every node of a group."""

    key: str = Field(description="Taint key, e.g. dedicated.")
    value: str = Field(default="", description="Taint value, e.g. proto-inference.")
    effect: TaintEffect = Field(description="NoSchedule, PreferNoSchedule or NoExecute.")

    def toleration(self) -> dict[str, str]:
        """The toleration a pod needs to land on a node with this taint."""
        return {"key": self.key, "operator": "Equal", "value": self.value, "effect": self.effect}


class NodeGroupSettings(SettingsModel):
    """One EKS managed node group, keyed by its name in `nodeGroups`."""

    instance_types: list[str] = Field(min_length=1, description="EC2 instance types, first is preferred.")
    capacity_type: Literal["ON_DEMAND", "SPOT"] = Field(default="ON_DEMAND", description="ON_DEMAND or SPOT.")
    min_size: int = Field(ge=0, description="Fewest nodes the autoscaler keeps.")
    desired_size: int = Field(ge=0, description="Nodes at creation; later changes are the autoscaler's.")
    max_size: int = Field(ge=1, description="Most nodes the autoscaler may add.")
    disk_size: int = Field(default=50, ge=20, le=16384, description="Encrypted gp3 root volume, GiB.")
    labels: dict[str, str] = Field(default_factory=dict, description="Extra node labels.")
    taints: list[Taint] = Field(default_factory=list, description="Node taints.")

    @model_validator(mode="after")
    def _sizes_in_order(self) -> NodeGroupSettings:
        if self.min_size > self.max_size:
            raise SettingError("minSize", self.min_size, f"must be <= maxSize ({self.max_size})")
        if not self.min_size <= self.desired_size <= self.max_size:
            raise SettingError(
                "desiredSize",
                self.desired_size,
                f"must lie within [minSize, maxSize] = [{self.min_size}, {self.max_size}]",
            )
        return self

    @field_validator("labels")
    @classmethod
    def _labels_are_kubernetes_labels(cls, labels: dict[str, str]) -> dict[str, str]:
        for key, value in labels.items():
            if not _LABEL_KEY.match(key) or not _LABEL_VALUE.match(value):
                raise SettingError(
                    f"labels.{key}", value, "a Kubernetes label: [prefix/]name and value of <=63 alphanumerics, -_."
                )
        return labels
