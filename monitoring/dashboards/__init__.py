"""Grafana dashboards as code: the JSON files beside this module, ready for Grafana's sidecar.

components/monitoring.py turns each entry of `dashboards()` into a ConfigMap labelled
`grafana_dashboard: "1"`, which kube-prometheus-stack's Grafana sidecar loads as a file.

- **Ours** (django.json, inference-capacity.json) name the default Prometheus datasource by uid.
- **Upstream** copies (argo-workflows.json, argo-rollouts.json) stay byte-for-byte as published,
  pinned by commit and sha256 in `UPSTREAM` and README.md. The sidecar provisions files as they
  are and never resolves an export's `__inputs` (`${DS_PROMETHEUS}`), which Grafana resolves only in
  its import dialog: `dashboards()` substitutes each datasource input with `DEFAULT_DATASOURCE`
  in code, so the file in the repository is still the upstream one.
- Some metrics the upstream dashboards query are not exported by the pinned exporters any more:
  `UPSTREAM_METRICS_NOT_EXPORTED` names each, and why; their panels stay empty.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

DIRECTORY = Path(__file__).resolve().parent

DEFAULT_DATASOURCE_UID = "prometheus"
"""kube-prometheus-stack's provisioned Prometheus datasource (`grafana.sidecar.datasources.uid`)."""
DEFAULT_DATASOURCE: dict[str, str] = {"type": "prometheus", "uid": DEFAULT_DATASOURCE_UID}


@dataclass(frozen=True)
class Upstream:
    """Where an unmodified upstream dashboard comes from."""

    repository: str
    path: str
    commit: str
    sha256: str
    """Of the file's bytes: the copy here must stay identical to the commit's file."""


UPSTREAM: dict[str, Upstream] = {
    "argo-workflows.json": Upstream(
        repository="argoproj/argo-workflows",
        path="examples/grafana-dashboard.json",
        commit="f016ad89eb269d282aec06dc491c29f396a38df4",
        sha256="770879d30a442271d97026eaaf25c81d2dc3a26b093b041c38f3818ef0c8ffbb",
    ),
    "argo-rollouts.json": Upstream(
        repository="argoproj/argo-rollouts",
        path="examples/dashboard.json",
        commit="9f8d111d8f8e3e88b6d7f8bbdf62fd3cd863ef9d",
        sha256="57566566bd049116f418dd60140d0fab4bd954904fb66959e7df030f7251175e",
    ),
}

UPSTREAM_METRICS_NOT_EXPORTED: dict[tuple[str, str], str] = {
    # Argo Workflows v3.6 moved the controller's metrics to OpenTelemetry and renamed these; v4.0.5
    # (util/telemetry/metrics_list.go) has no series of these names, so their panels and the `ns`
    # variable stay empty. The dashboard's other queries (argo_workflows_operation_duration_seconds,
    # argo_workflows_queue_adds_count, argo_workflows_queue_latency_sum/_count) still match.
    ("argo-workflows.json", "argo_workflows_count"): "renamed argo_workflows_gauge (label phase, not status)",
    ("argo-workflows.json", "argo_workflows_queue_depth_count"): "renamed argo_workflows_queue_depth_gauge",
    (
        "argo-workflows.json",
        "log_messages",
    ): "now argo_workflows_log_messages (every name has the argo_workflows_ prefix)",
}


def files() -> list[Path]:
    """Every dashboard file, by name."""
    return sorted(DIRECTORY.glob("*.json"))


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def datasource_inputs(dashboard: dict[str, Any]) -> list[str]:
    """Names of the export's datasource inputs (`__inputs`), each a Prometheus one; anything else is refused."""
    names = []
    for entry in dashboard.get("__inputs", []):
        if entry.get("type") != "datasource" or entry.get("pluginId") != "prometheus":
            raise ValueError(f"dashboard {dashboard.get('uid')!r}: cannot resolve input {entry!r} for the sidecar")
        names.append(entry["name"])
    return names


def resolve_inputs(dashboard: dict[str, Any]) -> dict[str, Any]:
    """`dashboard` with every `${<datasource input>}` replaced by the default Prometheus datasource.

    A whole `"datasource": "${DS_X}"` becomes the reference object; `${DS_X}` inside a string (a
    newer export's `{"uid": "${DS_X}"}`) becomes the uid. `__inputs` goes: nothing is left to import.
    """
    placeholders = {f"${{{name}}}" for name in datasource_inputs(dashboard)}

    def substitute(value: Any, key: str | None = None) -> Any:
        if isinstance(value, dict):
            return {k: substitute(v, k) for k, v in value.items() if not (k == "__inputs" and value is dashboard)}
        if isinstance(value, list):
            return [substitute(item) for item in value]
        if isinstance(value, str):
            if key == "datasource" and value in placeholders:
                return dict(DEFAULT_DATASOURCE)
            for placeholder in placeholders:
                value = value.replace(placeholder, DEFAULT_DATASOURCE_UID)
        return value

    return substitute(dashboard)


def dashboards() -> dict[str, str]:
    """File name -> dashboard JSON for Grafana's sidecar (one ConfigMap each), inputs resolved."""
    return {path.name: json.dumps(resolve_inputs(json.loads(path.read_text())), indent=2) + "\n" for path in files()}
