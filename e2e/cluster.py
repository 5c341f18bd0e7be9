"""Start and stop the local control plane (etcd 3.6, kube-apiserver, kube-controller-manager,
kube-scheduler, kwok with two fake nodes), all on 127.0.0.1.

    python -m e2e.cluster start   # prints the admin kubeconfig path
    python -m e2e.cluster stop    # safe to run twice
    python -m e2e.cluster status
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from e2e import control_plane as cp
from e2e.kubeapi import ApiError, KubeApi, node_is_ready, wait_for
from e2e.paths import state_dir
from e2e.pki import ensure_pki
from e2e.procs import ManagedProcess, free_loopback_port, rss_kib

# Start order; stop runs it backwards.
COMPONENTS: tuple[tuple[str, Callable[[cp.Layout], list[str]]], ...] = (
    ("etcd", cp.etcd_argv),
    ("kube-apiserver", cp.apiserver_argv),
    ("kube-controller-manager", cp.controller_manager_argv),
    ("kube-scheduler", cp.scheduler_argv),
    ("kwok", cp.kwok_argv),
)
START_TIMEOUT_S = 120.0
RESTART_GRACE_S = 5.0

TAINT_INFERENCE = {"key": "dedicated", "value": "proto-inference", "effect": "NoSchedule"}


@dataclass(frozen=True)
class FakeNode:
    """A kwok-managed node as the program's node groups would label it."""

    name: str
    node_group: str
    taints: tuple[dict[str, str], ...] = ()


FAKE_NODES = (
    FakeNode("system-0", "system"),
    FakeNode("inference-0", "PROTO-INFERENCE-NG", (TAINT_INFERENCE,)),
)


def admin_api(layout: cp.Layout) -> KubeApi:
    """Client for the admin identity (system:masters)."""
    pki = layout.pki
    return KubeApi(layout.server, pki.ca_cert, pki.cert("admin"), pki.key("admin"))


def node_manifest(node: FakeNode) -> dict[str, Any]:
    capacity = {"cpu": "64", "memory": "256Gi", "pods": "500"}
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": {
            "name": node.name,
            "annotations": {cp.KWOK_NODE_ANNOTATION: cp.KWOK_NODE_ANNOTATION_VALUE},
            "labels": {
                "kubernetes.io/hostname": node.name,
                "kubernetes.io/os": "linux",
                "kubernetes.io/arch": "amd64",
                "node-group": node.node_group,
                "type": "kwok",
            },
        },
        "spec": {"taints": list(node.taints)},
        "status": {
            "addresses": [
                {"type": "InternalIP", "address": "127.0.0.1"},
                {"type": "Hostname", "address": node.name},
            ],
            "allocatable": capacity,
            "capacity": capacity,
        },
    }


def _processes(state: Path) -> list[ManagedProcess]:
    return [ManagedProcess(name, state / "run") for name, _ in COMPONENTS]


def running_pids(state: Path) -> dict[str, int]:
    """Live pid of every component that is running."""
    pids = {proc.name: proc.pid() for proc in _processes(state)}
    return {name: pid for name, pid in pids.items() if pid is not None}


def _fresh_layout(state: Path) -> cp.Layout:
    ports = cp.Ports(*(free_loopback_port() for _ in range(6)))
    layout = cp.Layout(state=state, pki=ensure_pki(state / "pki"), ports=ports)
    # Each start is a new cluster: old data, logs and the Pulumi state that described the old
    # cluster go; the key material stays.
    for stale in (layout.etcd_data, layout.run_dir, layout.egress_socket, state / "pulumi-backend"):
        if stale.is_dir():
            shutil.rmtree(stale)
        else:
            stale.unlink(missing_ok=True)
    layout.run_dir.mkdir(parents=True)
    layout.save()
    cp.write_configs(layout)
    return layout


def _start_component(layout: cp.Layout, name: str, argv_for: Callable[[cp.Layout], list[str]]) -> None:
    ManagedProcess(name, layout.run_dir).start(argv_for(layout))


def _ensure_alive(layout: cp.Layout) -> None:
    started = [proc for proc in _processes(layout.state) if proc.pid_file.exists()]
    dead = [proc for proc in started if proc.pid() is None]
    if dead:
        names = ", ".join(p.name for p in dead)
        tail = dead[0].log_file.read_text(errors="replace")[-2000:] if dead[0].log_file.exists() else ""
        raise RuntimeError(f"exited during start: {names}\n--- {dead[0].log_file} ---\n{tail}")


def _create_nodes(api: KubeApi) -> None:
    for node in FAKE_NODES:
        try:
            api.create("/api/v1/nodes", node_manifest(node))
        except ApiError as err:
            if err.code != 409:
                raise


