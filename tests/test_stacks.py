"""Every committed stack file runs through the whole program; the properties that matter hold."""

from __future__ import annotations

import json

from offline.mocks import is_secret
from offline.runner import ProgramRun

NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"


def inference_group(run: ProgramRun):
    [group] = [r for r in run.of_type(NODE_GROUP) if r.inputs["nodeGroupName"] == "PROTO-INFERENCE-NG"]
    return group


def test_every_stack_evaluates_and_exports_the_basics(any_stack: ProgramRun) -> None:
    assert {"environment", "clusterName", "region"} <= any_stack.outputs.keys()
    assert any_stack.outputs["environment"] == any_stack.stack


def test_inference_group_is_labelled_and_tainted(aws_stack: ProgramRun) -> None:
    group = inference_group(aws_stack).plain
    assert group["labels"]["node-group"] == "PROTO-INFERENCE-NG"
    assert {"key": "dedicated", "value": "proto-inference", "effect": "NO_SCHEDULE"} in group["taints"]
    system = [r for r in aws_stack.of_type(NODE_GROUP) if r.inputs["nodeGroupName"] == "system"]
    assert (len(system) == 1 and "taints" not in system[0].inputs) or system[0].inputs["taints"] == []


def test_nodes_live_in_private_subnets_only(aws_stack: ProgramRun) -> None:
    subnets = aws_stack.of_type("aws:ec2/subnet:Subnet")
    private = {s.id for s in subnets if s.inputs["tags"].get("kubernetes.io/role/internal-elb") == "1"}
    public = {s.id for s in subnets if s.inputs["tags"].get("kubernetes.io/role/elb") == "1"}
    assert private and public and not private & public
    for group in aws_stack.of_type(NODE_GROUP):
        assert set(group.inputs["subnetIds"]) == private
    assert set(aws_stack.one("eks:index:Cluster").inputs["privateSubnetIds"]) == private


def test_subnets_per_environment(dev: ProgramRun, prod: ProgramRun) -> None:
    for run, zones, nats in ((dev, 2, 1), (prod, 3, 3)):
        subnets = run.of_type("aws:ec2/subnet:Subnet")
        assert len({s.inputs["availabilityZone"] for s in subnets}) == zones
        assert len(run.of_type("aws:ec2/natGateway:NatGateway")) == nats


def test_encryption_everywhere(aws_stack: ProgramRun) -> None:
    cluster = aws_stack.one("eks:index:Cluster")
    assert cluster.inputs["encryptionConfigKeyArn"]
    keys = aws_stack.of_type("aws:kms/key:Key")
    assert {k.name for k in keys} == {f"{aws_stack.stack}-secrets-key", f"{aws_stack.stack}-database-key"}
    assert all(k.inputs["enableKeyRotation"] is True for k in keys)
    for template in aws_stack.of_type("aws:ec2/launchTemplate:LaunchTemplate"):
        assert all(m["ebs"]["encrypted"] == "true" for m in template.inputs["blockDeviceMappings"])
        assert template.inputs["metadataOptions"]["httpTokens"] == "required"


def test_prod_is_protected_and_dev_is_not(dev: ProgramRun, prod: ProgramRun) -> None:
    critical = ("eks:index:Cluster", "aws:ec2/vpc:Vpc", "aws:rds/instance:Instance")
    assert all(prod.one(t).protect for t in critical)
    assert all(k.protect and k.retain_on_delete for k in prod.of_type("aws:kms/key:Key"))
    assert prod.one("eks:index:Cluster").inputs["deletionProtection"] is True
    assert not any(r.protect for r in dev.records)
    assert dev.one("eks:index:Cluster").inputs["upgradePolicy"] == {"supportType": "STANDARD"}


def test_prod_api_endpoint_is_not_open_to_the_internet(prod: ProgramRun) -> None:
    assert "0.0.0.0/0" not in prod.one("eks:index:Cluster").inputs.get("publicAccessCidrs", [])


def test_local_stack_creates_no_aws_resource(local: ProgramRun) -> None:
    aws = [r.type for r in local.records if r.type.startswith(("aws:", "eks:", "pulumi:providers:aws"))]
    assert aws == []
    [provider] = local.of_type("pulumi:providers:kubernetes")
    assert provider.inputs["context"] == "kind-eks-platform"


