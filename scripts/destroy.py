#!/usr/bin/env python3
"""Tear a stack down in an order that does not hang: `make destroy STACK=dev`.

    python scripts/destroy.py STACK [--dry-run] [--yes] [--refresh] [--continue-on-error]
                                    [--i-have-unprotected-prod]

What it runs, in order (see docs/operations.md, "Tear down"):

1. (`--refresh`) `pulumi refresh`: forget what is already gone, e.g. after a half-finished destroy.
2. `pulumi destroy --target <every Kubernetes resource of the workloads> --target-dependents`:
   the Django and Argo releases, their namespaces and WorkflowTemplates go first, while the
   cluster and the AWS Load Balancer Controller still run, so the controller deletes the ALBs
   and target groups it made for their Ingresses (left behind, they would block deleting the
   subnets and the VPC). Namespace deletion waits until everything inside is gone.
3. `pulumi destroy`: the rest. Kubernetes resources left (the add-ons) are `deletedWith` the
   cluster and its provider has `deleteUnreachable`, so nothing waits on an API server that is
   going away. AWS resources are never `deletedWith` anything (the engine would skip them and
   leak them: the next `up` would then fail on the ECR repository's fixed name), so the IRSA
   roles and policies are deleted, then node groups, cluster, NAT gateways, subnets, VPC. The
   artifact bucket and the ECR repository are emptied and deleted, or retained, as
   `dataOnDestroy` says; the RDS instance is deleted with a final snapshot (and its KMS key kept)
   when data is retained, without one otherwise. Its security group and subnet group go after it.

Prod refuses. To really destroy prod: `pulumi state unprotect --all --stack prod`, turn off EKS
deletion protection (EKS and RDS), then pass `--i-have-unprotected-prod`; the script checks the state before
it runs anything. Without the Pulumi CLI only `--dry-run` works (it prints the plan).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
NAMESPACE = "eks-platform"
# Components whose Kubernetes resources are removed while the cluster still runs (step 2 above).
WORKLOAD_COMPONENTS = ("platform:index:DjangoApp", "platform:index:ArgoWorkflows")
EKS_CLUSTER = "aws:eks/cluster:Cluster"
RDS_INSTANCE = "aws:rds/instance:Instance"
RECOVERY_DOC = "docs/operations.md (Tear down: recovering from a half-finished destroy)"

Runner = Callable[[Sequence[str], bool], subprocess.CompletedProcess]
"""Runs a command; the flag says whether to capture stdout (read-only queries) or stream it."""


class RefusedError(Exception):
    """The script will not proceed; the message says why and what to do."""


@dataclass(frozen=True)
class Step:
    """One command of the plan and why it is there."""

    command: list[str]
    why: str
    mutates: bool = True

    def shell(self) -> str:
        """The command as one would type it."""
        return " ".join(_quote(part) for part in self.command)


def _quote(part: str) -> str:
    return f"'{part}'" if any(c in part for c in " $*?[]") else part


# ---- what the stack is ---------------------------------------------------------------------------


def stack_config(stack: str, root: Path = ROOT) -> dict[str, Any]:
    """The `config` of Pulumi.<stack>.yaml; refuses an unknown stack."""
    path = root / f"Pulumi.{stack}.yaml"
    if not path.exists():
        raise RefusedError(f"No stack file {path.name}: unknown stack {stack!r}.")
    return dict((yaml.safe_load(path.read_text()) or {}).get("config") or {})


def stack_environment(stack: str, root: Path = ROOT) -> str | None:
    """`eks-platform:environment` of Pulumi.<stack>.yaml (None when the file does not say)."""
    value = stack_config(stack, root).get(f"{NAMESPACE}:environment")
    return value if isinstance(value, str) else None


def is_prod(stack: str, environment: str | None) -> bool:
    """Prod by name or by config: either is enough to refuse."""
    return stack == "prod" or environment == "prod"


# ---- what the state holds ------------------------------------------------------------------------


def state_resources(export: str) -> list[dict[str, Any]]:
    """The resources of a `pulumi stack export` document."""
    document = json.loads(export)
    return list((document.get("deployment") or {}).get("resources") or [])


def protected_resources(resources: list[dict[str, Any]]) -> list[str]:
    """URNs of resources with protect set (destroy stops at them)."""
    return [r["urn"] for r in resources if r.get("protect")]


def deletion_protected_clusters(resources: list[dict[str, Any]]) -> list[str]:
    """EKS clusters whose AWS-side deletion protection is on (AWS refuses to delete them)."""
    return [
        (r.get("outputs") or {}).get("name") or r["urn"]
        for r in resources
        if r.get("type") == EKS_CLUSTER and (r.get("outputs") or {}).get("deletionProtection")
    ]


def deletion_protected_databases(resources: list[dict[str, Any]]) -> list[str]:
    """RDS instances whose AWS-side deletion protection is on (AWS refuses to delete them)."""
    return [
        (r.get("outputs") or {}).get("identifier") or r["urn"]
        for r in resources
        if r.get("type") == RDS_INSTANCE and (r.get("outputs") or {}).get("deletionProtection")
    ]


def retained_resources(resources: list[dict[str, Any]]) -> list[str]:
    """Resources Pulumi drops from the state but leaves in AWS (retainOnDelete)."""
    return [r["urn"] for r in resources if r.get("retainOnDelete")]


def workload_targets(resources: list[dict[str, Any]]) -> list[str]:
    """URNs of the Kubernetes resources under the workload components (phase 2 targets)."""
    by_urn = {r["urn"]: r for r in resources}

    def under_workload(resource: dict[str, Any]) -> bool:
        parent = by_urn.get(resource.get("parent", ""))
        while parent is not None:
            if parent.get("type") in WORKLOAD_COMPONENTS:
                return True
            parent = by_urn.get(parent.get("parent", ""))
        return False

    return [
        r["urn"]
        for r in resources
        if str(r.get("type", "")).startswith("kubernetes:") and not r.get("delete") and under_workload(r)
    ]


# ---- the plan ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Options:
    """The command line, parsed."""

    stack: str
    yes: bool = False
    dry_run: bool = False
    refresh: bool = False
    continue_on_error: bool = False
    prod_unprotected: bool = False


def export_step(stack: str) -> Step:
    """The read-only state query every run starts with."""
    return Step(["pulumi", "stack", "export", "--stack", stack], "read the state (read-only)", mutates=False)


def check_prod_state(resources: list[dict[str, Any]], stack: str) -> None:
    """Prod may only go once nothing is protected, in Pulumi or in AWS."""
    protected = protected_resources(resources)
    if protected:
        listing = "\n".join(f"  - {urn}" for urn in protected)
        raise RefusedError(
            f"{len(protected)} resource(s) of {stack} are still protected:\n{listing}\n"
            f"Unprotect them deliberately first: pulumi state unprotect --all --stack {stack}"
        )
    clusters = deletion_protected_clusters(resources)
    if clusters:
        commands = "\n".join(
            f"  aws eks update-cluster-config --name {name} --no-deletion-protection" for name in clusters
        )
        raise RefusedError(
            f"EKS deletion protection is on for {', '.join(clusters)}; AWS would refuse the delete. Turn it off:\n"
            f"{commands}\nthen: pulumi refresh --yes --stack {stack}"
        )
    databases = deletion_protected_databases(resources)
    if databases:
        commands = "\n".join(
            f"  aws rds modify-db-instance --db-instance-identifier {name} --no-deletion-protection --apply-immediately"
            for name in databases
        )
        raise RefusedError(
            f"RDS deletion protection is on for {', '.join(databases)}; AWS would refuse the delete. A final "
            f"snapshot is taken on delete (dataOnDestroy). Turn the protection off:\n{commands}\n"
            f"then: pulumi refresh --yes --stack {stack}"
        )


def plan(options: Options, resources: list[dict[str, Any]] | None) -> list[Step]:
    """The mutating commands, in order. `resources` is None when the state could not be read (dry run)."""
    stack = ["--stack", options.stack]
    steps: list[Step] = []
    if options.refresh:
        steps.append(Step(["pulumi", "refresh", "--yes", *stack], "forget resources that are already gone"))
    targets = workload_targets(resources) if resources is not None else ["<every Kubernetes resource of the workloads>"]
    if targets:
        command = ["pulumi", "destroy", "--yes", *stack, "--target-dependents"]
        for urn in targets:
            command += ["--target", urn]
        steps.append(
            Step(command, "workloads first: Ingress ALBs are deleted by the still-running load balancer controller")
        )
    final = ["pulumi", "destroy", "--yes", *stack]
    if options.continue_on_error:
        final.append("--continue-on-error")
    steps.append(Step(final, "everything else: add-ons go with the cluster, then node groups, cluster, network"))
    return steps


# ---- running it ----------------------------------------------------------------------------------


def subprocess_runner(command: Sequence[str], capture: bool) -> subprocess.CompletedProcess:
    """Run a command from the repository root; capture stdout only for queries."""
    return subprocess.run(list(command), cwd=ROOT, text=True, capture_output=capture, check=False)


def parse_args(argv: Sequence[str]) -> Options:
    """The command line as Options."""
    parser = argparse.ArgumentParser(description="Tear an eks-platform stack down in order (refuses prod).")
    parser.add_argument("stack", help="dev, local, ... (prod refuses)")
    parser.add_argument("--dry-run", action="store_true", help="print the plan; run only read-only commands")
    parser.add_argument("--yes", action="store_true", help="do not ask for confirmation (CI)")
    parser.add_argument("--refresh", action="store_true", help="pulumi refresh first (after a half-finished destroy)")
    parser.add_argument("--continue-on-error", action="store_true", help="pass --continue-on-error to the last destroy")
    parser.add_argument(
        "--i-have-unprotected-prod",
        dest="prod_unprotected",
        action="store_true",
        help="allow prod, once `pulumi state unprotect --all` ran and EKS deletion protection is off",
    )
    args = parser.parse_args(argv)
    return Options(args.stack, args.yes, args.dry_run, args.refresh, args.continue_on_error, args.prod_unprotected)


def main(
    argv: Sequence[str],
    *,
    runner: Runner = subprocess_runner,
    which: Callable[[str], str | None] = shutil.which,
    ask: Callable[[str], str] = input,
    root: Path = ROOT,
    out: Callable[[str], None] = print,
) -> int:
    """Exit codes: 0 done, 2 refused, 3 Pulumi CLI missing, else the failing command's code."""
    options = parse_args(argv)
    try:
        environment = stack_environment(options.stack, root)
        prod = is_prod(options.stack, environment)
        if prod and not options.prod_unprotected:
            raise RefusedError(
                f"Refusing to destroy {options.stack} (environment {environment}). Prod is protected on purpose.\n"
                "If it really must go: pulumi state unprotect --all --stack prod, turn off EKS deletion protection, "
                "then re-run with --i-have-unprotected-prod. See docs/operations.md (Tear down)."
            )
        has_cli = which("pulumi") is not None
        if not has_cli and not options.dry_run:
            out("The Pulumi CLI is not on PATH (https://www.pulumi.com/docs/install/); --dry-run prints the plan.")
            return 3

        resources: list[dict[str, Any]] | None = None
        out(f"$ {export_step(options.stack).shell()}")
        if has_cli:
            exported = runner(export_step(options.stack).command, True)
            if exported.returncode != 0:
                out(exported.stderr or "pulumi stack export failed")
                return exported.returncode
            resources = state_resources(exported.stdout)
        else:
            out("  (not run: no Pulumi CLI; targets shown as placeholders)")
        if prod and resources is not None:
            check_prod_state(resources, options.stack)

        steps = plan(options, resources)
        for urn in retained_resources(resources or []):
            out(f"kept in AWS after destroy (retainOnDelete): {urn}")
        for step in steps:
            out(f"# {step.why}\n$ {step.shell()}")
        if options.dry_run:
            return 0
        if not options.yes and ask(f"Type the stack name ({options.stack}) to destroy it: ").strip() != options.stack:
            raise RefusedError("Not confirmed; nothing was destroyed.")
        for step in steps:
            result = runner(step.command, False)
            if result.returncode != 0:
                out(f"Failed: {step.shell()}\nRe-run with --refresh to continue; see {RECOVERY_DOC}.")
                return result.returncode
        out(f"{options.stack} is destroyed. The stack itself remains: pulumi stack rm {options.stack}")
        return 0
    except RefusedError as refusal:
        out(str(refusal))
        return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
