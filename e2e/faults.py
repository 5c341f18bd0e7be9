"""Fault injection: the engine killed mid-operation, the API server restarted mid-`up`, and the
recovery an operator would then run (`make recover STACK=local --yes`).

The engine is the `pulumi` CLI the Automation API started and its plugins (the Kubernetes
provider): all are SIGKILLed at once, as a runner that dies takes them with it. The inline
program's host, this test process, survives, as a CI job's checkout would.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from e2e.local_stack import STACK, LocalStack
from e2e.paths import REPO_ROOT

ENGINE_PREFIX = "pulumi"  # pulumi, pulumi-resource-kubernetes
POLL_S = 0.1


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def _comm(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "comm").read_text().strip()
    except OSError:
        return ""


def engine_processes(root: int | None = None) -> list[tuple[int, str]]:
    """The Pulumi CLI processes under this test process, and their plugins."""
    found, queue = [], _children(root or os.getpid())
    while queue:
        pid = queue.pop()
        queue += _children(pid)
        if _comm(pid).startswith(ENGINE_PREFIX):
            found.append((pid, _comm(pid)))
    return found


@dataclass(frozen=True)
class Interrupted:
    """A run killed at its fault point."""

    seconds: float  # from its start to the kill
    killed: tuple[tuple[int, str], ...]
    error: BaseException | None

    def failed_steps(self) -> list[str]:
        """Lines of the engine's output, up to the kill, that report a failed step or an error."""
        return [line for line in str(self.error).splitlines() if "failed**" in line or " error: " in line]


def _kill(processes: list[tuple[int, str]]) -> None:
    for pid, _ in processes:
        with contextlib.suppress(ProcessLookupError):  # gone since it was listed
            os.kill(pid, signal.SIGKILL)


def kill_when(operation: Callable[[], Any], fault_point: Callable[[], bool], timeout: float = 240) -> Interrupted:
    """Run `operation` (a stack's up or destroy) and SIGKILL the engine once `fault_point()` holds.
    Fails if the operation ends before its fault point: the case would prove nothing."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            operation()
        except BaseException as error:  # the killed CLI's error is the expected outcome
            errors.append(error)

    runner = threading.Thread(target=run, daemon=True)
    began = time.monotonic()
    runner.start()
    try:
        while not fault_point():
            assert runner.is_alive(), f"the operation ended before its fault point: {errors}"
            assert time.monotonic() - began < timeout, "the fault point never came"
            time.sleep(POLL_S)
    except BaseException:
        _kill(engine_processes())  # a failed probe must not leave the run going on behind the tests
        raise
    seconds = round(time.monotonic() - began, 1)
    killed = engine_processes()
    assert killed, "no engine process to kill"
    _kill(killed)
    runner.join(60)
    assert not runner.is_alive(), "the operation did not return after its engine was killed"
    return Interrupted(seconds, tuple(killed), errors[0] if errors else None)


def recover(local_stack: LocalStack, name: str) -> subprocess.CompletedProcess:
    """`make recover STACK=local RECOVER_FLAGS="--yes --cwd <the e2e project>"`, with the stack's
    backend and passphrase, as an operator would run it; timed as `name` in the figures."""
    workspace = local_stack.stack.workspace
    env = {**os.environ, **workspace.env_vars}
    flags = f"--yes --cwd {workspace.work_dir}"
    command = ["make", "--no-print-directory", "recover", f"STACK={STACK}", f"RECOVER_FLAGS={flags}"]
    result = local_stack.timed(
        name, lambda: subprocess.run(command, cwd=REPO_ROOT, env=env, text=True, capture_output=True)
    )
    print(result.stdout, result.stderr)
    # What it decided, one "<decision> <operation> <resource>" per pending operation or stuck release.
    decisions = re.findall(r"^  (import|clear|refresh|keep) +(\w+) +(\S+?)(?: as \S+)?: ", result.stdout, re.MULTILINE)
    local_stack.figures[f"{name}_decisions"] = [" ".join(found) for found in decisions]
    local_stack.figures[f"{name}_sidecar_moved_aside"] = "moved aside: " in result.stdout
    return result


def recovered(local_stack: LocalStack, name: str) -> subprocess.CompletedProcess:
    """`recover`, which must succeed and leave the stack unlocked with nothing pending."""
    result = recover(local_stack, name)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "will now converge" in result.stdout
    assert lock_files(local_stack) == []
    assert pending(local_stack) == []
    return result


def written_state(local_stack: LocalStack) -> dict[str, Any]:
    """The state as the killed run last wrote it, read from the backend's file itself: a kill while
    the state is saved can leave its metadata sidecar empty, and the CLI then reads nothing until
    `make recover` moves that aside (scripts/recovery/checkpoint.py)."""
    backend = Path(local_stack.stack.workspace.env_vars["PULUMI_BACKEND_URL"].removeprefix("file://"))
    document = json.loads((backend / ".pulumi" / "stacks" / "eks-platform" / f"{STACK}.json").read_text())
    return dict(document["checkpoint"]["latest"])


def pending_at_kill(local_stack: LocalStack) -> list[dict[str, Any]]:
    return list(written_state(local_stack).get("pending_operations") or [])


def state(local_stack: LocalStack) -> dict[str, Any]:
    """The stack's state as `pulumi stack export` gives it (works while the stack is locked)."""
    return local_stack.stack.export_stack().deployment


def pending(local_stack: LocalStack) -> list[dict[str, Any]]:
    return list(state(local_stack).get("pending_operations") or [])


def resource_ids(local_stack: LocalStack, resource_type: str) -> dict[str, str]:
    """URN -> ID of the state's resources of one type."""
    return {r["urn"]: r.get("id", "") for r in state(local_stack)["resources"] if r["type"] == resource_type}


def lock_files(local_stack: LocalStack) -> list[Path]:
    backend = Path(local_stack.stack.workspace.env_vars["PULUMI_BACKEND_URL"].removeprefix("file://"))
    return sorted((backend / ".pulumi" / "locks").rglob(f"{STACK}/*.json"))
