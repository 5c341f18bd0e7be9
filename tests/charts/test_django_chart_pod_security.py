"""Every pod charts/django can create meets the restricted Pod Security level its namespace enforces.

Web, migration hook, helm test pod and the Rollout smoke Job, for every values file and every
strategy it can take (a file with BlueGreen- or Canary-only options renders with that strategy):
checked with tests/pod_security.py (the profile's rules), as the API server would.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.charts.conftest import chart_scenarios, strategy_type
from tests.pod_security import pod_specs, violations

STRATEGIES = ("RollingUpdate", "Recreate", "BlueGreen", "Canary")
ROLLOUTS = ("BlueGreen", "Canary")
CASES = [
    (scenario.name, scenario.values, strategy)
    for scenario in chart_scenarios()
    for strategy in ((strategy_type(scenario.values),) if strategy_type(scenario.values) in ROLLOUTS else STRATEGIES)
]


@pytest.mark.parametrize(("name", "values", "strategy"), CASES, ids=[f"{n}-{s}" for n, _, s in CASES])
def test_every_pod_is_admitted_as_restricted(chart, name: str, values: Path, strategy: str) -> None:
    manifests = chart.template(values, overrides={"strategy.type": strategy})
    specs = dict(pod_specs(list(manifests)))
    kinds = {where.split("/")[0] for where in specs}
    assert ("Rollout" if strategy in ROLLOUTS else "Deployment") in kinds
    assert "Job" in kinds and "Pod" in kinds  # the migration hook and the helm test pod
    assert {where: violations(spec) for where, spec in specs.items() if violations(spec)} == {}
