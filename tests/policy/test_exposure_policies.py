"""S3 buckets encrypted and private; no LoadBalancer Service without source ranges."""

from __future__ import annotations

import pytest

from policy.eks_platform_policy import exposure
from tests.policy.builders import UNKNOWN, resource, run, stack_resource

BUCKET = "aws:s3/bucket:Bucket"
SSE = exposure.ENCRYPTION_TYPES[0]
PAB = exposure.PUBLIC_ACCESS_BLOCK
ALL_BLOCKED = dict.fromkeys(exposure.BLOCK_SWITCHES, True)


def kms_rules() -> list[dict]:
    return [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "aws:kms"}, "bucketKeyEnabled": True}]


def compliant(bucket_id: str = "artifacts-1", name: str = "artifacts") -> list:
    bucket = stack_resource(BUCKET, name, {"id": bucket_id, "bucket": bucket_id, "forceDestroy": True})
    return [
        bucket,
        stack_resource(SSE, f"{name}-sse", {"bucket": bucket_id, "rules": kms_rules()}),
        stack_resource(PAB, f"{name}-pab", {"bucket": bucket_id, **ALL_BLOCKED}),
    ]


# ---- S3 ----------------------------------------------------------------------------------------


def test_encrypted_private_bucket_passes() -> None:
    assert run(exposure.s3_buckets_policy(), compliant()).passed


def test_companions_found_through_property_dependencies_in_a_preview() -> None:
    bucket = stack_resource(BUCKET, "artifacts", {"id": UNKNOWN, "bucketPrefix": "artifacts-"})
    resources = [
        bucket,
        stack_resource(SSE, "sse", {"bucket": UNKNOWN, "rules": kms_rules()}, depends_on={"bucket": [bucket]}),
        stack_resource(PAB, "pab", {"bucket": UNKNOWN, **ALL_BLOCKED}, depends_on={"bucket": [bucket]}),
    ]
    assert run(exposure.s3_buckets_policy(), resources).passed


def test_legacy_inline_encryption_counts() -> None:
    bucket = stack_resource(
        "aws:s3/bucketV2:BucketV2",
        "legacy",
        {
            "id": "legacy-1",
            "serverSideEncryptionConfiguration": {
                "rule": {"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}
            },
        },
    )
    assert run(
        exposure.s3_buckets_policy(), [bucket, stack_resource(PAB, "pab", {"bucket": "legacy-1", **ALL_BLOCKED})]
    ).passed


def test_bucket_without_companions_fails() -> None:
    bucket = stack_resource(BUCKET, "bare", {"id": "bare-1"})
    # companions of *another* bucket do not count
    outcome = run(exposure.s3_buckets_policy(), [bucket, *compliant("other-1", "other")])
    assert outcome.violations == [
        "Bucket bare: no default server-side encryption (BucketServerSideEncryptionConfiguration).",
        "Bucket bare: no BucketPublicAccessBlock.",
    ]
    assert outcome.urns == [bucket.urn, bucket.urn]


def test_partial_public_access_block_and_public_acls_fail() -> None:
    bucket, sse, _ = compliant()
    weak = stack_resource(PAB, "weak", {"bucket": "artifacts-1", **ALL_BLOCKED, "restrictPublicBuckets": False})
    acl = stack_resource("aws:s3/bucketAclV2:BucketAclV2", "acl", {"bucket": "artifacts-1", "acl": "public-read"})
    outcome = run(exposure.s3_buckets_policy(), [bucket, sse, weak, acl])
    assert outcome.violations == [
        "Bucket artifacts: public access block weak leaves restrictPublicBuckets off.",
        "Bucket artifacts: acl sets ACL public-read.",
    ]


def test_encryption_rule_without_an_algorithm_fails() -> None:
    bucket, _, pab = compliant()
    empty = stack_resource(SSE, "sse", {"bucket": "artifacts-1", "rules": [{"bucketKeyEnabled": True}]})
    outcome = run(exposure.s3_buckets_policy(), [bucket, empty, pab])
    assert outcome.violations == [
        "Bucket artifacts: no default server-side encryption (BucketServerSideEncryptionConfiguration)."
    ]


def test_the_artifact_bucket_component_passes() -> None:
    """components/artifact_bucket.py as recorded under mocks, through the offline adapter."""
    from components.artifact_bucket import ArtifactBucket
    from components.settings import ArgoSettings
    from offline.runner import record_components
    from policy.offline_check import stack_resources
    from tests.components.contexts import unit_context

    records = record_components(
        lambda: ArtifactBucket(
            "b",
            ArgoSettings.model_validate({"artifacts": {"expirationDays": 7}}),
            unit_context(aws_stack=True, cluster_name="eks-platform-test"),
            service_account="argo-workflow",
            workflow_namespaces=["argo"],
        )
    )
    assert any(r.type == BUCKET for r in records)
    assert run(exposure.s3_buckets_policy(), stack_resources(records)).passed


# ---- load balancers -------------------------------------------------------------------------------


def service(spec: dict, annotations: dict | None = None) -> object:
    return resource(exposure.SERVICE, {"metadata": {"name": "web", "annotations": annotations or {}}, "spec": spec})


@pytest.mark.parametrize(
    "args",
    [
        service({"type": "ClusterIP", "ports": [{"port": 80}]}),
        service({"type": "LoadBalancer", "loadBalancerSourceRanges": ["203.0.113.0/24"]}),
        service({"type": "LoadBalancer"}, {exposure.SOURCE_RANGES_ANNOTATION: "203.0.113.0/24, 198.51.100.0/24"}),
        service({"type": "LoadBalancer"}, {"service.beta.kubernetes.io/aws-load-balancer-scheme": "internal"}),
    ],
    ids=["cluster-ip", "ranges", "annotation-ranges", "internal"],
)
def test_restricted_or_internal_services_pass(args) -> None:
    assert run(exposure.load_balancer_source_ranges_policy(), args).passed


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"type": "LoadBalancer"}, "no loadBalancerSourceRanges (open to 0.0.0.0/0)"),
        ({"type": "LoadBalancer", "loadBalancerSourceRanges": []}, "no loadBalancerSourceRanges"),
        (
            {"type": "LoadBalancer", "loadBalancerSourceRanges": ["10.0.0.0/8", "0.0.0.0/0"]},
            "loadBalancerSourceRanges include 0.0.0.0/0",
        ),
    ],
)
def test_open_load_balancer_service_fails(spec: dict, expected: str) -> None:
    outcome = run(exposure.load_balancer_source_ranges_policy(), service(spec))
    assert len(outcome.violations) == 1 and expected in outcome.violations[0]


def test_load_balancers_requested_through_chart_values() -> None:
    policy = exposure.load_balancer_source_ranges_policy()

    def release(values: dict) -> object:
        return resource("kubernetes:helm.sh/v3:Release", {"chart": "c", "values": values})

    assert run(policy, release({"service": {"type": "ClusterIP"}, "server": {"serviceType": "ClusterIP"}})).passed
    assert run(
        policy, release({"service": {"type": "LoadBalancer", "loadBalancerSourceRanges": ["203.0.113.0/24"]}})
    ).passed
    outcome = run(policy, release({"server": {"serviceType": "LoadBalancer", "loadBalancerSourceRanges": []}}))
    assert outcome.violations == [
        "Chart values request a LoadBalancer Service with values.server: no loadBalancerSourceRanges (open to 0.0.0.0/0)."
    ]
