"""Static checks of app/Dockerfile, .dockerignore, gunicorn.conf.py and the image's pins.

No container engine is available here, so the image is never built in these tests; what can
be checked without building it is checked against the files themselves.
"""

from __future__ import annotations

import json
import os
import re
import runpy
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import pytest
from gunicorn.config import KNOWN_SETTINGS
from packaging.requirements import Requirement

APP = Path(__file__).resolve().parents[2] / "app"
BASE_IMAGE = re.compile(r"^python:3\.11\.\d+-slim-bookworm$")
SECRET_NAME = re.compile(r"SECRET|PASSWORD|PASSWD|TOKEN|DSN|DATABASE_URL|API_KEY|PRIVATE", re.IGNORECASE)


@dataclass(frozen=True)
class Instruction:
    """One Dockerfile instruction with its continuation lines joined."""

    keyword: str
    arguments: str
    stage: int  # index of the FROM it belongs to


def parse_dockerfile(text: str) -> list[Instruction]:
    """Instructions of a Dockerfile: comments dropped, backslash continuations joined."""
    instructions: list[Instruction] = []
    stage, pending = -1, ""
    for raw in text.splitlines():
        line = raw.strip()
        if not pending and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue  # comment inside a continued instruction
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).partition(" ")
        pending = ""
        if keyword.upper() == "FROM":
            stage += 1
        instructions.append(Instruction(keyword.upper(), " ".join(arguments.split()), stage))
    assert not pending, "Dockerfile ends inside a continued line"
    return instructions


@pytest.fixture(scope="module")
def dockerfile() -> list[Instruction]:
    return parse_dockerfile((APP / "Dockerfile").read_text())


def of(instructions: list[Instruction], keyword: str, stage: int | None = None) -> list[Instruction]:
    return [i for i in instructions if i.keyword == keyword and (stage is None or i.stage == stage)]


def final_stage(instructions: list[Instruction]) -> int:
    return max(i.stage for i in instructions)


def test_parser_reads_continuations_and_stages() -> None:
    parsed = parse_dockerfile("# c\nFROM a AS b\nRUN x \\\n  # inner\n  && y\nFROM c\nUSER 1\n")
    assert [(i.keyword, i.arguments, i.stage) for i in parsed] == [
        ("FROM", "a AS b", 0),
        ("RUN", "x && y", 0),
        ("FROM", "c", 1),
        ("USER", "1", 1),
    ]


def test_multi_stage_with_pinned_python_base(dockerfile: list[Instruction]) -> None:
    froms = of(dockerfile, "FROM")
    assert len(froms) >= 2, "builder and runtime stages"
    images = [f.arguments.split()[0] for f in froms]
    for image in images:
        assert BASE_IMAGE.match(image), f"{image}: pin python:3.11.<patch>-slim-bookworm, never latest"
    assert len(set(images)) == 1, "the venv built in one stage needs the same interpreter in the other"
    assert froms[0].arguments.endswith(" AS builder")


def test_runtime_takes_only_the_virtualenv_from_the_builder(dockerfile: list[Instruction]) -> None:
    copies = [c.arguments for c in of(dockerfile, "COPY", final_stage(dockerfile)) if "--from=" in c.arguments]
    assert copies == ["--from=builder /opt/venv /opt/venv"]


def test_pinned_requirements_installed_from_wheels(dockerfile: list[Instruction]) -> None:
    install = " ".join(r.arguments for r in of(dockerfile, "RUN", 0))
    assert "pip install --only-binary=:all: -r requirements.txt -c constraints.txt" in install
    assert of(dockerfile, "COPY", 0)[0].arguments == "requirements.txt constraints.txt ./"


def test_runs_as_numeric_non_root_user(dockerfile: list[Instruction]) -> None:
    last = final_stage(dockerfile)
    users = of(dockerfile, "USER", last)
    assert users, "the runtime stage must set USER"
    assert users[-1].arguments == "10001:10001"
    # Nothing after USER runs as root again, and USER is the last instruction that changes files.
    after_user = dockerfile[dockerfile.index(users[-1]) + 1 :]
    assert {i.keyword for i in after_user} <= {"EXPOSE", "HEALTHCHECK", "CMD", "LABEL"}


def test_static_files_collected_and_code_compiled_at_build(dockerfile: list[Instruction]) -> None:
    runs = " ".join(r.arguments for r in of(dockerfile, "RUN", final_stage(dockerfile)))
    assert "python manage.py collectstatic --noinput" in runs
    assert "python -m compileall" in runs
    # The build-time placeholder carries no credentials.
    assert re.search(r"DATABASE_URL=postgres://[^:@\s]+/", runs)
    assert "SECRET_KEY" not in runs