def _schedulable(node: dict[str, Any]) -> bool:
    """Ready, and the node lifecycle controller has lifted its not-ready taint (it follows Ready)."""
    taints = node["spec"].get("taints", [])
    return node_is_ready(node) and not any(t["key"] == "node.kubernetes.io/not-ready" for t in taints)


def _nodes_ready(api: KubeApi) -> bool:
    nodes = {n["metadata"]["name"]: n for n in api.get("/api/v1/nodes")["items"]}
    return all(node.name in nodes and _schedulable(nodes[node.name]) for node in FAKE_NODES)


def _default_service_account_exists(api: KubeApi) -> bool:
    return api.exists("/api/v1/namespaces/default/serviceaccounts/default")


def _alive_and(layout: cp.Layout, check: Callable[[], bool]) -> Callable[[], bool]:
    """check, failing at once (with the log) when a component has died instead of timing out."""

    def probe() -> bool:
        _ensure_alive(layout)
        return check()

    return probe


def _wait_ready(layout: cp.Layout, api: KubeApi) -> None:
    _create_nodes(api)
    wait_for("nodes Ready and schedulable", _alive_and(layout, lambda: _nodes_ready(api)), START_TIMEOUT_S)
    default_sa = _alive_and(layout, lambda: _default_service_account_exists(api))
    wait_for("default ServiceAccount", default_sa, START_TIMEOUT_S)


def total_rss_kib(state: Path) -> dict[str, int]:
    """Resident memory of each running component, in KiB."""
    return {name: rss_kib(pid) for name, pid in running_pids(state).items()}


def start(state: Path) -> cp.Layout:
    """Start a fresh control plane and wait until it serves, nodes are Ready and `default` SA exists."""
    if running_pids(state):
        layout = cp.Layout.load(state)
        if admin_api(layout).is_ready():
            return layout
        stop(state)
    began = time.monotonic()
    layout = _fresh_layout(state)
    api = admin_api(layout)
    try:
        for name, argv_for in COMPONENTS:
            _start_component(layout, name, argv_for)
            # Each waits for the one before: the API server exits without etcd, and the
            # controller-manager and scheduler exit if RBAC's bootstrap policy is not there yet.
            if name == "etcd":
                wait_for("etcd", _alive_and(layout, lambda: _etcd_healthy(layout)), 30)
            elif name == "kube-apiserver":
                wait_for("/readyz", _alive_and(layout, api.is_ready), START_TIMEOUT_S)
        _wait_ready(layout, api)
    except BaseException:
        stop(state)
        raise
    seconds = time.monotonic() - began
    rss = total_rss_kib(state)
    report = {"start_seconds": round(seconds, 1), "rss_mib": {k: round(v / 1024) for k, v in rss.items()}}
    report["rss_mib_total"] = round(sum(rss.values()) / 1024)
    (state / "start.json").write_text(json.dumps(report, indent=2) + "\n")
    return layout


def restart_api_server(state: Path) -> float:
    """Stop the API server by its pid file (SIGTERM, SIGKILL after RESTART_GRACE_S: its graceful
    shutdown waits out open watches) and start it again on the same port, as a control-plane upgrade
    would; the seconds until /readyz answers again."""
    layout = cp.Layout.load(state)
    argv_for = dict(COMPONENTS)["kube-apiserver"]
    began = time.monotonic()
    ManagedProcess("kube-apiserver", layout.run_dir).stop(timeout=RESTART_GRACE_S)
    _start_component(layout, "kube-apiserver", argv_for)
    wait_for("/readyz after the restart", _alive_and(layout, admin_api(layout).is_ready), START_TIMEOUT_S)
    return round(time.monotonic() - began, 1)


def _etcd_healthy(layout: cp.Layout) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{layout.ports.etcd_client}/health", timeout=2) as resp:
            return bool(json.loads(resp.read()).get("health") == "true")
    except OSError:
        return False


def stop(state: Path) -> None:
    """Stop every component by its pid file, in reverse start order, waiting for each to exit."""
    for proc in reversed(_processes(state)):
        proc.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m e2e.cluster", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("start", "stop", "status"))
    parser.add_argument("--state-dir", type=Path, default=state_dir(), help="default: build/e2e")
    args = parser.parse_args(argv)
    state: Path = args.state_dir.resolve()
    if args.command == "start":
        layout = start(state)
        print((state / "start.json").read_text(), file=sys.stderr, end="")
        print(layout.admin_kubeconfig)
    elif args.command == "stop":
        stop(state)
    else:
        pids = running_pids(state)
        print(json.dumps({"running": pids, "rss_kib": total_rss_kib(state)}, indent=2))
        return 0 if len(pids) == len(COMPONENTS) else 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
