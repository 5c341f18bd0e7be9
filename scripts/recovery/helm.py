"""The rule for a Helm release an interrupted run left behind, from its history in the cluster.

Helm records every revision in a Secret (`sh.helm.release.v1.<name>.v<revision>`) with a status.
A run killed mid-operation leaves its revision in a pending status, and Helm then refuses any
further install or upgrade of that name ("another operation is in progress", or "cannot re-use a
name that is still in use"). The rule, by the last revision's status:

| last revision | pending create | pending update or delete |
|---|---|---|
| none (not found) | clear: the next `up` installs it | refresh: the state forgets it |
| `deployed` | import `<namespace>/<name>` | refresh |
| `pending-install`, or `failed` with nothing deployed before | uninstall, then clear (the next `up` installs it) | same |
| `pending-upgrade`, `pending-rollback`, `failed` after a deployed revision | roll back to the last good revision, then import | roll back, then refresh |
| `uninstalling` | finish the uninstall, then clear | finish it, then refresh |
| `superseded` (only older revisions) or `uninstalled` | as not found | as not found |

The same rule applies to a release in the state with no pending operation whose last revision is
in progress or failed: a run that failed (not killed) mid-upgrade, its atomic rollback unable to
reach the API server, leaves one (found by restarting the API server during an `up` in `make e2e`).

Nothing that owns data is ever uninstalled: a release whose manifest has a PersistentVolumeClaim
or a StatefulSet with volumeClaimTemplates is kept, left pending in the state and reported, with
the commands to finish by hand once the data is safe. A rollback deletes nothing that held data in
the good revision. An uninstall waits until its objects are gone (the next install would collide
with them); a rollback does not wait for its pods (the next `up` waits for the release anyway).
Helm leaves the interrupted revision's own record as it was (`pending-upgrade`) below the
rollback's: only the newest revision counts for its next operation.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from scripts.recovery.pending import CREATES

RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
GOOD = ("deployed", "superseded")
SETTLED = ("deployed", "superseded", "uninstalled")  # nothing in progress
PENDING = ("pending-install", "pending-upgrade", "pending-rollback")


@dataclass(frozen=True)
class Revision:
    number: int
    status: str


def parse_history(text: str) -> list[Revision]:
    """`helm history <name> -o json`, oldest first."""
    return sorted(
        (Revision(int(entry["revision"]), str(entry["status"])) for entry in json.loads(text or "[]")),
        key=lambda revision: revision.number,
    )


def last_good(history: Sequence[Revision]) -> Revision | None:
    """The revision to roll back to: the newest deployed one, else the newest superseded one."""
    for wanted in GOOD:
        candidates = [r for r in history if r.status == wanted]
        if candidates:
            return candidates[-1]
    return None


def owns_data(manifest: str) -> bool:
    """Does a rendered release create volumes that hold data?"""
    for document in yaml.safe_load_all(manifest or ""):
        if not isinstance(document, dict):
            continue
        if document.get("kind") == "PersistentVolumeClaim":
            return True
        if document.get("kind") == "StatefulSet" and (document.get("spec") or {}).get("volumeClaimTemplates"):
            return True
    return False


@dataclass(frozen=True)
class ReleaseRule:
    """What to do with one release: `helm` is the Helm action (None, uninstall, rollback)."""

    helm: str | None
    state: str  # import, clear, refresh or keep
    why: str
    revision: int | None = None


def rule(history: Sequence[Revision] | None, operation: str, data: bool) -> ReleaseRule:
    """The rule of this module's table. `history` None: the release does not exist."""
    create = operation in CREATES
    absent = "clear" if create else "refresh"
    if not history or history[-1].status in ("superseded", "uninstalled"):
        return ReleaseRule(None, absent, "the release does not exist")
    status = history[-1].status
    if status == "deployed":
        if create:
            return ReleaseRule(None, "import", "the release is deployed: the create finished")
        return ReleaseRule(None, "refresh", f"the release is deployed at revision {history[-1].number}")
    good = last_good(history[:-1])
    if status in PENDING or status == "failed":
        if good is not None:
            after = "import" if create else "refresh"
            why = f"revision {history[-1].number} is {status}: rolled back to {good.number}"
            return ReleaseRule("rollback", after, why, good.number)
        if data:
            return ReleaseRule(None, "keep", f"{status} and it owns PersistentVolumeClaims: not uninstalled")
        return ReleaseRule(
            "uninstall", absent, f"{status} with no earlier good revision: uninstalled, the next up installs it"
        )
    if status == "uninstalling":
        if data:
            return ReleaseRule(None, "keep", "uninstalling and it owns PersistentVolumeClaims: not uninstalled")
        return ReleaseRule("uninstall", absent, "its uninstall was interrupted: finished")
    return ReleaseRule(None, "keep", f"unknown Helm status {status!r}")


def release_id(resource: dict[str, Any]) -> tuple[str, str]:
    """(namespace, name) of a Release from its inputs (the provider's ID is `<namespace>/<name>`)."""
    inputs = resource.get("inputs") or {}
    return str(inputs.get("namespace") or "default"), str(inputs.get("name") or "")
