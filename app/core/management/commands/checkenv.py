"""``manage.py checkenv [NAME ...]``: which expected environment variables are set.

The Helm test pod runs it in the app image with the Deployment's environment. It prints one
line per variable, ``NAME: OK`` or ``NAME: MISSING``, and never a value (several are secrets,
and test pod logs are readable by anyone who can read the namespace). Exit status 1 when any
variable is missing or blank.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, Sequence
from typing import Any, ClassVar, TextIO

from django.core.management.base import BaseCommand, CommandError, CommandParser

#: Always checked; names given on the command line are checked in addition.
EXPECTED = ("SECRET_KEY", "DATABASE_URL", "DEBUG", "ALLOWED_HOSTS")

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def names_to_check(extra: Sequence[str]) -> list[str]:
    """EXPECTED followed by the extra names, without repeats; invalid names raise ValueError."""
    invalid = [name for name in extra if not _NAME.fullmatch(name)]
    if invalid:
        raise ValueError(f"not an environment variable name: {', '.join(invalid)}")
    return list(dict.fromkeys([*EXPECTED, *extra]))


def report(names: Sequence[str], environ: Mapping[str, str], out: TextIO) -> list[str]:
    """Write ``NAME: OK|MISSING`` for each name and return the missing ones.

    Only the presence of each variable is looked at; its value is never formatted anywhere.
    """
    missing = [name for name in names if not environ.get(name, "").strip()]
    for name in names:
        out.write(f"{name}: {'MISSING' if name in missing else 'OK'}\n")
    if missing:
        out.write(f"checkenv: {len(missing)} of {len(names)} missing: {', '.join(missing)}\n")
    else:
        out.write(f"checkenv: all {len(names)} set\n")
    return missing


def run_standalone(argv: Sequence[str]) -> int:
    """Entry point used by manage.py, before (and without) loading the Django settings."""
    try:
        names = names_to_check(argv)
    except ValueError as error:
        sys.stderr.write(f"usage: manage.py checkenv [NAME ...]\ncheckenv: {error}\n")
        return 2
    return 1 if report(names, os.environ, sys.stdout) else 0


class Command(BaseCommand):
    """The same check through Django's machinery (``call_command("checkenv")``, ``manage.py help``)."""

    help = "Report which expected environment variables are set (OK/MISSING), never their values."
    # Checks would need a complete configuration, which is what this command is about.
    requires_system_checks: ClassVar[list[str]] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("names", nargs="*", help="optional variables to check as well, e.g. SENTRY__DSN")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            names = names_to_check(options["names"])
        except ValueError as error:
            raise CommandError(str(error), returncode=2) from None
        missing = report(names, os.environ, self.stdout)
        if missing:
            raise CommandError(f"missing: {', '.join(missing)}", returncode=1)
