"""What the real engine does with the program's resource options: teardown and first-`up` ordering.

The recording mock applies the two engine rules mocks skip (offline/mocks.py): a child inherits
its parent's deletedWith, and waits on its ancestors' dependsOn. These tests read the result.
"""

from __future__ import annotations

import pytest

from offline.mocks import Record
from offline.runner import ProgramRun

RELEASE = "kubernetes:helm.sh/v3:Release"
NODE_GROUP = "platform:index:NodeGroup"


def is_aws(record: Record) -> bool:
    return record.custom and record.type.split(":")[0] in ("aws", "eks")


def waits_on(run: ProgramRun, record: Record) -> set[str]:
    """Every URN the engine makes `record` wait for: its own and its ancestors' dependsOn.

    The SDK sends a dependency on a component as its resources' URNs.
    """
    return {*record.dependencies, *record.inherited_dependencies}


def inside(run: ProgramRun, component: Record, type_: str) -> str:
    """URN of the one resource of `type_` that `component` holds (e.g. a node group's EKS node group)."""
    [found] = [r.urn for r in run.of_type(type_) if r.parent == component.urn]
    return found


def release(run: ProgramRun, chart: str) -> Record:
    [found] = [r for r in run.of_type(RELEASE) if r.plain["chart"] == chart]
    return found


def test_no_aws_resource_is_deleted_with_the_cluster(aws_stack: ProgramRun) -> None:
    """Else destroy skips it: leaked IAM roles, and an ECR name the next `up` cannot create again."""
    aws_resources = [r for r in aws_stack.records if is_aws(r)]
    assert len(aws_resources) > 40
    assert [r.name for r in aws_resources if r.effective_deleted_with] == []


def test_every_kubernetes_object_is_deleted_with_the_cluster(aws_stack: ProgramRun) -> None:
    cluster = aws_stack.one("platform:index:Cluster")
    kubernetes_objects = [r for r in aws_stack.records if r.type.startswith("kubernetes:") and r.custom]
    kubernetes_objects = [r for r in kubernetes_objects if r.type != "pulumi:providers:kubernetes"]
    assert len(kubernetes_objects) >= 10
    assert {r.name: r.effective_deleted_with for r in kubernetes_objects} == {
        r.name: cluster.urn for r in kubernetes_objects
    }


def test_the_inheritance_rules_are_applied_by_the_recording_mock() -> None:
    """A child without its own deletedWith takes its parent's; a child waits on its ancestors' dependsOn."""
    import pulumi

    from offline.runner import record_components

    def program() -> None:
        anchor = pulumi.CustomResource("test:index:Anchor", "anchor")
        parent = pulumi.ComponentResource(
            "test:index:Parent", "parent", opts=pulumi.ResourceOptions(deleted_with=anchor, depends_on=[anchor])
        )
        inner = pulumi.ComponentResource("test:index:Inner", "inner", opts=pulumi.ResourceOptions(parent=parent))
        pulumi.CustomResource("test:index:Leaf", "leaf", opts=pulumi.ResourceOptions(parent=inner))

    records = {r.name: r for r in record_components(program)}
    leaf, anchor = records["leaf"], records["anchor"]
    assert leaf.deleted_with == "" and leaf.effective_deleted_with == anchor.urn
    assert leaf.dependencies == [] and leaf.inherited_dependencies == [anchor.urn]


def test_only_a_release_with_an_ingress_waits_for_the_load_balancer_controller(aws_stack: ProgramRun) -> None:
    """Its Ingress webhook (failurePolicy Fail) refuses Ingresses until its pods serve; its Service
    webhook is off, so Services do not wait, and the add-ons install beside it, not after it."""
    lbc = inside(aws_stack, aws_stack.one("platform:index:LoadBalancerController"), RELEASE)
    assert release(aws_stack, "aws-load-balancer-controller").plain["values"]["enableServiceMutatorWebhook"] is False
    has_ingress = {"charts/django": True, "argo-workflows": False}  # no argo.ingressHost in the committed stacks
    for chart in ("metrics-server", "cluster-autoscaler", "argo-rollouts", *has_ingress):
        assert (lbc in waits_on(aws_stack, release(aws_stack, chart))) == has_ingress.get(chart, False), chart


