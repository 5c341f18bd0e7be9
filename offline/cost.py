"""The monthly cost of a stack, from what its program declares and a vendored price table.

Line items come from the recorded resources, never from the stack file alone: the EKS control
plane, every NAT gateway and its Elastic IP, every node group at its desired size (instances and
their gp3 root volumes), every RDS instance (its class and its storage), and every Ingress of class `alb` the Helm releases render (the ALB, its
LCUs and, when internet-facing, a public IPv4 address per public subnet). Prices come from
offline/prices/<region>.yaml, each with its source; a region or a price missing from it is an
error that names it, never $0.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from offline.runner import ROOT, ProgramRun

PRICES = Path(__file__).resolve().parent / "prices"
RELEASE = "kubernetes:helm.sh/v3:Release"
ALB_SCHEME = "alb.ingress.kubernetes.io/scheme"


class CostError(Exception):
    """A price the estimate needs is not in the table; the message names it and the table."""


@dataclass(frozen=True)
class LineItem:
    what: str
    quantity: float
    unit: str
    usd_each: float
    price: str
    """Key of the price in the table, e.g. `ec2Hour.m6i.large`."""

    @property
    def monthly_usd(self) -> float:
        return self.quantity * self.usd_each


@dataclass(frozen=True)
class Estimate:
    region: str
    items: list[LineItem]
    table: dict[str, Any]
    path: Path

    @property
    def monthly_usd(self) -> float:
        return sum(item.monthly_usd for item in self.items)


class PriceTable:
    """offline/prices/<region>.yaml: prices with their sources, and the assumptions behind them."""

    def __init__(self, region: str, directory: Path = PRICES):
        self.path = directory / f"{region}.yaml"
        if not self.path.is_file():
            have = ", ".join(sorted(p.stem for p in directory.glob("*.yaml"))) or "none"
            raise CostError(f"no price table for region {region!r}: add {self._shown()} (tables exist for: {have})")
        self.table = yaml.safe_load(self.path.read_text())
        self.hours = float(self.table["hoursPerMonth"])

    def _shown(self) -> str:
        return str(self.path.relative_to(ROOT)) if self.path.is_relative_to(ROOT) else str(self.path)

    def usd(self, key: str, what: str) -> float:
        """The price at `key` (dotted; an instance type may contain dots: `ec2Hour.m6i.large`)."""
        group, _, item = key.partition(".")
        entry: Any = self.table["prices"].get(group)
        if item:
            entry = (entry or {}).get(item)
        if not isinstance(entry, Mapping) or "usd" not in entry:
            raise CostError(f"no price {key!r} for {what} in {self._shown()}: add it with its source")
        return float(entry["usd"])


def estimate(run: ProgramRun, region: str, directory: Path = PRICES) -> Estimate:
    """Every line item of one stack's monthly cost."""
    prices = PriceTable(region, directory)
    items = list(_items(run, prices))
    return Estimate(region, items, prices.table, prices.path)


def _items(run: ProgramRun, prices: PriceTable) -> Iterator[LineItem]:
    hours = prices.hours

    def item(what: str, quantity: float, unit: str, key: str) -> LineItem:
        return LineItem(what, quantity, unit, prices.usd(key, what), key)

    for cluster in run.of_type("eks:index:Cluster"):
        yield item(f"EKS control plane {cluster.plain.get('name', cluster.name)}", hours, "h", "eksClusterHour")
    nat_gateways = run.of_type("aws:ec2/natGateway:NatGateway")
    if nat_gateways:
        yield item(f"NAT gateways ({len(nat_gateways)})", len(nat_gateways) * hours, "h", "natGatewayHour")
    eips = run.of_type("aws:ec2/eip:Eip")
    if eips:
        yield item(f"Elastic IPs of the NAT gateways ({len(eips)})", len(eips) * hours, "h", "publicIpv4Hour")
    yield from _node_groups(run, prices, item)
    for instance in run.of_type("aws:rds/instance:Instance"):
        inputs = instance.plain
        multi = bool(inputs.get("multiAz"))
        deployment = "Multi-AZ" if multi else "Single-AZ"
        yield item(
            f"RDS {inputs['identifier']}: {inputs['instanceClass']} {deployment}",
            hours,
            "h",
            f"{'rdsMultiAzHour' if multi else 'rdsHour'}.{inputs['instanceClass']}",
        )
        storage = inputs["allocatedStorage"]
        yield item(
            f"RDS {inputs['identifier']}: {storage:g} GiB gp3 ({deployment})",
            storage,
            "GB-month",
            "rdsGp3MultiAzGbMonth" if multi else "rdsGp3GbMonth",
        )
    for what, gigabytes in _monitoring_volumes(run):
        yield item(what, gigabytes, "GB-month", "gp3GbMonth")
    public_subnets = _public_subnet_count(run)
    for release, scheme in _albs(run):
        yield item(f"ALB of release {release} ({scheme})", hours, "h", "albHour")
        lcus = float(prices.table["lcuPerAlb"])
        yield item(f"ALB LCUs of release {release} ({lcus:g} on average)", lcus * hours, "LCU-h", "albLcuHour")
        if scheme == "internet-facing":
            yield item(
                f"public IPv4 of the {release} ALB ({public_subnets} subnets)",
                public_subnets * hours,
                "h",
                "publicIpv4Hour",
            )


