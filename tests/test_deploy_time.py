"""The modeled cold deploy (offline/deploy_time.py): the real dependency graph under the engine's rules."""

from __future__ import annotations

import pulumi
import pytest

from offline import deploy_time
from offline.runner import ProgramRun, record_components, run_program, stack_config

BOUND_LIMIT = 1.05


def test_the_bound_is_control_plane_node_group_and_two_releases() -> None:
    assert deploy_time.bound_seconds() == (10 + 4 + 2 + 2) * 60


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_the_committed_aws_stacks_deploy_within_5_percent_of_the_bound(stack: str, request) -> None:
    run: ProgramRun = request.getfixturevalue(stack)
    deploy = deploy_time.model(run)
    assert deploy.bound == deploy_time.bound_seconds()
    assert deploy.seconds <= BOUND_LIMIT * deploy.bound, deploy_time.report(deploy)


def test_prods_critical_path_is_the_physical_chain(prod: ProgramRun) -> None:
    path = [(step.record.type, step.record.name) for step in deploy_time.model(prod).critical_path]
    types = [type_ for type_, _ in path]
    assert types[-4:] == [
        "eks:index:Cluster",
        "aws:eks/nodeGroup:NodeGroup",
        "kubernetes:helm.sh/v3:Release",
        "kubernetes:helm.sh/v3:Release",
    ]
    assert [name for _, name in path[-3:]] == ["prod-system-ng", "prod-lbc-release", "prod-django-release"]


@pytest.mark.parametrize("stack", ["dev", "prod"])
def test_monitoring_does_not_lengthen_the_deploy(stack: str, request) -> None:
    """Monitoring installs beside the app: with it the modeled deploy is no longer than without it."""
    run: ProgramRun = request.getfixturevalue(stack)
    config = stack_config(stack)
    without = run_program(stack, {**config, "monitoring": {"enabled": False}})
    assert not [r for r in without.records if r.type == "kubernetes:yaml/v2:ConfigGroup"]
    assert deploy_time.model(run).seconds == deploy_time.model(without).seconds
    steps = {step.record.name: step for step in deploy_time.timeline(run)[0].values()}
    crds = steps[f"{stack}-monitoring-crds-definitions"]
    assert crds.finish <= steps[f"{stack}-eks"].finish + 60  # the CRDs exist within a minute of the API server
    assert steps[f"{stack}-monitoring-release"].finish <= steps[f"{stack}-django-release"].finish


def test_argo_rollouts_installs_beside_the_load_balancer_controller(prod: ProgramRun) -> None:
    steps = {step.record.name: step for step in deploy_time.timeline(prod)[0].values()}
    assert steps["prod-argo-rollouts-release"].start == steps["prod-lbc-release"].start
    assert steps["prod-django-ns"].start < steps["prod-system-ng"].finish  # namespaces do not wait for nodes
    assert steps["prod-django-ecr"].start < steps["prod-eks"].finish  # nor does the image repository


def test_a_child_waits_on_its_parents_depends_on_and_a_release_on_its_node_group() -> None:
    """The two rules the engine applies that the program does not spell out."""

    def program() -> None:
        group = pulumi.CustomResource(
            "aws:eks/nodeGroup:NodeGroup", "group", props={"nodeGroupName": "system", "scalingConfig": {}}
        )
        slow = pulumi.CustomResource("kubernetes:helm.sh/v3:Release", "slow", props={"values": {}})
        parent = pulumi.ComponentResource("test:index:App", "app", opts=pulumi.ResourceOptions(depends_on=[slow]))
        pulumi.CustomResource("kubernetes:core/v1:Namespace", "ns", opts=pulumi.ResourceOptions(parent=parent))
        # no dependency on the group declared: the model adds it from the node selector
        pulumi.CustomResource(
            "kubernetes:helm.sh/v3:Release", "pinned", props={"values": {"nodeSelector": {"node-group": "system"}}}
        )
        assert group

    records = record_components(program)
    run = ProgramRun("unit", records, {}, set())
    steps = {step.record.name: step for step in deploy_time.timeline(run)[0].values()}
    release = deploy_time.DURATIONS[deploy_time.RELEASE].seconds
    node_group = deploy_time.DURATIONS[deploy_time.NODE_GROUP].seconds
    # the namespace waits for its parent's dependsOn (the slow release, which waits for a node)
    assert steps["ns"].start == node_group + release
    # a release selecting node-group=system cannot finish before that group, declared or not
    assert steps["pinned"].start == node_group and steps["pinned"].finish == node_group + release


def test_an_existing_cluster_has_no_bound(local: ProgramRun) -> None:
    deploy = deploy_time.model(local)
    assert deploy.bound == 0 and deploy.ratio == 0.0
    assert "onto a cluster this stack does not create" in deploy_time.report(deploy)[0]
