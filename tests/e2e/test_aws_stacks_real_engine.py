"""dev and prod through the real engine as far as this machine allows: no AWS here.

The CLI must accept their committed config (with the two required secrets set) and run the
program until it needs the AWS provider plugin; the failure must be that, not configuration.
And before the secrets are set, the real CLI must refuse exactly as `make synth` does.
"""

from __future__ import annotations

import pytest
from pulumi import automation as auto

from e2e.control_plane import Layout
from e2e.stack import open_stack, random_secrets
from offline.project_config import CliConfigError, merge
from offline.runner import stack_file_config

pytestmark = pytest.mark.harness  # the harness itself: deselected on a real cluster (e2e/target.py)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_program_runs_until_it_needs_the_aws_plugin(cluster: Layout, stack: str) -> None:
    opened = open_stack(cluster.state, stack, {}, secret_values=random_secrets())
    with pytest.raises(auto.CommandError) as caught:
        opened.preview(on_output=print)
    message = str(caught.value)
    assert "pulumi-resource-aws" in message or "resource plugin aws" in message or "plugin aws" in message
    for config_failure in ("missing configuration", "Invalid configuration", "must be of type", "must be encrypted"):
        assert config_failure not in message
    opened.workspace.remove_stack(stack, force=True)


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_without_its_secrets_the_cli_refuses_as_synth_does(cluster: Layout, stack: str) -> None:
    with pytest.raises(CliConfigError) as offline:
        merge(stack, stack_file_config(stack), set())
    opened = open_stack(cluster.state, stack, {}, secret_values={})
    with pytest.raises(auto.CommandError) as real:
        opened.preview(on_output=print)
    assert str(offline.value) in str(real.value)
    opened.workspace.remove_stack(stack, force=True)
