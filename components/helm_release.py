"""One way to install a Helm chart, with the same safety options for every release."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_kubernetes as kubernetes


def chart_release(
    resource_name: str,
    *,
    release_name: str,
    chart: str,
    namespace: str,
    values: dict[str, Any],
    opts: pulumi.ResourceOptions,
    version: str | None = None,
    repo: str | None = None,
    value_yaml_files: list[pulumi.Asset] | None = None,
    timeout: int = 600,
) -> kubernetes.helm.v3.Release:
    """A `helm.v3.Release` (hooks run, unlike helm.v4.Chart) with the platform's release options.

    - waits for the workloads to be ready (`skip_await` off), so dependants start on a working release;
    - `atomic`: a failed upgrade rolls back instead of leaving a half-applied release;
    - `cleanup_on_fail`: resources a failed upgrade created are removed;
    - `max_history`: release Secrets do not pile up in the namespace.
    """
    return kubernetes.helm.v3.Release(
        resource_name,
        name=release_name,
        chart=chart,
        version=version,
        repository_opts=kubernetes.helm.v3.RepositoryOptsArgs(repo=repo) if repo else None,
        namespace=namespace,
        value_yaml_files=value_yaml_files,
        values=values,
        skip_await=False,
        atomic=True,
        cleanup_on_fail=True,
        max_history=10,
        timeout=timeout,
        opts=opts,
    )
