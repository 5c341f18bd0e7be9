"""ArgoRollouts: pinned chart in its own namespace, system group, non-root, PDB in prod, CRDs kept.

The second half renders the real argo-rollouts chart (the chart cache, the pinned 2.41.0) with
the component's values: the value keys are the chart's, not guesses.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

import pytest

from components import versions
from components.argo_rollouts import NAMESPACE, ArgoRollouts, release_values
from components.context import Placement
from components.helm_release import ChartMirror
from components.settings import ArgoRolloutsSettings
from offline.runner import record_components
from tests import upstream_charts
from tests.components.contexts import unit_context, values_context

SYSTEM = {"node-group": "system"}
RELEASE = "kubernetes:helm.sh/v3:Release"


def build(**context: Any) -> list:
    return record_components(lambda: ArgoRollouts("ar", ArgoRolloutsSettings(), unit_context(**context)))


def release_of(records: list) -> dict[str, Any]:
    [release] = [r for r in records if r.type == RELEASE]
    return release.plain


# ---- what the program declares ----------------------------------------------------------------


def test_release_is_the_pinned_official_chart_in_its_own_namespace() -> None:
    records = build()
    release = release_of(records)
    assert release["chart"] == "argo-rollouts"
    assert release["version"] == versions.ARGO_ROLLOUTS.version == "2.41.0"
    assert (
        release["repositoryOpts"]["repo"] == versions.ARGO_ROLLOUTS.repository == "https://argoproj.github.io/argo-helm"
    )
    assert release["namespace"] == NAMESPACE == "argo-rollouts"
    assert release["skipAwait"] is False and release["atomic"] is True and release["cleanupOnFail"] is True
    [namespace] = [r for r in records if r.type == "kubernetes:core/v1:Namespace"]
    assert namespace.plain["metadata"]["name"] == "argo-rollouts"
    [release_record] = [r for r in records if r.type == RELEASE]
    assert namespace.urn in release_record.dependencies


def test_needs_no_aws() -> None:
    """ALB traffic routing edits Ingress annotations only: no IRSA role, no AWS resource."""
    records = build(system=Placement("system"))
    assert not [r for r in records if r.type.split(":")[0] in ("aws", "eks")]
    values = release_of(records)["values"]
    assert "serviceAccount" not in values  # no role annotation


def test_controller_runs_on_the_system_group_with_requests_and_limits_and_no_tolerations() -> None:
    controller = release_of(build())["values"]["controller"]
    assert controller["nodeSelector"] == SYSTEM
    assert controller["tolerations"] == []
    assert set(controller["resources"]) == {"requests", "limits"}
    for kind in ("requests", "limits"):
        assert set(controller["resources"][kind]) == {"cpu", "memory"}
    assert "proto-inference" not in json.dumps(controller).lower()


def test_runs_as_non_root_without_privileges() -> None:
    values = release_of(build())["values"]
    assert values["podSecurityContext"]["runAsNonRoot"] is True
    container = values["containerSecurityContext"]
    assert container["runAsNonRoot"] is True and container["allowPrivilegeEscalation"] is False
    assert container["readOnlyRootFilesystem"] is True and container["capabilities"] == {"drop": ["ALL"]}


def test_prod_runs_two_replicas_with_a_disruption_budget() -> None:
    single = release_of(build())["values"]["controller"]
    assert single["replicas"] == 1 and single["pdb"] == {"enabled": False}
    pair = release_of(build(environment="prod"))["values"]["controller"]
    assert pair["replicas"] == 2 and pair["pdb"] == {"enabled": True, "minAvailable": 1}


def test_crds_are_installed_and_kept_on_uninstall_and_the_dashboard_is_off() -> None:
    values = release_of(build())["values"]
    assert values["installCRDs"] is True and values["keepCRDs"] is True
    assert values["dashboard"] == {"enabled": False}


def test_the_mirror_is_respected() -> None:
    http = release_of(build(chart_mirror=ChartMirror(url="https://charts.internal.example")))
    assert (http["chart"], http["version"]) == ("argo-rollouts", versions.ARGO_ROLLOUTS.version)
    assert http["repositoryOpts"]["repo"] == "https://charts.internal.example"
    oci = "oci://123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/charts"
    pinned = release_of(build(chart_mirror=ChartMirror(url=oci, versions={"argo-rollouts": "2.40.2"})))
    assert (pinned["chart"], pinned["version"]) == (f"{oci}/argo-rollouts", "2.40.2")
    assert not pinned.get("repositoryOpts")


# ---- what the real chart renders from those values ------------------------------------------------


@cache
def rendered(replicas: int) -> tuple[dict[str, Any], ...]:
    values = release_values(values_context(environment="prod" if replicas == 2 else "dev"))
    return tuple(upstream_charts.render("argo-rollouts", values, namespace=NAMESPACE))


def objects(replicas: int, kind: str) -> list[dict[str, Any]]:
    return [o for o in rendered(replicas) if o["kind"] == kind]


def test_the_mirror_holds_the_pinned_chart() -> None:
    assert upstream_charts.packaged("argo-rollouts").name == f"argo-rollouts-{versions.ARGO_ROLLOUTS.version}.tgz"


@pytest.mark.parametrize("replicas", [1, 2])
def test_rendered_controller_has_the_selector_resources_security_and_replicas(replicas: int) -> None:
    [deployment] = objects(replicas, "Deployment")  # the dashboard is off: one Deployment
    assert deployment["metadata"]["namespace"] == "argo-rollouts"
    assert deployment["spec"]["replicas"] == replicas
    pod = deployment["spec"]["template"]["spec"]
    assert pod["nodeSelector"] == SYSTEM
    assert not pod.get("tolerations")
    assert pod["securityContext"]["runAsNonRoot"] is True
    [container] = pod["containers"]
    assert container["resources"] == release_values(values_context())["controller"]["resources"]
    assert container["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert container["securityContext"]["capabilities"] == {"drop": ["ALL"]}
    assert ("--leader-elect" in container["args"]) == (replicas > 1)


def test_rendered_pdb_only_with_two_replicas() -> None:
    assert objects(1, "PodDisruptionBudget") == []
    [pdb] = objects(2, "PodDisruptionBudget")
    assert pdb["apiVersion"] == "policy/v1"
    assert pdb["spec"]["minAvailable"] == 1
    [deployment] = objects(2, "Deployment")
    pod_labels = deployment["spec"]["template"]["metadata"]["labels"]
    assert pdb["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()


def test_rendered_crds_are_kept_on_uninstall() -> None:
    crds = objects(1, "CustomResourceDefinition")
    assert {c["metadata"]["name"] for c in crds} == {
        "rollouts.argoproj.io",
        "analysisruns.argoproj.io",
        "analysistemplates.argoproj.io",
        "clusteranalysistemplates.argoproj.io",
        "experiments.argoproj.io",
    }
    for crd in crds:
        assert crd["metadata"]["annotations"]["helm.sh/resource-policy"] == "keep", crd["metadata"]["name"]


def test_rendered_release_has_no_dashboard_and_nothing_outside_its_namespace_but_cluster_objects() -> None:
    names = [o["metadata"]["name"] for o in rendered(1)]
    assert not [n for n in names if "dashboard" in n]
    namespaced = [o for o in rendered(1) if "namespace" in o["metadata"]]
    assert {o["metadata"]["namespace"] for o in namespaced} == {"argo-rollouts"}
