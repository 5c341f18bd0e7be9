"""scripts/push_image.sh (`make image`): push app/ to the stack's ECR once, then set django.imageTag.

No Docker, AWS or Pulumi here: stand-in `docker`, `aws`, `pulumi` scripts log their arguments.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "push_image.sh"
REPOSITORY = "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/eks-platform-dev/django"
STUBS = {
    # Reads the password from stdin as the real one does: a stub that did not could exit before
    # `aws ecr get-login-password` wrote, which then died of SIGPIPE (exit 141 under pipefail).
    "docker": 'echo "docker $*" >> "$STUB_LOG"\ncase "$*" in *--password-stdin*) cat > /dev/null;; esac',
    "pulumi": 'echo "pulumi $*" >> "$STUB_LOG"\ncase "$*" in *djangoImageRepository*) echo "$REPO";; *region*) echo ap-northeast-2;; esac',
    "aws": 'echo "aws $*" >> "$STUB_LOG"\ncase "$*" in *describe-images*) exit "$IMAGE_MISSING";; *get-login-password*) echo token;; esac',
}


def run(
    tmp_path: Path, *, image_there: bool, tools: tuple[str, ...] = ("docker", "aws", "pulumi")
) -> tuple[subprocess.CompletedProcess, list[str]]:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for tool in ("bash", "sh", "git", "cat", "env"):
        if (found := shutil.which(tool)) and not (bin_dir / tool).exists():
            (bin_dir / tool).symlink_to(found)
    for tool in tools:
        (bin_dir / tool).write_text(f"#!/bin/sh\n{STUBS[tool]}\n")
        (bin_dir / tool).chmod(0o755)
    log = tmp_path / "log"
    log.write_text("")
    env = {
        **os.environ,
        "PATH": str(bin_dir),
        "STUB_LOG": str(log),
        "REPO": REPOSITORY,
        "IMAGE_MISSING": "0" if image_there else "1",
    }
    result = subprocess.run(
        ["bash", str(SCRIPT), "dev"], cwd=ROOT, env=env, capture_output=True, text=True, check=False
    )
    return result, log.read_text().splitlines()


def app_tag() -> str:
    return subprocess.run(
        ["git", "log", "-1", "--format=%H", "--", "app/"], cwd=ROOT, capture_output=True, text=True
    ).stdout.strip()


def test_a_new_tag_is_built_pushed_and_set(tmp_path: Path) -> None:
    result, log = run(tmp_path, image_there=False)
    assert result.returncode == 0, result.stderr
    tag = app_tag()
    assert f"docker build -t {REPOSITORY}:{tag} app" in log
    assert f"docker push {REPOSITORY}:{tag}" in log
    assert log[-1] == f"pulumi config set --path django.imageTag {tag} --stack dev"
    assert log.index(f"docker push {REPOSITORY}:{tag}") < log.index(log[-1])


def test_a_tag_already_there_is_not_rebuilt_but_still_set(tmp_path: Path) -> None:
    result, log = run(tmp_path, image_there=True)
    assert result.returncode == 0 and "already there" in result.stdout
    assert not [line for line in log if line.startswith("docker")]
    assert log[-1].startswith("pulumi config set --path django.imageTag ")


def test_a_missing_tool_is_named(tmp_path: Path) -> None:
    result, log = run(tmp_path, image_there=False, tools=("aws", "pulumi"))
    assert result.returncode == 1 and "make image: docker not found on PATH" in result.stderr
    assert log == []
