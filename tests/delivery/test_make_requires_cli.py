"""`make preview` / `make up` without the Pulumi CLI: one clear message, before any virtualenv is built."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ("sh", "bash", "sed", "grep", "awk", "cat", "env", "python3")


@pytest.mark.parametrize("target", ["preview", "up"])
def test_without_the_cli_make_says_what_to_install_and_builds_nothing(tmp_path: Path, target: str) -> None:
    bare = tmp_path / "bin"
    bare.mkdir()
    for tool in TOOLS:
        (bare / tool).symlink_to(shutil.which(tool))
    # a copy of the project without virtualenvs: a target that built one would leave it behind
    project = tmp_path / "project"
    project.mkdir()
    for name in ("Makefile", "tools.lock"):
        shutil.copy(ROOT / name, project / name)
    result = subprocess.run(
        [shutil.which("make") or "make", "--no-print-directory", target, "STACK=dev"],
        cwd=project,
        env={**os.environ, "PATH": str(bare)},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode != 0
    version = next(
        line.split("=", 1)[1]
        for line in (ROOT / "tools.lock").read_text().splitlines()
        if line.startswith("pulumi_cli_version=")
    )
    assert f"the Pulumi CLI is not on PATH. Install version {version}" in result.stderr
    assert "command not found" not in result.stderr
    assert not (project / ".venv").exists() and not (project / "policy").exists()
