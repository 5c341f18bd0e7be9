"""Where the e2e tier runs: the harness's control plane (kwok fake nodes, no containers), or an
existing cluster context where containers really run, chosen by EKS_PLATFORM_E2E_CONTEXT.

    EKS_PLATFORM_E2E_CONTEXT=kind-eks-platform make e2e   # a kind cluster, through $KUBECONFIG

On a context, the harness-only checks (marked `harness`: the control plane itself, kwok's fake
nodes and stages, the network-safety proofs, the locally run Argo controllers) are deselected,
and the same scenarios run against the chart's own controllers and real pods.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

import yaml

from e2e.kubeapi import KubeApi

CONTEXT_ENV = "EKS_PLATFORM_E2E_CONTEXT"
HARNESS_MARK = "harness"  # checks of the harness itself: deselected on a real cluster
CONTAINERS_MARK = "containers"  # needs running containers (port-forward, exec): deselected on the harness


def requested_context(environ: dict[str, str] | os._Environ[str] = os.environ) -> str | None:
    """The cluster context asked for, or None for the harness."""
    return environ.get(CONTEXT_ENV) or None


@dataclass(frozen=True)
class Target:
    """The cluster the stack is deployed to, and how the tests reach it."""

    context: str
    kubeconfig: Path
    api: KubeApi
    harness: bool
    """The harness's control plane: fake nodes, no containers, the Argo controllers run locally."""


def kubeconfig_path(environ: dict[str, str] | os._Environ[str] = os.environ) -> Path:
    """The first file of $KUBECONFIG, else ~/.kube/config (kubectl's order)."""
    configured = environ.get("KUBECONFIG", "")
    first = configured.split(os.pathsep)[0] if configured else ""
    return Path(first) if first else Path.home() / ".kube" / "config"


def api_for_context(kubeconfig: Path, context: str, key_dir: Path) -> KubeApi:
    """A client for a kubeconfig context that authenticates with a client certificate (as kind's does)."""
    config = yaml.safe_load(kubeconfig.read_text())
    contexts = {c["name"]: c["context"] for c in config.get("contexts", [])}
    if context not in contexts:
        raise ValueError(f"{CONTEXT_ENV}={context!r}: no such context in {kubeconfig} (has: {sorted(contexts)})")
    cluster = {c["name"]: c["cluster"] for c in config["clusters"]}[contexts[context]["cluster"]]
    user = {u["name"]: u["user"] for u in config["users"]}[contexts[context]["user"]]
    if "client-certificate-data" not in user:
        raise ValueError(
            f"{CONTEXT_ENV}={context!r}: its user needs client-certificate-data (kind's kubeconfig has it)"
        )
    key_dir.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, key in (("ca.crt", "certificate-authority-data"), ("client.crt", "client-certificate-data")):
        source = cluster if name == "ca.crt" else user
        files[name] = key_dir / name
        files[name].write_bytes(base64.b64decode(source[key]))
    files["client.key"] = key_dir / "client.key"
    files["client.key"].touch(mode=0o600)
    files["client.key"].write_bytes(base64.b64decode(user["client-key-data"]))
    return KubeApi(cluster["server"], files["ca.crt"], files["client.crt"], files["client.key"])
