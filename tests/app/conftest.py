"""Fixtures for the reference app's tests: a clean environment, manage.py, and PostgreSQL.

Every test here runs the app in a subprocess: Django's settings are process-global and read
from the environment once, which is exactly the behaviour under test.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from types import MappingProxyType

import psycopg
import pytest

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "app"

# Throwaway, test-only credentials of the loopback-only server that scripts/start_postgres.sh
# sets up (Debian's PostgreSQL package); not a secret.
DATABASE_URL = "postgres://eks_platform:eks_platform@127.0.0.1:5432/eks_platform_test"

#: Host names the production-like environment serves.
PUBLIC_HOST = "app.example.test"
FRONT_END = "https://front.example.test"


@pytest.fixture(scope="session")
def postgres() -> str:
    """DATABASE_URL of the test server; fails (never skips) when the server is not there."""
    problem = None
    try:
        with psycopg.connect(DATABASE_URL, connect_timeout=3) as connection:
            connection.execute("SELECT 1")
    except psycopg.Error as error:
        problem = f"{type(error).__name__}: {error}".strip()
    if problem is not None:
        pytest.fail(
            "PostgreSQL is not reachable on 127.0.0.1:5432 as role eks_platform, database "
            f"eks_platform_test ({problem}). Run `bash scripts/start_postgres.sh` (as root) first; "
            ".ci/run does.",
            pytrace=False,
        )
    return DATABASE_URL


@pytest.fixture(scope="session")
def production_env(postgres: str) -> Mapping[str, str]:
    """A complete production environment (DEBUG=false) with a random SECRET_KEY made here.

    Built from scratch rather than copied from os.environ, so nothing from the developer's
    shell (a DATABASE_URL, a DEBUG) leaks into what the app sees. Read-only: tests derive
    variants with ``{**production_env, ...}``.
    """
    return MappingProxyType(
        {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8",
            "PYTHONDONTWRITEBYTECODE": "1",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "SECRET_KEY": secrets.token_urlsafe(64),
            "DATABASE_URL": postgres,
            "DEBUG": "false",
            "ALLOWED_HOSTS": PUBLIC_HOST,
            "WEB__CROSS_ORIGIN__0": FRONT_END,
            # what the chart sets behind its Ingress (the load balancer owns X-Forwarded-Proto)
            "TRUST_X_FORWARDED_PROTO": "true",
        }
    )


def _run_manage(env: Mapping[str, str], *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=APP,
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture
def manage() -> Callable[..., subprocess.CompletedProcess[str]]:
    """``manage(env, *args)`` runs ``python manage.py *args`` in app/ with exactly ``env``."""
    return _run_manage
