"""The program itself through the real engine: a stack of `__main__.py` driven by the Automation API.

The Python language host cannot be built here (the Go module proxy refuses it), so the program
runs as an inline program of the Automation API, which serves the language runtime itself: only
the `pulumi` CLI and the Kubernetes provider from `e2e/build.sh` are needed. Everything else is
what `pulumi up --stack <stack>` does in a checkout:

- the project is the repository's own `Pulumi.yaml` (its config declarations, which the CLI
  validates), in a work directory beside the run state; `charts/` is linked into it because the
  Kubernetes provider resolves the local chart and its values files from the project directory;
- the stack file is the committed `Pulumi.<stack>.yaml` plus the e2e overrides below, each one
  justified; the secrets are set with `config set --secret`, so the CLI encrypts them as a user's
  would;
- the program is `__main__.py`, run from the repository root.
"""

from __future__ import annotations

import os
import runpy
import secrets
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import yaml
from pulumi import automation as auto

from e2e.chart_repo import cached_versions
from e2e.engine import engine_env
from e2e.paths import REPO_ROOT, cache_dir

PROJECT = "eks-platform"
NAMESPACE = "eks-platform"


def e2e_overrides(context: str, chart_repository: str, *, harness: bool = True) -> dict[str, Any]:
    """The only differences between the committed local stack and the e2e stack (see the README).

    `harness`: the harness's control plane; on another cluster (a kind context) the node groups
    stay as the committed local stack has them (none: kind has one unlabelled node).
    """
    overrides: dict[str, Any] = {
        # The harness's control plane instead of a kind cluster.
        "existingCluster": {"kubeconfigContext": context},
        # CI reaches no chart repository: the chart cache (the real upstream charts the offline
        # tests render), served on loopback. Where the cache holds an offline substitute instead
        # of the pin (argo-workflows offline: components/versions.py OFFLINE_SUBSTITUTES), the
        # stack installs that version; every other chart is the pinned version.
        "chartMirror": {"url": chart_repository, "versions": cached_versions()},
    }
    if not harness:
        return overrides
    overrides |= {
        # The harness has the two node groups of an AWS stack (kind has one unlabelled node):
        # describing them makes the stack pin Argo to PROTO-INFERENCE-NG, which the run checks.
        "nodeGroups": {
            "system": {"instanceTypes": ["kwok"], "minSize": 1, "desiredSize": 1, "maxSize": 1},
            "PROTO-INFERENCE-NG": {
                "instanceTypes": ["kwok"],
                "minSize": 1,
                "desiredSize": 1,
                "maxSize": 1,
                "taints": [{"key": "dedicated", "value": "proto-inference", "effect": "NoSchedule"}],
            },
        },
    }
    return overrides


def merged(base: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """`base` with `overrides` merged in, maps key by key (as `config set --path` would); a None
    value removes its key (as `config rm --path` would)."""
    out = dict(base)
    for key, value in overrides.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merged(out[key], value)
        else:
            out[key] = value
    return out


def stack_file(stack: str, overrides: Mapping[str, Any]) -> dict[str, Any]:
    """The committed stack file with `overrides` (keys without the namespace) applied."""
    document = yaml.safe_load((REPO_ROOT / f"Pulumi.{stack}.yaml").read_text()) or {}
    config = {key.removeprefix(f"{NAMESPACE}:"): value for key, value in (document.get("config") or {}).items()}
    return {"config": {f"{NAMESPACE}:{key}": value for key, value in merged(config, overrides).items()}}


def prepare_project(work_dir: Path) -> Path:
    """A project directory: the repository's Pulumi.yaml, and what the provider reads relative to it
    (charts/django, monitoring/crds), as in the repository."""
    if work_dir.exists():
        shutil.rmtree(work_dir)
    work_dir.mkdir(parents=True)
    shutil.copy(REPO_ROOT / "Pulumi.yaml", work_dir / "Pulumi.yaml")
    (work_dir / "charts").symlink_to(REPO_ROOT / "charts")
    (work_dir / "monitoring").symlink_to(REPO_ROOT / "monitoring")
    return work_dir


def program() -> None:
    """`__main__.py`, as `pulumi up` runs it: from the repository root."""
    previous = Path.cwd()
    os.chdir(REPO_ROOT)
    try:
        runpy.run_path(str(REPO_ROOT / "__main__.py"), run_name="__main__")
    finally:
        os.chdir(previous)


def random_secrets() -> dict[str, str]:
    """Fresh values for the secrets the stacks need: the database URL points at the local PostgreSQL
    (local), the database password is for the RDS instance (dev, prod)."""
    password = secrets.token_urlsafe(24)
    return {
        "djangoSecretKey": secrets.token_urlsafe(50),
        "grafanaAdminPassword": secrets.token_urlsafe(24),
        "databasePassword": secrets.token_urlsafe(32),
        "djangoDatabaseUrl": f"postgres://django:{password}@postgres.postgres.svc.cluster.local:5432/django",
    }


def open_stack(
    state: Path,
    stack: str,
    overrides: Mapping[str, Any],
    *,
    secret_values: Mapping[str, str],
    extra_env: Mapping[str, str] | None = None,
    inline: Callable[[], None] = program,
) -> auto.Stack:
    """Create the stack in the harness's file backend with its config and secrets set."""
    work_dir = prepare_project(state / f"project-{stack}")
    env = {**engine_env(state), **(extra_env or {})}
    workspace = auto.LocalWorkspace(
        work_dir=str(work_dir),
        program=inline,
        env_vars=env,
        pulumi_home=env["PULUMI_HOME"],
        pulumi_command=auto.PulumiCommand(root=str(cache_dir())),
    )
    try:
        workspace.remove_stack(stack, force=True)  # a stack left by an interrupted run
    except auto.CommandError:
        pass
    # `stack rm` deletes the stack file: write it after, then let `stack init` add its salt to it.
    (work_dir / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump(stack_file(stack, overrides), sort_keys=False))
    result = auto.Stack.create(stack, workspace)
    for key, value in secret_values.items():
        result.set_config(f"{NAMESPACE}:{key}", auto.ConfigValue(value=value, secret=True))
    return result
