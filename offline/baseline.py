"""The URN, inputs and options of every resource a committed stack declares: what a refactor must keep.

A URN is a resource's identity to the engine: a changed type token, name or parent replaces the
live resource (or orphans it). A changed input is an update or a replacement. So a refactor that
claims to change nothing must leave this snapshot identical for every committed stack;
tests/test_baseline.py compares it with tests/baselines/<stack>.json.

    python -m offline.baseline --write     # regenerate, only on purpose, with the reason in the commit

Dependencies are left out on purpose: the deploy order is free to change, identities and inputs
are not. Secrets appear as `[secret]`, file assets by path.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from offline.mocks import Record, is_secret, reveal
from offline.runner import ROOT, ProgramRun, run_program

STACKS = ("dev", "prod", "local")
BASELINES = ROOT / "tests" / "baselines"
REDACTED = "[secret]"


def canonical(value: Any) -> Any:
    """A JSON-able, deterministic form of a recorded input value."""
    if is_secret(value):
        return REDACTED
    if isinstance(value, dict):
        return {str(k): canonical(v) for k, v in sorted(value.items())}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    path = getattr(value, "path", None)
    if isinstance(path, str):
        return {"asset": type(value).__name__, "path": path}
    return f"<{type(reveal(value)).__name__}>"  # an unknown (a value only known at deploy time)


def entry(record: Record) -> dict[str, Any]:
    return {
        "type": record.type,
        "parent": record.parent,
        "inputs": canonical(record.inputs),
        "protect": record.protect,
        "retainOnDelete": record.retain_on_delete,
        "deletedWith": record.effective_deleted_with,
        "ignoreChanges": sorted(record.ignore_changes),
    }


def snapshot(run: ProgramRun) -> dict[str, dict[str, Any]]:
    """URN -> type, parent, inputs and options of every resource of the run."""
    return {record.urn: entry(record) for record in sorted(run.records, key=lambda r: r.urn)}


def differences(baseline: dict[str, Any], current: dict[str, Any]) -> list[str]:
    """One line per URN added, removed or changed (with the fields that changed)."""
    lines = [f"+ {urn} (new)" for urn in sorted(set(current) - set(baseline))]
    lines += [f"- {urn} (gone: the engine would delete it)" for urn in sorted(set(baseline) - set(current))]
    for urn in sorted(set(baseline) & set(current)):
        changed = [field for field in baseline[urn] if baseline[urn][field] != current[urn].get(field)]
        if changed:
            lines.append(f"~ {urn}: {', '.join(changed)} changed")
    return lines


def path_of(stack: str) -> Path:
    return BASELINES / f"{stack}.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help="write tests/baselines/<stack>.json")
    parser.add_argument("stacks", nargs="*", default=list(STACKS))
    args = parser.parse_args(argv)
    status = 0
    for stack in args.stacks:
        current = snapshot(run_program(stack))
        if args.write:
            BASELINES.mkdir(parents=True, exist_ok=True)
            path_of(stack).write_text(json.dumps(current, indent=1, sort_keys=True) + "\n")
            print(f"baseline: wrote {path_of(stack).relative_to(ROOT)} ({len(current)} resources)")
            continue
        found = differences(json.loads(path_of(stack).read_text()), current)
        print(f"baseline {stack}: {'identical' if not found else f'{len(found)} difference(s)'}")
        for line in found:
            print(f"  {line}")
        status |= bool(found)
    return status


if __name__ == "__main__":
    sys.exit(main())
