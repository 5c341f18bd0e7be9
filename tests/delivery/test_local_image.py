"""`make local-image`: builds the app image and loads it into kind, or says what to install.

No Docker engine is needed: the commands are checked with `make -n`, and with stand-in
`docker`/`kind` scripts on a PATH that holds nothing else of the kind.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
MAKE = shutil.which("make") or "make"  # missing make fails the tests: the Makefile is the entry point
# The Makefile prepends these to PATH itself; none may bring its own docker or kind.
MAKEFILE_PATH_DIRS = (ROOT / "tools" / "bin", ROOT / ".venv" / "bin")
BASIC_TOOLS = ("sh", "bash", "env", "cat", "grep", "awk")
STUB = '#!/bin/sh\nprintf "%s\\n" "{name} $*" >> "$STUB_LOG"\n'


def make(*args: str, path: Path | None = None, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    environment = {**os.environ, **(env or {})}
    if path is not None:
        environment["PATH"] = str(path)
    return subprocess.run(
        [str(MAKE), "--no-print-directory", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture
def bare_path(tmp_path: Path) -> Path:
    """A PATH directory with only a few basic tools: no docker, no kind."""
    for directory in MAKEFILE_PATH_DIRS:
        for tool in ("docker", "kind"):
            assert not (directory / tool).exists(), f"{directory / tool} would defeat the missing-tool tests"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in BASIC_TOOLS:
        if found := shutil.which(tool):
            (bin_dir / tool).symlink_to(found)
    return bin_dir


def add_stub(bin_dir: Path, name: str) -> None:
    stub = bin_dir / name
    stub.write_text(STUB.format(name=name))
    stub.chmod(0o755)


def commands(dry_run: str) -> list[str]:
    return [line for line in dry_run.splitlines() if line.startswith(("docker ", "kind "))]


def test_dry_run_builds_the_app_and_loads_it_into_the_kind_cluster() -> None:
    result = make("-n", "local-image")
    assert result.returncode == 0, result.stderr
    assert commands(result.stdout) == [
        "docker build -t eks-platform-django:0.1.0 app",
        "kind load docker-image eks-platform-django:0.1.0 --name eks-platform",
    ]
    checks = [line for line in result.stdout.splitlines() if line.startswith("command -v")]
    assert [line.split()[2] for line in checks] == ["docker", "kind"]


def test_image_and_cluster_can_be_overridden() -> None:
    result = make("-n", "local-image", "LOCAL_IMAGE=django-app:dev", "KIND_CLUSTER=other")
    assert commands(result.stdout) == [
        "docker build -t django-app:dev app",
        "kind load docker-image django-app:dev --name other",
    ]


def test_default_image_is_the_one_the_local_stack_deploys() -> None:
    django = yaml.safe_load((ROOT / "Pulumi.local.yaml").read_text())["config"]["eks-platform:django"]
    result = make("-n", "local-image")
    assert f"docker build -t {django['imageRepository']}:{django['imageTag']} app" in commands(result.stdout)


def test_missing_docker_is_a_clear_error(bare_path: Path, tmp_path: Path) -> None:
    add_stub(bare_path, "kind")
    log = tmp_path / "calls.log"
    result = make("local-image", path=bare_path, env={"STUB_LOG": str(log)})
    assert result.returncode != 0
    assert "make local-image: docker not found on PATH" in result.stderr
    assert "https://docs.docker.com/get-docker/" in result.stderr
    assert not log.exists()  # nothing ran


def test_missing_kind_is_a_clear_error_before_anything_is_built(bare_path: Path, tmp_path: Path) -> None:
    add_stub(bare_path, "docker")
    log = tmp_path / "calls.log"
    result = make("local-image", path=bare_path, env={"STUB_LOG": str(log)})
    assert result.returncode != 0
    assert "make local-image: kind not found on PATH" in result.stderr
    assert "kind.sigs.k8s.io" in result.stderr
    assert not log.exists()  # the build did not start


def test_with_both_tools_it_builds_then_loads(bare_path: Path, tmp_path: Path) -> None:
    add_stub(bare_path, "docker")
    add_stub(bare_path, "kind")
    log = tmp_path / "calls.log"
    result = make("local-image", path=bare_path, env={"STUB_LOG": str(log)})
    assert result.returncode == 0, result.stderr
    assert log.read_text().splitlines() == [
        "docker build -t eks-platform-django:0.1.0 app",
        "kind load docker-image eks-platform-django:0.1.0 --name eks-platform",
    ]


def test_listed_in_make_help() -> None:
    result = make("help")
    [line] = [line for line in result.stdout.splitlines() if "make local-image" in line]
    assert "kind" in line and "docker" in line
