"""EKS policies: the API endpoint, Secrets encryption, control-plane logs, where nodes run, IMDSv2.

The cluster is checked in both shapes it takes:

- `aws:eks/cluster:Cluster`, the resource pulumi-eks creates. In a real `pulumi preview`/`up`
  this is where the settings are visible: pulumi-eks is a remote component, and the engine hands
  the component resource itself (`eks:index:Cluster`) to policies with no properties.
- `eks:index:Cluster` with its inputs, as the program declares it (the offline mock run, and any
  engine that passes component inputs). With no properties at all it is not applicable: its
  `aws:eks/cluster:Cluster` child carries the same settings.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from pulumi_policy import (
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from .values import get, is_true, known, of_type, refers_to

EKS_COMPONENT = "eks:index:Cluster"
EKS_CLUSTER = "aws:eks/cluster:Cluster"
CLUSTER_TYPES = (EKS_COMPONENT, EKS_CLUSTER)
NODE_GROUP = "aws:eks/nodeGroup:NodeGroup"
SUBNET = "aws:ec2/subnet:Subnet"
LAUNCH_TEMPLATE = "aws:ec2/launchTemplate:LaunchTemplate"
PRIVATE_SUBNET_TAG = "kubernetes.io/role/internal-elb"
PUBLIC_SUBNET_TAG = "kubernetes.io/role/elb"
REQUIRED_LOG_TYPES = ("api", "audit", "authenticator")


def _cluster_props(args: ResourceValidationArgs) -> Any | None:
    """The cluster's properties, or None when this resource is not a cluster policy target.

    A property-less `eks:index:Cluster` is the remote component as the engine registers it:
    not applicable (its `aws:eks/cluster:Cluster` child is checked instead).
    """
    if args.resource_type not in CLUSTER_TYPES:
        return None
    if args.resource_type == EKS_COMPONENT and len(args.props) == 0:
        args.not_applicable("pulumi-eks registers its component without inputs; its aws:eks/cluster:Cluster is checked")
    return args.props


def is_open_to_internet(cidr: str) -> bool:
    """A /0 block (0.0.0.0/0 or ::/0), or something that is not a CIDR at all."""
    try:
        return ipaddress.ip_network(cidr, strict=False).prefixlen == 0
    except ValueError:
        return True


# ---- public endpoint --------------------------------------------------------------------------


def public_endpoint(resource_type: str, props: Any) -> tuple[bool, list[str]]:
    """(public endpoint on?, allowed CIDRs) for either cluster shape; both default like AWS (on, [])."""
    if resource_type == EKS_COMPONENT:
        enabled, cidrs = get(props, "endpointPublicAccess", default=True), get(props, "publicAccessCidrs", default=[])
    else:
        enabled = get(props, "vpcConfig", "endpointPublicAccess", default=True)
        cidrs = get(props, "vpcConfig", "publicAccessCidrs", default=[])
    return is_true(enabled), [str(c) for c in cidrs]


def validate_public_endpoint(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """The public API endpoint is either off or limited to CIDRs narrower than the internet."""
    props = _cluster_props(args)
    if props is None:
        return
    enabled, cidrs = public_endpoint(args.resource_type, props)
    if not enabled:
        return
    if not cidrs:
        report("The public API endpoint is on with no publicAccessCidrs, which AWS defaults to 0.0.0.0/0.")
        return
    open_cidrs = [c for c in cidrs if is_open_to_internet(c)]
    if open_cidrs:
        report(f"The public API endpoint admits {', '.join(open_cidrs)}; list office/VPN CIDRs or turn it off.")


def public_endpoint_policy() -> ResourceValidationPolicy:
    """The policy around `validate_public_endpoint`."""
    return ResourceValidationPolicy(
        name="eks-public-endpoint-restricted",
        description="The EKS public API endpoint is off or restricted to specific CIDRs (never 0.0.0.0/0).",
        validate=validate_public_endpoint,
        severity=Severity.HIGH,
        remediation_steps="Set eks-platform:publicAccessCidrs to office/VPN ranges, or to [] to keep the API private.",
    )


# ---- Secrets encryption ----------------------------------------------------------------------


def secrets_key(resource_type: str, props: Any) -> tuple[str | None, list[str]]:
    """(KMS key ARN, encrypted resource kinds) for either cluster shape."""
    if resource_type == EKS_COMPONENT:
        key = get(props, "encryptionConfigKeyArn")
        return (str(key) if key else None), (["secrets"] if key else [])
    config = get(props, "encryptionConfig")
    if isinstance(config, list | tuple):  # older provider schemas: a one-element list
        config = config[0] if config else None
    key = get(config, "provider", "keyArn")
    return (str(key) if key else None), [str(r) for r in get(config, "resources", default=[])]


def validate_secrets_encrypted(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Kubernetes Secrets are envelope-encrypted with a customer KMS key."""
    props = _cluster_props(args)
    if props is None:
        return
    key, resources = secrets_key(args.resource_type, props)
    if not key:
        report("No KMS key for Secrets envelope encryption (encryptionConfigKeyArn / encryptionConfig).")
    elif "secrets" not in resources:
        report(f"encryptionConfig covers {resources or 'nothing'}, not secrets.")


