"""The golden YAML files match what the code renders, and the documented command keeps them so."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from workflows import TEMPLATE_NAMES, build_templates, golden
from workflows.golden import GOLDEN_DIR, REFERENCE_CONTEXT, REGENERATE_HINT

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_golden_file_matches_the_rendered_template(name):
    path = GOLDEN_DIR / f"{name}.yaml"
    assert path.exists(), f"{path} is missing: {REGENERATE_HINT}"
    problems = [p for p in golden.drift() if f"{name}.yaml" in p.splitlines()[0]]
    assert not problems, f"{name} drifted from its golden file: {REGENERATE_HINT}\n" + "\n".join(problems)


@pytest.mark.parametrize("name", TEMPLATE_NAMES)
def test_golden_file_parses_back_to_the_manifest(name):
    """The YAML is the manifest, not a lossy picture of it (block strings, quoting)."""
    manifest = next(m for m in build_templates(REFERENCE_CONTEXT) if m["metadata"]["name"] == name)
    assert yaml.safe_load((GOLDEN_DIR / f"{name}.yaml").read_text()) == manifest


def test_no_stray_golden_files():
    assert sorted(p.name for p in GOLDEN_DIR.glob("*")) == sorted(f"{n}.yaml" for n in TEMPLATE_NAMES)


def test_check_command_passes_on_the_committed_files():
    result = subprocess.run(
        [sys.executable, "-m", "workflows.golden", "--check"],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


def test_write_then_check_and_drift_is_reported_with_the_fix(tmp_path, capsys):
    assert golden.main(["--write", "--dir", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(f"{n}.yaml" for n in TEMPLATE_NAMES)
    assert golden.main(["--check", "--dir", str(tmp_path)]) == 0

    edited = tmp_path / "run-code.yaml"
    edited.write_text(edited.read_text().replace("limit: 3", "limit: 9"))
    (tmp_path / "retired.yaml").write_text("kind: WorkflowTemplate\n")
    capsys.readouterr()
    assert golden.main(["--check", "--dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "run `make golden`" in err
    assert "-      limit: 9" in err and "+      limit: 3" in err
    assert "retired.yaml: no template renders this file any more" in err

    assert golden.main(["--write", "--dir", str(tmp_path)]) == 0
    assert not (tmp_path / "retired.yaml").exists()
    assert golden.main(["--check", "--dir", str(tmp_path)]) == 0


def test_cli_requires_a_mode(capsys):
    with pytest.raises(SystemExit) as exit_info:
        golden.main([])
    assert exit_info.value.code == 2
    assert "--write" in capsys.readouterr().err


def test_make_golden_runs_the_writer():
    """The documented command: `make golden` calls this module with --write."""
    makefile = (REPO_ROOT / "Makefile").read_text()
    recipe = re.search(r"^golden:.*\n((?:\t.*\n)+)", makefile, re.MULTILINE)
    assert recipe, "Makefile has no golden target"
    assert "-m workflows.golden --write" in recipe.group(1)
