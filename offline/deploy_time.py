"""The modeled cold-deploy time of a stack: the longest path through its real dependency graph.

Every resource the program declares (under the recording mocks) starts when everything it waits
for has finished, and takes the time `DURATIONS` gives its type. What a resource waits for is
what the engine makes it wait for:

- its own `dependsOn` and the resources its inputs come from (property dependencies);
- its ancestors' `dependsOn` (the engine makes a child wait on its parent's; offline/mocks.py);
- the provider it is created with (the Kubernetes provider waits for the cluster);
- for a Helm release that waits for its workloads, the node group its pods are scheduled on,
  found by the `node-group` label in its values (any node group when it selects none): its pods
  cannot become ready before a node has joined, whether or not the program says so.

The bound is what no ordering can beat: the control plane, then a node group, then the load
balancer controller (its webhooks admit the app's Service and Ingress), then the app's release.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from offline.mocks import Record
from offline.runner import ProgramRun

MINUTE = 60


@dataclass(frozen=True)
class Duration:
    """How long creating one resource of a type takes, and where that figure comes from."""

    seconds: int
    source: str


CLUSTER = "eks:index:Cluster"
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
RELEASE = "kubernetes:helm.sh/v3:Release"

DURATIONS: dict[str, Duration] = {
    CLUSTER: Duration(
        10 * MINUTE,
        "EKS control plane: 'nine minutes or less, on average' (AWS What's New, 2021-03-19, quoted in "
        "aws-samples/eks-workshop#1101); 'about ten minutes' (pulumi/pulumi-aws#846); 10m6s measured in "
        "terraform-aws-modules/terraform-aws-eks#3218",
    ),
    NODE_GROUP: Duration(
        4 * MINUTE,
        "EKS managed node group CREATING -> ACTIVE: 2-5 min (2m50s measured in "
        "umotif-public/terraform-aws-eks-node-group#7); nodes must also join",
    ),
    RELEASE: Duration(
        2 * MINUTE,
        "helm.v3.Release with waits (skipAwait false): image pulls and pods Ready on a new node; the e2e "
        "run installs the local stack's five releases on fake nodes (no pulls) in 14.6 s",
    ),
    "aws:eks/addon:Addon": Duration(
        2 * MINUTE,
        "an EKS add-on is ACTIVE once its pods run on a node: taken as a release with waits (an assumption; "
        "no measured figure found)",
    ),
    # A remote component: its CRDs are created by the provider, which the mocks do not see.
    "kubernetes:yaml/v2:ConfigGroup": Duration(
        20,
        "the 10 monitoring CRDs (4.4 MB) server-side applied, then Established: a few seconds in make e2e "
        "(the e2e README gives the measured step); taken as 20 s",
    ),
    "aws:ec2/natGateway:NatGateway": Duration(
        2 * MINUTE, "NAT gateway pending -> available: 'up to 10 min' (kubernetes/kops#944), typically 1-2 min"
    ),
}
RDS_INSTANCE = "aws:rds/instance:Instance"
RDS_SINGLE_AZ = Duration(
    10 * MINUTE,
    "RDS for PostgreSQL create: 'up to 5/10 minutes with multi_az off' (hashicorp/terraform#498); "
    "'10-20 minutes' (oneuptime, 2026-02-23)",
)
RDS_MULTI_AZ = Duration(
    15 * MINUTE, "RDS Multi-AZ create: '15/20 minutes ... with multi_az on' (hashicorp/terraform#498)"
)
AWS_API_CALL = Duration(10, "an AWS create without a long-running state (IAM, VPC, subnet, S3, KMS, ECR): seconds")
KUBERNETES_OBJECT = Duration(2, "one Kubernetes API call (namespace, Secret, RBAC, CustomResource)")
UNAWAITED_RELEASE = Duration(15, "a Helm release that does not wait for its workloads (skipAwait): the API calls")
INSTANT = Duration(0, "a component or provider: nothing is created")


def duration_of(record: Record) -> Duration:
    """The modeled creation time of one resource."""
    if record.type == RELEASE and record.plain.get("skipAwait"):
        return UNAWAITED_RELEASE
    if record.type in DURATIONS:
        return DURATIONS[record.type]
    if record.type == RDS_INSTANCE:
        return RDS_MULTI_AZ if record.plain.get("multiAz") else RDS_SINGLE_AZ
    if not record.custom or record.type.startswith("pulumi:providers:"):
        return INSTANT
    package = record.type.split(":")[0]
    return KUBERNETES_OBJECT if package == "kubernetes" else AWS_API_CALL


def bound_seconds() -> int:
    """Control plane, then a node group, then the load balancer controller's release, then the app's."""
    return DURATIONS[CLUSTER].seconds + DURATIONS[NODE_GROUP].seconds + 2 * DURATIONS[RELEASE].seconds


@dataclass(frozen=True)
class Step:
    """One resource on the modeled timeline."""

    record: Record
    start: int
    finish: int


@dataclass(frozen=True)
class DeployModel:
    """The modeled cold deploy of one stack."""

    seconds: int
    critical_path: list[Step]
    """The chain of resources that sets `seconds`, first to last."""
    bound: int
    """0 on a stack that creates no cluster (there is nothing to bound)."""

    @property
    def ratio(self) -> float:
        return self.seconds / self.bound if self.bound else 0.0


def _provider_urn(reference: str) -> str:
    """A provider reference is `<urn>::<id>`."""
    return reference.rsplit("::", 1)[0] if reference else ""


def _node_groups_selected(values: Any) -> set[str]:
    """Every `node-group` label value a release's values select (nodeSelector blocks, at any depth)."""
    found: set[str] = set()
    if isinstance(values, dict):
        for key, value in values.items():
            if key == "node-group" and isinstance(value, str):
                found.add(value)
            else:
                found |= _node_groups_selected(value)
    elif isinstance(values, list):
        for item in values:
            found |= _node_groups_selected(item)
    return found


