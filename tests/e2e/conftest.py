"""End-to-end tier: a real API server (etcd, controller-manager, scheduler, kwok fake nodes) on
127.0.0.1 and the real Pulumi engine against it.

Collected only through the e2e entry, `EKS_PLATFORM_E2E=1 pytest tests/e2e` (or
`make e2e-test` with e2e/e2e.mk included); the default offline run neither collects these files
nor starts anything. The session starts the control plane (binaries from `e2e/build.sh`) unless
one is already running, and stops it afterwards unless EKS_PLATFORM_E2E_KEEP=1 or it was
already up. With EKS_PLATFORM_E2E_CONTEXT set (e2e/target.py) it starts nothing: the `harness`
tests are deselected and the stack's scenarios run on that cluster.

The local stack is one deployment for the whole session (e2e/local_stack.py): installed by
test_fault_install.py (through two killed runs and their recoveries), taken through the day-2 scenarios module by module in MODULE_ORDER, and
destroyed by test_teardown.py, last."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from e2e import controllers
from e2e.cluster import admin_api, running_pids, start, stop
from e2e.control_plane import CONTEXT_NAME, Layout
from e2e.kubeapi import KubeApi
from e2e.local_stack import LocalStack, open_local_stack
from e2e.paths import state_dir
from e2e.target import CONTAINERS_MARK, HARNESS_MARK, Target, api_for_context, kubeconfig_path, requested_context

# Modules run in this order (unlisted ones after, alphabetically): the control plane's own checks
# first, then the local stack from install through the day-2 scenarios to its teardown.
MODULE_ORDER = (
    "test_control_plane",
    "test_fake_nodes",
    "test_network_safety",
    "test_aws_stacks_real_engine",
    "test_fault_install",
    "test_local_stack",
    "test_upgrade",
    "test_helm_test",
    "test_argo_controllers",
    "test_workflows",
    "test_canary",
    "test_blue_green",
    "test_fault_destroy",
    "test_teardown",
)

E2E_ENABLED = os.environ.get("EKS_PLATFORM_E2E") == "1"

if not E2E_ENABLED:
    collect_ignore_glob = ["test_*.py"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: needs the local control plane (EKS_PLATFORM_E2E=1)")
    config.addinivalue_line("markers", f"{HARNESS_MARK}: checks the harness itself; deselected on a real cluster")
    config.addinivalue_line("markers", f"{CONTAINERS_MARK}: needs running containers; deselected on the harness")
    # When the engine aborts an inline program (dev/prod: the missing AWS plugin), the SDK leaves
    # its program coroutines unawaited; they report "no running event loop" whenever they are
    # garbage-collected, in whichever test that happens: noise of the SDK, not a result.
    config.addinivalue_line(
        "filterwarnings",
        r"ignore:Exception ignored in. <coroutine object run_(pulumi_func|in_stack):pytest.PytestUnraisableExceptionWarning",
    )


def _module_rank(item: pytest.Item) -> int:
    module = item.nodeid.split("::")[0].rsplit("/", 1)[-1].removesuffix(".py")
    return MODULE_ORDER.index(module) if module in MODULE_ORDER else len(MODULE_ORDER)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    e2e = [item for item in items if "tests/e2e/" in item.nodeid]
    for item in e2e:
        item.add_marker(pytest.mark.e2e)
    # A real cluster has no harness to check; the harness runs no container.
    unwanted = HARNESS_MARK if requested_context() is not None else CONTAINERS_MARK
    dropped = [item for item in e2e if item.get_closest_marker(unwanted)]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]
    items.sort(key=_module_rank)  # stable: the order inside each module stays


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
def api(target: Target) -> KubeApi:
    """Admin REST client of the cluster under test (the harness: system:masters)."""
    return target.api


@pytest.fixture(scope="session")
def target(request: pytest.FixtureRequest) -> Target:
    """The harness's control plane, or the cluster context of EKS_PLATFORM_E2E_CONTEXT."""
    context = requested_context()
    if context is None:
        layout: Layout = request.getfixturevalue("cluster")
        return Target(CONTEXT_NAME, layout.admin_kubeconfig, admin_api(layout), harness=True)
    kubeconfig = kubeconfig_path()
    return Target(
        context, kubeconfig, api_for_context(kubeconfig, context, state_dir() / "context-keys"), harness=False
    )


@pytest.fixture(scope="session")
def local_stack(target: Target) -> Iterator[LocalStack]:
    """The local stack (not yet up): one deployment for the session, destroyed at the end if a test failed first."""
    with open_local_stack(target, state_dir()) as deployed:
        yield deployed


@pytest.fixture(scope="session")
def argo_controllers(local_stack: LocalStack, target: Target) -> Iterator[None]:
    """The real Argo controllers acting on the cluster (harness: started locally, e2e/controllers.py;
    a real cluster: the chart's own pods)."""
    if not target.harness:
        yield
        return
    layout = controllers.harness_layout()
    local_stack.figures["controllers_lead_seconds"] = controllers.start_all(layout, target.api)
    try:
        yield
    finally:
        controllers.stop_all(layout)
