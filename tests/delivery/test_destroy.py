"""scripts/destroy.py: refuses prod, tears down in order, never needs the Pulumi CLI to be tested.

The state it reads (`pulumi stack export`) is built from the program's own offline plan, so the
targets asserted here are the resources the program really declares.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Sequence
from pathlib import Path

import pytest

from offline.runner import ProgramRun
from scripts import destroy
from tests.conftest import committed_run

ROOT = Path(__file__).resolve().parents[2]


def export_of(run: ProgramRun, *, unprotect: bool = False, extra: Sequence[dict] = ()) -> str:
    """A `pulumi stack export` document for what `run` declares (as if it had been deployed)."""
    resources = [
        {
            "urn": r.urn,
            "custom": r.custom,
            "type": r.type,
            "parent": r.parent,
            "protect": r.protect and not unprotect,
            "retainOnDelete": r.retain_on_delete,
            "outputs": {},
        }
        for r in run.records
    ]
    return json.dumps({"version": 3, "deployment": {"resources": [*resources, *extra]}})


class FakePulumi:
    """Records commands instead of running them; answers `stack export` with a given state."""

    def __init__(self, export: str, fail_on: str | None = None):
        self.export, self.fail_on = export, fail_on
        self.commands: list[list[str]] = []

    def __call__(self, command: Sequence[str], capture: bool) -> subprocess.CompletedProcess:
        command = list(command)
        self.commands.append(command)
        if command[:3] == ["pulumi", "stack", "export"]:
            assert capture, "the export is read, not streamed"
            return subprocess.CompletedProcess(command, 0, stdout=self.export, stderr="")
        assert not capture
        code = 1 if self.fail_on and self.fail_on in " ".join(command) else 0
        return subprocess.CompletedProcess(command, code)

    @property
    def mutating(self) -> list[list[str]]:
        return [c for c in self.commands if c[:3] != ["pulumi", "stack", "export"]]


def call(argv: list[str], fake: FakePulumi | None, *, cli: bool = True, answer: str = "", root: Path = ROOT):
    lines: list[str] = []
    code = destroy.main(
        argv,
        runner=fake or FakePulumi("{}"),
        which=lambda name: "/usr/bin/pulumi" if cli else None,
        ask=lambda prompt: answer,
        root=root,
        out=lines.append,
    )
    return code, "\n".join(lines)


def targets(command: list[str]) -> list[str]:
    return [command[i + 1] for i, part in enumerate(command) if part == "--target"]


# ---- prod refuses ---------------------------------------------------------------------------------


def test_prod_is_refused_before_anything_runs() -> None:
    fake = FakePulumi(export_of(committed_run("prod")))
    code, output = call(["prod", "--yes"], fake)
    assert code == 2
    assert fake.commands == []
    assert "Refusing to destroy prod" in output and "pulumi state unprotect --all --stack prod" in output


def test_a_stack_whose_environment_is_prod_is_refused_too(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.live.yaml").write_text("config:\n  eks-platform:environment: prod\n")
    fake = FakePulumi("{}")
    code, output = call(["live", "--yes"], fake, root=tmp_path)
    assert (code, fake.commands) == (2, [])
    assert "Refusing to destroy live (environment prod)" in output


def test_prod_with_the_flag_still_refuses_while_resources_are_protected() -> None:
    prod = committed_run("prod")
    fake = FakePulumi(export_of(prod))
    code, output = call(["prod", "--yes", "--i-have-unprotected-prod"], fake)
    assert code == 2
    assert fake.mutating == []  # only the read-only export ran
    protected = [r.urn for r in prod.records if r.protect]
    assert protected and all(urn in output for urn in protected)
    assert {"prod-eks", "prod-vpc", "prod-secrets-key"} <= {r.name for r in prod.records if r.protect}


def test_prod_with_the_flag_refuses_while_eks_deletion_protection_is_on() -> None:
    cluster = {
        "urn": "urn:pulumi:prod::eks-platform::eks:index:Cluster$aws:eks/cluster:Cluster::prod-eks-eksCluster",
        "type": "aws:eks/cluster:Cluster",
        "custom": True,
        "outputs": {"name": "eks-platform-prod", "deletionProtection": True},
    }
    fake = FakePulumi(export_of(committed_run("prod"), unprotect=True, extra=[cluster]))
    code, output = call(["prod", "--yes", "--i-have-unprotected-prod"], fake)
    assert code == 2 and fake.mutating == []
    assert "aws eks update-cluster-config --name eks-platform-prod --no-deletion-protection" in output


def test_unprotected_prod_with_the_flag_goes_and_lists_what_aws_keeps() -> None:
    prod = committed_run("prod")
    fake = FakePulumi(export_of(prod, unprotect=True))
    code, output = call(["prod", "--yes", "--i-have-unprotected-prod"], fake)
    assert code == 0
    assert fake.mutating[-1] == ["pulumi", "destroy", "--yes", "--stack", "prod"]
    kept = {r.name for r in prod.records if r.retain_on_delete}
    assert {"prod-secrets-key", "prod-argo-artifacts-bucket", "prod-django-ecr"} <= kept
    for record in prod.records:
        if record.retain_on_delete:
            assert f"kept in AWS after destroy (retainOnDelete): {record.urn}" in output


# ---- the order ----------------------------------------------------------------------------------------


def test_dev_removes_workloads_first_then_everything_else() -> None:
    dev = committed_run("dev")
    fake = FakePulumi(export_of(dev))
    code, _ = call(["dev", "--yes"], fake)
    assert code == 0
    assert fake.commands[0] == ["pulumi", "stack", "export", "--stack", "dev"]
    workloads, everything = fake.mutating
    assert workloads[:6] == ["pulumi", "destroy", "--yes", "--stack", "dev", "--target-dependents"]
    assert everything == ["pulumi", "destroy", "--yes", "--stack", "dev"]

    by_urn = {r.urn: r for r in dev.records}
    targeted = {by_urn[urn].name for urn in targets(workloads)}
    # both releases, their namespaces, the app Secret and every WorkflowTemplate
    expected = {
        r.name
        for r in dev.records
        if r.type.startswith("kubernetes:")
        and any(p in r.parent for p in ("platform:index:DjangoApp", "platform:index:ArgoWorkflows"))
    }
    assert {"dev-django-release", "dev-argo-release", "dev-django-ns", "dev-argo-ns"} <= targeted
    assert targeted == expected
    # never the cluster, the network, or AWS resources of the components
    assert all(by_urn[urn].type.startswith("kubernetes:") for urn in targets(workloads))


def test_add_ons_are_left_to_go_with_the_cluster() -> None:
    resources = [
        {"urn": "u:addon", "type": "platform:index:LoadBalancerController", "parent": ""},
        {"urn": "u:lbc", "type": "kubernetes:helm.sh/v3:Release", "parent": "u:addon"},
        {"urn": "u:app", "type": "platform:index:DjangoApp", "parent": ""},
        {"urn": "u:ns", "type": "kubernetes:core/v1:Namespace", "parent": "u:app"},
        {"urn": "u:deep", "type": "kubernetes:core/v1:ConfigMap", "parent": "u:ns"},
        {"urn": "u:gone", "type": "kubernetes:core/v1:Secret", "parent": "u:app", "delete": True},
        {"urn": "u:ecr", "type": "aws:ecr/repository:Repository", "parent": "u:app"},
    ]
    assert destroy.workload_targets(resources) == ["u:ns", "u:deep"]


def test_a_stack_without_workloads_needs_one_destroy() -> None:
    fake = FakePulumi(json.dumps({"deployment": {"resources": []}}))
    code, _ = call(["dev", "--yes"], fake)
    assert code == 0 and fake.mutating == [["pulumi", "destroy", "--yes", "--stack", "dev"]]


def test_refresh_and_continue_on_error_for_recovery() -> None:
    fake = FakePulumi(export_of(committed_run("dev")))
    code, _ = call(["dev", "--yes", "--refresh", "--continue-on-error"], fake)
    assert code == 0
    assert fake.mutating[0] == ["pulumi", "refresh", "--yes", "--stack", "dev"]
    assert fake.mutating[-1] == ["pulumi", "destroy", "--yes", "--stack", "dev", "--continue-on-error"]


def test_a_failed_step_stops_the_run_and_points_to_recovery() -> None:
    fake = FakePulumi(export_of(committed_run("dev")), fail_on="--target-dependents")
    code, output = call(["dev", "--yes"], fake)
    assert code == 1
    assert len(fake.mutating) == 1  # the final destroy never started
    assert "Re-run with --refresh" in output and "docs/operations.md" in output


# ---- confirmation, dry run, no CLI -------------------------------------------------------------------


def test_confirmation_must_name_the_stack() -> None:
    fake = FakePulumi(export_of(committed_run("dev")))
    code, output = call(["dev"], fake, answer="yes")
    assert code == 2 and fake.mutating == [] and "Not confirmed" in output
    fake = FakePulumi(export_of(committed_run("dev")))
    code, _ = call(["dev"], fake, answer="dev")
    assert code == 0 and len(fake.mutating) == 2


def test_dry_run_prints_the_plan_and_changes_nothing() -> None:
    fake = FakePulumi(export_of(committed_run("dev")))
    code, output = call(["dev", "--dry-run"], fake)
    assert code == 0
    assert fake.mutating == []
    assert "$ pulumi destroy --yes --stack dev --target-dependents --target" in output
    assert "$ pulumi destroy --yes --stack dev\n" in output + "\n"


def test_without_the_cli_only_a_dry_run_works() -> None:
    code, output = call(["dev", "--yes"], None, cli=False)
    assert code == 3 and "Pulumi CLI is not on PATH" in output
    fake = FakePulumi("{}")
    code, output = call(["dev", "--dry-run"], fake, cli=False)
    assert code == 0 and fake.commands == []
    assert "<every Kubernetes resource of the workloads>" in output


def test_unknown_stack_is_refused() -> None:
    code, output = call(["staging", "--yes"], FakePulumi("{}"))
    assert code == 2 and "unknown stack 'staging'" in output


def test_make_destroy_runs_the_script() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "scripts/destroy.py $(STACK)" in makefile


@pytest.mark.parametrize("stack", ["dev", "prod", "local"])
def test_every_committed_stack_file_declares_its_environment(stack: str) -> None:
    """The refusal reads `environment` from the stack file: it must be there."""
    assert destroy.stack_environment(stack) == stack


def test_prod_with_the_flag_refuses_while_rds_deletion_protection_is_on() -> None:
    database = {
        "urn": "urn:pulumi:prod::eks-platform::platform:index:Database$aws:rds/instance:Instance::prod-database-instance",
        "type": "aws:rds/instance:Instance",
        "custom": True,
        "outputs": {"identifier": "eks-platform-prod-django", "deletionProtection": True},
    }
    fake = FakePulumi(export_of(committed_run("prod"), unprotect=True, extra=[database]))
    code, output = call(["prod", "--yes", "--i-have-unprotected-prod"], fake)
    assert code == 2 and fake.mutating == []
    assert (
        "aws rds modify-db-instance --db-instance-identifier eks-platform-prod-django --no-deletion-protection"
        in output
    )
