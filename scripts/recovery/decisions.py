"""What each pending operation (or release Helm left in progress) becomes: the rules of
scripts/recovery/helm.py, pending.py and aws.py applied to what the cluster and the state say."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from scripts.destroy import RefusedError
from scripts.recovery import aws, helm
from scripts.recovery.cli import Cli
from scripts.recovery.pending import Decision, Pending, kubernetes_id, resources

HELM_READERS = 4  # release histories read at once
SECRET_SIG = "4dabf18193072939515e22adb298388d"  # marks a secret value in an exported state
STUCK = "stuck"  # not a pending operation: a release in the state that Helm left in progress
NO_PROVIDER = "its Kubernetes provider never got into the state: nothing was made"


class ClusterAccess:
    """Helm's access to a Kubernetes provider's cluster: its context, and its kubeconfig when the
    provider was given one (a secret: read with --show-secrets, written 0600, deleted after)."""

    def __init__(self, cli: Cli, document: dict[str, Any], tmp: Path):
        self.cli = cli
        self.by_urn = {r["urn"]: r for r in resources(document)}
        self.tmp = tmp
        self.secrets: dict[str, Any] | None = None
        self.flags: dict[str, list[str]] = {}

    def helm_flags(self, provider_urn: str | None) -> list[str] | None:
        """--kube-context / --kubeconfig for the provider; None when it is not in the state."""
        if provider_urn is None or provider_urn not in self.by_urn:
            return None
        if provider_urn not in self.flags:
            inputs = self.by_urn[provider_urn].get("inputs") or {}
            flags = ["--kube-context", inputs["context"]] if isinstance(inputs.get("context"), str) else []
            kubeconfig = inputs.get("kubeconfig")
            if isinstance(kubeconfig, dict) and SECRET_SIG in kubeconfig:
                kubeconfig = self._plaintext(provider_urn)
            if isinstance(kubeconfig, str) and kubeconfig:
                flags += ["--kubeconfig", self._kubeconfig_file(kubeconfig)]
            self.flags[provider_urn] = flags
        return self.flags[provider_urn]

    def _plaintext(self, provider_urn: str) -> str:
        if self.secrets is None:
            self.secrets = {r["urn"]: r for r in resources(self.cli.export(show_secrets=True))}
        value = (self.secrets[provider_urn].get("inputs") or {}).get("kubeconfig")
        if isinstance(value, dict):
            value = json.loads(value.get("plaintext", '""'))
        return value if isinstance(value, str) else ""

    def _kubeconfig_file(self, kubeconfig: str) -> str:
        if "\n" not in kubeconfig and not kubeconfig.lstrip().startswith("{"):
            return kubeconfig  # a path
        path = self.tmp / f"kubeconfig-{len(self.flags)}"
        path.touch(mode=0o600)
        path.write_text(kubeconfig)
        return str(path)


def helm_command(cli: Cli, flags: list[str], *args: str) -> list[str]:
    return [cli.helm_binary, *args, *flags]


class ReleaseReadError(Exception):
    """Helm could not read a release's history (the cluster unreachable, say)."""


def release_history(cli: Cli, flags: list[str], namespace: str, name: str) -> list[helm.Revision] | None:
    """The release's revisions, oldest first; None when Helm has no such release."""
    command = helm_command(cli, flags, "history", name, "--namespace", namespace, "--max", "20", "--output", "json")
    result = cli.runner(command, True)
    if result.returncode == 0:
        return helm.parse_history(result.stdout)
    if "not found" in (result.stderr or ""):
        return None
    raise ReleaseReadError(f"{namespace}/{name}: {(result.stderr or '').strip()}")


def release_decision(cli: Cli, pending: Pending, flags: list[str], history: list[helm.Revision] | None) -> Decision:
    """The Helm rule (scripts/recovery/helm.py) for a release whose history is read."""
    namespace, name = helm.release_id(pending.resource)
    data = False
    if history and history[-1].status not in helm.SETTLED:
        revision = str(history[-1].number)
        manifest = cli.query(
            helm_command(cli, flags, "get", "manifest", name, "--namespace", namespace, "--revision", revision)
        )
        data = helm.owns_data(manifest)
    rule = helm.rule(history, pending.operation, data)
    steps: tuple[str, ...] = ()
    if rule.helm == "uninstall":
        steps = tuple(
            helm_command(cli, flags, "uninstall", name, "--namespace", namespace, "--wait", "--timeout", "5m")
        )
    elif rule.helm == "rollback":
        steps = tuple(helm_command(cli, flags, "rollback", name, str(rule.revision), "--namespace", namespace))
    finder = None
    if rule.state == "keep":
        finder = (
            f"{cli.helm_binary} history {name} -n {namespace}; {cli.helm_binary} get manifest {name} -n {namespace}  "
            "# save the data, then uninstall it or roll it back by hand, and re-run"
        )
    return Decision(
        pending, rule.state, rule.why, f"{namespace}/{name}" if rule.state == "import" else None, steps, finder
    )


