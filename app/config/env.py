"""Read the app's configuration from environment variables, strictly.

Every function takes the environment as a mapping (the settings pass ``os.environ``) so the
parsing is testable without touching the process environment. Errors are
``ImproperlyConfigured`` naming the variable and what is allowed, and never echo a value:
several of these variables hold secrets.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

#: Variables the service cannot run without in production (DEBUG=false).
REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "DATABASE_URL", "ALLOWED_HOSTS")

#: Prefix of the indexed origin variables: WEB__CROSS_ORIGIN__0, WEB__CROSS_ORIGIN__1, ...
CROSS_ORIGIN_PREFIX = "WEB__CROSS_ORIGIN__"

_TRUE = "true"
_FALSE = "false"


def read_str(environ: Mapping[str, str], name: str) -> str:
    """The variable's value with surrounding blanks removed; unset and blank both give ``""``."""
    return environ.get(name, "").strip()


def read_bool(environ: Mapping[str, str], name: str, *, default: bool) -> bool:
    """Parse ``"true"``/``"false"`` (any case); anything else is a configuration error.

    Being strict matters for flags like DEBUG: a typo such as ``"flase"`` must not quietly turn
    debug pages on in production.
    """
    raw = read_str(environ, name).lower()
    if not raw:
        return default
    if raw not in (_TRUE, _FALSE):
        raise ImproperlyConfigured(f'{name} must be "true" or "false"')
    return raw == _TRUE


def read_list(environ: Mapping[str, str], name: str) -> list[str]:
    """Split a comma-separated variable, dropping blanks (so a trailing comma is harmless)."""
    return [item.strip() for item in read_str(environ, name).split(",") if item.strip()]


def missing_variables(environ: Mapping[str, str], names: tuple[str, ...] | list[str]) -> list[str]:
    """Names that are unset or blank, in the order given."""
    return [name for name in names if not read_str(environ, name)]


def require_production_variables(environ: Mapping[str, str]) -> None:
    """Fail fast, naming every missing variable at once, when production config is incomplete."""
    missing = missing_variables(environ, REQUIRED_IN_PRODUCTION)
    if missing:
        raise ImproperlyConfigured(
            f"missing environment variable(s) {', '.join(missing)}: required when DEBUG is not "
            '"true" (in the cluster they come from the Deployment env and its Secret)'
        )


def parse_origin(name: str, value: str) -> str:
    """Check one origin is ``scheme://host[:port]`` and return it without a trailing slash.

    Django compares CSRF_TRUSTED_ORIGINS and browsers send Origin in exactly that form; a path
    or a missing scheme would silently never match, so it is rejected here instead.
    """
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
        raise ImproperlyConfigured(
            f"{name} must be an origin like https://app.example.com (scheme, host, optional port; no path)"
        )
    if parts.query or parts.fragment or parts.username or parts.password:
        raise ImproperlyConfigured(f"{name} must be a bare origin: no query, fragment or credentials")
    try:
        parts.port  # noqa: B018 - urlsplit validates the port only when it is read
    except ValueError:
        raise ImproperlyConfigured(f"{name} has an invalid port") from None
    return f"{parts.scheme}://{parts.netloc.lower()}"


def read_cross_origins(environ: Mapping[str, str]) -> list[str]:
    """Collect WEB__CROSS_ORIGIN__0, __1, ... (consecutive from 0) into a list of origins.

    A gap is an error rather than the end of the list: with __0 and __2 set, silently ignoring
    __2 would leave an origin the operator configured unexpectedly blocked.
    """
    indices: list[int] = []
    for key in environ:
        if not key.startswith(CROSS_ORIGIN_PREFIX):
            continue
        suffix = key.removeprefix(CROSS_ORIGIN_PREFIX)
        # Canonical decimal only: "__01" next to "__1" would otherwise be two names for one slot.
        if not re.fullmatch(r"0|[1-9][0-9]*", suffix):
            raise ImproperlyConfigured(f"{key}: the part after {CROSS_ORIGIN_PREFIX} must be an index 0, 1, 2, ...")
        indices.append(int(suffix))
    indices.sort()
    origins: list[str] = []
    for expected, index in enumerate(indices):
        name = f"{CROSS_ORIGIN_PREFIX}{index}"
        if index != expected:
            raise ImproperlyConfigured(
                f"{name} is set but {CROSS_ORIGIN_PREFIX}{expected} is not: indices must be consecutive from 0"
            )
        if not read_str(environ, name):
            raise ImproperlyConfigured(f"{name} is set but empty")
        origins.append(parse_origin(name, environ[name]))
    return origins


def read_sentry_dsn(environ: Mapping[str, str]) -> str:
    """SENTRY__DSN if set (only the prod stack sets it), checked for the DSN's shape.

    A DSN is ``https://<public key>@<host>/<project id>``; a malformed one is reported at
    start-up instead of the first time an error should have been sent.
    """
    name = "SENTRY__DSN"
    dsn = read_str(environ, name)
    if not dsn:
        return ""
    parts = urlsplit(dsn)
    project = parts.path.strip("/")
    if parts.scheme not in ("http", "https") or not parts.username or not parts.hostname or not project:
        raise ImproperlyConfigured(f"{name} must look like https://<key>@<host>/<project id>")
    return dsn


def read_database(environ: Mapping[str, str]) -> dict:
    """Django's DATABASES["default"] from DATABASE_URL, which must point at PostgreSQL.

    The app (its health check, its tests) is PostgreSQL-only on purpose: a silent fallback to
    SQLite would make every database assumption of the chart untested.
    """
    name = "DATABASE_URL"
    url = read_str(environ, name)
    if not url:
        raise ImproperlyConfigured(f"{name} is not set (postgres://user:password@host:5432/dbname)")
    try:
        database = dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True)
    except ValueError:
        # The library's message can quote parts of the URL; the password must not reach a log.
        raise ImproperlyConfigured(f"{name} is not a valid database URL") from None
    if database["ENGINE"] != "django.db.backends.postgresql":
        raise ImproperlyConfigured(f"{name} must use the postgres:// scheme")
    # Probes have timeouts of a few seconds; an unreachable database must fail the health check
    # in time, not hang it (the URL's ?connect_timeout= still wins).
    database.setdefault("OPTIONS", {}).setdefault("connect_timeout", 5)
    return dict(database)
