"""Documentation-only values in a stack's config: fine to review, never to deploy to prod.

The committed stack files carry values reserved for documentation so that they render and can be
read: AWS's documentation account 123456789012 in ARNs, the RFC 5737 ranges (192.0.2.0/24,
198.51.100.0/24, 203.0.113.0/24) in `publicAccessCidrs`, and RFC 2606 names (example.com, .net,
.org and below) as hosts. `make synth` and `pulumi preview` warn about them; a prod `pulumi up`
stops before creating anything, naming each key.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator

from components.settings.stack import Settings

DOCUMENTATION_ACCOUNT = "123456789012"
DOCUMENTATION_NETWORKS = tuple(ipaddress.IPv4Network(n) for n in ("192.0.2.0/24", "198.51.100.0/24", "203.0.113.0/24"))
DOCUMENTATION_DOMAINS = ("example.com", "example.net", "example.org")


def _is_example_host(host: str) -> bool:
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith(f".{d}") for d in DOCUMENTATION_DOMAINS) or host.endswith(".example")


def documentation_values(settings: Settings) -> list[tuple[str, str, str]]:
    """(key, value, why) for every documentation-only value the stack sets."""
    return list(_found(settings))


def _found(settings: Settings) -> Iterator[tuple[str, str, str]]:
    arns = {
        **{f"adminRoleArns[{i}]": arn for i, arn in enumerate(settings.admin_role_arns)},
        **{f"viewerRoleArns[{i}]": arn for i, arn in enumerate(settings.viewer_role_arns)},
        "django.certificateArn": settings.django.certificate_arn,
        "django.strategy.previewCertificateArn": settings.django.strategy.preview_certificate_arn,
        "argo.certificateArn": settings.argo.certificate_arn,
    }
    for key, arn in arns.items():
        if f":{DOCUMENTATION_ACCOUNT}:" in arn:
            yield key, arn, f"account {DOCUMENTATION_ACCOUNT} is AWS's documentation account"
    for i, cidr in enumerate(settings.public_access_cidrs):
        network = ipaddress.IPv4Network(cidr)
        if any(network.subnet_of(doc) for doc in DOCUMENTATION_NETWORKS):
            yield f"publicAccessCidrs[{i}]", cidr, "an RFC 5737 documentation range (no one's real address)"
    hosts = {
        **{f"django.hosts[{i}]": host for i, host in enumerate(settings.django.hosts)},
        "django.strategy.previewHost": settings.django.strategy.preview_host,
        "argo.ingressHost": settings.argo.ingress_host,
    }
    for key, host in hosts.items():
        if host and _is_example_host(host):
            yield key, host, "an RFC 2606 example domain (it resolves to no server of yours)"


def describe(found: list[tuple[str, str, str]]) -> str:
    return "\n".join(f"  - eks-platform:{key} = {value!r}: {why}" for key, value, why in found)
