"""End-to-end tier: a real API server (etcd, controller-manager, scheduler, kwok fake nodes) on
127.0.0.1 and the real Pulumi engine against it.

Collected only through the e2e entry, `EKS_PLATFORM_E2E=1 pytest tests/e2e` (or
`make e2e-test` with e2e/e2e.mk included); the default offline run neither collects these files
nor starts anything. The session starts the control plane (binaries from `e2e/build.sh`) unless
one is already running, and stops it afterwards unless EKS_PLATFORM_E2E_KEEP=1 or it was
already up."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from e2e.cluster import admin_api, running_pids, start, stop
from e2e.control_plane import Layout
from e2e.kubeapi import KubeApi
from e2e.paths import state_dir

E2E_ENABLED = os.environ.get("EKS_PLATFORM_E2E") == "1"

if not E2E_ENABLED:
    collect_ignore_glob = ["test_*.py"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: needs the local control plane (EKS_PLATFORM_E2E=1)")
    # When the engine aborts an inline program (dev/prod: the missing AWS plugin), the SDK leaves
    # its program coroutines unawaited; they report "no running event loop" whenever they are
    # garbage-collected, in whichever test that happens: noise of the SDK, not a result.
    config.addinivalue_line(
        "filterwarnings",
        r"ignore:Exception ignored in. <coroutine object run_(pulumi_func|in_stack):pytest.PytestUnraisableExceptionWarning",
    )


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in item.nodeid:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def cluster() -> Iterator[Layout]:
    """The running control plane's layout (ports, certificates, kubeconfigs)."""
    state = state_dir()
    was_running = bool(running_pids(state))
    layout = start(state)
    yield layout
    if not was_running and os.environ.get("EKS_PLATFORM_E2E_KEEP") != "1":
        stop(state)


@pytest.fixture(scope="session")
def api(cluster: Layout) -> KubeApi:
    """Admin (system:masters) REST client for the control plane."""
    return admin_api(cluster)
