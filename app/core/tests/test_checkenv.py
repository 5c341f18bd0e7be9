"""``manage.py checkenv``: names and OK/MISSING only, exit 1 when something is missing."""

import io
import os
from unittest import mock

from django.core.management import CommandError, call_command
from django.test import SimpleTestCase

from core.management.commands import checkenv

VALUES = {
    "SECRET_KEY": "value-of-secret-key-must-not-print",
    "DATABASE_URL": "postgres://u:value-of-password@h/d",
    "DEBUG": "false",
    "ALLOWED_HOSTS": "value-of-hosts.example.test",
    "SENTRY__DSN": "https://value-of-dsn@h/1",
}


def run(environ: dict[str, str], *names: str) -> tuple[str, CommandError | None]:
    """Run the command with exactly ``environ`` as the process environment."""
    out = io.StringIO()
    with mock.patch.dict(os.environ, environ, clear=True):
        try:
            call_command("checkenv", *names, stdout=out)
        except CommandError as error:
            return out.getvalue(), error
    return out.getvalue(), None


class CheckenvTests(SimpleTestCase):
    """The Helm test pod's check of the Deployment's environment."""

    def test_all_set_exits_zero_and_prints_no_value(self) -> None:
        output, error = run(VALUES, "SENTRY__DSN")
        self.assertIsNone(error)
        self.assertEqual(
            output.splitlines(),
            [
                "SECRET_KEY: OK",
                "DATABASE_URL: OK",
                "DEBUG: OK",
                "ALLOWED_HOSTS: OK",
                "SENTRY__DSN: OK",
                "checkenv: all 5 set",
            ],
        )
        self.assertNotIn("value-of", output)

    def test_missing_and_blank_exit_one_and_are_named(self) -> None:
        environ = {**VALUES, "SECRET_KEY": "   "}
        del environ["DATABASE_URL"]
        output, error = run(environ, "WEB__CROSS_ORIGIN__0")
        assert error is not None
        self.assertEqual(error.returncode, 1)
        self.assertIn("SECRET_KEY: MISSING", output)
        self.assertIn("DATABASE_URL: MISSING", output)
        self.assertIn("WEB__CROSS_ORIGIN__0: MISSING", output)
        self.assertIn("DEBUG: OK", output)
        self.assertIn("3 of 5 missing", output)
        self.assertNotIn("value-of", output + str(error))

    def test_required_names_are_checked_without_arguments(self) -> None:
        output, error = run({})
        assert error is not None
        self.assertEqual([line.split(":")[0] for line in output.splitlines()[:4]], list(checkenv.EXPECTED))

    def test_repeated_names_are_checked_once(self) -> None:
        output, _ = run(VALUES, "SECRET_KEY", "SENTRY__DSN", "SENTRY__DSN")
        self.assertEqual(output.count("SECRET_KEY:"), 1)
        self.assertEqual(output.count("SENTRY__DSN:"), 1)

    def test_invalid_names_are_a_usage_error(self) -> None:
        _, error = run(VALUES, "NOT-A-NAME")
        assert error is not None
        self.assertEqual(error.returncode, 2)
        self.assertIn("NOT-A-NAME", str(error))
