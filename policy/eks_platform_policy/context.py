"""Which stack the pack is judging, and therefore how hard it enforces.

The Pulumi CLI starts a policy pack with the stack it is operating on in its environment:
`PULUMI_STACK` (the stack name, possibly `org/project/stack`) and `PULUMI_CONFIG` (the stack's
config as JSON, e.g. `{"eks-platform:environment": "prod", ...}`). The pack reads both once, at
start-up, to choose one enforcement level for every policy:

- prod (config `environment: prod` *or* a stack named `prod`): **mandatory** — a violation
  stops `pulumi preview`/`pulumi up`;
- dev and local: **advisory** — violations are printed, nothing is blocked;
- anything the pack cannot identify: **mandatory**. Failing closed means a missing or renamed
  config key can never quietly downgrade prod to warnings.

`--policy-pack-config` still overrides per policy (Pulumi's standard `{"<policy>": "advisory"}`
file), which is the documented escape hatch for an emergency.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

from pulumi_policy import EnforcementLevel

PROJECT_NAMESPACE = "eks-platform"
ENVIRONMENT_KEY = f"{PROJECT_NAMESPACE}:environment"
PROD = "prod"
RELAXED_ENVIRONMENTS = ("dev", "local")


@dataclass(frozen=True)
class StackContext:
    """The stack under evaluation, as far as the pack can tell."""

    stack: str | None
    """Stack name without organization/project (e.g. `prod`); None when the CLI gave none."""
    environment: str | None
    """The stack's `eks-platform:environment` config value; None when absent."""

    @classmethod
    def from_environ(cls, environ: Mapping[str, str]) -> StackContext:
        """Read the stack name and its `environment` key from what the CLI hands the pack."""
        stack = environ.get("PULUMI_STACK") or None
        if stack is not None:
            stack = stack.rsplit("/", 1)[-1]
        environment = None
        raw = environ.get("PULUMI_CONFIG")
        if raw:
            try:
                config = json.loads(raw)
            except json.JSONDecodeError:
                config = {}
            value = config.get(ENVIRONMENT_KEY) if isinstance(config, dict) else None
            environment = value if isinstance(value, str) and value else None
        return cls(stack=stack, environment=environment)

    @property
    def is_prod(self) -> bool:
        """Prod by config or by name: either is enough (a renamed key must not relax prod)."""
        return self.environment == PROD or self.stack == PROD

    @property
    def is_local(self) -> bool:
        """The local stack: an existing cluster without the AWS node groups."""
        return not self.is_prod and (
            self.environment == "local" or (self.environment is None and self.stack == "local")
        )

    @property
    def enforcement_level(self) -> EnforcementLevel:
        """Mandatory in prod and for unidentified stacks, advisory in dev and local."""
        if self.is_prod:
            return EnforcementLevel.MANDATORY
        if self.environment in RELAXED_ENVIRONMENTS:
            return EnforcementLevel.ADVISORY
        if self.environment is None and self.stack in RELAXED_ENVIRONMENTS:
            return EnforcementLevel.ADVISORY
        return EnforcementLevel.MANDATORY

    def describe(self) -> str:
        """One line for logs: which stack, which environment, which level."""
        return (
            f"stack={self.stack or '?'} environment={self.environment or '?'} "
            f"enforcement={self.enforcement_level.value}"
        )
