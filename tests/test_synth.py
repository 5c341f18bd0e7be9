"""`make synth`: the offline plan is written, readable, and never shows a secret."""

from __future__ import annotations

import json
from pathlib import Path

from offline.runner import placeholder
from offline.synth import main


def test_synth_writes_the_plan_without_secrets(tmp_path: Path) -> None:
    assert main(["dev", "--out", str(tmp_path)]) == 0
    plan = (tmp_path / "plan.md").read_text()
    resources = json.loads((tmp_path / "resources.json").read_text())
    diagram = (tmp_path / "architecture.mmd").read_text()
    assert "No cloud, cluster or Pulumi service was contacted" in plan
    assert "PROTO-INFERENCE-NG" in plan and "PROTO-INFERENCE-NG" in diagram
    assert diagram.startswith("flowchart TB")
    assert resources["outputs"]["kubeconfig"] == "[secret]"
    everything = plan + json.dumps(resources) + diagram
    assert placeholder("djangoSecretKey") not in everything
    assert placeholder("djangoDatabaseUrl") not in everything


def test_synth_reports_bad_config_and_writes_nothing(tmp_path: Path, capsys) -> None:
    assert main(["nosuchstack", "--out", str(tmp_path)]) == 2
    assert "no stack file Pulumi.nosuchstack.yaml" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
