"""Hand-built policy inputs: resources as the Pulumi engine passes them to a policy pack.

Properties are wrapped in pulumi-policy's unknown-checking proxy, exactly as the analyzer does,
so a value written as `UNKNOWN` behaves like a value `pulumi preview` does not know yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    PolicyCustomTimeouts,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.policy import _NotApplicableError
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, UnknownValueError, unknown_checking_proxy

UNKNOWN = UNKNOWN_STRING_VALUE


def urn_of(type_: str, name: str) -> str:
    return f"urn:pulumi:test::eks-platform::{type_}::{name}"


def _options(protect: bool) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect, [], None, [], PolicyCustomTimeouts(0, 0, 0), [], None)


def resource(type_: str, props: dict[str, Any], *, name: str = "r", protect: bool = False) -> ResourceValidationArgs:
    """A resource policy's input for one resource."""
    return ResourceValidationArgs(
        type_, unknown_checking_proxy(props), urn_of(type_, name), name, _options(protect), None
    )


def stack_resource(
    type_: str, name: str, props: dict[str, Any], *, depends_on: dict[str, list[PolicyResource]] | None = None
) -> PolicyResource:
    """A stack policy's view of one resource; `depends_on` is its property dependencies."""
    return PolicyResource(
        type_,
        unknown_checking_proxy(props),
        urn_of(type_, name),
        name,
        _options(False),
        None,
        None,
        [],
        dict(depends_on or {}),
    )


@dataclass
class Outcome:
    """What one policy did with one input."""

    violations: list[str] = field(default_factory=list)
    urns: list[str | None] = field(default_factory=list)
    not_applicable: bool = False
    deferred: bool = False

    @property
    def passed(self) -> bool:
        return not self.violations and not self.not_applicable and not self.deferred


def run(policy: ResourceValidationPolicy | StackValidationPolicy, args: Any) -> Outcome:
    """Validate `args` (ResourceValidationArgs, or a list of PolicyResource for a stack policy)."""
    outcome = Outcome()
    if isinstance(policy, StackValidationPolicy):
        args = StackValidationArgs(args)

    def report(message: str, urn: str | None = None) -> None:
        outcome.violations.append(message)
        outcome.urns.append(urn)

    try:
        policy.validate(args, report)
    except _NotApplicableError:
        outcome.not_applicable = True
    except UnknownValueError:
        outcome.deferred = True
    return outcome
