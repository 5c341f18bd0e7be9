"""Management commands and settings of the app, each in a fresh process with a chosen env."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Mapping

import pytest

Manage = Callable[..., subprocess.CompletedProcess[str]]

NO_ISSUES = "System check identified no issues (0 silenced)."


def both(result: subprocess.CompletedProcess[str]) -> str:
    return result.stdout + result.stderr


def test_check_deploy_passes_with_production_settings(manage: Manage, production_env: Mapping[str, str]) -> None:
    result = manage(production_env, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, both(result)
    assert NO_ISSUES in result.stdout


def test_check_deploy_fails_when_https_is_switched_off(manage: Manage, production_env: Mapping[str, str]) -> None:
    # The counterpart proving the check above has teeth: the local stack's setting is flagged.
    result = manage({**production_env, "SECURE_SSL_REDIRECT": "false"}, "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode != 0
    for warning in ("security.W004", "security.W008", "security.W012", "security.W016"):
        assert warning in both(result)


def test_migrations_are_complete(manage: Manage, production_env: Mapping[str, str]) -> None:
    result = manage(production_env, "makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, both(result)
    assert "No changes detected" in result.stdout


def test_settings_take_the_chart_variables(manage: Manage, production_env: Mapping[str, str]) -> None:
    env = {
        **production_env,
        "ALLOWED_HOSTS": "app.example.test, api.example.test",
        "WEB__CROSS_ORIGIN__0": "https://front.example.test",
        "WEB__CROSS_ORIGIN__1": "http://localhost:3000/",
        "SENTRY__DSN": "https://publickey@o1.ingest.sentry.io/7",
    }
    script = (
        "import json; from django.conf import settings as s; print(json.dumps({"
        "'hosts': s.ALLOWED_HOSTS, 'csrf': s.CSRF_TRUSTED_ORIGINS, 'cors': s.CORS_ALLOWED_ORIGINS,"
        "'sentry': s.SENTRY_CONFIGURED, 'debug': s.DEBUG, 'redirect': s.SECURE_SSL_REDIRECT,"
        "'engine': s.DATABASES['default']['ENGINE']}))"
    )
    result = manage(env, "shell", "--command", script)
    assert result.returncode == 0, both(result)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == {
        "hosts": ["app.example.test", "api.example.test"],
        "csrf": ["https://front.example.test", "http://localhost:3000"],
        "cors": ["https://front.example.test", "http://localhost:3000"],
        "sentry": True,
        "debug": False,
        "redirect": True,
        "engine": "django.db.backends.postgresql",
    }


def test_without_sentry_dsn_sentry_is_off(manage: Manage, production_env: Mapping[str, str]) -> None:
    result = manage(
        production_env, "shell", "--command", "from django.conf import settings; print(settings.SENTRY_CONFIGURED)"
    )
    assert result.returncode == 0, both(result)
    assert result.stdout.strip().splitlines()[-1] == "False"


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"SECRET_KEY": None}, "SECRET_KEY"),
        ({"ALLOWED_HOSTS": "", "SECRET_KEY": None}, "SECRET_KEY, ALLOWED_HOSTS"),
        ({"DATABASE_URL": None}, "DATABASE_URL"),
        ({"DEBUG": "yes"}, 'DEBUG must be "true" or "false"'),
        ({"DATABASE_URL": "sqlite:///db.sqlite3"}, "DATABASE_URL must use the postgres:// scheme"),
        (
            {"WEB__CROSS_ORIGIN__2": "https://b.example.test"},
            "WEB__CROSS_ORIGIN__2 is set but WEB__CROSS_ORIGIN__1 is not",
        ),
        ({"WEB__CROSS_ORIGIN__0": "front.example.test"}, "WEB__CROSS_ORIGIN__0 must be an origin"),
        ({"SENTRY__DSN": "not-a-dsn"}, "SENTRY__DSN must look like"),
    ],
)
def test_bad_production_config_fails_fast_naming_the_variable(
    manage: Manage, production_env: Mapping[str, str], change: dict[str, str | None], named: str
) -> None:
    env = {**production_env, **{k: v for k, v in change.items() if v is not None}}
    for key in (k for k, v in change.items() if v is None):
        del env[key]
    result = manage(env, "check")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert named in result.stderr
    # The configured key never appears, even when the error is about another variable.
    assert production_env["SECRET_KEY"] not in both(result)


def test_debug_true_runs_without_secret_key(manage: Manage, production_env: Mapping[str, str]) -> None:
    env = {**production_env, "DEBUG": "true"}
    del env["SECRET_KEY"], env["ALLOWED_HOSTS"]
    result = manage(env, "check")
    assert result.returncode == 0, both(result)


def test_checkenv_reports_names_only_and_exits_1_on_missing(manage: Manage, production_env: Mapping[str, str]) -> None:
    # The settings cannot load without SECRET_KEY; checkenv must still report, not crash.
    env = {**production_env, "SENTRY__DSN": "https://publickey@o1.ingest.sentry.io/7"}
    del env["SECRET_KEY"]
    result = manage(env, "checkenv", "SENTRY__DSN", "WEB__CROSS_ORIGIN__0", "WEB__CROSS_ORIGIN__1")
    assert result.returncode == 1, both(result)
    assert result.stdout.splitlines() == [
        "SECRET_KEY: MISSING",
        "DATABASE_URL: OK",
        "DEBUG: OK",
        "ALLOWED_HOSTS: OK",
        "SENTRY__DSN: OK",
        "WEB__CROSS_ORIGIN__0: OK",
        "WEB__CROSS_ORIGIN__1: MISSING",
        "checkenv: 2 of 7 missing: SECRET_KEY, WEB__CROSS_ORIGIN__1",
    ]
    for value in (
        env["DATABASE_URL"],
        "eks_platform:",
        env["SENTRY__DSN"],
        env["WEB__CROSS_ORIGIN__0"],
        "example.test",
    ):
        assert value not in both(result)


def test_checkenv_exits_0_when_all_present(manage: Manage, production_env: Mapping[str, str]) -> None:
    result = manage(production_env, "checkenv", "WEB__CROSS_ORIGIN__0")
    assert result.returncode == 0, both(result)
    assert result.stdout.splitlines()[-1] == "checkenv: all 5 set"
    assert production_env["SECRET_KEY"] not in both(result)


def test_checkenv_is_a_listed_management_command(manage: Manage, production_env: Mapping[str, str]) -> None:
    result = manage(production_env, "help", "checkenv")
    assert result.returncode == 0, both(result)
    assert "(OK/MISSING)" in result.stdout


def test_healthz_is_503_when_the_database_is_unreachable(manage: Manage, production_env: Mapping[str, str]) -> None:
    # A real refused connection (nothing listens on port 1), not a mock; the password in the
    # URL must not show up in the log line the failure produces.
    env = {
        **production_env,
        "DATABASE_URL": "postgres://eks_platform:unreachable-pw-5f2a@127.0.0.1:1/eks_platform_test",
    }
    script = (
        "from django.test import Client; r = Client().get('/healthz', headers={'host': '10.0.3.7:8000'}); "
        "print(r.status_code, r.content.decode())"
    )
    result = manage(env, "shell", "--command", script, timeout=60)
    assert result.returncode == 0, both(result)
    assert result.stdout.strip().splitlines()[-1] == '503 {"status": "error", "database": "unavailable"}'
    assert "health check: database unavailable" in result.stdout
    assert "unreachable-pw-5f2a" not in both(result)


@pytest.mark.parametrize(("trust", "expected"), [("true", ["HTTP_X_FORWARDED_PROTO", "https"]), ("", None)])
def test_forwarded_proto_is_trusted_only_behind_the_load_balancer(
    manage: Manage, production_env: Mapping[str, str], trust: str, expected: list[str] | None
) -> None:
    """Without the Ingress nothing overwrites X-Forwarded-Proto: a client could fake HTTPS."""
    env = {**production_env, "TRUST_X_FORWARDED_PROTO": trust}
    script = "import json; from django.conf import settings as s; print(json.dumps(s.SECURE_PROXY_SSL_HEADER))"
    result = manage(env, "shell", "--command", script)
    assert result.returncode == 0, both(result)
    assert json.loads(result.stdout.strip().splitlines()[-1]) == expected
