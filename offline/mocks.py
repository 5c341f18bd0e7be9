"""Recording mocks: every resource's type, name, inputs and options, as the program declared them.

Tests assert on these recorded *inputs* (what the program asked for), never on the mock's
echoes. The outputs returned here only need to be plausible enough for the program to wire
its resources together (ids, ARNs, the scalar outputs of pulumi-eks).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi.runtime import rpc
from pulumi.runtime.config import get_config
from pulumi.runtime.mocks import MockCallArgs, MockMonitor, MockResourceArgs

ACCOUNT = "123456789012"
REGION = "ap-northeast-2"
OIDC_ISSUER = f"oidc.eks.{REGION}.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
AVAILABLE_ZONES = "dca"  # unsorted, and without b: the program must sort and must not assume a/b/c
LIVE_NODE_GROUPS: dict[str, dict[str, int]] = {}
ECR_REPOSITORIES: dict[str, list[str]] | None = None
"""ECR repository -> the image tags it holds. None: a stack in steady state, whose repository exists
and holds the committed stacks' tag (STEADY_TAGS); {} is a new account."""
STEADY_TAGS = ["0.1.0"]
"""What the (mocked) account already runs: cluster name -> node group -> desired size. Empty: a first deploy."""


def is_secret(value: Any) -> bool:
    """True for a value the SDK marked secret on the wire."""
    return rpc.is_rpc_secret(value)


def reveal(value: Any) -> Any:
    """The value with every secret marker removed (for assertions on structure, not for printing)."""
    if rpc.is_rpc_secret(value):
        return reveal(rpc.unwrap_rpc_secret(value))
    if isinstance(value, dict):
        return {k: reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [reveal(v) for v in value]
    return value


@dataclass
class Record:
    """One registered resource."""

    type: str
    name: str
    urn: str
    id: str
    inputs: dict[str, Any]
    custom: bool
    remote: bool
    parent: str
    protect: bool
    retain_on_delete: bool
    deleted_with: str
    dependencies: list[str]
    ignore_changes: list[str]
    provider: str
    providers: dict[str, str] = field(default_factory=dict)
    property_dependencies: dict[str, list[str]] = field(default_factory=dict)
    effective_deleted_with: str = ""
    """`deleted_with` as the engine applies it: the resource's own, else its nearest ancestor's."""
    inherited_dependencies: list[str] = field(default_factory=list)
    """`depends_on` of every ancestor component: the engine makes a child wait on those too."""

    @property
    def plain(self) -> dict[str, Any]:
        """Inputs with secret markers removed."""
        return reveal(self.inputs)


def _hex(name: str, digits: int) -> str:
    """A stable fake identifier (hash() is salted per process; plans must be reproducible)."""
    return hashlib.sha256(name.encode()).hexdigest()[:digits]


class PlatformMocks(pulumi.runtime.Mocks):
    """Plausible outputs for the resource types eks-platform uses; inputs are echoed back."""

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict]:
        name = args.name
        state = dict(args.inputs)
        arn = f"arn:aws:mock:{REGION}:{ACCOUNT}:{args.typ.split(':')[-1].lower()}/{name}"
        state.setdefault("arn", arn)
        resource_id = f"{name}-id"
        match args.typ:
            case "eks:index:Cluster":
                state.update(
                    kubeconfigJson=json.dumps({"apiVersion": "v1", "kind": "Config", "clusters": [{"name": name}]}),
                    oidcProviderArn=f"arn:aws:iam::{ACCOUNT}:oidc-provider/{OIDC_ISSUER}",
                    oidcProviderUrl=f"https://{OIDC_ISSUER}",
                    clusterSecurityGroupId=f"sg-{_hex(name, 17)}",
                )
            case "aws:ec2/vpc:Vpc":
                resource_id = f"vpc-{_hex(name, 17)}"
            case "aws:ec2/subnet:Subnet":
                resource_id = f"subnet-{_hex(name, 17)}"
            case "aws:eks/nodeGroup:NodeGroup":
                state["resources"] = [{"autoscalingGroups": [{"name": f"eks-{args.inputs['nodeGroupName']}-asg"}]}]
            case "aws:ec2/launchTemplate:LaunchTemplate":
                state["latestVersion"] = 1
            case "aws:kms/key:Key":
                state["keyId"] = f"{name}-key-id"
            case "aws:iam/role:Role":
                state["arn"] = f"arn:aws:iam::{ACCOUNT}:role/{args.inputs.get('name', name)}"
                state.setdefault("name", name)
            case "aws:s3/bucketV2:BucketV2" | "aws:s3/bucket:Bucket":
                state.setdefault("bucket", f"{name}-bucket")
                state["arn"] = f"arn:aws:s3:::{state['bucket']}"
                resource_id = state["bucket"]
            case "aws:rds/instance:Instance":
                identifier = args.inputs.get("identifier", name)
                state.update(address=f"{identifier}.c0example0.{REGION}.rds.amazonaws.com", port=5432)
                state["endpoint"] = f"{state['address']}:5432"
            case "aws:ec2/securityGroup:SecurityGroup":
                resource_id = f"sg-{_hex(name, 17)}"
            case "aws:ecr/repository:Repository":
                state["repositoryUrl"] = f"{ACCOUNT}.dkr.ecr.{REGION}.amazonaws.com/{args.inputs.get('name', name)}"
        return resource_id, state

    def call(self, args: MockCallArgs) -> tuple[dict, list[tuple[str, str]]]:
        if args.token == "aws:eks/getCluster:getCluster":
            return {
                "endpoint": "https://EXAMPLE.gr7.ap-northeast-2.eks.amazonaws.com",
                "certificateAuthorities": [{"data": "LS0tLS1CRUdJTi1FWEFNUExFLS0tLS0="}],
                "name": args.args["name"],
            }, []
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            # As EC2 answers many accounts in Seoul: zone b is not offered to new resources.
            return {"names": [f"{REGION}{zone}" for zone in AVAILABLE_ZONES], "state": args.args.get("state")}, []
        if args.token == "aws:ecr/getRepositories:getRepositories":
            if ECR_REPOSITORIES is not None:
                return {"names": sorted(ECR_REPOSITORIES)}, []
            # steady state: the stack's own repository exists (components/settings/aws_names.py)
            cluster = get_config("eks-platform:clusterName") or f"eks-platform-{pulumi.get_stack()}"
            return {"names": [f"{cluster}/django"]}, []
        if args.token == "aws:ecr/getImages:getImages":
            tags = STEADY_TAGS if ECR_REPOSITORIES is None else ECR_REPOSITORIES[args.args["repositoryName"]]
            return {"imageIds": [{"imageTag": t, "imageDigest": f"sha256:{_hex(t, 64)}"} for t in tags]}, []
        if args.token == "aws:eks/getClusters:getClusters":
            return {"names": sorted(LIVE_NODE_GROUPS)}, []
        if args.token == "aws:eks/getNodeGroups:getNodeGroups":
            return {
                "clusterName": args.args["clusterName"],
                "names": sorted(LIVE_NODE_GROUPS[args.args["clusterName"]]),
            }, []
        if args.token == "aws:eks/getNodeGroup:getNodeGroup":
            desired = LIVE_NODE_GROUPS[args.args["clusterName"]][args.args["nodeGroupName"]]
            return {"scalingConfigs": [{"desiredSize": desired, "minSize": 0, "maxSize": desired}]}, []
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"accountId": ACCOUNT, "arn": f"arn:aws:iam::{ACCOUNT}:user/mock", "userId": "MOCK"}, []
        return {}, []


