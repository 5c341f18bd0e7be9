"""MetricsServer: pinned chart, no AWS resource, off the inference group, kind-only TLS shortcut."""

from __future__ import annotations

import json
from typing import Any

from components import versions
from components.context import Placement
from components.metrics_server import MetricsServer
from components.settings import MetricsServerSettings
from offline.runner import record_components
from tests.components.contexts import unit_context

SYSTEM = {"node-group": "system"}


def build(**context: Any) -> list:
    return record_components(lambda: MetricsServer("ms", MetricsServerSettings(), unit_context(**context)))


def release_of(records: list) -> dict[str, Any]:
    [release] = [r for r in records if r.type == "kubernetes:helm.sh/v3:Release"]
    return release.inputs


def test_release_is_the_pinned_official_chart() -> None:
    release = release_of(build())
    assert release["chart"] == "metrics-server"
    assert release["version"] == versions.METRICS_SERVER.version
    assert release["repositoryOpts"]["repo"] == versions.METRICS_SERVER.repository
    assert release["repositoryOpts"]["repo"] == "https://kubernetes-sigs.github.io/metrics-server/"
    assert release["namespace"] == "kube-system"
    assert release["values"]["image"] == {
        "repository": versions.METRICS_SERVER_IMAGE,
        "tag": versions.METRICS_SERVER_TAG,
    }
    assert release["skipAwait"] is False and release["atomic"] is True and release["cleanupOnFail"] is True


def test_needs_no_aws_so_it_runs_on_every_stack() -> None:
    records = build(system=Placement("system"), environment="local")
    assert not [r for r in records if r.type.startswith("aws:")]
    assert release_of(records)["values"]["nodeSelector"] == {}


def test_runs_on_the_system_group_with_requests_and_limits() -> None:
    values = release_of(build())["values"]
    assert values["nodeSelector"] == SYSTEM
    assert set(values["resources"]) == {"requests", "limits"}
    for kind in ("requests", "limits"):
        assert set(values["resources"][kind]) == {"cpu", "memory"}


def test_kubelet_tls_is_verified_except_on_the_local_stack_for_kind() -> None:
    assert release_of(build())["values"]["args"] == []
    assert release_of(build(environment="prod"))["values"]["args"] == []
    assert release_of(build(environment="local"))["values"]["args"] == ["--kubelet-insecure-tls"]


def test_prod_runs_two_replicas_with_a_disruption_budget() -> None:
    single = release_of(build())["values"]
    assert single["replicas"] == 1 and single["podDisruptionBudget"] == {"enabled": False}
    pair = release_of(build(environment="prod"))["values"]
    assert pair["replicas"] == 2 and pair["podDisruptionBudget"] == {"enabled": True, "minAvailable": 1}


def test_nothing_lands_on_the_inference_group() -> None:
    values = release_of(build())["values"]
    assert values["tolerations"] == []
    rendered = json.dumps(values)
    assert "PROTO-INFERENCE-NG" not in rendered and "proto-inference" not in rendered
