"""Smoke test of the real engine: an inline Pulumi program creates a Namespace and a ConfigMap
on the local control plane through an explicit Kubernetes provider, then `up`, a `preview`
that must show no changes, and `destroy`. Reads the cluster to confirm each step.

    python -m e2e.smoke          # the control plane must be running (python -m e2e.cluster start)
"""

from __future__ import annotations

import sys
from pathlib import Path

import pulumi
import pulumi_kubernetes as k8s
from pulumi import automation as auto

from e2e.cluster import admin_api
from e2e.control_plane import Layout
from e2e.engine import engine_env
from e2e.paths import cache_dir, state_dir

PROJECT = "e2e-smoke"
STACK = "smoke"
NAMESPACE = "e2e-smoke"
CONFIGMAP = "smoke"


def smoke_program(kubeconfig: str) -> auto.PulumiFn:
    """The inline program: one provider, one Namespace, one ConfigMap in it."""

    def program() -> None:
        provider = k8s.Provider("e2e", kubeconfig=kubeconfig, context="e2e")
        opts = pulumi.ResourceOptions(provider=provider)
        namespace = k8s.core.v1.Namespace("smoke-ns", metadata={"name": NAMESPACE}, opts=opts)
        k8s.core.v1.ConfigMap(
            "smoke-cm",
            metadata={"name": CONFIGMAP, "namespace": namespace.metadata.name},
            data={"greeting": "hello from the e2e smoke"},
            opts=opts,
        )
        pulumi.export("namespace", namespace.metadata.name)

    return program


def smoke_stack(state: Path, layout: Layout) -> auto.Stack:
    """Create or select the smoke stack in the harness's file backend."""
    env = engine_env(state)
    kubeconfig = layout.admin_kubeconfig.read_text()
    return auto.create_or_select_stack(
        stack_name=STACK,
        project_name=PROJECT,
        program=smoke_program(kubeconfig),
        opts=auto.LocalWorkspaceOptions(
            env_vars=env,
            pulumi_home=env["PULUMI_HOME"],
            project_settings=auto.ProjectSettings(name=PROJECT, runtime="python"),
            # The CLI built by e2e/build.sh, never whatever `pulumi` is on the caller's PATH.
            pulumi_command=auto.PulumiCommand(root=str(cache_dir())),
        ),
    )


class SmokeCheckError(AssertionError):
    """The cluster's state disagrees with what a smoke step should have done."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise SmokeCheckError(message)


def run(state: Path) -> None:
    """up, preview (expect no changes), destroy; each checked against the cluster."""
    layout = Layout.load(state)
    api = admin_api(layout)
    stack = smoke_stack(state, layout)
    cm_path = f"/api/v1/namespaces/{NAMESPACE}/configmaps/{CONFIGMAP}"

    up = stack.up(on_output=print)
    print(f"up: {up.summary.result} {up.summary.resource_changes}")
    check(api.get(cm_path)["data"]["greeting"] == "hello from the e2e smoke", f"{cm_path} not as declared")

    preview = stack.preview(expect_no_changes=True, on_output=print)
    print(f"preview: {preview.change_summary}")

    destroy = stack.destroy(on_output=print)
    print(f"destroy: {destroy.summary.result} {destroy.summary.resource_changes}")
    check(not api.exists(cm_path), f"{cm_path} survived destroy")
    ns_path = f"/api/v1/namespaces/{NAMESPACE}"
    # The namespace controller finalizes a deleted namespace asynchronously.
    gone = not api.exists(ns_path) or api.get(ns_path)["status"]["phase"] == "Terminating"
    check(gone, f"{ns_path} survived destroy")
    stack.workspace.remove_stack(STACK)
    print("smoke: ok")


def main() -> int:
    run(state_dir())
    return 0


if __name__ == "__main__":
    sys.exit(main())