def test_no_secrets_in_env_or_args(dockerfile: list[Instruction]) -> None:
    for instruction in of(dockerfile, "ENV") + of(dockerfile, "ARG"):
        names = re.findall(r"(?:^|\s)([A-Za-z_][A-Za-z0-9_]*)=", instruction.arguments) or [instruction.arguments]
        for name in names:
            assert not SECRET_NAME.search(name), (
                f"{instruction.keyword} {name}: secrets come from the pod, not the image"
            )


def test_nothing_fetched_from_the_network_outside_pip(dockerfile: list[Instruction]) -> None:
    assert not of(dockerfile, "ADD")
    for run in of(dockerfile, "RUN"):
        assert not re.search(r"\b(curl|wget)\b", run.arguments)


def test_serves_gunicorn_on_8000_and_metrics_on_9000(dockerfile: list[Instruction]) -> None:
    assert [e.arguments for e in of(dockerfile, "EXPOSE")] == ["8000 9000"]
    assert runpy.run_path(str(APP / "config" / "metrics.py"))["DEFAULT_PORT"] == 9000
    (cmd,) = of(dockerfile, "CMD")
    assert json.loads(cmd.arguments) == ["gunicorn", "--config", "gunicorn.conf.py", "config.wsgi:application"]
    assert (APP / "gunicorn.conf.py").is_file() and (APP / "config" / "wsgi.py").is_file()
    env = " ".join(e.arguments for e in of(dockerfile, "ENV", final_stage(dockerfile)))
    assert "DJANGO_SETTINGS_MODULE=config.settings" in env
    assert "PATH=/opt/venv/bin:$PATH" in env


def test_dockerignore_keeps_tests_caches_and_env_files_out() -> None:
    patterns = {
        line.strip()
        for line in (APP / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {"**/__pycache__", "**/tests", "staticfiles", ".env", ".env.*"} <= patterns


def test_gunicorn_config_matches_the_chart_contract(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WEB_CONCURRENCY", "5")
    # Registered (setenv) so that the value the file sets is undone after the test.
    monkeypatch.setenv("PROMETHEUS_MULTIPROC_DIR", "")
    monkeypatch.delenv("PROMETHEUS_MULTIPROC_DIR")
    config = {k: v for k, v in runpy.run_path(str(APP / "gunicorn.conf.py")).items() if not k.startswith("_")}
    config.pop("os")
    known = {setting.name for setting in KNOWN_SETTINGS}
    assert set(config) <= known, f"not gunicorn settings: {set(config) - known}"
    assert config["bind"] == "0.0.0.0:8000"
    assert config["workers"] == 5
    assert (config["accesslog"], config["errorlog"]) == ("-", "-")
    assert config["worker_tmp_dir"] == "/tmp"
    assert config["control_socket_disable"] is True
    # Prometheus multiprocess mode: the directory on the writable /tmp, wiped before the workers
    # start, metrics served once the master is ready, a dead worker's live gauges dropped.
    assert os.environ["PROMETHEUS_MULTIPROC_DIR"] == "/tmp/prometheus-multiproc"
    assert {"on_starting", "when_ready", "child_exit"} <= {k for k, v in config.items() if callable(v)}


def canonical(name: str) -> str:
    return name.lower().replace("_", "-")


def read_pins(path: Path) -> dict[str, str]:
    """``{distribution: version}`` of a requirements or constraints file; every line pinned."""
    pins: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        requirement = Requirement(line)
        (specifier,) = requirement.specifier
        assert specifier.operator == "==", f"{path.name}: {line} must be pinned with =="
        pins[canonical(requirement.name)] = specifier.version
    return pins


def image_pins() -> dict[str, str]:
    return {**read_pins(APP / "requirements.txt"), **read_pins(APP / "constraints.txt")}


def test_image_pins_are_what_the_tests_ran_against() -> None:
    for name, version in image_pins().items():
        assert metadata.version(name) == version, f"{name}: venv has {metadata.version(name)}, image pins {version}"


def test_every_dependency_of_the_image_is_pinned() -> None:
    # Walk the installed dependency tree from requirements.txt, honouring extras and markers
    # for CPython 3.11 on Linux (the image), and demand a pin for every node.
    environment = {"python_version": "3.11", "sys_platform": "linux", "platform_system": "Linux"}
    lines = [line.split("#", 1)[0].strip() for line in (APP / "requirements.txt").read_text().splitlines()]
    todo = [Requirement(line) for line in lines if line]
    seen: set[str] = set()
    while todo:
        requirement = todo.pop()
        seen.add(canonical(requirement.name))
        for dependency in map(Requirement, metadata.requires(requirement.name) or []):
            extras = (*requirement.extras, "")
            applies = dependency.marker is None or any(
                dependency.marker.evaluate({**environment, "extra": extra}) for extra in extras
            )
            if applies and canonical(dependency.name) not in seen:
                todo.append(dependency)
    pinned = set(image_pins())
    assert {"psycopg-binary", "asgiref"} <= seen, "the walk must reach extras and transitive dependencies"
    assert seen <= pinned, f"unpinned in the image: {sorted(seen - pinned)}"
