"""scripts/start_postgres.sh: idempotent, and what it sets up is what the app tests use."""

from __future__ import annotations

import subprocess
from pathlib import Path

import psycopg

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "start_postgres.sh"


def test_script_is_valid_bash() -> None:
    result = subprocess.run(["bash", "-n", str(SCRIPT)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr


def test_rerun_changes_nothing_and_exits_0(postgres: str) -> None:
    # .ci/run has already run it (the postgres fixture proved the server is up), so a second run
    # must find everything in place.
    result = subprocess.run(
        ["bash", str(SCRIPT)], capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=120, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1] == "start_postgres: ready: postgres://eks_platform@127.0.0.1:5432/eks_platform_test"
    acting = [
        line
        for line in lines
        if any(
            word in line
            for word in ("creating", "installing", "writing", "starting", "granting", "resetting", "restarting")
        )
    ]
    assert acting == [], result.stdout


def test_server_listens_on_loopback_only_with_a_createdb_role(postgres: str) -> None:
    with psycopg.connect(postgres, connect_timeout=3) as connection:
        listen = connection.execute("SHOW listen_addresses").fetchone()
        role = connection.execute("SELECT rolcreatedb, rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()
        owner = connection.execute(
            "SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = current_database()"
        ).fetchone()
    assert listen == ("127.0.0.1",)
    assert role == (True, False), "CREATEDB for Django's test database, and no superuser"
    assert owner == ("eks_platform",)
