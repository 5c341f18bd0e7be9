"""The S3 bucket Argo keeps workflow artifacts in, and the IRSA role that alone may use it."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pulumi
import pulumi_aws as aws

from components.context import ClusterContext
from components.irsa import policy_document
from components.settings import ArgoSettings, aws_names


def tls_only_policy(bucket_arn: str) -> str:
    """Bucket policy refusing every request that does not arrive over TLS."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "DenyInsecureTransport",
                    "Effect": "Deny",
                    "Principal": "*",
                    "Action": "s3:*",
                    "Resource": [bucket_arn, f"{bucket_arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                }
            ],
        },
        sort_keys=True,
    )


def bucket_access_policy(bucket_arn: str) -> str:
    """What workflow pods may do: read and write objects of this one bucket, nothing else."""
    return policy_document(
        [
            {"Effect": "Allow", "Action": ["s3:ListBucket", "s3:GetBucketLocation"], "Resource": bucket_arn},
            {
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:PutObject", "s3:DeleteObject"],
                "Resource": f"{bucket_arn}/*",
            },
        ]
    )


class ArtifactBucket(pulumi.ComponentResource):
    """Encrypted, private, TLS-only bucket with lifecycle expiry, plus its IRSA access role."""

    bucket_name: pulumi.Output[str]
    role_arn: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        settings: ArgoSettings,
        ctx: ClusterContext,
        *,
        service_account: str,
        workflow_namespaces: Sequence[str],
        opts: pulumi.ResourceOptions | None = None,
    ):
        """Artifacts of the workflows; only `service_account` of each of `workflow_namespaces` may use the
        bucket: the argo-workflows chart creates it, with this role's annotation, in every one of them."""
        super().__init__("platform:index:ArtifactBucket", name, None, ctx.component(opts, owns_aws=True))
        prefix = aws_names.artifact_bucket_prefix(ctx.cluster_name)  # checked against S3's rules by the settings
        bucket = aws.s3.Bucket(
            f"{name}-bucket",
            bucket_prefix=prefix,
            force_destroy=not ctx.retain_data,  # dev: destroy empties it; prod: never deleted by Pulumi
            opts=pulumi.ResourceOptions(parent=self, retain_on_delete=ctx.retain_data),
        )
        on_bucket = pulumi.ResourceOptions(parent=bucket)
        aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=on_bucket,
        )
        aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket.id,
            rule=aws.s3.BucketOwnershipControlsRuleArgs(object_ownership="BucketOwnerEnforced"),
            opts=on_bucket,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="aws:kms"
                    ),
                    bucket_key_enabled=True,  # fewer KMS calls for many small artifacts
                )
            ],
            opts=on_bucket,
        )
        aws.s3.BucketPolicy(
            f"{name}-tls-only", bucket=bucket.id, policy=bucket.arn.apply(tls_only_policy), opts=on_bucket
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-lifecycle",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-artifacts",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(
                        days=settings.artifacts.expiration_days
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=1
                    ),
                )
            ],
            opts=on_bucket,
        )
        role = ctx.service_account_role(
            f"{name}-access",
            self,
            namespace=workflow_namespaces[0],
            service_account=service_account,
            also_in_namespaces=workflow_namespaces[1:],
            policy=bucket.arn.apply(bucket_access_policy),
            description=f"Argo workflow artifacts in {prefix.rstrip('-')}",
        )
        self.bucket_name = bucket.bucket
        self.role_arn = role.role_arn
        self.register_outputs({"bucket_name": self.bucket_name, "role_arn": self.role_arn})