def decide_release(cli: Cli, pending: Pending, access: ClusterAccess) -> Decision:
    """A release with a pending operation: what its history in the cluster says (refuses when it
    cannot be read: recovery would be guessing)."""
    flags = access.helm_flags(pending.provider_urn)
    if flags is None:
        return Decision(pending, "clear" if pending.is_create else "refresh", NO_PROVIDER)
    namespace, name = helm.release_id(pending.resource)
    try:
        history = release_history(cli, flags, namespace, name)
    except ReleaseReadError as unreadable:
        raise RefusedError(f"Cannot read release {unreadable}") from None
    return release_decision(cli, pending, flags, history)


def stuck_release(cli: Cli, pending: Pending, access: ClusterAccess) -> Decision | None:
    """A release in the state with no pending operation, if Helm left it in progress or failed (a
    run that failed mid-upgrade, its atomic rollback unable to reach the cluster). None when Helm
    has nothing in progress, or when the cluster cannot be reached (reported, not fatal)."""
    flags = access.helm_flags(pending.provider_urn)
    if flags is None:
        return None
    namespace, name = helm.release_id(pending.resource)
    try:
        history = release_history(cli, flags, namespace, name)
    except ReleaseReadError as unreadable:
        cli.out(f"not checked: release {str(unreadable)[:250]}")
        return None
    if not history or history[-1].status in helm.SETTLED:
        return None
    return release_decision(cli, pending, flags, history)


def stuck_releases(
    cli: Cli, document: dict[str, Any], access: ClusterAccess, operations: list[Pending]
) -> list[Decision]:
    """Releases the state holds without a pending operation whose Helm record is in progress or
    failed: Helm would refuse the next upgrade ("another operation is in progress"). Their
    histories are read side by side (each `helm` call starts a client: about half a second)."""
    busy = {p.urn for p in operations}
    candidates = [
        Pending(STUCK, r)
        for r in resources(document)
        if r.get("type") == helm.RELEASE_TYPE and not r.get("delete") and r["urn"] not in busy
    ]
    for provider_urn in {c.provider_urn for c in candidates}:
        access.helm_flags(provider_urn)  # resolved once, before the threads share the cache
    with ThreadPoolExecutor(max_workers=HELM_READERS) as pool:
        decisions = list(pool.map(lambda pending: stuck_release(cli, pending, access), candidates))
    return [d for d in decisions if d is not None]


def decide(cli: Cli, pending: Pending, access: ClusterAccess, region: str | None) -> Decision:
    """The decision for one pending operation (module docstrings of scripts/recovery say the rules)."""
    urn = pending.urn
    if urn in cli.options.imports:
        return Decision(pending, "import", "--import", cli.options.imports[urn])
    if urn in cli.options.clears:
        return Decision(pending, "clear", "--clear")
    if not pending.is_create:
        if pending.type == helm.RELEASE_TYPE:
            return decide_release(cli, pending, access)
        return Decision(pending, "refresh", "read it again: the provider says whether the operation finished")
    if pending.operation == "reading" or pending.type.startswith("pulumi:providers:"):
        return Decision(pending, "clear", "nothing outside the state was made")
    if pending.type == helm.RELEASE_TYPE:
        return decide_release(cli, pending, access)
    if pending.type.startswith("kubernetes:"):
        object_id = kubernetes_id(pending.inputs)
        if object_id is None:
            return Decision(
                pending, "keep", "no name in its inputs", finder=f"pulumi stack export --stack {cli.options.stack}"
            )
        if pending.provider_urn not in access.by_urn:
            return Decision(pending, "clear", NO_PROVIDER)
        return Decision(pending, "import", "read by name: kept if it exists, dropped if not", object_id)
    if pending.type.startswith("aws:"):
        resource_id = aws.deterministic_id(pending.type, pending.inputs)
        if resource_id is not None:
            return Decision(pending, "import", "its ID is its name: kept if it exists, dropped if not", resource_id)
        finder = aws.finder(pending.type, pending.inputs, cli.options.stack, region)
        return Decision(
            pending, "keep", "AWS assigns its ID: find it, then --import URN=ID (or --clear URN)", finder=finder
        )
    return Decision(pending, "keep", "no rule for this type: find it, then --import URN=ID (or --clear URN)")
