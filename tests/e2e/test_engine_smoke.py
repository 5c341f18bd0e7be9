"""The real Pulumi engine and Kubernetes provider against the real API server: up, a preview
with no changes, destroy (see e2e/smoke.py)."""

from __future__ import annotations

import pytest

from e2e.control_plane import Layout
from e2e.smoke import run

pytestmark = pytest.mark.harness  # the harness itself: deselected on a real cluster (e2e/target.py)


def test_up_preview_destroy_round_trip(cluster: Layout) -> None:
    run(cluster.state)
