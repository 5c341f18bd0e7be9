"""Shared fixtures. The offline runner installs the recording mocks *before* it imports and
runs `__main__.py`, so no test ever reaches a cloud, a cluster or the Pulumi CLI."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from components import versions
from e2e.paths import bin_dir
from offline import charts
from offline.runner import ProgramRun, run_program, stack_config

STACKS = ("dev", "prod", "local")


def pytest_report_header() -> list[str]:
    """Which version of each upstream chart the chart tests render, and where it came from."""
    lines = ["upstream charts the tests render (build/charts, `make charts`):"]
    for chart in versions.pinned_charts():
        try:
            lines.append(f"  {charts.cached(chart.name, chart.version).describe()}")
        except FileNotFoundError as error:
            lines.append(f"  {error}")
    return lines


@pytest.fixture(scope="session")
def promtool() -> Path:
    """The pinned promtool (e2e/go/promtool, built by `make setup`); missing fails, never skips."""
    path = bin_dir() / "promtool"
    if not path.is_file():
        pytest.fail(
            f"promtool is missing at {path}: build it with `make setup` or `e2e/build.sh promtool` "
            "(from e2e/go/promtool; needs Go and the Go module proxy)",
            pytrace=False,
        )
    return path


_RUNS: dict[str, ProgramRun] = {}


def committed_run(stack: str) -> ProgramRun:
    """The program's run for a committed stack file, evaluated once per test session."""
    if stack not in _RUNS:
        _RUNS[stack] = run_program(stack)
    return _RUNS[stack]


@pytest.fixture(params=STACKS)
def any_stack(request: pytest.FixtureRequest) -> ProgramRun:
    return committed_run(request.param)


@pytest.fixture(params=("dev", "prod"))
def aws_stack(request: pytest.FixtureRequest) -> ProgramRun:
    return committed_run(request.param)


@pytest.fixture
def dev() -> ProgramRun:
    return committed_run("dev")


@pytest.fixture
def prod() -> ProgramRun:
    return committed_run("prod")


@pytest.fixture
def local() -> ProgramRun:
    return committed_run("local")


@pytest.fixture
def dev_config() -> dict[str, Any]:
    """A private copy of the dev stack's config, for tests that break it on purpose."""
    return copy.deepcopy(stack_config("dev"))