def test_outputs_of_an_aws_stack(dev: ProgramRun) -> None:
    outputs = dev.outputs
    assert outputs["clusterName"] == "eks-platform-dev"
    assert (
        outputs["updateKubeconfigCommand"]
        == "aws eks update-kubeconfig --region ap-northeast-2 --name eks-platform-dev"
    )
    assert sorted(outputs["nodeGroupNames"]) == ["PROTO-INFERENCE-NG", "system"]
    assert outputs["oidcProviderArn"].startswith("arn:aws:iam::")
    assert outputs["vpcId"].startswith("vpc-")
    assert "kubeconfig" in dev.secret_outputs
    json.loads(outputs["kubeconfig"])


def test_kubernetes_provider_uses_the_cluster_kubeconfig(dev: ProgramRun) -> None:
    [provider] = dev.of_type("pulumi:providers:kubernetes")
    assert is_secret(provider.inputs["kubeconfig"])
    assert provider.inputs["deleteUnreachable"] == "true"


def test_existing_eks_cluster_by_name_reads_but_creates_nothing() -> None:
    from offline.runner import run_program

    run = run_program(
        "existing",
        {
            "environment": "dev",
            "createCluster": False,
            "existingCluster": {"eksClusterName": "team-cluster"},
            "django": {"imageRepository": "registry.example.com/django"},
        },
    )
    assert [r.type for r in run.records if r.type.startswith(("aws:", "eks:"))] == []
    assert run.of_type("kubernetes:helm.sh/v3:Release")  # the Kubernetes side deploys the same way
    assert run.outputs["updateKubeconfigCommand"].endswith("--name team-cluster")
    [provider] = run.of_type("pulumi:providers:kubernetes")
    kubeconfig = json.loads(provider.plain["kubeconfig"])
    assert kubeconfig["users"][0]["user"]["exec"]["args"][:4] == ["eks", "get-token", "--cluster-name", "team-cluster"]


# What may run on PROTO-INFERENCE-NG: Argo and what it runs, and, on a GPU group, the device
# plugin that makes its GPUs schedulable (a node daemon, not a workload).
ALLOWED_ON_INFERENCE = ("argo-workflows", "nvidia-device-plugin")
# Node daemons that must run on every node, that group included: only their tolerations name it.
NODE_DAEMONS = {"kube-prometheus-stack": "prometheus-node-exporter"}


def test_only_argo_lands_on_the_inference_group(any_stack: ProgramRun) -> None:
    for release in any_stack.of_type("kubernetes:helm.sh/v3:Release"):
        values = dict(release.plain.get("values", {}))
        if release.inputs["chart"] in ALLOWED_ON_INFERENCE:
            continue
        daemon = NODE_DAEMONS.get(release.inputs["chart"])
        if daemon:
            assert set(values[daemon]) == {"namespaceOverride", "resources", "tolerations"}
            assert all(t.get("key") for t in values.pop(daemon)["tolerations"])  # exact taints, no wildcard
        text = json.dumps(values, default=str)
        assert "PROTO-INFERENCE-NG" not in text and "proto-inference" not in text, release.inputs["chart"]


def test_addons_per_stack(dev: ProgramRun, local: ProgramRun) -> None:
    charts = {r.inputs["chart"] for r in dev.of_type("kubernetes:helm.sh/v3:Release")}
    assert {"aws-load-balancer-controller", "cluster-autoscaler", "metrics-server", "argo-rollouts"} <= charts
    local_charts = {r.inputs["chart"] for r in local.of_type("kubernetes:helm.sh/v3:Release")}
    assert {"metrics-server", "argo-rollouts"} <= local_charts
    assert not {"aws-load-balancer-controller", "cluster-autoscaler"} & local_charts


def test_autoscaler_tags_match_the_inference_group_labels_and_taints(aws_stack: ProgramRun) -> None:
    group = inference_group(aws_stack).plain
    tags = {
        r.inputs["tag"]["key"]: r.inputs["tag"]["value"]
        for r in aws_stack.of_type("aws:autoscaling/tag:Tag")
        if r.name.startswith(f"{aws_stack.stack}-proto-inference-ng-")
    }
    for key, value in group["labels"].items():
        assert tags[f"k8s.io/cluster-autoscaler/node-template/label/{key}"] == value
    assert tags["k8s.io/cluster-autoscaler/node-template/taint/dedicated"] == "proto-inference:NoSchedule"


def test_every_release_is_pinned_atomic_and_awaited(any_stack: ProgramRun) -> None:
    for release in any_stack.of_type("kubernetes:helm.sh/v3:Release"):
        inputs = release.plain
        assert inputs["atomic"] is True and inputs["cleanupOnFail"] is True, inputs["chart"]
        assert inputs["maxHistory"] == 10 and inputs["skipAwait"] is False, inputs["chart"]
        assert inputs.get("version") or inputs["chart"].startswith("charts/"), inputs["chart"]  # local chart: in git
