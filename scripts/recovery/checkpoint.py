"""A file backend's checkpoint that a kill left unreadable, and its repair.

Pulumi's file backend (`file://`) writes the state through gocloud.dev's fileblob: a write goes to
a temporary file, then `Close` writes the `<checkpoint>.attrs` sidecar with `os.Create` (which
truncates it) and only then renames the new content over the checkpoint. A kill between the two
leaves the previous checkpoint whole beside an empty or partial sidecar, and every CLI command
then fails with `failed to load checkpoint: EOF` (seen in `make e2e`, killing `pulumi up` while it
saved the state). The sidecar holds only metadata (content type, the MD5 of the write that never
landed), and fileblob reads a checkpoint without one as having the defaults. So recovery moves a
broken sidecar aside (renamed, not deleted) once the checkpoint itself parses.
"""

from __future__ import annotations

import gzip
import json
from pathlib import Path


def checkpoints(root: Path, project: str, stack: str) -> list[Path]:
    """The stack's checkpoint files in a file backend (project layout first, then the legacy one)."""
    folders = [root / ".pulumi" / "stacks" / project, root / ".pulumi" / "stacks"]
    names = [f"{stack}.json", f"{stack}.json.gz"]
    return [folder / name for folder in folders for name in names if (folder / name).is_file()]


def _parses(path: Path, gzipped: bool = False) -> bool:
    try:
        data = path.read_bytes()
        json.loads(gzip.decompress(data) if gzipped else data)
    except (OSError, ValueError, EOFError):
        return False
    return True


def broken_sidecars(root: Path, project: str, stack: str) -> list[tuple[Path, Path]]:
    """(sidecar, checkpoint) pairs whose sidecar does not parse while the checkpoint does."""
    found = []
    for checkpoint in checkpoints(root, project, stack):
        sidecar = checkpoint.with_name(checkpoint.name + ".attrs")
        if sidecar.exists() and not _parses(sidecar) and _parses(checkpoint, checkpoint.suffix == ".gz"):
            found.append((sidecar, checkpoint))
    return found


def move_aside(sidecar: Path) -> Path:
    """Rename a broken sidecar out of the way; the new path."""
    target = sidecar.with_name(sidecar.name + ".broken")
    sidecar.rename(target)
    return target
