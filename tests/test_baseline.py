"""Nothing live is replaced by a refactor: every URN, input and option a committed stack declares
is the one recorded in tests/baselines/<stack>.json (taken at d31dd6c, before issue 15's rewiring).

A difference fails with one line per URN. Regenerate only on purpose, with the reason in the
commit message: `.venv/bin/python -m offline.baseline --write`.
"""

from __future__ import annotations

import json

import pytest

from offline import baseline
from offline.runner import ProgramRun
from tests.conftest import STACKS, committed_run


@pytest.mark.parametrize("stack", STACKS)
def test_urns_inputs_and_options_match_the_committed_baseline(stack: str) -> None:
    recorded = json.loads(baseline.path_of(stack).read_text())
    found = baseline.differences(recorded, baseline.snapshot(committed_run(stack)))
    assert not found, "\n".join(found)


def test_a_renamed_resource_or_a_changed_input_is_reported(dev: ProgramRun) -> None:
    current = baseline.snapshot(dev)
    release = next(urn for urn in current if urn.endswith("::dev-django-release"))
    renamed = {(urn + "-renamed" if urn == release else urn): entry for urn, entry in current.items()}
    assert baseline.differences(current, renamed) == [
        f"+ {release}-renamed (new)",
        f"- {release} (gone: the engine would delete it)",
    ]
    changed = json.loads(json.dumps(current))
    changed[release]["inputs"]["values"]["image"]["tag"] = "0.2.0"
    changed[release]["protect"] = True
    assert baseline.differences(current, changed) == [f"~ {release}: inputs, protect changed"]


def test_secrets_are_recorded_as_redacted_never_as_their_values(dev: ProgramRun) -> None:
    text = baseline.path_of("dev").read_text()
    assert "offline-placeholder" not in text
    secret = next(e for urn, e in baseline.snapshot(dev).items() if urn.endswith("::dev-django-secret"))
    assert secret["inputs"]["stringData"] == baseline.REDACTED or set(secret["inputs"]["stringData"].values()) == {
        baseline.REDACTED
    }
