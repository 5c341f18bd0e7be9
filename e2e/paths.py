"""Where the harness keeps its binaries (a cache outside the repository) and its run state."""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
E2E_DIR = REPO_ROOT / "e2e"


def cache_dir() -> Path:
    """Root of the build cache that `e2e/build.sh` fills."""
    default = Path.home() / ".cache" / "eks-platform-e2e"
    return Path(os.environ.get("EKS_PLATFORM_E2E_CACHE", default))


def bin_dir() -> Path:
    """Directory holding every harness binary (pulumi, providers, control plane, etcd, kwok)."""
    return cache_dir() / "bin"


def binary(name: str) -> Path:
    """Path of one harness binary; fails with the build command when it is missing."""
    path = bin_dir() / name
    if not path.is_file():
        raise FileNotFoundError(f"{path} is missing: run e2e/build.sh first")
    return path


def state_dir() -> Path:
    """Run state of the local control plane (certificates, data, logs, pid files); gitignored."""
    return Path(os.environ.get("EKS_PLATFORM_E2E_STATE", REPO_ROOT / "build" / "e2e")).resolve()
