"""ArtifactBucket: encrypted, private, TLS-only, expiring; only the workflow service account may use it."""

from __future__ import annotations

import json

import pytest

from components.artifact_bucket import ArtifactBucket
from components.settings import ArgoSettings
from offline.iam import OIDC_ARN, OIDC_URL, irsa_condition, trust_statement
from offline.runner import record_components
from tests.components.contexts import unit_context


def build(retain: bool = False):
    settings = ArgoSettings.model_validate({"namespace": "argo", "artifacts": {"expirationDays": 14}})
    records = record_components(
        lambda: ArtifactBucket(
            "art",
            settings,
            unit_context(
                aws_stack=True,
                cluster_name="eks-platform-dev",
                oidc_provider_arn=OIDC_ARN,
                oidc_provider_url=OIDC_URL,
                retain_data=retain,
            ),
            service_account="argo-workflow",
            workflow_namespaces=["argo"],
        )
    )
    return {r.type.split(":")[-1]: r for r in records}


def test_bucket_is_encrypted_private_and_tls_only() -> None:
    by_type = build()
    rule = by_type["BucketServerSideEncryptionConfiguration"].inputs["rules"][0]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "aws:kms"
    block = by_type["BucketPublicAccessBlock"].inputs
    assert all(
        block[k] is True for k in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    [statement] = json.loads(by_type["BucketPolicy"].inputs["policy"])["Statement"]
    assert statement["Effect"] == "Deny" and statement["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert by_type["BucketLifecycleConfiguration"].inputs["rules"][0]["expiration"]["days"] == 14


def test_trust_policy_names_exactly_the_workflow_service_account() -> None:
    statement = trust_statement(list(build().values()))
    assert statement["Principal"] == {"Federated": OIDC_ARN}
    assert statement["Condition"] == irsa_condition("argo", "argo-workflow")


def test_access_is_limited_to_this_bucket() -> None:
    by_type = build()
    bucket_arn = "arn:aws:s3:::art-bucket-bucket"
    statements = json.loads(by_type["RolePolicy"].inputs["policy"])["Statement"]
    resources = {r for s in statements for r in ([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])}
    assert resources == {bucket_arn, f"{bucket_arn}/*"}
    assert not any("*" in action for s in statements for action in s["Action"])


@pytest.mark.parametrize("retain", [True, False])
def test_destroy_empties_or_retains(retain: bool) -> None:
    bucket = build(retain)["Bucket"]
    assert bucket.inputs["forceDestroy"] is (not retain)
    assert bucket.retain_on_delete is retain
