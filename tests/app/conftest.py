"""Fixtures for the reference app's tests: a clean environment, manage.py, and PostgreSQL.

PostgreSQL is a throwaway server this test session starts itself (tests/app/throwaway_postgres.py):
its own cluster in a temporary directory, on a free loopback port, stopped and deleted at the end.

Every test here runs the app in a subprocess: Django's settings are process-global and read
from the environment once, which is exactly the behaviour under test.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from types import MappingProxyType

import pytest

from tests.app import throwaway_postgres
from tests.app.throwaway_postgres import ThrowawayPostgres, ThrowawayPostgresError

REPO = Path(__file__).resolve().parents[2]
APP = REPO / "app"

#: Host names the production-like environment serves.
PUBLIC_HOST = "app.example.test"
FRONT_END = "https://front.example.test"


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[ThrowawayPostgres]:
    """The session's throwaway PostgreSQL server; fails (never skips) when it cannot start."""
    problem = None
    try:
        server = throwaway_postgres.start()
    except ThrowawayPostgresError as error:
        problem = str(error)
    if problem is not None:
        pytest.fail(f"cannot start the throwaway PostgreSQL server for the app tests: {problem}", pytrace=False)
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def postgres(postgres_server: ThrowawayPostgres) -> str:
    """DATABASE_URL of the app's role and database on the session's throwaway server."""
    return postgres_server.database_url


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
