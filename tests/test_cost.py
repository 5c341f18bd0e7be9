"""The monthly cost estimate (offline/cost.py) from the recorded resources and the vendored price table."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from offline import cost, synth
from offline.runner import ProgramRun, run_program

TABLE = yaml.safe_load((cost.PRICES / "ap-northeast-2.yaml").read_text())
HOURS = TABLE["hoursPerMonth"]


def price(key: str) -> float:
    group, _, item = key.partition(".")
    entry = TABLE["prices"][group]
    return (entry[item] if item else entry)["usd"]


def items(run: ProgramRun) -> dict[str, cost.LineItem]:
    return {item.what: item for item in cost.estimate(run, "ap-northeast-2").items}


def test_every_price_names_its_source_and_the_assumptions_are_stated() -> None:
    assert TABLE["hoursPerMonth"] == 730 and TABLE["retrieved"]
    flat = [v for v in TABLE["prices"].values() if "usd" in v]
    flat += [entry for group in TABLE["prices"].values() if "usd" not in group for entry in group.values()]
    assert all(entry["usd"] > 0 and entry["source"] and entry["unit"] for entry in flat)
    assert any("Data transfer" in a and "excluded" in a for a in TABLE["assumptions"])


def test_prod_line_items_follow_what_the_program_declares(prod: ProgramRun) -> None:
    found = items(prod)
    assert found["EKS control plane eks-platform-prod"].monthly_usd == pytest.approx(HOURS * price("eksClusterHour"))
    assert found["NAT gateways (3)"].quantity == 3 * HOURS  # one per zone in prod
    assert found["node group PROTO-INFERENCE-NG: 2 x g5.xlarge"].monthly_usd == pytest.approx(
        2 * HOURS * price("ec2Hour.g5.xlarge")
    )
    assert found["node group system: 3 x 50 GiB gp3 root volumes"].quantity == 150
    assert found["public IPv4 of the django ALB (3 subnets)"].quantity == 3 * HOURS
    total = cost.estimate(prod, "ap-northeast-2").monthly_usd
    assert total == pytest.approx(sum(item.monthly_usd for item in found.values()))
    assert 2000 < total < 3000  # two g5.xlarge dominate


def test_dev_is_priced_cheaper_with_one_nat_and_spot_at_the_on_demand_upper_bound(dev: ProgramRun) -> None:
    found = items(dev)
    assert "NAT gateways (1)" in found
    spot = found["node group PROTO-INFERENCE-NG: 1 x m6i.xlarge (SPOT, priced on demand)"]
    assert spot.usd_each == price("ec2Hour.m6i.xlarge")
    assert (
        cost.estimate(dev, "ap-northeast-2").monthly_usd
        < cost.estimate(run_program("prod"), "ap-northeast-2").monthly_usd
    )


def test_an_internal_alb_costs_no_public_address(dev_config: dict[str, Any]) -> None:
    certificate = "arn:aws:acm:ap-northeast-2:123456789012:certificate/11111111-2222-3333-4444-555555555555"
    dev_config["argo"] = {**dev_config["argo"], "ingressHost": "argo.dev.example.com", "certificateArn": certificate}
    found = items(run_program("dev", dev_config))
    assert "ALB of release argo-workflows (internal)" in found
    assert not [what for what in found if what.startswith("public IPv4 of the argo-workflows ALB")]
    assert "public IPv4 of the django ALB (2 subnets)" in found


def test_an_instance_type_missing_from_the_table_is_an_error_never_zero(dev_config: dict[str, Any]) -> None:
    dev_config["nodeGroups"]["system"]["instanceTypes"] = ["m7i.large"]
    with pytest.raises(cost.CostError, match=r"no price 'ec2Hour\.m7i\.large' for node group system: .*m7i\.large"):
        cost.estimate(run_program("dev", dev_config), "ap-northeast-2")


def test_a_region_without_a_table_is_an_error_naming_it(dev: ProgramRun) -> None:
    with pytest.raises(
        cost.CostError, match=r"no price table for region 'eu-west-1': add offline/prices/eu-west-1\.yaml"
    ):
        cost.estimate(dev, "eu-west-1")


def test_the_local_stack_creates_nothing_billed(local: ProgramRun) -> None:
    summary, _, estimate = synth.time_and_money(local, budget=0)
    assert estimate is None
    assert "creates no AWS resource" in "\n".join(summary)


def synth_main(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, stack: str, budget: int | None) -> int:
    """`make synth STACK=<stack>` into tmp_path, with `costBudgetUsd` set to `budget` in its stack config."""
    real = synth.stack_config

    def with_budget(name: str) -> dict[str, Any]:
        config = dict(real(name))
        if budget is not None:
            config["costBudgetUsd"] = budget
        return config

    monkeypatch.setattr(synth, "stack_config", with_budget)
    return synth.main([stack, "--out", str(tmp_path)])


def test_synth_fails_over_the_budget_after_writing_the_plan(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert synth_main(monkeypatch, tmp_path, "dev", budget=300) == 3
    err = capsys.readouterr().err
    assert "the estimated monthly cost $" in err and "is above its costBudgetUsd of $300" in err
    plan = (tmp_path / "plan.md").read_text()
    assert "(**over** the stack's costBudgetUsd of $300.00)" in plan
    assert (tmp_path / "summary.md").read_text().startswith("### Stack `dev`")


def test_synth_passes_within_the_budget_and_without_one(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert synth_main(monkeypatch, tmp_path, "dev", budget=5000) == 0
    assert "(within the stack's costBudgetUsd of $5,000.00)" in (tmp_path / "plan.md").read_text()
    assert synth_main(monkeypatch, tmp_path, "dev", budget=None) == 0


def test_the_readme_shows_the_committed_stacks_current_figures(dev: ProgramRun, prod: ProgramRun) -> None:
    from offline import deploy_time
    from offline.runner import ROOT

    readme = (ROOT / "README.md").read_text()
    for run in (dev, prod):
        deploy = deploy_time.model(run)
        row = next(line for line in readme.splitlines() if line.startswith(f"| {run.stack} | "))
        assert f"{deploy_time.minutes(deploy.seconds)} ({deploy.ratio:.2f} x the" in row, row
        assert f"${cost.estimate(run, 'ap-northeast-2').monthly_usd:,.2f}" in row, row


def test_a_blue_green_preview_costs_an_internal_alb_of_its_own(dev_config: dict[str, Any]) -> None:
    certificate = "arn:aws:acm:ap-northeast-2:123456789012:certificate/22222222-2222-2222-2222-222222222222"
    dev_config["django"] = {
        **dev_config["django"],
        "strategy": {"type": "BlueGreen", "previewCertificateArn": certificate},
    }
    found = items(run_program("dev", dev_config))
    assert "ALB of release django (BlueGreen preview) (internal)" in found
    assert not [what for what in found if what.startswith("public IPv4 of the django (BlueGreen preview)")]


def test_the_rds_instance_is_priced_by_class_deployment_and_storage(dev: ProgramRun, prod: ProgramRun) -> None:
    dev_items, prod_items = items(dev), items(prod)
    assert dev_items["RDS eks-platform-dev-django: db.t4g.micro Single-AZ"].usd_each == price("rdsHour.db.t4g.micro")
    assert dev_items["RDS eks-platform-dev-django: 20 GiB gp3 (Single-AZ)"].monthly_usd == pytest.approx(20 * 0.131)
    multi = prod_items["RDS eks-platform-prod-django: db.t4g.medium Multi-AZ"]
    assert multi.price == "rdsMultiAzHour.db.t4g.medium" and multi.usd_each == price("rdsMultiAzHour.db.t4g.medium")
    assert prod_items["RDS eks-platform-prod-django: 20 GiB gp3 (Multi-AZ)"].usd_each == price("rdsGp3MultiAzGbMonth")
