"""Run the policy pack over a stack's offline plan: no Pulumi CLI, no cloud, no credentials.

`offline.runner.run_program(stack)` records every resource the program registers (type, name,
inputs, protect, parent, dependencies). This module hands those records to the pack's policies
the way the Pulumi engine's analyzer would:

- resource policies get one `ResourceValidationArgs` per registered resource, with its inputs
  (secret markers removed, as pulumi-policy does; values still unknown stay unknown and make a
  policy "deferred", as `pulumi preview` does);
- stack policies get every resource as a `PolicyResource`, with parents, dependencies and, for
  custom resources, the `id` among the properties (bridged providers report it as an output);
- each violation carries the enforcement level the pack would use for that stack.

    python -m policy.offline_check dev prod     # exit 1 if any mandatory violation
"""

from __future__ import annotations

import asyncio
import inspect
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_policy import (
    EnforcementLevel,
    Policy,
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

from offline.mocks import Record
from offline.runner import ProgramRun, run_program
from policy.eks_platform_policy import StackContext, build_policies


@dataclass(frozen=True)
class Violation:
    """One reported violation: which policy, how enforced, on which resource, why."""

    policy: str
    level: str
    urn: str
    message: str

    @property
    def resource_name(self) -> str:
        """The Pulumi name of the resource (the last URN segment), or "(stack)"."""
        return self.urn.rsplit("::", 1)[-1] if self.urn else "(stack)"

    def __str__(self) -> str:
        return f"[{self.level}] {self.policy} {self.resource_name}: {self.message}"


@dataclass
class PolicyReport:
    """Everything one evaluation found."""

    context: StackContext
    violations: list[Violation] = field(default_factory=list)
    not_applicable: list[tuple[str, str]] = field(default_factory=list)
    """(policy, urn) pairs a policy declared itself not applicable to."""
    deferred: list[tuple[str, str, str]] = field(default_factory=list)
    """(policy, urn, reason): a value was unknown, as in a preview before resources exist."""

    @property
    def mandatory(self) -> list[Violation]:
        """Violations that would stop `pulumi preview`/`up`."""
        return [v for v in self.violations if v.level == EnforcementLevel.MANDATORY.value]

    @property
    def advisory(self) -> list[Violation]:
        """Violations that are only printed."""
        return [v for v in self.violations if v.level == EnforcementLevel.ADVISORY.value]

    def keys(self) -> set[tuple[str, str]]:
        """(policy, resource name) of every violation: what tests compare."""
        return {(v.policy, v.resource_name) for v in self.violations}


def _engine_value(value: Any) -> Any:
    """A recorded input as the engine would pass it: unknowns become pulumi-policy's sentinel."""
    if isinstance(value, pulumi.output.Unknown):
        return UNKNOWN_STRING_VALUE
    if isinstance(value, dict):
        return {k: _engine_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_engine_value(v) for v in value]
    return value


def _options(record: Record) -> PolicyResourceOptions:
    return PolicyResourceOptions(
        protect=record.protect,
        ignore_changes=list(record.ignore_changes),
        delete_before_replace=None,
        aliases=[],
        custom_timeouts=PolicyCustomTimeouts(0, 0, 0),
        additional_secret_outputs=[],
        parent=record.parent or None,
    )


def resource_args(record: Record) -> ResourceValidationArgs:
    """What the engine's Analyze call passes a resource policy for this record."""
    props = unknown_checking_proxy(_engine_value(record.plain))
    return ResourceValidationArgs(record.type, props, record.urn, record.name, _options(record), None)


def stack_resources(records: Sequence[Record]) -> list[PolicyResource]:
    """What the engine's AnalyzeStack call passes stack policies, with parents and dependencies."""
    resources: dict[str, PolicyResource] = {}
    for record in records:
        props = _engine_value(record.plain)
        if record.custom and record.id:
            props = {**props, "id": record.id}
        resources[record.urn] = PolicyResource(
            record.type, unknown_checking_proxy(props), record.urn, record.name, _options(record), None, None, [], {}
        )
    for record in records:
        resource = resources[record.urn]
        resource.parent = resources.get(record.parent)
        resource.dependencies = [resources[u] for u in record.dependencies if u in resources]
        # Recorded when the mocks keep property dependencies; otherwise policies fall back to ids.
        for prop, urns in (getattr(record, "property_dependencies", None) or {}).items():
            resource.property_dependencies[prop] = [resources[u] for u in urns if u in resources]
    return list(resources.values())


def _run(check: Any) -> None:
    """Await a validation that returned an awaitable (async policies), like the engine does."""
    if inspect.isawaitable(check):

        async def wait() -> None:
            await check

        asyncio.run(wait())


def evaluate(
    records: Sequence[Record],
    context: StackContext,
    policies: Sequence[Policy] | None = None,
) -> PolicyReport:
    """Run `policies` (default: the whole pack for `context`) over `records`."""
    policies = list(policies) if policies is not None else build_policies(context)
    report = PolicyReport(context=context)
    resources = stack_resources(records)
    for policy in policies:
        level = policy.enforcement_level or context.enforcement_level
        if level == EnforcementLevel.DISABLED:
            continue
        if isinstance(policy, ResourceValidationPolicy):
            targets = [(record.urn, resource_args(record)) for record in records]
        elif isinstance(policy, StackValidationPolicy):
            targets = [("", StackValidationArgs(resources))]
        else:
            continue
        for urn, args in targets:

            def report_violation(
                message: str,
                violation_urn: str | None = None,
                *,
                _name: str = policy.name,
                _level: str = level.value,
                _urn: str = urn,
            ) -> None:
                report.violations.append(Violation(_name, _level, violation_urn or _urn, message))

            try:
                _run(policy.validate(args, report_violation))
            except _NotApplicableError:
                report.not_applicable.append((policy.name, urn))
            except UnknownValueError as error:
                report.deferred.append((policy.name, urn, error.message))
    return report


def context_for(run: ProgramRun) -> StackContext:
    """The context the CLI would give the pack for this run: stack name and `environment` key."""
    environment = run.outputs.get("environment")
    return StackContext(stack=run.stack, environment=environment if isinstance(environment, str) else None)


def check_run(run: ProgramRun, policies: Sequence[Policy] | None = None) -> PolicyReport:
    """The pack's verdict on one program run."""
    return evaluate(run.records, context_for(run), policies)


def main(argv: Sequence[str]) -> int:
    """Print every violation of each named stack; exit 1 when any is mandatory."""
    stacks = list(argv) or ["dev"]
    failed = False
    for stack in stacks:
        report = check_run(run_program(stack))
        print(
            f"{stack}: {report.context.describe()}: {len(report.mandatory)} mandatory, {len(report.advisory)} advisory"
        )
        for violation in report.violations:
            print(f"  {violation}")
        failed = failed or bool(report.mandatory)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
