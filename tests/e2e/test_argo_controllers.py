"""The locally run Argo controllers (e2e/controllers.py) are the ones acting, as the chart's
service accounts, and isolated: a network namespace with a loopback device only, whose one way
out is the API server's port."""

from __future__ import annotations

import json
import socket
import subprocess
from pathlib import Path

import pytest

from e2e import controllers
from e2e.kubeapi import KubeApi
from e2e.paths import bin_dir
from e2e.procs import listening_ports, non_loopback_peers

pytestmark = pytest.mark.harness

# Their hard-coded all-interface listeners (see e2e/netns.py).
LISTENERS = {"rollouts-controller": {8080, 8090}, "workflow-controller": {6060, 9090}}


def _controller_pid(controller: controllers.Controller) -> int:
    """The controller process: the only child of its launcher."""
    launcher = controller.process(controllers.harness_layout()).pid()
    assert launcher is not None, f"{controller.name} is not running"
    children = Path(f"/proc/{launcher}/task/{launcher}/children").read_text().split()
    [child] = children
    return int(child)


@pytest.mark.parametrize("controller", controllers.CONTROLLERS, ids=lambda c: c.name)
def test_it_holds_the_leader_lease_a_chart_controller_would(
    controller: controllers.Controller, argo_controllers: None, api: KubeApi
) -> None:
    holder = controllers.leader(api, controller) or ""
    assert holder.split("_")[0] == controllers.IDENTITY


@pytest.mark.parametrize("controller", controllers.CONTROLLERS, ids=lambda c: c.name)
def test_the_api_server_sees_the_charts_service_account(
    controller: controllers.Controller, argo_controllers: None
) -> None:
    kubeconfig = controllers.harness_layout().config_dir / f"{controller.name}.kubeconfig"
    run = subprocess.run(
        [str(bin_dir() / "kubectl"), "--kubeconfig", str(kubeconfig), "auth", "whoami", "-o", "json"],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
    )
    user = json.loads(run.stdout)["status"]["userInfo"]
    assert user["username"] == controller.user
    assert f"system:serviceaccounts:{controller.namespace}" in user["groups"]


@pytest.mark.parametrize("controller", controllers.CONTROLLERS, ids=lambda c: c.name)
def test_its_network_namespace_has_loopback_only_and_its_listeners_stay_inside(
    controller: controllers.Controller, argo_controllers: None
) -> None:
    pid = _controller_pid(controller)
    devices = [line.split(":")[0].strip() for line in Path(f"/proc/{pid}/net/dev").read_text().splitlines()[2:]]
    assert devices == ["lo"]
    assert Path(f"/proc/{pid}/ns/net").resolve() != Path("/proc/self/ns/net").resolve()
    assert LISTENERS[controller.name] <= listening_ports(pid)
    for port in LISTENERS[controller.name]:  # not reachable from the host's loopback
        with pytest.raises(OSError):
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
    assert non_loopback_peers(pid) == []
