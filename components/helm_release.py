"""One way to install a Helm chart, with the same safety options for every release."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_kubernetes as kubernetes

from components.versions import Chart


@dataclass(frozen=True)
class ChartMirror:
    """Where the upstream charts come from: their own repositories, or one mirror for all.

    A private or air-gapped cluster cannot reach argo-helm, eks-charts and the others: the stack
    setting `chartMirror` points every upstream chart at one HTTP chart repository or OCI
    registry (e.g. ECR) holding copies. The pins in components/versions.py stay unless
    `versions` overrides one (a mirror that holds another version).
    """

    url: str = ""
    """http(s):// chart repository or oci:// registry path; '' = each chart's upstream repository."""
    versions: Mapping[str, str] = field(default_factory=dict)
    """Chart name -> version, overriding the pin for this stack."""

    def source(self, chart: Chart) -> tuple[str, str, str | None]:
        """(chart reference, version, repository) of an upstream chart for `helm.v3.Release`."""
        version = self.versions.get(chart.name, chart.version)
        if not self.url:
            return chart.name, version, chart.repository
        if self.url.startswith("oci://"):
            return f"{self.url.rstrip('/')}/{chart.name}", version, None
        return chart.name, version, self.url


UPSTREAM = ChartMirror()


def chart_release(
    resource_name: str,
    *,
    release_name: str,
    chart: Chart | str,
    namespace: str,
    values: dict[str, Any],
    opts: pulumi.ResourceOptions,
    value_yaml_files: list[pulumi.Asset] | None = None,
    timeout: int = 600,
    mirror: ChartMirror = UPSTREAM,
) -> kubernetes.helm.v3.Release:
    """A `helm.v3.Release` (hooks run, unlike helm.v4.Chart) with the platform's release options.

    - waits for the workloads to be ready (`skip_await` off), so dependants start on a working release;
    - `atomic`: a failed upgrade rolls back instead of leaving a half-applied release;
    - `cleanup_on_fail`: resources a failed upgrade created are removed;
    - `max_history`: release Secrets do not pile up in the namespace.

    `chart` is an upstream chart (from `mirror` when the stack sets one) or the path of a chart
    in this repository (charts/django), which is never mirrored.
    """
    reference, version, repo = mirror.source(chart) if isinstance(chart, Chart) else (chart, None, None)
    return kubernetes.helm.v3.Release(
        resource_name,
        name=release_name,
        chart=reference,
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
