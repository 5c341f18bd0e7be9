"""argo-pinned-to-inference-group: controller, server and workflow pods on PROTO-INFERENCE-NG."""

from __future__ import annotations

import copy

import pytest

from policy.eks_platform_policy import StackContext
from policy.eks_platform_policy.argo import HELM_RELEASE, argo_pinned_policy
from tests.policy.builders import UNKNOWN, resource, run

PROD = StackContext(stack="prod", environment="prod")
LOCAL = StackContext(stack="local", environment="local")
SELECTOR = {"node-group": "PROTO-INFERENCE-NG"}
TOLERATION = {"key": "dedicated", "operator": "Equal", "value": "proto-inference", "effect": "NoSchedule"}


def pinned_values() -> dict:
    place = {"nodeSelector": dict(SELECTOR), "tolerations": [dict(TOLERATION)]}
    return {
        "controller": {**copy.deepcopy(place), "workflowDefaults": {"spec": copy.deepcopy(place)}},
        "server": {**copy.deepcopy(place), "serviceType": "ClusterIP"},
    }


def release(values: dict, chart: str = "argo-workflows", name: str = "argo-workflows") -> object:
    return resource(HELM_RELEASE, {"chart": chart, "name": name, "values": values}, name="argo-release")


def test_pinned_release_passes() -> None:
    assert run(argo_pinned_policy(PROD), release(pinned_values())).passed


def test_toleration_variants_that_admit_the_taint_pass() -> None:
    values = pinned_values()
    values["server"]["tolerations"] = [{"key": "dedicated", "operator": "Exists"}]  # any value, any effect
    values["controller"]["tolerations"] = [{"key": "other", "operator": "Exists"}, dict(TOLERATION, effect="")]
    assert run(argo_pinned_policy(PROD), release(values)).passed


def test_release_found_by_chart_url_or_release_name() -> None:
    policy = argo_pinned_policy(PROD)
    assert run(policy, release({}, chart="oci://ghcr.io/argoproj/argo-helm/argo-workflows", name="wf")).violations
    assert run(policy, release({}, chart="./vendor/chart", name="argo-workflows-prod")).violations
    assert run(policy, release({}, chart="charts/django", name="django")).passed


@pytest.mark.parametrize(
    ("break_it", "expected"),
    [
        (
            lambda v: v["server"].pop("tolerations"),
            ["server: no toleration for dedicated=proto-inference:NoSchedule"],
        ),
        (
            lambda v: v["controller"].update(nodeSelector={"node-group": "system"}),
            ["controller: nodeSelector lacks node-group: PROTO-INFERENCE-NG"],
        ),
        (
            lambda v: v["controller"].pop("workflowDefaults"),
            [
                "workflow pods (controller.workflowDefaults.spec): nodeSelector lacks node-group: PROTO-INFERENCE-NG",
                "workflow pods (controller.workflowDefaults.spec): no toleration for "
                "dedicated=proto-inference:NoSchedule",
            ],
        ),
        (
            lambda v: v["server"].update(tolerations=[dict(TOLERATION, value="other")]),
            ["server: no toleration for dedicated=proto-inference:NoSchedule"],
        ),
        (
            lambda v: v["server"].update(tolerations=[dict(TOLERATION, effect="NoExecute")]),
            ["server: no toleration for dedicated=proto-inference:NoSchedule"],
        ),
    ],
    ids=["server-no-toleration", "controller-on-system", "no-workflow-defaults", "wrong-value", "wrong-effect"],
)
def test_unpinned_release_fails(break_it, expected: list[str]) -> None:
    values = pinned_values()
    break_it(values)
    assert run(argo_pinned_policy(PROD), release(values)).violations == expected


def test_disabled_server_needs_no_pinning() -> None:
    values = pinned_values()
    values["server"] = {"enabled": False}
    assert run(argo_pinned_policy(PROD), release(values)).passed


def test_unknown_leaves_do_not_hide_the_rest() -> None:
    # During a preview the artifact bucket name is unknown; the scheduling values are still checked.
    values = pinned_values()
    values["artifactRepository"] = {"s3": {"bucket": UNKNOWN}}
    values["server"]["nodeSelector"] = {}
    assert run(argo_pinned_policy(PROD), release(values)).violations == [
        "server: nodeSelector lacks node-group: PROTO-INFERENCE-NG"
    ]


def test_local_stack_is_not_applicable() -> None:
    assert run(argo_pinned_policy(LOCAL), release({})).not_applicable


def test_the_components_own_values_pass() -> None:
    """The values components/argo_workflows.py builds from the node group's config."""
    from components.argo_workflows import release_values
    from components.context import Placement
    from components.settings import ArgoSettings
    from tests.components.contexts import values_context

    settings = ArgoSettings.model_validate(
        {"serverReplicas": 2, "controller": {"workers": 8}, "workflowTtlSeconds": 3600}
    )
    ctx = values_context(
        environment="prod", inference=Placement("PROTO-INFERENCE-NG", dict(SELECTOR), [dict(TOLERATION)])
    )
    assert run(argo_pinned_policy(PROD), release(release_values(settings, ctx))).passed
