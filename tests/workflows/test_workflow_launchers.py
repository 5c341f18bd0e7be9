"""The main containers' commands, run here exactly as the manifests spell them (parameters
resolved the way Argo resolves them), with this interpreter standing in for the image's python3."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from tests.workflows.argo_sim import input_values, substitute, template


def _run(manifest: dict[str, Any], overrides: dict[str, str], extra_env: dict[str, str], cwd: Path):
    tmpl = template(manifest)
    container = substitute(tmpl, input_values(tmpl, overrides))["container"]
    argv = container["command"]
    assert argv[0] == "python3"
    env = {e["name"]: e["value"] for e in container.get("env", [])}
    env.update(extra_env)
    return subprocess.run(
        [sys.executable, *argv[1:]],
        env={"PATH": os.environ["PATH"], **env},
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


PRINT_ARGV_AND_ITEM = "import json, os, sys; print(json.dumps([sys.argv[1:], os.environ['RUN_CODE_ITEM']]))"


def test_run_code_runs_command_code_and_args(reference_manifests, tmp_path):
    outputs = tmp_path / "outputs"
    result = _run(
        reference_manifests["run-code"],
        {
            "command": json.dumps([sys.executable, "-c"]),
            "code": PRINT_ARGV_AND_ITEM,
            "args": json.dumps(["two words", "--flag", 'quote"d']),
            "item": '{"id": 7}',
        },
        {"RUN_CODE_OUTPUTS_DIR": str(outputs)},
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [["two words", "--flag", 'quote"d'], '{"id": 7}']
    assert outputs.is_dir(), "the launcher creates the outputs directory before the code runs"


def test_run_code_without_code_runs_the_command_alone(reference_manifests, tmp_path):
    script = tmp_path / "job.py"
    script.write_text("import sys; print('job', sys.argv[1:])")
    result = _run(
        reference_manifests["run-code"],
        {"command": json.dumps([sys.executable, str(script)]), "code": "", "args": '["a"]'},
        {"RUN_CODE_OUTPUTS_DIR": str(tmp_path / "out")},
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "job ['a']"


def test_run_code_exit_status_is_the_codes_own(reference_manifests, tmp_path):
    """exec, not a child process: Argo sees the program's exit code and can retry on it."""
    result = _run(
        reference_manifests["run-code"],
        {"command": json.dumps([sys.executable, "-c"]), "code": "raise SystemExit(7)"},
        {"RUN_CODE_OUTPUTS_DIR": str(tmp_path / "out")},
        tmp_path,
    )
    assert result.returncode == 7


def test_run_code_rejects_a_command_that_is_not_a_json_list(reference_manifests, tmp_path):
    result = _run(
        reference_manifests["run-code"],
        {"command": "python -c", "code": "print(1)"},
        {"RUN_CODE_OUTPUTS_DIR": str(tmp_path / "out")},
        tmp_path,
    )
    assert result.returncode == 1
    assert "run-code: parameter command must be a JSON list of strings, got 'python -c'" in result.stderr


def test_run_code_rejects_bad_args_and_an_empty_command(reference_manifests, tmp_path):
    env = {"RUN_CODE_OUTPUTS_DIR": str(tmp_path / "out")}
    bad_args = _run(reference_manifests["run-code"], {"code": "1", "args": '{"a": 1}'}, env, tmp_path)
    assert bad_args.returncode == 1 and "parameter args must be a JSON list" in bad_args.stderr
    empty = _run(reference_manifests["run-code"], {"code": "1", "command": "[]"}, env, tmp_path)
    assert empty.returncode == 1 and "parameter command must not be empty" in empty.stderr


FAKE_MANAGE_PY = "import json, sys; print(json.dumps(sys.argv))"


def test_django_manage_runs_manage_py_with_the_command_words_and_args(reference_manifests, tmp_path):
    (tmp_path / "manage.py").write_text(FAKE_MANAGE_PY)
    result = _run(
        reference_manifests["django-manage"],
        {"command": "migrate --noinput", "args": '["--database", "default db"]'},
        {},
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["manage.py", "migrate", "--noinput", "--database", "default db"]


def test_django_manage_never_hands_the_command_to_a_shell(reference_manifests, tmp_path):
    (tmp_path / "manage.py").write_text(FAKE_MANAGE_PY)
    result = _run(reference_manifests["django-manage"], {"command": "check; touch pwned $(id)"}, {}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["manage.py", "check;", "touch", "pwned", "$(id)"]
    assert not (tmp_path / "pwned").exists()


def test_django_manage_rejects_an_empty_command(reference_manifests, tmp_path):
    (tmp_path / "manage.py").write_text(FAKE_MANAGE_PY)
    result = _run(reference_manifests["django-manage"], {"command": "  "}, {}, tmp_path)
    assert result.returncode == 1
    assert "django-manage: parameter command must name a management command" in result.stderr
