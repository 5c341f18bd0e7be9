"""What the stack exposes: S3 buckets (encrypted, not public) and load balancers (source ranges).

Buckets are judged with their companion resources, so this is a stack policy: an
`aws:s3/bucket:Bucket` is encrypted when a server-side-encryption configuration of this stack
points at it (or it carries the legacy inline block), and private when a public access block of
this stack points at it with all four switches on and no ACL grants public access.

Load balancers: a `Service` of type LoadBalancer, and any LoadBalancer service a Helm release's
values ask for (`type`/`serviceType: LoadBalancer`), must list `loadBalancerSourceRanges`
narrower than the internet. An internal AWS load balancer is not reachable from the internet
and is exempt.
"""

from __future__ import annotations

from typing import Any

from pulumi_policy import (
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)

from .eks import is_open_to_internet
from .values import get, is_true, known, of_type, refers_to, walk_mappings

BUCKET_TYPES = ("aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2")
ENCRYPTION_TYPES = (
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
)
PUBLIC_ACCESS_BLOCK = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
ACL_TYPES = ("aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2")
PUBLIC_ACLS = ("public-read", "public-read-write", "authenticated-read")
BLOCK_SWITCHES = ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
SSE_ALGORITHMS = ("AES256", "aws:kms", "aws:kms:dsse")
BUCKET_KEYS = ("id", "bucket")  # what companion resources' `bucket` input holds

SERVICE = "kubernetes:core/v1:Service"
HELM_TYPES = ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart")
SOURCE_RANGES_ANNOTATION = "service.beta.kubernetes.io/load-balancer-source-ranges"
INTERNAL_ANNOTATIONS = {
    "service.beta.kubernetes.io/aws-load-balancer-scheme": "internal",
    "service.beta.kubernetes.io/aws-load-balancer-internal": "true",
}


# ---- S3 ----------------------------------------------------------------------------------------


def _rules_encrypt(rules: Any) -> bool:
    """Some rule applies SSE by default with a real algorithm."""
    rules = rules if isinstance(rules, list) else [rules]
    return any(
        get(rule, "applyServerSideEncryptionByDefault", "sseAlgorithm") in SSE_ALGORITHMS
        for rule in rules
        if isinstance(rule, dict)
    )


def bucket_problems(bucket: Any, resources: list) -> list[str]:
    """Why a bucket is not both encrypted and private (empty when it is)."""
    problems = []
    inline = known(get(bucket.props, "serverSideEncryptionConfiguration", default={}))
    encrypted = _rules_encrypt(get(inline, "rule", default=[])) or any(
        _rules_encrypt(known(get(config.props, "rules", default=[])))
        for config in of_type(resources, *ENCRYPTION_TYPES)
        if refers_to(config, "bucket", bucket, keys=BUCKET_KEYS)
    )
    if not encrypted:
        problems.append("no default server-side encryption (BucketServerSideEncryptionConfiguration)")

    blocks = [b for b in of_type(resources, PUBLIC_ACCESS_BLOCK) if refers_to(b, "bucket", bucket, keys=BUCKET_KEYS)]
    if not blocks:
        problems.append("no BucketPublicAccessBlock")
    for block in blocks:
        off = [s for s in BLOCK_SWITCHES if not is_true(get(block.props, s, default=False))]
        if off:
            problems.append(f"public access block {block.name} leaves {', '.join(off)} off")

    acl = get(bucket.props, "acl")
    if acl in PUBLIC_ACLS:
        problems.append(f"canned ACL {acl}")
    for grant in of_type(resources, *ACL_TYPES):
        if refers_to(grant, "bucket", bucket, keys=BUCKET_KEYS) and get(grant.props, "acl") in PUBLIC_ACLS:
            problems.append(f"{grant.name} sets ACL {get(grant.props, 'acl')}")
    return problems


def validate_buckets(args: StackValidationArgs, report: ReportViolation) -> None:
    """Every S3 bucket of the stack is encrypted by default and blocks public access."""
    for bucket in of_type(args.resources, *BUCKET_TYPES):
        for problem in bucket_problems(bucket, args.resources):
            report(f"Bucket {bucket.name}: {problem}.", bucket.urn)


def s3_buckets_policy() -> StackValidationPolicy:
    """The policy around `validate_buckets` (needs the whole stack)."""
    return StackValidationPolicy(
        name="s3-bucket-encrypted-and-private",
        description="S3 buckets have default encryption and a public access block with every switch on.",
        validate=validate_buckets,
        severity=Severity.HIGH,
        remediation_steps="Declare BucketServerSideEncryptionConfiguration and BucketPublicAccessBlock per bucket.",
    )


# ---- load balancers -------------------------------------------------------------------------------


def _ranges(value: Any) -> list[str]:
    """Source ranges from a list or a comma-separated annotation."""
    if isinstance(value, str):
        return [r.strip() for r in value.split(",") if r.strip()]
    return [str(r) for r in value] if isinstance(value, list) else []


def _is_internal(annotations: Any) -> bool:
    annotations = annotations if isinstance(annotations, dict) else {}
    return any(str(annotations.get(key, "")).lower() == value for key, value in INTERNAL_ANNOTATIONS.items())


def source_range_problem(ranges: list[str]) -> str | None:
    """Why these source ranges do not restrict a load balancer, or None when they do."""
    if not ranges:
        return "no loadBalancerSourceRanges (open to 0.0.0.0/0)"
    open_ranges = [r for r in ranges if is_open_to_internet(r)]
    if open_ranges:
        return f"loadBalancerSourceRanges include {', '.join(open_ranges)}"
    return None


def service_problem(props: Any) -> str | None:
    """The problem with a Service's load balancer exposure, if it is an unrestricted LoadBalancer."""
    spec = known(get(props, "spec", default={}))
    if spec.get("type") != "LoadBalancer":
        return None
    annotations = known(get(props, "metadata", "annotations", default={}))
    if _is_internal(annotations):
        return None
    ranges = _ranges(spec.get("loadBalancerSourceRanges")) or _ranges(annotations.get(SOURCE_RANGES_ANNOTATION))
    return source_range_problem(ranges)


def helm_value_problems(values: dict[str, Any]) -> list[str]:
    """LoadBalancer services requested through chart values without source ranges."""
    problems = []
    for path, mapping in walk_mappings(values, ("values",)):
        kind = mapping.get("type", mapping.get("serviceType"))
        if kind != "LoadBalancer" or _is_internal(mapping.get("annotations")):
            continue
        ranges = _ranges(mapping.get("loadBalancerSourceRanges"))
        if problem := source_range_problem(ranges):
            problems.append(f"{'.'.join(path)}: {problem}")
    return problems


def validate_load_balancers(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """No internet-facing LoadBalancer Service without source ranges."""
    if args.resource_type == SERVICE:
        if problem := service_problem(args.props):
            report(f"LoadBalancer Service with {problem}.")
    elif args.resource_type in HELM_TYPES:
        for problem in helm_value_problems(known(get(args.props, "values", default={}))):
            report(f"Chart values request a LoadBalancer Service with {problem}.")


def load_balancer_source_ranges_policy() -> ResourceValidationPolicy:
    """The policy around `validate_load_balancers`."""
    return ResourceValidationPolicy(
        name="loadbalancer-source-ranges",
        description="Internet-facing LoadBalancer Services list loadBalancerSourceRanges (never 0.0.0.0/0).",
        validate=validate_load_balancers,
        severity=Severity.HIGH,
        remediation_steps="Prefer ClusterIP behind the ALB Ingress; otherwise set loadBalancerSourceRanges.",
    )