def test_the_argo_server_ingress_waits_for_the_load_balancer_controller(dev_config: dict) -> None:
    from offline.runner import run_program

    certificate = "arn:aws:acm:ap-northeast-2:123456789012:certificate/11111111-2222-3333-4444-555555555555"
    dev_config["argo"] = {**dev_config["argo"], "ingressHost": "argo.dev.example.com", "certificateArn": certificate}
    run = run_program("dev", dev_config)
    lbc = inside(run, run.one("platform:index:LoadBalancerController"), RELEASE)
    assert lbc in waits_on(run, release(run, "argo-workflows"))


@pytest.mark.parametrize(
    ("chart", "group"),
    [
        ("aws-load-balancer-controller", "system"),
        ("metrics-server", "system"),
        ("argo-rollouts", "system"),
        ("cluster-autoscaler", "system"),
        ("charts/django", "system"),
        ("argo-workflows", "proto-inference-ng"),
    ],
)
def test_awaited_releases_wait_for_the_node_group_they_run_on(aws_stack: ProgramRun, chart: str, group: str) -> None:
    [node_group] = [r for r in aws_stack.of_type(NODE_GROUP) if r.name.endswith(f"-{group}")]
    eks_node_group = inside(aws_stack, node_group, "aws:eks/nodeGroup:NodeGroup")
    assert eks_node_group in waits_on(aws_stack, release(aws_stack, chart))


def test_argo_does_not_wait_for_the_django_release(aws_stack: ProgramRun) -> None:
    """A failed migration must not block Argo; Argo needs Django's namespace only."""
    argo = release(aws_stack, "argo-workflows")
    django = release(aws_stack, "charts/django")
    django_component = aws_stack.one("platform:index:DjangoApp")
    [django_namespace] = [
        r for r in aws_stack.of_type("kubernetes:core/v1:Namespace") if r.plain["metadata"]["name"] == "django"
    ]
    assert django.urn not in waits_on(aws_stack, argo)
    assert inside(aws_stack, django_component, "aws:ecr/repository:Repository") not in waits_on(aws_stack, argo)
    assert django_namespace.urn in waits_on(aws_stack, argo)


def test_local_has_no_node_groups_to_wait_for(local: ProgramRun) -> None:
    assert local.of_type(NODE_GROUP) == []
    assert not [r for r in local.records if is_aws(r)]


def test_metrics_server_goes_before_the_workload_namespaces_on_destroy(any_stack: ProgramRun) -> None:
    """Its APIService, unavailable once its pods are gone, would stop namespace deletion (discovery fails)."""
    [metrics] = [r for r in any_stack.of_type(RELEASE) if r.plain["chart"] == "metrics-server"]
    namespaces = {
        r.plain["metadata"]["name"]: r.urn
        for r in any_stack.of_type("kubernetes:core/v1:Namespace")
        if r.plain["metadata"]["name"] in ("argo", "django", "postgres", "argo-rollouts")
    }
    assert set(namespaces) >= {"argo", "django", "argo-rollouts"}
    assert set(namespaces.values()) <= waits_on(any_stack, metrics)


def test_a_rollout_strategy_waits_for_argo_rollouts(any_stack: ProgramRun) -> None:
    """A Rollout needs the argoproj.io CRDs and the controller; on destroy the app goes first.

    A Deployment (RollingUpdate, Recreate) needs neither, so it does not wait.
    """
    rollouts = release(any_stack, "argo-rollouts").urn
    strategy = release(any_stack, "charts/django").plain["values"]["strategy"]["type"]
    waits = rollouts in waits_on(any_stack, release(any_stack, "charts/django"))
    assert waits == (strategy in ("BlueGreen", "Canary")), strategy
    assert waits == (any_stack.stack == "prod")  # Canary in prod, RollingUpdate in dev and local


def test_dev_with_a_canary_waits_for_argo_rollouts(dev_config: dict) -> None:
    from offline.runner import run_program

    dev_config["django"] = {**dev_config["django"], "strategy": {"type": "Canary"}}
    run = run_program("dev", dev_config)
    assert release(run, "argo-rollouts").urn in waits_on(run, release(run, "charts/django"))


def test_without_argo_rollouts_django_still_deploys(dev_config: dict) -> None:
    from offline.runner import run_program

    dev_config["addons"] = {**dev_config.get("addons", {}), "argoRollouts": {"enabled": False}}
    run = run_program("dev", dev_config)
    assert not [r for r in run.of_type(RELEASE) if r.plain["chart"] == "argo-rollouts"]
    assert release(run, "charts/django")
