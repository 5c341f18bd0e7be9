"""`make synth STACK=<stack>`: the offline plan a reviewer reads before `pulumi preview`.

Runs the program under recording mocks (no AWS, no cluster, no Pulumi CLI, no secrets: stack
secrets are placeholders) and writes to build/<stack>/:
  plan.md          the modeled cold-deploy time and monthly cost, then resources as a tree with
                   their key settings, secrets redacted
  summary.md       the time and cost sections alone (the PR preview comments them)
  resources.json   every declared resource with its inputs and options, secrets redacted
  architecture.mmd a Mermaid diagram of the architecture

Fails (exit 1) when the cost estimate needs a price the table lacks, and (exit 3, after writing)
when the estimate is above the stack's `costBudgetUsd`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

from components.settings import SECRETS
from offline import cost, deploy_time
from offline.mocks import Record, is_secret
from offline.runner import ROOT, ProgramError, ProgramRun, placeholder, run_program, stack_config

REDACTED = "[secret]"
_PLACEHOLDERS = tuple(placeholder(key) for key in SECRETS)
_VALUE_WIDTH = 110


def redact(value: Any) -> Any:
    """Replace every secret (marked by the SDK, or a placeholder that leaked unmarked)."""
    if is_secret(value):
        return REDACTED
    if isinstance(value, str) and any(p in value for p in _PLACEHOLDERS):
        return REDACTED
    if isinstance(value, dict):
        return {k: redact(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


def short(value: Any) -> str:
    """A one-line rendering of an input value for the tree."""
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= _VALUE_WIDTH else text[: _VALUE_WIDTH - 1] + "…"


def resource_tree(run: ProgramRun) -> list[str]:
    """Markdown lines: each resource under its parent, with its inputs and options."""
    children: dict[str, list[Record]] = defaultdict(list)
    urns = {r.urn for r in run.records}
    for record in run.records:
        children[record.parent if record.parent in urns else ""].append(record)

    lines: list[str] = []

    def walk(parent: str, depth: int) -> None:
        for record in sorted(children[parent], key=lambda r: (r.type, r.name)):
            flags = [f for f, on in (("protect", record.protect), ("retainOnDelete", record.retain_on_delete)) if on]
            flags += [f"ignoreChanges={','.join(record.ignore_changes)}"] if record.ignore_changes else []
            flags += ["deletedWith cluster"] if record.deleted_with else []
            suffix = f" _({'; '.join(flags)})_" if flags else ""
            lines.append(f"{'  ' * depth}- **{record.name}** `{record.type}`{suffix}")
            for key, value in sorted(redact(record.inputs).items()):
                if key.startswith("__") or value in (None, "", [], {}):
                    continue
                lines.append(f"{'  ' * (depth + 1)}- {key}: `{short(value)}`")
            walk(record.urn, depth + 1)

    walk("", 0)
    return lines


def _node_id(record: Record) -> str:
    return "n_" + "".join(c if c.isalnum() else "_" for c in record.name)


def mermaid(run: ProgramRun) -> str:
    """An architecture diagram: network, cluster and node groups, and what runs inside."""
    types = defaultdict(list)
    for record in run.records:
        types[record.type].append(record)
    out = ["flowchart TB"]
    cluster = types.get("eks:index:Cluster", [])
    if cluster:
        out.append(f'  subgraph aws["AWS {run.outputs.get("region", "")}"]')
        for vpc in types.get("aws:ec2/vpc:Vpc", []):
            out.append(f'    subgraph vpc["VPC {vpc.inputs["cidrBlock"]}"]')
            for subnet in types.get("aws:ec2/subnet:Subnet", []):
                tier = "public" if subnet.inputs["tags"].get("kubernetes.io/role/elb") else "private"
                out.append(
                    f'      {_node_id(subnet)}["{tier} {subnet.inputs["availabilityZone"]}<br/>{subnet.inputs["cidrBlock"]}"]'
                )
            for nat in types.get("aws:ec2/natGateway:NatGateway", []):
                out.append(f'      {_node_id(nat)}(["NAT {nat.name}"])')
            out.append("    end")
        for eks in cluster:
            out.append(f'    {_node_id(eks)}{{{{"EKS {eks.inputs["name"]} v{eks.inputs["version"]}"}}}}')
            for group in types.get("aws:eks/nodeGroup:NodeGroup", []):
                taints = ", ".join(
                    f"{t['key']}={t.get('value', '')}:{t['effect']}" for t in group.plain.get("taints", [])
                )
                label = f"{group.inputs['nodeGroupName']}<br/>{', '.join(group.inputs['instanceTypes'])}"
                label += f"<br/>taint {taints}" if taints else ""
                out.append(f'    {_node_id(group)}["{label}"]')
                out.append(f"    {_node_id(eks)} --> {_node_id(group)}")
        for kind in ("aws:s3/bucketV2:BucketV2", "aws:ecr/repository:Repository"):
            for record in types.get(kind, []):
                out.append(f'    {_node_id(record)}[("{kind.split(":")[-1]} {record.name}")]')
        for rds in types.get("aws:rds/instance:Instance", []):
            az = "Multi-AZ" if rds.plain.get("multiAz") else "Single-AZ"
            out.append(
                f'    {_node_id(rds)}[("RDS PostgreSQL {rds.plain.get("engineVersion", "")}<br/>'
                f'{rds.plain.get("instanceClass", "")} {az}, private")]'
            )
            for group in types.get("aws:eks/nodeGroup:NodeGroup", []):
                out.append(f"    {_node_id(group)} -. 5432 .-> {_node_id(rds)}")
        out.append("  end")
    else:
        out.append(f'  existing{{{{"existing cluster {run.outputs.get("clusterName", "")}"}}}}')
    releases = types.get("kubernetes:helm.sh/v3:Release", [])
    if releases:
        out.append('  subgraph k8s["Kubernetes"]')
        for release in releases:
            out.append(
                f'    {_node_id(release)}["helm {release.inputs.get("name", release.name)}<br/>{release.inputs.get("namespace", "")}"]'
            )
        for template in types.get("kubernetes:argoproj.io/v1alpha1:WorkflowTemplate", []):
            out.append(f'    {_node_id(template)}["WorkflowTemplate {template.inputs["metadata"]["name"]}"]')
        out.append("  end")
    return "\n".join(out) + "\n"


def time_and_money(run: ProgramRun, budget: int) -> tuple[list[str], deploy_time.DeployModel, cost.Estimate | None]:
    """The plan's first sections (modeled cold-deploy time, monthly cost), and the two figures."""
    deploy = deploy_time.model(run)
    lines = ["## Deploy time (modeled)", "", *deploy_time.report(deploy), "", "## Monthly cost", ""]
    if not run.of_type("eks:index:Cluster"):
        return [*lines, "This stack creates no AWS resource: nothing here is billed by AWS.", ""], deploy, None
    estimate = cost.estimate(run, run.outputs["region"])
    return [*lines, *cost.report(estimate, budget), ""], deploy, estimate


