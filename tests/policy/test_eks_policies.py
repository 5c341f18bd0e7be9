"""EKS policies, each with passing and failing resources in both cluster shapes."""

from __future__ import annotations

import pytest

from policy.eks_platform_policy import eks
from tests.policy.builders import UNKNOWN, resource, run, stack_resource

KEY_ARN = "arn:aws:kms:ap-northeast-2:123456789012:key/abc"
LOGS = ["api", "audit", "authenticator"]


def component(**props) -> dict:
    """eks:index:Cluster inputs as components/cluster.py declares them, with overrides."""
    return {
        "name": "eks-platform-test",
        "endpointPrivateAccess": True,
        "endpointPublicAccess": False,
        "encryptionConfigKeyArn": KEY_ARN,
        "enabledClusterLogTypes": LOGS,
        **props,
    }


def aws_cluster(vpc: dict | None = None, **props) -> dict:
    """aws:eks/cluster:Cluster inputs as pulumi-eks creates them, with overrides."""
    return {
        "name": "eks-platform-test",
        "vpcConfig": {"endpointPrivateAccess": True, "endpointPublicAccess": False, **(vpc or {})},
        "encryptionConfig": {"provider": {"keyArn": KEY_ARN}, "resources": ["secrets"]},
        "enabledClusterLogTypes": LOGS,
        **props,
    }


# ---- public endpoint ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "props",
    [
        component(),
        component(endpointPublicAccess=True, publicAccessCidrs=["203.0.113.0/24"]),
        component(endpointPublicAccess=True, publicAccessCidrs=["203.0.113.0/24", "198.51.100.7/32"]),
    ],
    ids=["private-only", "one-office-cidr", "two-cidrs"],
)
def test_public_endpoint_passes_when_off_or_restricted(props: dict) -> None:
    assert run(eks.public_endpoint_policy(), resource(eks.EKS_COMPONENT, props)).passed


@pytest.mark.parametrize(
    ("props", "expected"),
    [
        (component(endpointPublicAccess=True, publicAccessCidrs=["0.0.0.0/0"]), "admits 0.0.0.0/0"),
        (component(endpointPublicAccess=True, publicAccessCidrs=["10.0.0.0/8", "::/0"]), "admits ::/0"),
        (component(endpointPublicAccess=True), "AWS defaults to 0.0.0.0/0"),
        # pulumi-eks turns the public endpoint on when not told otherwise
        ({"name": "c", "encryptionConfigKeyArn": KEY_ARN}, "AWS defaults to 0.0.0.0/0"),
    ],
    ids=["world", "ipv6-world", "no-cidrs", "defaults"],
)
def test_public_endpoint_fails_when_open(props: dict, expected: str) -> None:
    outcome = run(eks.public_endpoint_policy(), resource(eks.EKS_COMPONENT, props))
    assert len(outcome.violations) == 1 and expected in outcome.violations[0]


def test_public_endpoint_reads_the_aws_cluster_shape() -> None:
    policy = eks.public_endpoint_policy()
    assert run(policy, resource(eks.EKS_CLUSTER, aws_cluster())).passed
    narrow = aws_cluster({"endpointPublicAccess": True, "publicAccessCidrs": ["203.0.113.0/24"]})
    assert run(policy, resource(eks.EKS_CLUSTER, narrow)).passed
    # AWS's own defaults: public endpoint on, 0.0.0.0/0
    outcome = run(policy, resource(eks.EKS_CLUSTER, aws_cluster({"endpointPublicAccess": None})))
    assert outcome.violations == [
        "The public API endpoint is on with no publicAccessCidrs, which AWS defaults to 0.0.0.0/0."
    ]


def test_remote_component_without_inputs_is_left_to_its_aws_cluster() -> None:
    # How the engine registers pulumi-eks's component: no properties.
    for policy in (eks.public_endpoint_policy(), eks.secrets_encrypted_policy(), eks.control_plane_logs_policy()):
        assert run(policy, resource(eks.EKS_COMPONENT, {})).not_applicable


def test_other_resource_types_are_ignored() -> None:
    outcome = run(eks.public_endpoint_policy(), resource("aws:ec2/vpc:Vpc", {"cidrBlock": "0.0.0.0/0"}))
    assert outcome.passed


# ---- Secrets encryption ----------------------------------------------------------------------


