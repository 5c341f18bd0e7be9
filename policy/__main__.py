"""The eks-platform policy pack: `pulumi preview --policy-pack policy`.

The CLI runs this file with the stack it is working on in the environment (PULUMI_STACK,
PULUMI_CONFIG). Every policy gets one enforcement level chosen from that stack: mandatory in
prod (and for a stack the pack cannot identify), advisory in dev and local. See
eks_platform_policy/context.py and docs/operations.md ("Policy pack").
"""

from __future__ import annotations

import os
import sys

from eks_platform_policy import PACK_NAME, StackContext, build_policies
from pulumi_policy import PolicyPack

context = StackContext.from_environ(os.environ)
# stderr: the CLI reads the pack's gRPC port from stdout.
print(f"{PACK_NAME} policy pack: {context.describe()}", file=sys.stderr)

PolicyPack(
    name=PACK_NAME,
    policies=build_policies(context),
    enforcement_level=context.enforcement_level,
    description="EKS, Argo Workflows, secrets and exposure rules of eks-platform.",
)