def _node_groups(run: ProgramRun, prices: PriceTable, item: Any) -> Iterator[LineItem]:
    # root volume size by node group component (its launch template is the group's sibling)
    disks = {
        template.parent: template.plain["blockDeviceMappings"][0]["ebs"]["volumeSize"]
        for template in run.of_type("aws:ec2/launchTemplate:LaunchTemplate")
        if template.plain.get("blockDeviceMappings")
    }
    for group in run.of_type("aws:eks/nodeGroup:NodeGroup"):
        inputs = group.plain
        name, count = inputs["nodeGroupName"], inputs["scalingConfig"]["desiredSize"]
        instance = inputs["instanceTypes"][0]
        capacity = inputs.get("capacityType", "ON_DEMAND")
        priced_as = " (SPOT, priced on demand)" if capacity == "SPOT" else ""
        yield item(
            f"node group {name}: {count:g} x {instance}{priced_as}", count * prices.hours, "h", f"ec2Hour.{instance}"
        )
        size = disks.get(group.parent, 0)
        if size:
            yield item(
                f"node group {name}: {count:g} x {size:g} GiB gp3 root volumes", count * size, "GB-month", "gp3GbMonth"
            )


def _monitoring_volumes(run: ProgramRun) -> Iterator[tuple[str, float]]:
    """(what, GiB) of the gp3 volumes kube-prometheus-stack's Prometheus and Alertmanager claim, per replica."""
    for release in run.of_type("kubernetes:helm.sh/v3:Release"):
        if release.plain["chart"] != "kube-prometheus-stack":
            continue
        values = release.plain["values"]
        claims = {
            "Prometheus": (values["prometheus"]["prometheusSpec"], "storageSpec"),
            "Alertmanager": (values["alertmanager"]["alertmanagerSpec"], "storage"),
        }
        for name, (spec, key) in claims.items():
            if key not in spec or (name == "Alertmanager" and not values["alertmanager"]["enabled"]):
                continue
            size = spec[key]["volumeClaimTemplate"]["spec"]["resources"]["requests"]["storage"]
            replicas = int(spec["replicas"])
            gigabytes = replicas * float(size.removesuffix("Gi"))
            yield f"{name} volumes: {replicas} x {size} gp3", gigabytes


def _public_subnet_count(run: ProgramRun) -> int:
    """Public subnets the stack made (they carry the ELB role tag); 2 on a VPC someone else made."""
    public = [
        s for s in run.of_type("aws:ec2/subnet:Subnet") if (s.plain.get("tags") or {}).get("kubernetes.io/role/elb")
    ]
    return len(public) or 2


def _albs(run: ProgramRun) -> Iterator[tuple[str, str]]:
    """(release name, scheme) of every enabled Ingress of class alb in the releases' values."""
    for release in run.of_type(RELEASE):
        values = _merged_values(release.plain)
        name = release.plain.get("name", release.name)
        for ingress in _ingresses(values):
            yield name, _scheme(ingress)
            # charts/django under BlueGreen: the preview host has an Ingress, hence an ALB, of its own
            strategy = values.get("strategy") or {}
            if (
                ingress is not None
                and strategy.get("type") == "BlueGreen"
                and "previewIngress" in (strategy.get("blueGreen") or {})
            ):
                preview = strategy["blueGreen"]["previewIngress"]
                yield f"{name} (BlueGreen preview)", preview.get("scheme") or "internal"


def _merged_values(release: Mapping[str, Any]) -> dict[str, Any]:
    """The chart's values.yaml (a chart of this repository), its valueYamlFiles, then its values."""
    merged: dict[str, Any] = {}
    chart = ROOT / str(release.get("chart", ""))
    layers = [chart / "values.yaml"] if (chart / "Chart.yaml").is_file() else []
    layers += [ROOT / asset.path for asset in release.get("valueYamlFiles") or [] if hasattr(asset, "path")]
    for layer in layers:
        merged = _deep_merge(merged, yaml.safe_load(layer.read_text()) or {})
    return _deep_merge(merged, release.get("values") or {})


def _deep_merge(base: dict[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        out[key] = (
            _deep_merge(out[key], value) if isinstance(value, Mapping) and isinstance(out.get(key), dict) else value
        )
    return out


def _ingresses(values: Any) -> Iterator[dict[str, Any]]:
    """Dicts that describe an enabled Ingress of class alb (charts/django `ingress`, argo `server.ingress`)."""
    if isinstance(values, Mapping):
        if values.get("enabled") is True and "alb" in (values.get("className"), values.get("ingressClassName")):
            yield dict(values)
        for value in values.values():
            yield from _ingresses(value)
    elif isinstance(values, list):
        for value in values:
            yield from _ingresses(value)


def _scheme(ingress: Mapping[str, Any]) -> str:
    """internet-facing or internal: the chart's `alb.scheme`, else the annotation, else the controller's default."""
    scheme = (ingress.get("alb") or {}).get("scheme") or (ingress.get("annotations") or {}).get(ALB_SCHEME)
    return scheme or "internal"  # the AWS Load Balancer Controller's default scheme


def report(estimate: Estimate, budget: float = 0.0) -> list[str]:
    """Markdown lines: the monthly total, its line items with their prices' sources, and the assumptions."""
    table = estimate.table
    lines = [f"Estimated monthly cost in {estimate.region}: **${estimate.monthly_usd:,.2f}**"]
    if budget:
        verdict = "within" if estimate.monthly_usd <= budget else "**over**"
        lines[0] += f" ({verdict} the stack's costBudgetUsd of ${budget:,.2f})"
    lines += ["", "| item | quantity | unit price (USD) | per month (USD) |", "|---|---|---|---|"]
    for item in estimate.items:
        lines.append(
            f"| {item.what} | {item.quantity:,.0f} {item.unit} | {item.usd_each:g} (`{item.price}`) | {item.monthly_usd:,.2f} |"
        )
    lines += [
        "",
        f"Prices: `{estimate.path.relative_to(ROOT)}`, read {table['retrieved']}; each names its source there.",
    ]
    lines += [f"- {assumption}" for assumption in table["assumptions"]]
    return lines
