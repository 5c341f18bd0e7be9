"""The commands recovery runs (the Pulumi CLI, Helm, the AWS CLI), all through one runner that
tests replace, and the command line they serve."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scripts.destroy import ROOT, RefusedError, Runner

HELM = ROOT / "tools" / "bin" / "helm"


@dataclass(frozen=True)
class Options:
    """The command line, parsed."""

    stack: str
    yes: bool = False
    dry_run: bool = False
    cwd: Path = ROOT
    holder_gone: str | None = None
    imports: dict[str, str] = field(default_factory=dict)
    clears: tuple[str, ...] = ()


class Cli:
    """The commands recovery runs, all through one runner (tests give a fake one)."""

    def __init__(self, options: Options, runner: Runner, out: Callable[[str], None]):
        self.options = options
        self.runner = runner
        self.out = out
        self.helm_binary = str(HELM) if HELM.exists() else "helm"

    def pulumi(self, *args: str) -> list[str]:
        return ["pulumi", *args, "--stack", self.options.stack, "--cwd", str(self.options.cwd)]

    def query(self, command: Sequence[str]) -> str:
        """A read-only command's stdout; its failure stops recovery."""
        result = self.runner(command, True)
        if result.returncode != 0:
            raise RefusedError(f"Could not read ({' '.join(command[:3])} ...): {(result.stderr or '').strip()}")
        return result.stdout

    def refresh(self, urns: Sequence[str]) -> list[str]:
        """`pulumi refresh` of exactly these resources."""
        return [
            *self.pulumi("refresh", "--yes", "--skip-preview"),
            *(part for urn in urns for part in ("--target", urn)),
        ]

    def export(self, show_secrets: bool = False) -> dict[str, Any]:
        extra = ["--show-secrets"] if show_secrets else []
        return json.loads(self.query(self.pulumi("stack", "export", *extra)))

    def backend_url(self) -> str:
        return str(json.loads(self.query(["pulumi", "whoami", "--output", "json"])).get("url", ""))
