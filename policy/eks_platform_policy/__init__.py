"""eks-platform's CrossGuard policies, importable without starting a policy pack.

`policy/__main__.py` builds the pack from `build_policies(context)`; the tests and the offline
checker (`policy/offline_check.py`) call the same function, so what is tested is what runs.
"""

from __future__ import annotations

from pulumi_policy import Policy

from . import database, eks
from .argo import argo_pinned_policy
from .context import StackContext
from .exposure import load_balancer_source_ranges_policy, s3_buckets_policy
from .protection import prod_protected_policy
from .secrets import no_plaintext_secrets_policy

PACK_NAME = "eks-platform"

__all__ = ["PACK_NAME", "StackContext", "build_policies"]


def build_policies(context: StackContext) -> list[Policy]:
    """Every policy of the pack, for the stack described by `context`."""
    return [
        *eks.policies(),
        argo_pinned_policy(context),
        no_plaintext_secrets_policy(),
        prod_protected_policy(context),
        s3_buckets_policy(),
        load_balancer_source_ranges_policy(),
        *database.policies(context),
    ]
