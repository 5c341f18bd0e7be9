"""Shared fixtures. The offline runner installs the recording mocks *before* it imports and
runs `__main__.py`, so no test ever reaches a cloud, a cluster or the Pulumi CLI."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from offline.runner import ProgramRun, run_program, stack_config

STACKS = ("dev", "prod", "local")
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
