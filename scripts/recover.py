#!/usr/bin/env python3
"""Recover a stack after an interrupted `pulumi up` or `destroy`: `make recover STACK=dev`.

    python -m scripts.recover STACK [--yes] [--dry-run] [--cwd DIR] [--holder-gone HOST:PID|cloud]
                                    [--import URN=ID ...] [--clear URN ...]

A killed run leaves the stack locked, operations pending in the state, and in the cluster what
the provider had done by then (Helm releases deployed, or stuck `pending-install`). A plain
`pulumi up` then fails ("cannot re-use a name that is still in use"). This script, in order
(docs/operations.md, "Recover an interrupted run"):

1. makes sure no run is active: the lock's holder is gone (checked by pid on this machine; named
   with `--holder-gone` when it ran elsewhere) and no Pulumi process works in the project. It
   refuses when it cannot tell;
2. reads the state (first moving aside, on a file backend, the metadata sidecar a kill during a
   state write can leave empty: scripts/recovery/checkpoint.py), reads the pending operations, and decides each from what really exists (scripts/recovery/):
   Helm releases by their history in the cluster, Kubernetes objects and AWS resources whose ID
   is a name by reading them, the rest reported with the command that finds them;
3. prints exactly what it will do and asks for the stack's name (not with `--yes`; on prod,
   deleting anything is confirmed by typing even with `--yes`);
4. releases the lock (`pulumi cancel`), runs the Helm rollbacks and uninstalls, writes the state
   with the imports in and the resolved operations out (`pulumi stack import`), and refreshes
   exactly those resources (`pulumi refresh --target`);
5. checks the state: no lock, nothing pending. Then `pulumi up` converges.

All or nothing: when any operation needs a human (an AWS resource whose ID AWS assigns, a stuck
release that owns data), it prints the plan and changes nothing, since `pulumi stack import` drops
every pending operation and the others would be lost with the edit.

Exit codes: 0 recovered (or nothing to do), 1 something left for a human (reported), 2 refused,
3 Pulumi CLI missing, else the failing command's.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import yaml

from scripts.destroy import ROOT, RefusedError, Runner, Step, is_prod, stack_config, subprocess_runner
from scripts.recovery import checkpoint, locks
from scripts.recovery.cli import Cli, Options
from scripts.recovery.decisions import ClusterAccess, decide, stuck_releases
from scripts.recovery.pending import (
    Decision,
    deleting,
    edited,
    pending_operations,
    refresh_targets,
    resources,
)

SETTLE_ATTEMPTS = 60  # a namespace being deleted: refreshed every SETTLE_INTERVAL_S until gone
SETTLE_INTERVAL_S = 5.0


def parse_args(argv: Sequence[str]) -> Options:
    parser = argparse.ArgumentParser(description="Recover an eks-platform stack after an interrupted run.")
    parser.add_argument("stack", help="dev, prod, local, ...")
    parser.add_argument("--yes", action="store_true", help="do not ask (CI); prod still asks before deleting")
    parser.add_argument("--dry-run", action="store_true", help="print the plan; run only read-only commands")
    parser.add_argument("--cwd", type=Path, default=ROOT, help="the project directory (default: this checkout)")
    parser.add_argument("--holder-gone", help="HOST:PID of a lock held on another machine, once it is gone; or cloud")
    parser.add_argument("--import", dest="imports", action="append", default=[], metavar="URN=ID")
    parser.add_argument("--clear", dest="clears", action="append", default=[], metavar="URN")
    args = parser.parse_args(argv)
    imports = {}
    for pair in args.imports:
        urn, sep, resource_id = pair.rpartition("=")
        if not sep or not urn.startswith("urn:pulumi:") or not resource_id:
            parser.error(f"--import {pair!r}: expected URN=ID, the URN as `pulumi stack export` shows it")
        imports[urn] = resource_id
    return Options(
        args.stack, args.yes, args.dry_run, args.cwd.resolve(), args.holder_gone, imports, tuple(args.clears)
    )


# ---- locks -----------------------------------------------------------------------------------------


def project_name(root: Path) -> str:
    return str((yaml.safe_load((root / "Pulumi.yaml").read_text()) or {}).get("name", ""))


def stack_locks(cli: Cli, url: str, project: str) -> list[locks.Lock]:
    """The stack's lock objects in the backend (Pulumi Cloud: one placeholder, its holder unknown)."""
    kind = locks.backend_kind(url)
    stack = cli.options.stack
    if kind == "file":
        return locks.file_locks(url, project, stack)
    if kind == "s3":
        listing = cli.runner(["aws", "s3", "ls", "--recursive", locks.s3_locks_prefix(url)], True)
        keys = locks.s3_lock_keys(listing.stdout if listing.returncode == 0 else "", url, project, stack)
        return [locks.parse_lock(key, cli.query(["aws", "s3", "cp", key, "-"])) for key in keys]
    return [locks.Lock("Pulumi Cloud", None, "cloud")]


