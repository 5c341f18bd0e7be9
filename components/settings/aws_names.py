"""AWS's naming rules for the names the program derives from `clusterName` and the stack name.

`clusterName` itself admits `[a-zA-Z][-a-zA-Z0-9]{0,99}` (EKS's rule), but names derived from it
have stricter rules of their own, which AWS would otherwise only enforce at apply time, halfway
through an `up`. Each check here cites the rule it emulates.
"""

from __future__ import annotations

import re

from components.settings.base import SettingError

# Pulumi auto-names a resource `<logical name>-<7 random characters>` unless it is given a name.
AUTONAME_SUFFIX = 8
# IAM: "Maximum 64 characters" for a role name (IAM User Guide, IAM object quotas; CreateRole RoleName).
IAM_ROLE_NAME_MAX = 64
# The IAM roles the program auto-names, as `<stack><suffix>` (tests check this list against every
# role a committed stack declares, so it cannot go stale).
IAM_ROLE_SUFFIXES = (
    "-node-role",
    "-lbc-irsa-role",
    "-cluster-autoscaler-irsa-role",
    "-argo-artifacts-access-role",
    "-argo-rollouts-irsa-role",
    "-ebs-csi-driver-irsa-role",
)
# S3: bucket names are 3-63 lowercase letters, digits, dots and hyphens, beginning and ending with
# a letter or digit (S3 User Guide, "General purpose bucket naming rules"). A `bucket_prefix` is
# "lowercase and less than or equal to 37 characters" (pulumi-aws s3.Bucket, bucketPrefix):
# the provider appends a 26-character unique suffix.
BUCKET_PREFIX_MAX = 37
_BUCKET_PREFIX = re.compile(r"^[a-z0-9][a-z0-9.-]*$")
# ECR: "(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*", 2-256 characters
# (ECR API Reference, CreateRepository, repositoryName).
_ECR_REPOSITORY = re.compile(r"^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*/)*[a-z0-9]+(?:[._-][a-z0-9]+)*$")
ECR_REPOSITORY_MAX = 256


# RDS: a DB instance identifier is 1-63 letters, digits or hyphens, begins with a letter, and has
# no two consecutive hyphens nor a trailing one (RDS User Guide, "Naming constraints in Amazon RDS").
_RDS_IDENTIFIER = re.compile(r"^[a-zA-Z](?!.*--)[a-zA-Z0-9-]{0,62}(?<!-)$")


def database_identifier(cluster_name: str) -> str:
    """The RDS instance of the stack (components/database.py); its final snapshot adds `-final`."""
    return f"{cluster_name}-django"


def artifact_bucket_prefix(cluster_name: str) -> str:
    """The prefix of the Argo artifact bucket (components/artifact_bucket.py)."""
    return f"{cluster_name}-argo-artifacts-"


def ecr_repository_name(cluster_name: str) -> str:
    """The stack's ECR repository of the Django image (components/django_app.py)."""
    return f"{cluster_name}/django"


def check_cluster_derived_names(
    cluster_name: str, *, artifact_bucket: bool, ecr_repository: bool, database: bool = False, defaulted: bool = False
) -> None:
    """Refuse a cluster name whose derived S3 or ECR names AWS would reject.

    `defaulted`: the stack sets no clusterName (it is eks-platform-<stack>); the error says so.
    """
    hint = " (the default eks-platform-<stack>: set clusterName)" if defaulted else ""
    if artifact_bucket:
        prefix = artifact_bucket_prefix(cluster_name)
        if len(prefix) > BUCKET_PREFIX_MAX or not _BUCKET_PREFIX.match(prefix):
            raise SettingError(
                "clusterName",
                cluster_name,
                f"lowercase letters, digits and hyphens, at most {BUCKET_PREFIX_MAX - len(artifact_bucket_prefix(''))} "
                f"characters: the Argo artifact bucket prefix {prefix!r} must be lowercase and at most "
                f"{BUCKET_PREFIX_MAX} characters (S3 bucket naming rules){hint}",
            )
    if database and not _RDS_IDENTIFIER.match(database_identifier(cluster_name)):
        raise SettingError(
            "clusterName",
            cluster_name,
            f"at most {63 - len(database_identifier(''))} characters without consecutive hyphens: the RDS instance "
            f"identifier {database_identifier(cluster_name)!r} must be 1-63 letters, digits and single hyphens{hint}",
        )
    if ecr_repository:
        repository = ecr_repository_name(cluster_name)
        if len(repository) > ECR_REPOSITORY_MAX or not _ECR_REPOSITORY.match(repository):
            raise SettingError(
                "clusterName",
                cluster_name,
                f"lowercase letters and digits separated by single hyphens: the ECR repository {repository!r} "
                f"must match ECR's repositoryName pattern [a-z0-9]+([._-][a-z0-9]+)*{hint}",
            )


def check_stack_name(stack: str) -> None:
    """Refuse a stack name that makes an auto-named IAM role longer than IAM allows."""
    longest = max(IAM_ROLE_SUFFIXES, key=len)
    allowed = IAM_ROLE_NAME_MAX - AUTONAME_SUFFIX - len(longest)
    if len(stack) > allowed:
        raise SettingError(
            "stack",
            stack,
            f"a stack name of at most {allowed} characters on an AWS stack: the IAM role {stack}{longest} gets an "
            f"{AUTONAME_SUFFIX}-character suffix and IAM role names are at most {IAM_ROLE_NAME_MAX} characters",
        )
