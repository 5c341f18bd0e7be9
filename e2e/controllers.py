"""The real Argo controllers beside the control plane, configured by what the releases rendered.

Under kwok the chart's controller pods are fakes: the API server has their Deployments and pods,
but no process behind them. The Argo Rollouts controller and the Argo Workflows controller
(built by `e2e/build.sh`) run here instead, as local processes:

- with the container arguments and environment of the chart's own Deployment, read from the API
  server (downward-API values resolved: the namespace, and the pod name as a leader identity), so
  they read the controller ConfigMap the release made and run with its flags;
- as the chart's service account, through impersonation (`as` and `as-groups` in a kubeconfig of
  the admin identity): every request is authorised by the RBAC the release rendered, not by the
  admin's;
- in a network namespace of their own (`e2e.netns`), which reaches only the API server's port:
  their hard-coded all-interface listeners are not reachable from anywhere;
- started and stopped by pid file, like the control plane.

Two controllers never act at once: the chart's pods run no process, and each local controller
also takes the leader lease a chart controller would (`argo-rollouts-controller-lock` in
argo-rollouts, `workflow-controller` in argo), so a real chart pod, were there one, would stand by.
The one change to the chart's environment: with one replica the workflow-controller chart sets
LEADER_ELECTION_DISABLE=true; the local controller runs with leader election on instead, so it
holds the lease, and holding it is how the harness knows it has started acting.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from e2e.control_plane import Layout
from e2e.kubeapi import KubeApi, wait_for
from e2e.paths import REPO_ROOT, binary, state_dir
from e2e.procs import ManagedProcess

# Its host name and pod name: the leader identity (argo-rollouts adds "_<uuid>" to the host name).
IDENTITY = "e2e-local-controller"
STOP_GRACE_S = 5.0


@dataclass(frozen=True)
class Controller:
    """One Argo controller, run locally in place of its chart's Deployment."""

    name: str  # the binary, and the process name under build/e2e/run
    namespace: str
    deployment: str  # the chart's Deployment, whose container configuration it takes
    service_account: str
    lease: str  # the leader lease it holds while it acts

    @property
    def user(self) -> str:
        return f"system:serviceaccount:{self.namespace}:{self.service_account}"

    def process(self, layout: Layout) -> ManagedProcess:
        return ManagedProcess(self.name, layout.run_dir)


ROLLOUTS = Controller(
    name="rollouts-controller",
    namespace="argo-rollouts",
    deployment="argo-rollouts",
    service_account="argo-rollouts",
    lease="argo-rollouts-controller-lock",
)
WORKFLOWS = Controller(
    name="workflow-controller",
    namespace="argo",
    deployment="argo-workflows-workflow-controller",
    service_account="argo-workflows-workflow-controller",
    lease="workflow-controller",
)
CONTROLLERS = (ROLLOUTS, WORKFLOWS)


def impersonating_kubeconfig(layout: Layout, controller: Controller) -> Path:
    """The admin kubeconfig, acting as the controller's service account, in its namespace."""
    config = yaml.safe_load(layout.admin_kubeconfig.read_text())
    [user] = config["users"]
    user["user"]["as"] = controller.user
    user["user"]["as-groups"] = [
        "system:serviceaccounts",
        f"system:serviceaccounts:{controller.namespace}",
        "system:authenticated",
    ]
    [context] = config["contexts"]
    context["context"]["namespace"] = controller.namespace
    path = layout.config_dir / f"{controller.name}.kubeconfig"
    path.write_text(yaml.safe_dump(config, sort_keys=False))
    path.chmod(0o600)
    return path


def _downward_value(source: dict[str, Any], controller: Controller) -> str:
    field = source.get("fieldRef", {}).get("fieldPath")
    values = {"metadata.namespace": controller.namespace, "metadata.name": IDENTITY}
    if field not in values:
        raise ValueError(f"{controller.deployment}: env from {source} cannot be resolved outside a pod")
    return values[field]


def container_config(deployment: dict[str, Any], controller: Controller) -> tuple[list[str], dict[str, str]]:
    """(arguments, environment) of the chart's controller container, downward-API values resolved."""
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    env = {}
    for var in container.get("env", []):
        if var["name"] == "LEADER_ELECTION_DISABLE":  # see the module's docstring
            continue
        if "value" in var:
            env[var["name"]] = var["value"]
        else:
            env[var["name"]] = _downward_value(var["valueFrom"], controller)
    return [*container.get("command", [])[1:], *container.get("args", [])], env


def argv(layout: Layout, controller: Controller, args: list[str]) -> list[str]:
    """The launcher in its own network namespace, then the controller with the chart's arguments."""
    kubeconfig = impersonating_kubeconfig(layout, controller)
    return [
        sys.executable,
        "-m",
        "e2e.netns",
        f"--forward={layout.ports.apiserver}",
        f"--hostname={IDENTITY}",
        "--",
        str(binary(controller.name)),
        *args,
        f"--kubeconfig={kubeconfig}",
    ]


def leader(api: KubeApi, controller: Controller) -> str | None:
    """The holder of the controller's leader lease, if any."""
    path = f"/apis/coordination.k8s.io/v1/namespaces/{controller.namespace}/leases/{controller.lease}"
    if not api.exists(path):
        return None
    return api.get(path)["spec"].get("holderIdentity")


def start(layout: Layout, api: KubeApi, controller: Controller, timeout: float = 60.0) -> int:
    """Start the controller and wait until it holds its leader lease (it then acts)."""
    process = controller.process(layout)
    if process.pid() is not None:
        return process.pid()  # type: ignore[return-value]
    deployment = api.get(f"/apis/apps/v1/namespaces/{controller.namespace}/deployments/{controller.deployment}")
    args, env = container_config(deployment, controller)
    environment = {"PATH": "/usr/bin:/bin", "HOME": str(layout.state), "PYTHONPATH": str(REPO_ROOT), **env}
    pid = process.start(argv(layout, controller, args), env=environment)
    try:
        wait_for(f"{controller.name} to lead", lambda: _leads(process, api, controller), timeout, interval=0.5)
    except BaseException:
        process.stop()
        raise
    return pid


def _leads(process: ManagedProcess, api: KubeApi, controller: Controller) -> bool:
    if process.pid() is None:
        tail = process.log_file.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{controller.name} exited\n--- {process.log_file} ---\n{tail}")
    holder = leader(api, controller) or ""
    return holder == IDENTITY or holder.startswith(f"{IDENTITY}_")


def start_all(layout: Layout, api: KubeApi) -> dict[str, float]:
    """Start both controllers; seconds each took to lead."""
    seconds = {}
    for controller in CONTROLLERS:
        began = time.monotonic()
        start(layout, api, controller)
        seconds[controller.name] = round(time.monotonic() - began, 1)
    return seconds


def harness_layout() -> Layout:
    """The running harness's layout (ports, certificates)."""
    return Layout.load(state_dir())


def stop_all(layout: Layout) -> None:
    """Stop both controllers by pid file (safe to repeat). The workflow controller can take over
    10 s to exit after SIGTERM (30 s and more seen here); a controller keeps no state of its own
    (it is all in the API server), so after STOP_GRACE_S it is killed."""
    for controller in CONTROLLERS:
        controller.process(layout).stop(timeout=STOP_GRACE_S)