class RecordingMonitor(MockMonitor):
    """A mock monitor that also keeps every registration's inputs and resource options."""

    def __init__(self, mocks: pulumi.runtime.Mocks):
        super().__init__(mocks)
        self.records: list[Record] = []
        self._by_urn: dict[str, Record] = {}

    def RegisterResource(self, request):  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            # The engine rules mocks do not apply, emulated so tests can see them:
            # - a child without its own deletedWith inherits its parent's (pulumi/pulumi#12572;
            #   `inheritFromParent` in pkg/resource/deploy/source_eval.go, pkg/v3 v3.274.1);
            # - a child waits on its ancestors' dependsOn, not only on its own.
            parent = self._by_urn.get(request.parent)
            inherited = parent.effective_deleted_with if parent else ""
            ancestors_depend_on = [*parent.inherited_dependencies, *parent.dependencies] if parent else []
            self.records.append(
                Record(
                    type=request.type,
                    name=request.name,
                    urn=response.urn,
                    id=response.id,
                    inputs=rpc.deserialize_properties(request.object, keep_unknowns=True),
                    custom=bool(request.custom),
                    remote=bool(request.remote),
                    parent=request.parent,
                    protect=bool(request.protect),
                    retain_on_delete=bool(request.retainOnDelete),
                    deleted_with=request.deletedWith,
                    dependencies=list(request.dependencies),
                    ignore_changes=list(request.ignoreChanges),
                    provider=request.provider,
                    providers=dict(request.providers),
                    property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
                    effective_deleted_with=request.deletedWith or inherited,
                    inherited_dependencies=ancestors_depend_on,
                )
            )
            self._by_urn[response.urn] = self.records[-1]
        return response
