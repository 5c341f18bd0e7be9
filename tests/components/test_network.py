"""Network: subnets in every zone, the EKS discovery tags, NAT per environment."""

from __future__ import annotations

import ipaddress

import pytest

from components.network import Network, NetworkArgs, cluster_tag, subnet_cidrs
from offline.runner import record_components


def test_subnet_plan_is_disjoint_and_inside_the_vpc() -> None:
    private, public = subnet_cidrs("10.20.0.0/16", 3)
    vpc = ipaddress.IPv4Network("10.20.0.0/16")
    blocks = [ipaddress.IPv4Network(c) for c in private + public]
    assert all(block.subnet_of(vpc) for block in blocks)
    assert not any(a.overlaps(b) for i, a in enumerate(blocks) for b in blocks[i + 1 :])
    assert [ipaddress.IPv4Network(c).prefixlen for c in private] == [19] * 3
    assert [ipaddress.IPv4Network(c).prefixlen for c in public] == [22] * 3


def build(nat_gateway_mode: str, zones: list[str], protect: bool = False):
    return record_components(
        lambda: Network(
            "net",
            NetworkArgs(
                cluster_name="c1",
                vpc_cidr="10.0.0.0/16",
                zones=zones,
                nat_gateway_mode=nat_gateway_mode,
                protect=protect,
            ),
        )
    )


@pytest.mark.parametrize(("mode", "expected"), [("single", 1), ("perAz", 3)])
def test_nat_gateways_per_mode(mode: str, expected: int) -> None:
    records = build(mode, ["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c"])
    assert len([r for r in records if r.type == "aws:ec2/natGateway:NatGateway"]) == expected
    routes = [r for r in records if r.type == "aws:ec2/route:Route" and "private" in r.name]
    assert len(routes) == 3 and all(r.inputs.get("natGatewayId") for r in routes)


def test_subnets_carry_the_load_balancer_and_cluster_tags() -> None:
    records = build("single", ["ap-northeast-2a", "ap-northeast-2c"])
    subnets = [r for r in records if r.type == "aws:ec2/subnet:Subnet"]
    public = [s for s in subnets if "public" in s.name]
    private = [s for s in subnets if "private" in s.name]
    assert {s.inputs["availabilityZone"] for s in public} == {"ap-northeast-2a", "ap-northeast-2c"}
    assert all(s.inputs["tags"]["kubernetes.io/role/elb"] == "1" for s in public)
    assert all(s.inputs["tags"]["kubernetes.io/role/internal-elb"] == "1" for s in private)
    assert all(s.inputs["tags"][cluster_tag("c1")] == "shared" for s in subnets)
    assert not any(s.inputs["mapPublicIpOnLaunch"] for s in subnets)


def test_protect_lands_on_the_vpc_only() -> None:
    records = build("perAz", ["ap-northeast-2a", "ap-northeast-2b", "ap-northeast-2c"], protect=True)
    protected = {r.type for r in records if r.protect}
    assert protected == {"aws:ec2/vpc:Vpc"}
