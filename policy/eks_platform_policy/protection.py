"""Prod keeps what cannot be recreated: the cluster, the VPC and the Secrets KMS key are protected.

`protect` makes `pulumi destroy` (and any replacement) stop at these resources until someone
runs `pulumi state unprotect` on purpose. The policy only applies to prod; dev is meant to be
torn down freely and reports nothing.
"""

from __future__ import annotations

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from .context import StackContext

PROTECTED_IN_PROD = {
    "eks:index:Cluster": "EKS cluster",
    "aws:eks/cluster:Cluster": "EKS cluster",
    "aws:ec2/vpc:Vpc": "VPC",
    "aws:kms/key:Key": "KMS key",
}


def prod_protected_policy(context: StackContext) -> ResourceValidationPolicy:
    """Built per stack: not applicable outside prod."""

    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        """Report a prod cluster, VPC or KMS key without protect."""
        what = PROTECTED_IN_PROD.get(args.resource_type)
        if what is None:
            return
        if not context.is_prod:
            args.not_applicable("only prod protects its cluster, VPC and KMS key")
        if not args.opts.protect:
            report(f"This prod {what} is not protected (resource option protect=True).")

    return ResourceValidationPolicy(
        name="prod-resources-protected",
        description="In prod, the EKS cluster, the VPC and the KMS key have protect=True.",
        validate=validate,
        severity=Severity.CRITICAL,
        remediation_steps="environment: prod sets protect on these resources; check the stack's environment key.",
    )