def check_no_run_is_active(cli: Cli, found: list[locks.Lock], hostname: str, proc: Path) -> bool:
    """Refuses unless every lock's holder is known to be gone; True when there is a lock to release."""
    cloud = [lock for lock in found if lock.hostname == "cloud"]
    problems = []
    if cloud and cli.options.holder_gone != "cloud":
        problems.append(
            "Pulumi Cloud does not tell who holds the stack's update: make sure no run is active "
            "(the CI job cancelled, no `pulumi up` open anywhere), then re-run with --holder-gone cloud"
        )
    others = [lock for lock in found if lock.hostname != "cloud"]
    verdict = locks.judge(
        others, cli.options.holder_gone, hostname=hostname, alive=lambda pid: locks.pid_is_pulumi(pid, proc)
    )
    problems += verdict.problems
    for pid, command in locks.pulumi_processes_in(cli.options.cwd, proc):
        problems.append(
            f"a Pulumi process still works in {cli.options.cwd}: pid {pid} ({command}); wait for it or stop it"
        )
    if problems:
        raise RefusedError("Not recovering: a run may still be active.\n" + "\n".join(f"  - {p}" for p in problems))
    return bool(found)


# ---- doing ---------------------------------------------------------------------------------------


@contextmanager
def private_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="recover-") as tmp:
        os.chmod(tmp, 0o700)
        yield Path(tmp)


def plan(cli: Cli, release_lock: bool, decisions: list[Decision], state_file: Path) -> list[Step]:
    """The mutating commands, in order."""
    steps = []
    if release_lock:
        steps.append(Step(cli.pulumi("cancel", "--yes"), "release the lock the interrupted run left"))
    for decision in decisions:
        if decision.helm:
            steps.append(Step(list(decision.helm), f"{decision.pending.name}: {decision.why}"))
    if any(d.state != "keep" for d in decisions):
        steps.append(
            Step(
                cli.pulumi("stack", "import", "--file", str(state_file)),
                "the state, with imports in and resolved operations out",
            )
        )
    targets = refresh_targets(decisions)
    if targets:
        steps.append(Step(cli.refresh(targets), "read what was imported or left pending from the cluster and AWS"))
    return steps


def repair_checkpoint(
    options: Options, root: Path, project: str, ask: Callable[[str], str], out: Callable[[str], None]
) -> bool:
    """Move aside a checkpoint sidecar a kill left broken (scripts/recovery/checkpoint.py); False
    when that is all a dry run can say (the state cannot be read until then)."""
    broken = checkpoint.broken_sidecars(root, project, options.stack)
    for sidecar, state in broken:
        out(
            f"the state file's metadata sidecar {sidecar} does not parse (a kill during a state write); "
            f"the state file {state} ({state.stat().st_size} bytes) does: the sidecar is moved aside"
        )
    if not broken:
        return True
    if options.dry_run:
        out("(dry run: nothing moved; the state cannot be read before that)")
        return False
    if not options.yes and _answer(ask, f"Type the stack name ({options.stack}) to move it aside: ") != options.stack:
        raise RefusedError("Not confirmed; nothing was changed.")
    for sidecar, _ in broken:
        out(f"moved aside: {checkpoint.move_aside(sidecar)}")
    return True


def _answer(ask: Callable[[str], str], prompt: str) -> str:
    try:
        return ask(prompt).strip()
    except EOFError:
        return ""


def confirm(options: Options, prod: bool, steps: list[Step], ask: Callable[[str], str]) -> None:
    deletes = [s for s in steps if "uninstall" in s.command]
    if options.yes and not (prod and deletes):
        return
    prompt = f"Type the stack name ({options.stack}) to recover it: "
    if prod and deletes:
        prompt = (
            f"This deletes {len(deletes)} Helm release(s) on prod. Type the stack name ({options.stack}) to go on: "
        )
    if _answer(ask, prompt) != options.stack:
        raise RefusedError("Not confirmed; nothing was changed.")


