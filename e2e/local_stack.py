"""The local stack as the e2e tier deploys it: one deployment per session, changed between
scenarios the way an operator changes a stack (edit the stack file, `pulumi up`).

Each scenario's settings are e2e overrides of the committed `Pulumi.local.yaml`, each justified
where it is made (e2e/stack.py and the scenario's module); secrets stay as `config set --secret`
made them.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pulumi import automation as auto

from e2e import chart_repo
from e2e.stack import NAMESPACE, e2e_overrides, merged, open_stack, random_secrets
from e2e.target import Target

STACK = "local"
WORKLOAD_NAMESPACES = ("argo", "argo-rollouts", "django", "postgres", "monitoring")
MONITORING = "/apis/monitoring.coreos.com/v1"
# The analysis of the Canary and Blue-Green scenarios (tests/e2e/test_canary.py says why).
FAST_ANALYSIS = {"metricsAnalysis": False, "smokeTest": {"count": 1, "failureLimit": 0}}
T = TypeVar("T")

# The harness cluster's storage, as kind's local-path provisioner would give: one volume for the
# local PostgreSQL's claim (kwok runs no container, so the path is never used).
VOLUME = {
    "apiVersion": "v1",
    "kind": "PersistentVolume",
    "metadata": {"name": "e2e-volume-0", "labels": {"e2e": "harness"}},
    "spec": {
        "capacity": {"storage": "5Gi"},
        "accessModes": ["ReadWriteOnce"],
        "persistentVolumeReclaimPolicy": "Retain",
        "hostPath": {"path": "/var/lib/e2e-volume-0"},
    },
}
VOLUME_PATH = "/api/v1/persistentvolumes/e2e-volume-0"


class LocalStack:
    """The stack under test, what its steps returned, and the figures of the run."""

    def __init__(self, stack: auto.Stack, secret_values: dict[str, str], target: Target):
        self.stack = stack
        self.secret_values = secret_values
        self.target = target
        self.up_result: auto.UpResult | None = None
        self.destroyed = False
        self.figures: dict[str, Any] = {}

    @property
    def stack_file(self) -> Path:
        return Path(self.stack.workspace.work_dir) / f"Pulumi.{STACK}.yaml"

    def configure(self, overrides: Mapping[str, Any]) -> None:
        """Merge `overrides` (keys without the namespace; None removes a key) into the stack file,
        as an operator's edit would."""
        document = yaml.safe_load(self.stack_file.read_text())
        prefixed = {f"{NAMESPACE}:{key}": value for key, value in overrides.items()}
        document["config"] = merged(document["config"], prefixed)
        self.stack_file.write_text(yaml.safe_dump(document, sort_keys=False))

    def timed(self, name: str, step: Callable[[], T]) -> T:
        started = time.monotonic()
        try:
            return step()
        finally:
            self.figures[f"{name}_seconds"] = round(time.monotonic() - started, 1)

    def up(self, name: str) -> auto.UpResult:
        """`pulumi up`, timed as `name`; fails the test unless it succeeded."""
        result = self.timed(name, lambda: self.stack.up(on_output=print))
        assert result.summary.result == "succeeded", result.summary
        self.up_result = result
        return result

    def preview_is_clean(self, name: str) -> auto.PreviewResult:
        """`pulumi preview --expect-no-changes` (the CLI fails on any change), timed as `name`."""
        preview = self.timed(name, lambda: self.stack.preview(expect_no_changes=True, on_output=print))
        assert set(preview.change_summary) == {"same"}, preview.change_summary
        return preview


@contextmanager
def open_local_stack(target: Target, state: Path) -> Iterator[LocalStack]:
    """The stack, with its chart repository and (harness) volume; destroyed on the way out if a
    failed test left it up, and the run's figures written to build/e2e/figures.json."""
    api = target.api
    if target.harness:
        if api.exists(VOLUME_PATH):
            api.delete(VOLUME_PATH)
        api.create("/api/v1/persistentvolumes", VOLUME)
    repo, url = chart_repo.start(state)
    secret_values = random_secrets()
    stack = open_stack(
        state,
        STACK,
        e2e_overrides(target.context, url, harness=target.harness),
        secret_values=secret_values,
        extra_env={"KUBECONFIG": str(target.kubeconfig)},
    )
    deployed = LocalStack(stack, secret_values, target)
    try:
        yield deployed
    finally:
        if deployed.up_result is not None and not deployed.destroyed:
            stack.destroy(on_output=print)  # a failed check must not leave the stack up
        repo.stop()
        if target.harness:
            api.delete(VOLUME_PATH)
        figures = state / "figures.json"
        figures.write_text(json.dumps(deployed.figures, indent=2) + "\n")
        print(f"e2e figures ({figures}): {json.dumps(deployed.figures)}")
