"""The app's database (Amazon RDS): never public, always encrypted, and in prod never deleted by accident."""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from .context import StackContext

RDS_INSTANCE = "aws:rds/instance:Instance"


def validate_not_public(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """An RDS instance has no public address."""
    if args.resource_type == RDS_INSTANCE and args.props.get("publiclyAccessible"):
        report("publiclyAccessible is true: the database gets a public address (keep it in the private subnets).")


def validate_encrypted(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """An RDS instance's storage (and so its snapshots) is encrypted."""
    if args.resource_type == RDS_INSTANCE and not args.props.get("storageEncrypted"):
        report("storageEncrypted is not true: the data, its backups and snapshots would be stored in the clear.")


def policies(context: StackContext) -> list[ResourceValidationPolicy]:
    """The three database policies; deletion protection is built per stack (prod only)."""

    def validate_deletion_protection(args: ResourceValidationArgs, report: ReportViolation) -> None:
        """A prod RDS instance has deletion protection and protect (a destroy stops before it)."""
        if args.resource_type != RDS_INSTANCE:
            return
        if not context.is_prod:
            args.not_applicable("only prod keeps its database from deletion")
        if not args.props.get("deletionProtection"):
            report("This prod database has no deletionProtection: one API call would delete it.")
        if not args.opts.protect:
            report("This prod database is not protected (resource option protect=True).")

    return [
        ResourceValidationPolicy(
            name="rds-not-public",
            description="No RDS instance is publicly accessible.",
            validate=validate_not_public,
            severity=Severity.CRITICAL,
            remediation_steps="publicly_accessible=False (components/database.py sets it).",
        ),
        ResourceValidationPolicy(
            name="rds-encrypted",
            description="RDS storage is encrypted with KMS.",
            validate=validate_encrypted,
            severity=Severity.HIGH,
            remediation_steps="storage_encrypted=True with a KMS key (components/database.py sets both).",
        ),
        ResourceValidationPolicy(
            name="rds-deletion-protected-in-prod",
            description="In prod, the RDS instance has deletion protection and protect=True.",
            validate=validate_deletion_protection,
            severity=Severity.CRITICAL,
            remediation_steps="environment: prod turns both on (components/database.py).",
        ),
    ]
