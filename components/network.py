"""The VPC the cluster lives in: public subnets for load balancers, private ones for nodes."""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws


def cluster_tag(cluster_name: str) -> str:
    """The `kubernetes.io/cluster/<name>` tag key that EKS and its load balancers look for."""
    return f"kubernetes.io/cluster/{cluster_name}"


def subnet_cidrs(vpc_cidr: str, zone_count: int) -> tuple[list[str], list[str]]:
    """Carve (private, public) subnet CIDRs, one each per zone, out of the VPC block.

    Private subnets get an eighth of the VPC each (the VPC CNI gives every pod a VPC IP, so
    node subnets need room); public subnets only hold load balancers and NAT gateways and
    get a sixty-fourth each, from the top of the block.
    """
    vpc = ipaddress.IPv4Network(vpc_cidr)
    private = list(vpc.subnets(new_prefix=vpc.prefixlen + 3))[:zone_count]
    public = list(vpc.subnets(new_prefix=vpc.prefixlen + 6))[-zone_count:]
    return [str(c) for c in private], [str(c) for c in public]


@dataclass(frozen=True)
class NetworkArgs:
    """What the Network component needs."""

    cluster_name: str
    """EKS cluster name, for the subnet discovery tags."""
    vpc_cidr: str
    """CIDR block of the VPC."""
    zones: list[str]
    """Availability zones; one public and one private subnet in each."""
    nat_gateway_mode: str
    """`single` (one NAT gateway, dev) or `perAz` (one per zone, prod)."""
    protect: bool = False
    """Protect the VPC from deletion (prod): `pulumi destroy` stops until it is unprotected."""
    tags: dict[str, str] = field(default_factory=dict)
    """Tags on every resource (on top of the provider's default tags)."""


class Network(pulumi.ComponentResource):
    """VPC, subnets in every zone, internet and NAT gateways, routes."""

    vpc_id: pulumi.Output[str]
    public_subnet_ids: pulumi.Output[list[str]]
    private_subnet_ids: pulumi.Output[list[str]]

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__("platform:index:Network", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        owned = {cluster_tag(args.cluster_name): "shared"}

        vpc = aws.ec2.Vpc(
            f"{name}-vpc",
            cidr_block=args.vpc_cidr,
            enable_dns_hostnames=True,  # EKS nodes register by private DNS name
            enable_dns_support=True,
            tags={**args.tags, "Name": f"{args.cluster_name}-vpc"},
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        # Children hang off the component, not the VPC, so that `protect` stays on the VPC alone.
        igw = aws.ec2.InternetGateway(
            f"{name}-igw", vpc_id=vpc.id, tags={**args.tags, "Name": f"{args.cluster_name}-igw"}, opts=child
        )
        public_routes = aws.ec2.RouteTable(
            f"{name}-public", vpc_id=vpc.id, tags={**args.tags, "Name": f"{args.cluster_name}-public"}, opts=child
        )
        aws.ec2.Route(
            f"{name}-public-default",
            route_table_id=public_routes.id,
            destination_cidr_block="0.0.0.0/0",
            gateway_id=igw.id,
            opts=pulumi.ResourceOptions(parent=public_routes),
        )

        private_cidrs, public_cidrs = subnet_cidrs(args.vpc_cidr, len(args.zones))
        public_subnets: list[aws.ec2.Subnet] = []
        private_subnets: list[aws.ec2.Subnet] = []
        nat_gateways: list[aws.ec2.NatGateway] = []
        nat_count = len(args.zones) if args.nat_gateway_mode == "perAz" else 1

        for index, zone in enumerate(args.zones):
            public = aws.ec2.Subnet(
                f"{name}-public-{zone}",
                vpc_id=vpc.id,
                cidr_block=public_cidrs[index],
                availability_zone=zone,
                map_public_ip_on_launch=False,  # only load balancers and NAT live here
                tags={
                    **args.tags,
                    **owned,
                    "Name": f"{args.cluster_name}-public-{zone}",
                    "kubernetes.io/role/elb": "1",
                },
                opts=child,
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-public-{zone}",
                subnet_id=public.id,
                route_table_id=public_routes.id,
                opts=pulumi.ResourceOptions(parent=public),
            )
            public_subnets.append(public)
            if index < nat_count:
                eip = aws.ec2.Eip(
                    f"{name}-nat-{zone}",
                    domain="vpc",
                    tags={**args.tags, "Name": f"{args.cluster_name}-nat-{zone}"},
                    opts=pulumi.ResourceOptions(parent=public),
                )
                nat_gateways.append(
                    aws.ec2.NatGateway(
                        f"{name}-nat-{zone}",
                        allocation_id=eip.id,
                        subnet_id=public.id,
                        tags={**args.tags, "Name": f"{args.cluster_name}-nat-{zone}"},
                        opts=pulumi.ResourceOptions(parent=public, depends_on=[igw]),
                    )
                )

        for index, zone in enumerate(args.zones):
            private = aws.ec2.Subnet(
                f"{name}-private-{zone}",
                vpc_id=vpc.id,
                cidr_block=private_cidrs[index],
                availability_zone=zone,
                map_public_ip_on_launch=False,
                tags={
                    **args.tags,
                    **owned,
                    "Name": f"{args.cluster_name}-private-{zone}",
                    "kubernetes.io/role/internal-elb": "1",
                },
                opts=child,
            )
            routes = aws.ec2.RouteTable(
                f"{name}-private-{zone}",
                vpc_id=vpc.id,
                tags={**args.tags, "Name": f"{args.cluster_name}-private-{zone}"},
                opts=pulumi.ResourceOptions(parent=private),
            )
            aws.ec2.Route(
                f"{name}-private-{zone}-default",
                route_table_id=routes.id,
                destination_cidr_block="0.0.0.0/0",
                # per-AZ NAT keeps a zone's egress inside the zone; a single NAT serves all
                nat_gateway_id=nat_gateways[index if index < len(nat_gateways) else 0].id,
                opts=pulumi.ResourceOptions(parent=routes),
            )
            aws.ec2.RouteTableAssociation(
                f"{name}-private-{zone}",
                subnet_id=private.id,
                route_table_id=routes.id,
                opts=pulumi.ResourceOptions(parent=private),
            )
            private_subnets.append(private)

        self.vpc = vpc
        self.vpc_id = vpc.id
        self.public_subnet_ids = pulumi.Output.all(*[s.id for s in public_subnets])
        self.private_subnet_ids = pulumi.Output.all(*[s.id for s in private_subnets])
        self.register_outputs(
            {
                "vpc_id": self.vpc_id,
                "public_subnet_ids": self.public_subnet_ids,
                "private_subnet_ids": self.private_subnet_ids,
            }
        )
