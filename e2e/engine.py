"""Environment for running the real Pulumi engine against the local control plane: the CLI and
the Kubernetes provider from the harness cache, a file backend in the state dir, no plugin
downloads and no update checks."""

from __future__ import annotations

import os
from pathlib import Path

from e2e.paths import bin_dir

PASSPHRASE = "some-e2e-passphrase"


def engine_env(state: Path) -> dict[str, str]:
    """Variables for every Pulumi CLI run of the harness (merged over the caller's environment)."""
    backend = state / "pulumi-backend"
    home = state / "pulumi-home"
    backend.mkdir(parents=True, exist_ok=True)
    home.mkdir(parents=True, exist_ok=True)
    return {
        "PATH": f"{bin_dir()}{os.pathsep}{os.environ.get('PATH', '')}",
        "PULUMI_HOME": str(home),
        "PULUMI_BACKEND_URL": f"file://{backend}",
        "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
    }