def secrets_encrypted_policy() -> ResourceValidationPolicy:
    """The policy around `validate_secrets_encrypted`."""
    return ResourceValidationPolicy(
        name="eks-secrets-encrypted",
        description="Kubernetes Secrets in etcd are envelope-encrypted with a KMS key.",
        validate=validate_secrets_encrypted,
        severity=Severity.HIGH,
        remediation_steps="Pass the cluster's KMS key as encryptionConfigKeyArn (components/cluster.py does).",
    )


# ---- control-plane logs ----------------------------------------------------------------------


def validate_control_plane_logs(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """api, audit and authenticator control-plane logs go to CloudWatch."""
    props = _cluster_props(args)
    if props is None:
        return
    enabled = [str(t) for t in get(props, "enabledClusterLogTypes", default=[])]
    missing = [t for t in REQUIRED_LOG_TYPES if t not in enabled]
    if missing:
        report(f"Control-plane logs missing: {', '.join(missing)} (enabled: {', '.join(enabled) or 'none'}).")


def control_plane_logs_policy() -> ResourceValidationPolicy:
    """The policy around `validate_control_plane_logs`."""
    return ResourceValidationPolicy(
        name="eks-control-plane-audit-logs",
        description="EKS control-plane logs include api, audit and authenticator.",
        validate=validate_control_plane_logs,
        severity=Severity.MEDIUM,
        remediation_steps="Keep api, audit and authenticator in eks-platform:clusterLogTypes.",
    )


# ---- IMDSv2 ----------------------------------------------------------------------------------


def requires_imdsv2(template_props: Any) -> bool:
    """The launch template refuses IMDSv1: tokens required, or the metadata endpoint off."""
    options = get(template_props, "metadataOptions", default={})
    if get(options, "httpEndpoint") == "disabled":
        return True
    return get(options, "httpTokens") == "required"


def validate_launch_template_imdsv2(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Launch templates (those of the node groups) require IMDSv2 session tokens."""
    if args.resource_type != LAUNCH_TEMPLATE:
        return
    if not requires_imdsv2(args.props):
        tokens = get(args.props, "metadataOptions", "httpTokens", default="unset (optional)")
        report(f"metadataOptions.httpTokens is {tokens}; set it to required so pods cannot use IMDSv1.")


def launch_template_imdsv2_policy() -> ResourceValidationPolicy:
    """The policy around `validate_launch_template_imdsv2` (works in a preview, per resource)."""
    return ResourceValidationPolicy(
        name="eks-launch-template-imdsv2",
        description="EC2 launch templates require IMDSv2 (metadataOptions.httpTokens = required).",
        validate=validate_launch_template_imdsv2,
        severity=Severity.HIGH,
    )


def validate_node_groups_imdsv2(args: StackValidationArgs, report: ReportViolation) -> None:
    """Every managed node group uses a launch template of this stack that requires IMDSv2.

    Without a launch template EKS uses its own default one, which this stack cannot vouch for.
    """
    templates = of_type(args.resources, LAUNCH_TEMPLATE)
    for group in of_type(args.resources, NODE_GROUP):
        if not get(group.props, "launchTemplate"):
            report(f"Node group {group.name} has no launch template, so IMDSv2 is not enforced.", group.urn)
            continue
        used = [t for t in templates if refers_to(group, "launchTemplate", t, keys=("id", "name"))]
        if not used:
            report(f"Node group {group.name} uses a launch template this stack does not declare.", group.urn)
        for template in used:
            if not requires_imdsv2(template.props):
                report(f"Node group {group.name} uses launch template {template.name} without IMDSv2.", group.urn)


def node_groups_imdsv2_policy() -> StackValidationPolicy:
    """The policy around `validate_node_groups_imdsv2` (needs the whole stack)."""
    return StackValidationPolicy(
        name="eks-node-group-imdsv2",
        description="Every EKS node group uses a launch template of this stack that requires IMDSv2.",
        validate=validate_node_groups_imdsv2,
        severity=Severity.HIGH,
    )


# ---- node groups in private subnets --------------------------------------------------------------


def _subnet_is_private(subnet_props: Any) -> tuple[bool, str]:
    """(private?, why not): tagged for internal load balancers, not for public ones, no public IPs."""
    tags = known(get(subnet_props, "tags", default={}))
    if PUBLIC_SUBNET_TAG in tags:
        return False, f"it is tagged {PUBLIC_SUBNET_TAG} (public)"
    if is_true(get(subnet_props, "mapPublicIpOnLaunch", default=False)):
        return False, "it gives instances public IPs (mapPublicIpOnLaunch)"
    if PRIVATE_SUBNET_TAG not in tags:
        return False, f"it is not tagged {PRIVATE_SUBNET_TAG}"
    return True, ""


def validate_node_groups_private(args: StackValidationArgs, report: ReportViolation) -> None:
    """Node groups run only in private subnets.

    A subnet this stack declares must be tagged `kubernetes.io/role/internal-elb` and not public;
    a subnet id it does not declare (an existing VPC) must not be one of the cluster's public
    subnets. Other foreign ids cannot be judged from the stack and are left alone.
    """
    subnets = of_type(args.resources, SUBNET)
    public_ids: set[str] = set()
    for cluster in of_type(args.resources, EKS_COMPONENT):
        public_ids |= {str(s) for s in known(get(cluster.props, "publicSubnetIds", default=[]))}
    for group in of_type(args.resources, NODE_GROUP):
        declared = [s for s in subnets if refers_to(group, "subnetIds", s)]
        for subnet in declared:
            private, why = _subnet_is_private(subnet.props)
            if not private:
                report(f"Node group {group.name} uses subnet {subnet.name}, but {why}.", group.urn)
        literal_ids = {str(s) for s in known(get(group.props, "subnetIds", default=[]))}
        for subnet_id in sorted(literal_ids & public_ids):
            report(f"Node group {group.name} uses {subnet_id}, one of the cluster's public subnets.", group.urn)


def node_groups_private_policy() -> StackValidationPolicy:
    """The policy around `validate_node_groups_private` (needs the whole stack)."""
    return StackValidationPolicy(
        name="eks-nodes-in-private-subnets",
        description="EKS node groups are placed only in private subnets.",
        validate=validate_node_groups_private,
        severity=Severity.HIGH,
        remediation_steps="Give node groups the private subnets (tagged kubernetes.io/role/internal-elb) only.",
    )


def policies() -> list:
    """The EKS policies, in report order."""
    return [
        public_endpoint_policy(),
        secrets_encrypted_policy(),
        control_plane_logs_policy(),
        node_groups_private_policy(),
        launch_template_imdsv2_policy(),
        node_groups_imdsv2_policy(),
    ]