def settle(cli: Cli, targets: list[str], sleep: Callable[[float], None]) -> dict[str, Any]:
    """Refresh objects the refresh saw being deleted until they are gone; the final state."""
    document = cli.export()
    for _ in range(SETTLE_ATTEMPTS):
        going = deleting(document, targets)
        if not going:
            return document
        cli.out(f"waiting for {len(going)} object(s) being deleted: {', '.join(u.rsplit('::', 1)[-1] for u in going)}")
        sleep(SETTLE_INTERVAL_S)
        if cli.runner(cli.refresh(going), False).returncode != 0:
            break
        document = cli.export()
    return document


def main(
    argv: Sequence[str],
    *,
    runner: Runner = subprocess_runner,
    which: Callable[[str], str | None] = shutil.which,
    ask: Callable[[str], str] = input,
    out: Callable[[str], None] = print,
    hostname: str | None = None,
    proc: Path = Path("/proc"),
    sleep: Callable[[float], None] = time.sleep,
) -> int:
    options = parse_args(argv)
    cli = Cli(options, runner, out)
    try:
        config = stack_config(options.stack, options.cwd)
        environment = config.get("eks-platform:environment")
        prod = is_prod(options.stack, environment if isinstance(environment, str) else None)
        if which("pulumi") is None:
            out("The Pulumi CLI is not on PATH (https://www.pulumi.com/docs/install/); recovery needs it.")
            return 3
        url, project = cli.backend_url(), project_name(options.cwd)
        found = stack_locks(cli, url, project)
        release_lock = check_no_run_is_active(cli, found, hostname or socket.gethostname(), proc)
        for lock in found:
            out(f"lock: {lock.describe()} at {lock.location}: its run is gone")
        if locks.backend_kind(url) == "file" and not repair_checkpoint(
            options, locks.file_backend_root(url), project, ask, out
        ):
            return 0
        document = cli.export()
        operations = pending_operations(document)
        region = config.get("aws:region")
        with private_dir() as tmp:
            access = ClusterAccess(cli, document, tmp)
            decisions = [decide(cli, pending, access, region) for pending in operations]
            decisions += stuck_releases(cli, document, access, operations)
            if not decisions and not release_lock:
                out(f"{options.stack}: no lock, no pending operation, no release stuck in Helm; nothing to recover.")
                return 0
            state_file = tmp / "state.json"
            steps = plan(cli, release_lock, decisions, state_file)
            out(
                f"{len(operations)} pending operation(s) in {options.stack}, {len(decisions) - len(operations)} release(s) stuck:"
            )
            for decision in decisions:
                out(f"  {decision.line()}")
                if decision.finder:
                    out(f"      find it: {decision.finder}")
            for step in steps:
                out(f"# {step.why}\n$ {step.shell()}")
            if options.dry_run:
                return 0
            kept = [d for d in decisions if d.state == "keep"]
            if kept:
                # All or nothing: `pulumi stack import` drops every pending operation, so applying the
                # rest would lose these from the state, and with them what --import could resolve.
                out(
                    f"Nothing changed: {len(kept)} operation(s) above need a human first (their `find it` lines). "
                    f"Resolve them, or re-run with --import URN=ID / --clear URN."
                )
                return 1
            confirm(options, prod, steps, ask)
            state_file.touch(mode=0o600)
            state_file.write_text(json.dumps(edited(document, decisions)))
            for step in steps:
                result = runner(step.command, False)
                if result.returncode != 0:
                    out(f"Failed: {step.shell()}\nNothing after it ran; re-run `make recover STACK={options.stack}`.")
                    return result.returncode
            final = settle(cli, refresh_targets(decisions), sleep)
        return report(cli, final, decisions)
    except RefusedError as refusal:
        out(str(refusal))
        return 2


def report(cli: Cli, document: dict[str, Any], decisions: list[Decision]) -> int:
    """The state after recovery, as read back: what is left pending, and whether `up` converges."""
    left = pending_operations(document)
    still_deleting = deleting(document, refresh_targets(decisions))
    stack = cli.options.stack
    if not left and not still_deleting:
        out = cli.out
        imported = [d for d in decisions if d.state == "import"]
        in_state = {r["urn"] for r in resources(document)}
        out(
            f"{len(imported)} imported ({sum(d.pending.urn in in_state for d in imported)} existed), "
            f"{sum(d.state == 'clear' for d in decisions)} cleared, {sum(d.state == 'refresh' for d in decisions)} refreshed."
        )
        out(f"{stack} is recovered: no lock, no pending operation. `pulumi up --stack {stack}` will now converge.")
        return 0
    for operation in left:
        cli.out(f"still pending: {operation.operation} {operation.urn}")
    for urn in still_deleting:
        cli.out(f"still being deleted: {urn}")
    cli.out(f"{stack} needs a human for the above; `pulumi up` will not converge until then.")
    return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