def test_secrets_encryption_passes_with_a_key() -> None:
    policy = eks.secrets_encrypted_policy()
    assert run(policy, resource(eks.EKS_COMPONENT, component())).passed
    assert run(policy, resource(eks.EKS_CLUSTER, aws_cluster())).passed


@pytest.mark.parametrize(
    ("type_", "props", "expected"),
    [
        (eks.EKS_COMPONENT, component(encryptionConfigKeyArn=None), "No KMS key"),
        (eks.EKS_COMPONENT, component(encryptionConfigKeyArn=""), "No KMS key"),
        (eks.EKS_CLUSTER, aws_cluster(encryptionConfig=None), "No KMS key"),
        (
            eks.EKS_CLUSTER,
            aws_cluster(encryptionConfig={"provider": {"keyArn": KEY_ARN}, "resources": []}),
            "not secrets",
        ),
    ],
    ids=["component-none", "component-empty", "cluster-none", "cluster-not-secrets"],
)
def test_secrets_encryption_fails_without_a_key(type_: str, props: dict, expected: str) -> None:
    outcome = run(eks.secrets_encrypted_policy(), resource(type_, props))
    assert len(outcome.violations) == 1 and expected in outcome.violations[0]


def test_secrets_encryption_is_deferred_while_the_key_arn_is_unknown() -> None:
    # A new stack's preview: the KMS key does not exist yet. No guess, no false violation.
    outcome = run(
        eks.secrets_encrypted_policy(), resource(eks.EKS_COMPONENT, component(encryptionConfigKeyArn=UNKNOWN))
    )
    assert outcome.deferred and not outcome.violations


# ---- control-plane logs ----------------------------------------------------------------------


def test_control_plane_logs_pass_with_the_required_types() -> None:
    policy = eks.control_plane_logs_policy()
    assert run(policy, resource(eks.EKS_COMPONENT, component())).passed
    extra = component(enabledClusterLogTypes=[*LOGS, "scheduler"])
    assert run(policy, resource(eks.EKS_CLUSTER, extra)).passed


@pytest.mark.parametrize(
    ("logs", "missing"),
    [([], "api, audit, authenticator"), (["api", "authenticator"], "audit"), (["audit"], "api, authenticator")],
)
def test_control_plane_logs_fail_when_one_is_missing(logs: list[str], missing: str) -> None:
    outcome = run(eks.control_plane_logs_policy(), resource(eks.EKS_CLUSTER, aws_cluster(enabledClusterLogTypes=logs)))
    assert outcome.violations == [f"Control-plane logs missing: {missing} (enabled: {', '.join(logs) or 'none'})."]


# ---- IMDSv2 ----------------------------------------------------------------------------------


def template(**metadata) -> dict:
    return {"name": "lt", "metadataOptions": metadata}


@pytest.mark.parametrize(
    "props",
    [
        template(httpEndpoint="enabled", httpTokens="required", httpPutResponseHopLimit=1),
        template(httpEndpoint="disabled"),
    ],
    ids=["tokens-required", "imds-off"],
)
def test_launch_template_passes_with_imdsv2(props: dict) -> None:
    assert run(eks.launch_template_imdsv2_policy(), resource(eks.LAUNCH_TEMPLATE, props)).passed


@pytest.mark.parametrize(
    ("props", "shown"),
    [(template(httpTokens="optional"), "optional"), ({"name": "lt"}, "unset (optional)")],
    ids=["optional", "unset"],
)
def test_launch_template_fails_without_imdsv2(props: dict, shown: str) -> None:
    outcome = run(eks.launch_template_imdsv2_policy(), resource(eks.LAUNCH_TEMPLATE, props))
    assert outcome.violations == [
        f"metadataOptions.httpTokens is {shown}; set it to required so pods cannot use IMDSv1."
    ]


def node_group(name: str, launch_template: dict | None, subnets: list[str] = (), **deps) -> object:
    props = {"nodeGroupName": name, "subnetIds": list(subnets)}
    if launch_template is not None:
        props["launchTemplate"] = launch_template
    return stack_resource(eks.NODE_GROUP, name, props, depends_on=deps)


