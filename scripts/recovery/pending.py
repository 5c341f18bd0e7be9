"""Pending operations of an interrupted run, what each becomes, and the state edit that applies it.

An interrupted `pulumi up` or `destroy` leaves `pending_operations` in the state: operations the
engine started and never saw finish. Each is resolved into one of:

- import: the resource goes into the state with its ID, then a targeted `pulumi refresh` reads it
  from the provider (one that turns out not to exist is dropped by that same refresh);
- clear: the pending create is dropped (nothing was made, or what was made is gone);
- refresh: a pending update or delete is dropped and its resource, still in the state, refreshed;
- keep: reported, with what to check (recovery cannot decide it safely); then recovery changes
  nothing at all (`pulumi stack import` drops every pending operation, kept ones included).

`pulumi refresh --import-pending-creates URN ID` was built for the first case, but the engine of
CLI 3.274.1 drops the operations it marks for import without importing them (its journal carries
only `creating` operations forward), so recovery edits the exported state itself and lets the
refresh do the reading.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

CREATES = ("creating", "importing")


@dataclass(frozen=True)
class Pending:
    """One pending operation of the state."""

    operation: str
    resource: dict[str, Any]

    @property
    def urn(self) -> str:
        return str(self.resource["urn"])

    @property
    def type(self) -> str:
        return str(self.resource.get("type", ""))

    @property
    def inputs(self) -> dict[str, Any]:
        return self.resource.get("inputs") or {}

    @property
    def is_create(self) -> bool:
        return self.operation in CREATES

    @property
    def provider_urn(self) -> str | None:
        """The URN of the provider resource that ran the operation (the state stores `<urn>::<id>`)."""
        reference = self.resource.get("provider")
        return reference.rsplit("::", 1)[0] if reference else None

    @property
    def name(self) -> str:
        return self.urn.rsplit("::", 1)[-1]


def pending_operations(document: dict[str, Any]) -> list[Pending]:
    """The pending operations of a `pulumi stack export` document."""
    operations = (document.get("deployment") or {}).get("pending_operations") or []
    return [Pending(str(op.get("type", "")), op["resource"]) for op in operations]


def resources(document: dict[str, Any]) -> list[dict[str, Any]]:
    return list((document.get("deployment") or {}).get("resources") or [])


def kubernetes_id(inputs: dict[str, Any]) -> str | None:
    """The Kubernetes provider's ID of an object: `<namespace>/<name>`, or `<name>` cluster-wide."""
    metadata = inputs.get("metadata") or {}
    name = metadata.get("name")
    if not isinstance(name, str) or not name:
        return None
    namespace = metadata.get("namespace")
    return f"{namespace}/{name}" if isinstance(namespace, str) and namespace else name


@dataclass(frozen=True)
class Decision:
    """What recovery does with one pending operation, and why."""

    pending: Pending
    state: str  # import, clear, refresh or keep
    why: str
    id: str | None = None
    helm: tuple[str, ...] = ()  # the Helm command run first (uninstall, rollback), if any
    finder: str | None = None  # for keep: the command that finds the resource

    def line(self) -> str:
        target = f" as {self.id}" if self.id else ""
        return f"{self.state:<8}{self.pending.operation:<9}{self.pending.name}{target}: {self.why}"


def refresh_targets(decisions: Iterable[Decision]) -> list[str]:
    """The URNs the targeted refresh reads: every import and every pending update or delete."""
    return [d.pending.urn for d in decisions if d.state in ("import", "refresh")]


def edited(document: dict[str, Any], decisions: Iterable[Decision]) -> dict[str, Any]:
    """The export with each decision applied: imports appended to the resources with their ID (after
    everything they could depend on: nothing already in the state depends on a resource whose
    create never finished), resolved operations removed, kept ones left pending."""
    out = copy.deepcopy(document)
    deployment = out.setdefault("deployment", {})
    chosen = {d.pending.urn: d for d in decisions}
    imports = []
    for decision in chosen.values():
        if decision.state == "import":
            resource = copy.deepcopy(decision.pending.resource)
            resource["id"] = decision.id
            resource.setdefault("outputs", copy.deepcopy(resource.get("inputs") or {}))
            imports.append(resource)
    deployment["resources"] = [*(deployment.get("resources") or []), *imports]
    deployment["pending_operations"] = [
        op
        for op in deployment.get("pending_operations") or []
        if (decision := chosen.get(op["resource"]["urn"])) is None or decision.state == "keep"
    ]
    return out


def deleting(document: dict[str, Any], urns: Iterable[str]) -> list[str]:
    """Of `urns`, the Kubernetes objects the last refresh saw being deleted (a deletionTimestamp:
    a namespace still terminating). Recovery waits for them to go before `up` may recreate them."""
    wanted = set(urns)
    return [
        r["urn"]
        for r in resources(document)
        if r["urn"] in wanted and ((r.get("outputs") or {}).get("metadata") or {}).get("deletionTimestamp")
    ]