def waits_for(run: ProgramRun, record: Record) -> set[str]:
    """URNs of what the engine makes `record` wait for before it is created (see the module docstring)."""
    waits = {*record.dependencies, *record.inherited_dependencies}
    waits |= {urn for urns in record.property_dependencies.values() for urn in urns}
    waits |= {_provider_urn(record.provider), *(_provider_urn(p) for p in record.providers.values())}
    if record.type == RELEASE and not record.plain.get("skipAwait"):
        groups = {r.plain.get("nodeGroupName"): r.urn for r in run.of_type(NODE_GROUP)}
        selected = _node_groups_selected(record.plain.get("values") or {})
        waits |= {groups[g] for g in selected if g in groups} if selected else set(groups.values())
    waits.discard("")
    waits.discard(record.urn)
    return waits


def timeline(run: ProgramRun) -> tuple[dict[str, Step], dict[str, str]]:
    """Start and finish of every resource by URN, and for each the URN it waited for last."""
    by_urn = {r.urn: r for r in run.records}
    steps: dict[str, Step] = {}
    before: dict[str, str] = {}

    def finish(urn: str) -> int:
        if urn not in steps:
            record = by_urn[urn]
            waited = [(finish(dep), dep) for dep in waits_for(run, record) if dep in by_urn]
            start, latest = max(waited, default=(0, ""))
            if latest:
                before[urn] = latest
            steps[urn] = Step(record, start, start + duration_of(record).seconds)
        return steps[urn].finish

    for record in run.records:
        finish(record.urn)
    return steps, before


def model(run: ProgramRun) -> DeployModel:
    """The time the last resource finishes; the chain that led to it is the critical path."""
    steps, before = timeline(run)
    last = max(steps.values(), key=lambda step: step.finish)
    bound = bound_seconds() if run.of_type(CLUSTER) else 0
    return DeployModel(last.finish, list(_chain(last.record.urn, before, steps)), bound)


def _chain(urn: str, before: dict[str, str], steps: dict[str, Step]) -> Iterator[Step]:
    chain = [urn]
    while chain[-1] in before:
        chain.append(before[chain[-1]])
    for step_urn in reversed(chain):
        if steps[step_urn].finish > steps[step_urn].start:  # components and providers take no time
            yield steps[step_urn]


def minutes(seconds: int) -> str:
    return f"{seconds / MINUTE:.1f} min"


def report(deploy: DeployModel) -> list[str]:
    """Markdown lines: the modeled time against the bound, and the critical path."""
    if deploy.bound:
        headline = (
            f"Modeled cold deploy: **{minutes(deploy.seconds)}**; the physical bound (control plane, node group, "
            f"load balancer controller, app release) is {minutes(deploy.bound)}: **{deploy.ratio:.2f} x** the bound."
        )
    else:
        headline = f"Modeled cold deploy: **{minutes(deploy.seconds)}** onto a cluster this stack does not create."
    lines = [
        headline,
        "",
        "Critical path:",
        "",
        "| resource | type | starts | ends |",
        "|---|---|---|---|",
    ]
    lines += [
        f"| {s.record.name} | `{s.record.type}` | {minutes(s.start)} | {minutes(s.finish)} |"
        for s in deploy.critical_path
    ]
    lines += ["", "Durations by type (offline/deploy_time.py):", ""]
    lines += [f"- `{type_}`: {minutes(d.seconds)}: {d.source}" for type_, d in DURATIONS.items()]
    lines += [
        f"- `{RDS_INSTANCE}`: {minutes(RDS_SINGLE_AZ.seconds)} ({minutes(RDS_MULTI_AZ.seconds)} Multi-AZ): {RDS_MULTI_AZ.source}"
    ]
    lines += [
        f"- other AWS resources: {AWS_API_CALL.seconds} s; Kubernetes objects: {KUBERNETES_OBJECT.seconds} s; "
        f"releases without waits: {UNAWAITED_RELEASE.seconds} s",
    ]
    return lines