def test_node_groups_pass_with_their_imdsv2_templates() -> None:
    required = stack_resource(eks.LAUNCH_TEMPLATE, "lt-a", {"id": "lt-0a", **template(httpTokens="required")})
    # matched by id, and (in a preview, id unknown) through the property dependency
    by_id = node_group("system", {"id": "lt-0a", "version": "1"})
    other = stack_resource(eks.LAUNCH_TEMPLATE, "lt-b", {"id": UNKNOWN, **template(httpTokens="required")})
    by_dependency = node_group("inference", {"id": UNKNOWN, "version": UNKNOWN}, launchTemplate=[other])
    assert run(eks.node_groups_imdsv2_policy(), [required, other, by_id, by_dependency]).passed


def test_node_groups_fail_without_an_imdsv2_template() -> None:
    optional = stack_resource(eks.LAUNCH_TEMPLATE, "lt-opt", {"id": "lt-1", **template(httpTokens="optional")})
    groups = [
        node_group("no-template", None),
        node_group("optional", {"id": "lt-1", "version": "1"}),
        node_group("foreign", {"id": "lt-elsewhere", "version": "3"}),
    ]
    outcome = run(eks.node_groups_imdsv2_policy(), [optional, *groups])
    assert outcome.violations == [
        "Node group no-template has no launch template, so IMDSv2 is not enforced.",
        "Node group optional uses launch template lt-opt without IMDSv2.",
        "Node group foreign uses a launch template this stack does not declare.",
    ]
    assert outcome.urns == [g.urn for g in groups]


# ---- node groups in private subnets -----------------------------------------------------------


def subnet(name: str, subnet_id: str, role_tag: str, public_ips: bool = False) -> object:
    return stack_resource(
        eks.SUBNET, name, {"id": subnet_id, "mapPublicIpOnLaunch": public_ips, "tags": {role_tag: "1", "Name": name}}
    )


def test_node_groups_in_private_subnets_pass() -> None:
    private_a = subnet("private-a", "subnet-a", eks.PRIVATE_SUBNET_TAG)
    private_b = subnet("private-b", "subnet-b", eks.PRIVATE_SUBNET_TAG)
    public = subnet("public-a", "subnet-p", eks.PUBLIC_SUBNET_TAG)
    by_id = node_group("system", {"id": "lt"}, ["subnet-a", "subnet-b"])
    by_dependency = node_group("inference", {"id": "lt"}, [UNKNOWN, UNKNOWN], subnetIds=[private_a, private_b])
    assert run(eks.node_groups_private_policy(), [private_a, private_b, public, by_id, by_dependency]).passed


def test_node_groups_in_public_subnets_fail() -> None:
    private = subnet("private-a", "subnet-a", eks.PRIVATE_SUBNET_TAG)
    public = subnet("public-a", "subnet-p", eks.PUBLIC_SUBNET_TAG)
    untagged = stack_resource(eks.SUBNET, "plain", {"id": "subnet-u", "tags": {}})
    public_ips = subnet("leaky", "subnet-l", eks.PRIVATE_SUBNET_TAG, public_ips=True)
    groups = [
        node_group("by-id", {"id": "lt"}, ["subnet-a", "subnet-p"]),
        node_group("by-dependency", {"id": "lt"}, [UNKNOWN], subnetIds=[untagged]),
        node_group("public-ips", {"id": "lt"}, ["subnet-l"]),
    ]
    outcome = run(eks.node_groups_private_policy(), [private, public, untagged, public_ips, *groups])
    assert outcome.violations == [
        "Node group by-id uses subnet public-a, but it is tagged kubernetes.io/role/elb (public).",
        "Node group by-dependency uses subnet plain, but it is not tagged kubernetes.io/role/internal-elb.",
        "Node group public-ips uses subnet leaky, but it gives instances public IPs (mapPublicIpOnLaunch).",
    ]


def test_node_groups_in_an_existing_vpcs_public_subnets_fail() -> None:
    # existingVpc: no subnet resource in the stack; the cluster's own public subnet list is the evidence.
    cluster = stack_resource(
        eks.EKS_COMPONENT, "eks", {"publicSubnetIds": ["subnet-pub1", "subnet-pub2"], "privateSubnetIds": ["subnet-x"]}
    )
    fine = node_group("fine", {"id": "lt"}, ["subnet-x", "subnet-y"])
    wrong = node_group("wrong", {"id": "lt"}, ["subnet-x", "subnet-pub2"])
    outcome = run(eks.node_groups_private_policy(), [cluster, fine, wrong])
    assert outcome.violations == ["Node group wrong uses subnet-pub2, one of the cluster's public subnets."]
    assert outcome.urns == [wrong.urn]
