"""Fixtures for the WorkflowTemplate tests."""

from __future__ import annotations

import pytest

from tests.workflows.argo_sim import Manifest, by_name
from workflows import build_templates
from workflows.golden import REFERENCE_CONTEXT


@pytest.fixture
def reference_manifests() -> dict[str, Manifest]:
    """The manifests rendered with REFERENCE_CONTEXT, by name (fresh per test, so a test may edit them)."""
    return by_name(build_templates(REFERENCE_CONTEXT))
