"""Is a run still active? The stack lock of the state backend, and Pulumi processes on this machine.

The file backend (`file://`, `pulumi login --local`) and the S3 backend keep one lock object per
run under `.pulumi/locks/organization/<project>/<stack>/<uuid>.json` (older layouts:
`.pulumi/locks/<stack>/`), holding the locking CLI's `pid`, `hostname`, `username` and
`timestamp`. A lock whose holder is on this machine is checked by its pid; a lock held elsewhere
cannot be checked from here, so recovery refuses it unless the operator names that holder
(`--holder-gone HOST:PID`) after making sure it is gone. Pulumi Cloud keeps its lock server-side
and says nothing about the holder: `--holder-gone cloud`.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

PROCESS_PREFIX = "pulumi"  # the CLI and its plugins: pulumi, pulumi-resource-*, pulumi-language-*


@dataclass(frozen=True)
class Lock:
    """One lock object of the stack."""

    location: str
    pid: int | None
    hostname: str
    username: str = ""
    timestamp: str = ""

    @property
    def holder(self) -> str:
        """What `--holder-gone` must name to release this lock."""
        return f"{self.hostname}:{self.pid}"

    def describe(self) -> str:
        return f"pid {self.pid} on {self.hostname} (user {self.username or '?'}, since {self.timestamp or '?'})"


def parse_lock(location: str, text: str) -> Lock:
    """A lock object's JSON (unreadable content gives a lock nobody can vouch for)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        data = {}
    pid = data.get("pid")
    return Lock(
        location,
        pid if isinstance(pid, int) else None,
        str(data.get("hostname") or "?"),
        str(data.get("username") or ""),
        str(data.get("timestamp") or ""),
    )


def backend_kind(url: str) -> str:
    """file, s3 or cloud (anything else Pulumi accepts is a cloud service URL)."""
    scheme = urlparse(url).scheme
    return scheme if scheme in ("file", "s3") else "cloud"


def _lock_dirs(project: str, stack: str) -> list[str]:
    return [
        f".pulumi/locks/organization/{project}/{stack}",
        f".pulumi/locks/{project}/{stack}",
        f".pulumi/locks/{stack}",
    ]


def file_backend_root(url: str) -> Path:
    """The directory of a file backend URL; `pulumi login --local` stores `file://~`."""
    parsed = urlparse(url)
    if parsed.netloc == "~":
        return Path.home() / parsed.path.lstrip("/")
    return Path(os.path.expanduser(parsed.netloc + parsed.path))


def file_locks(url: str, project: str, stack: str) -> list[Lock]:
    """Lock objects of a file backend."""
    root = file_backend_root(url)
    found = []
    for folder in _lock_dirs(project, stack):
        for path in sorted((root / folder).glob("*.json")):
            found.append(parse_lock(str(path), path.read_text()))
    return found


def s3_lock_keys(listing: str, url: str, project: str, stack: str) -> list[str]:
    """s3:// URLs of the stack's lock objects, from `aws s3 ls --recursive` of the locks prefix."""
    parsed = urlparse(url)
    keys = [line.split(maxsplit=3)[-1] for line in listing.splitlines() if line.strip()]
    wanted = tuple(f"{folder}/" for folder in _lock_dirs(project, stack))
    prefix = parsed.path.strip("/")
    out = []
    for key in keys:
        relative = key[len(prefix) :].lstrip("/") if prefix and key.startswith(prefix) else key
        if relative.endswith(".json") and relative.rsplit("/", 1)[0] + "/" in wanted:
            out.append(f"s3://{parsed.netloc}/{key}")
    return out


def s3_locks_prefix(url: str) -> str:
    parsed = urlparse(url)
    base = parsed.path.strip("/")
    return f"s3://{parsed.netloc}/{base + '/' if base else ''}.pulumi/locks/"


def pid_is_pulumi(pid: int, proc: Path = Path("/proc")) -> bool:
    """Is `pid` a live Pulumi process on this machine? (Another live process reusing the pid is not.)"""
    try:
        comm = (proc / str(pid) / "comm").read_text().strip()
        state = (proc / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return comm.startswith(PROCESS_PREFIX) and state != "Z"


def pulumi_processes_in(directory: Path, proc: Path = Path("/proc")) -> list[tuple[int, str]]:
    """Live Pulumi processes (CLI or plugin) whose working directory is `directory`: a run of this
    project may still be acting, even when its CLI is gone (an orphaned provider finishing a call)."""
    target = directory.resolve()
    found = []
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        pid = int(entry.name)
        if not pid_is_pulumi(pid, proc):
            continue
        try:
            cwd = Path(os.readlink(entry / "cwd")).resolve()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        if cwd == target:
            found.append((pid, cmdline))
    return found


@dataclass(frozen=True)
class LockVerdict:
    """What recovery may do about the locks it found."""

    release: bool
    problems: tuple[str, ...] = ()


def judge(
    locks: Sequence[Lock],
    holder_gone: str | None,
    *,
    hostname: str | None = None,
    alive: Callable[[int], bool] = pid_is_pulumi,
) -> LockVerdict:
    """Release only locks whose holder is known to be gone; anything else is a problem to report."""
    here = hostname or socket.gethostname()
    problems = []
    for lock in locks:
        if lock.hostname == here and lock.pid is not None:
            if alive(lock.pid):
                problems.append(f"a run is active: the lock is held by {lock.describe()}, which is running")
        elif holder_gone != lock.holder:
            problems.append(
                f"cannot tell whether the run holding the lock is gone: {lock.describe()}, another machine. "
                f"Make sure it is (the CI job cancelled, the runner gone), then re-run with --holder-gone {lock.holder}"
            )
    return LockVerdict(release=bool(locks) and not problems, problems=tuple(problems))