def write_plan(run: ProgramRun, seconds: float, out_dir: Path, summary: list[str] | None = None) -> list[Path]:
    """Write the plan files; return their paths. `summary`: the time and cost sections (time_and_money)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = defaultdict(int)
    for record in run.records:
        counts[record.type] += 1
    outputs = {k: (REDACTED if k in run.secret_outputs else redact(v)) for k, v in sorted(run.outputs.items())}
    plan = [
        f"# Offline plan — stack `{run.stack}`",
        "",
        "Generated by `make synth` under Pulumi mocks. **No cloud, cluster or Pulumi service was contacted**;",
        "ids and ARNs below are placeholders, stack secrets are placeholders and shown as `[secret]`.",
        f"Evaluated in {seconds:.2f} s; {len(run.records)} resources declared.",
        "",
        *(summary or []),
        "## Resource counts",
        "",
        *[f"- `{t}`: {n}" for t, n in sorted(counts.items())],
        "",
        "## Stack outputs",
        "",
        *[f"- {k}: `{short(v)}`" for k, v in outputs.items()],
        "",
        "## Resources",
        "",
        *resource_tree(run),
        "",
        "## Architecture",
        "",
        "```mermaid",
        mermaid(run).rstrip(),
        "```",
        "",
    ]
    resources = [
        {
            "type": r.type,
            "name": r.name,
            "parent": r.parent,
            "protect": r.protect,
            "retainOnDelete": r.retain_on_delete,
            "deletedWith": r.deleted_with,
            "ignoreChanges": r.ignore_changes,
            "inputs": redact(r.inputs),
        }
        for r in run.records
    ]
    files = {
        out_dir / "plan.md": "\n".join(plan),
        out_dir / "resources.json": json.dumps(
            {"outputs": outputs, "resources": resources}, indent=2, sort_keys=True, default=str
        ),
        out_dir / "architecture.mmd": mermaid(run),
    }
    if summary is not None:
        files[out_dir / "summary.md"] = "\n".join([f"### Stack `{run.stack}`", "", *summary])
    for path, text in files.items():
        path.write_text(text)
    return list(files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("stack", help="stack name: dev, prod or local (reads Pulumi.<stack>.yaml)")
    parser.add_argument("--out", type=Path, default=None, help="output folder (default build/<stack>)")
    args = parser.parse_args(argv)
    if not (ROOT / f"Pulumi.{args.stack}.yaml").exists():
        print(f"no stack file Pulumi.{args.stack}.yaml", file=sys.stderr)
        return 2
    started = time.perf_counter()
    try:
        run = run_program(args.stack)
    except ProgramError as error:
        print(str(error), file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    budget = int(stack_config(args.stack).get("costBudgetUsd", 0))
    try:
        summary, deploy, estimate = time_and_money(run, budget)
    except cost.CostError as error:
        print(f"make synth: stack {args.stack}: {error}", file=sys.stderr)
        return 1
    out_dir = args.out or ROOT / "build" / args.stack
    paths = write_plan(run, seconds, out_dir, summary)
    print(
        f"offline plan of stack '{args.stack}' (mocks only; nothing was contacted): {len(run.records)} resources in {seconds:.2f} s"
    )
    bound = f" ({deploy.ratio:.2f} x the bound)" if deploy.bound else ""
    print(f"  modeled cold deploy: {deploy_time.minutes(deploy.seconds)}{bound}")
    if estimate is not None:
        print(f"  estimated monthly cost: ${estimate.monthly_usd:,.2f}")
    for path in paths:
        print(f"  wrote {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}")
    if estimate is not None and budget and estimate.monthly_usd > budget:
        print(
            f"make synth: stack {args.stack}: the estimated monthly cost ${estimate.monthly_usd:,.2f} is above its "
            f"costBudgetUsd of ${budget:,} (see {out_dir / 'plan.md'})",
            file=sys.stderr,
        )
        return 3
    return 0


if __name__ == "__main__":
    sys.exit(main())
