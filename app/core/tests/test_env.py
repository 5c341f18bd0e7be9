"""Parsing of the environment variables the chart sets (config/env.py)."""

from django.core.exceptions import ImproperlyConfigured
from django.test import SimpleTestCase

from config import env

DATABASE_URL = "postgres://app:s3cr3t-pw@db.internal:5432/app"


class ReadBoolTests(SimpleTestCase):
    """DEBUG and friends accept exactly "true" and "false"."""

    def test_true_and_false_in_any_case(self) -> None:
        self.assertIs(env.read_bool({"DEBUG": "TRUE"}, "DEBUG", default=False), True)
        self.assertIs(env.read_bool({"DEBUG": " false "}, "DEBUG", default=True), False)

    def test_unset_or_blank_gives_the_default(self) -> None:
        self.assertIs(env.read_bool({}, "DEBUG", default=False), False)
        self.assertIs(env.read_bool({"DEBUG": ""}, "DEBUG", default=True), True)

    def test_anything_else_is_an_error_naming_the_variable(self) -> None:
        for value in ("yes", "1", "flase"):
            with self.subTest(value=value), self.assertRaisesMessage(ImproperlyConfigured, 'DEBUG must be "true"'):
                env.read_bool({"DEBUG": value}, "DEBUG", default=False)


class ReadListTests(SimpleTestCase):
    """ALLOWED_HOSTS is comma-separated."""

    def test_splits_and_strips(self) -> None:
        hosts = env.read_list({"ALLOWED_HOSTS": " api.example.com, .example.org ,,"}, "ALLOWED_HOSTS")
        self.assertEqual(hosts, ["api.example.com", ".example.org"])

    def test_unset_is_empty(self) -> None:
        self.assertEqual(env.read_list({}, "ALLOWED_HOSTS"), [])


class CrossOriginTests(SimpleTestCase):
    """WEB__CROSS_ORIGIN__0, __1, ... become one list of origins."""

    def test_consecutive_indices_in_index_order(self) -> None:
        environ = {
            "WEB__CROSS_ORIGIN__1": "https://admin.example.com",
            "WEB__CROSS_ORIGIN__0": "https://app.example.com/",
            "WEB__CROSS_ORIGIN__2": "http://localhost:3000",
            "UNRELATED": "x",
        }
        self.assertEqual(
            env.read_cross_origins(environ),
            ["https://app.example.com", "https://admin.example.com", "http://localhost:3000"],
        )

    def test_ten_and_more_sort_numerically(self) -> None:
        environ = {f"WEB__CROSS_ORIGIN__{i}": f"https://o{i}.example.com" for i in range(12)}
        origins = env.read_cross_origins(environ)
        self.assertEqual(origins[10], "https://o10.example.com")
        self.assertEqual(len(origins), 12)

    def test_none_set_is_empty(self) -> None:
        self.assertEqual(env.read_cross_origins({"WEB__OTHER": "x"}), [])

    def test_a_gap_is_an_error_naming_both_indices(self) -> None:
        environ = {"WEB__CROSS_ORIGIN__0": "https://a.example.com", "WEB__CROSS_ORIGIN__2": "https://b.example.com"}
        with self.assertRaisesMessage(
            ImproperlyConfigured, "WEB__CROSS_ORIGIN__2 is set but WEB__CROSS_ORIGIN__1 is not"
        ):
            env.read_cross_origins(environ)

    def test_not_starting_at_zero_is_an_error(self) -> None:
        with self.assertRaisesMessage(ImproperlyConfigured, "WEB__CROSS_ORIGIN__0 is not"):
            env.read_cross_origins({"WEB__CROSS_ORIGIN__1": "https://a.example.com"})

    def test_non_canonical_suffixes_are_errors(self) -> None:
        for key in ("WEB__CROSS_ORIGIN__01", "WEB__CROSS_ORIGIN__X", "WEB__CROSS_ORIGIN__"):
            with self.subTest(key=key), self.assertRaisesMessage(ImproperlyConfigured, key):
                env.read_cross_origins({key: "https://a.example.com"})

    def test_blank_value_is_an_error(self) -> None:
        with self.assertRaisesMessage(ImproperlyConfigured, "WEB__CROSS_ORIGIN__0 is set but empty"):
            env.read_cross_origins({"WEB__CROSS_ORIGIN__0": "  "})

    def test_values_that_are_not_origins_are_errors(self) -> None:
        for value in (
            "app.example.com",
            "ftp://app.example.com",
            "https://app.example.com/path",
            "https://app.example.com?x=1",
            "https://user:pw@app.example.com",
            "https://app.example.com:notaport",
        ):
            with self.subTest(value=value), self.assertRaisesMessage(ImproperlyConfigured, "WEB__CROSS_ORIGIN__0"):
                env.read_cross_origins({"WEB__CROSS_ORIGIN__0": value})

    def test_error_messages_do_not_echo_the_value(self) -> None:
        with self.assertRaises(ImproperlyConfigured) as raised:
            env.read_cross_origins({"WEB__CROSS_ORIGIN__0": "https://user:hunter2@app.example.com"})
        self.assertNotIn("hunter2", str(raised.exception))

    def test_host_is_lowercased_and_port_kept(self) -> None:
        self.assertEqual(env.parse_origin("X", "https://App.Example.com:8443"), "https://app.example.com:8443")


class SentryDsnTests(SimpleTestCase):
    """SENTRY__DSN is optional; when set it must look like a DSN."""

    def test_unset_means_not_configured(self) -> None:
        self.assertEqual(env.read_sentry_dsn({}), "")
        self.assertEqual(env.read_sentry_dsn({"SENTRY__DSN": " "}), "")

    def test_a_dsn_is_returned(self) -> None:
        dsn = "https://abc123@o1.ingest.sentry.io/42"
        self.assertEqual(env.read_sentry_dsn({"SENTRY__DSN": dsn}), dsn)

    def test_malformed_dsn_is_an_error_without_the_value(self) -> None:
        for value in ("not-a-dsn", "https://o1.ingest.sentry.io/42", "https://key@o1.ingest.sentry.io/"):
            with self.subTest(value=value), self.assertRaises(ImproperlyConfigured) as raised:
                env.read_sentry_dsn({"SENTRY__DSN": value})
            self.assertIn("SENTRY__DSN", str(raised.exception))
            self.assertNotIn(value, str(raised.exception))


class DatabaseUrlTests(SimpleTestCase):
    """DATABASE_URL must be PostgreSQL, and errors never show the password."""

    def test_postgres_url_is_parsed(self) -> None:
        database = env.read_database({"DATABASE_URL": DATABASE_URL})
        self.assertEqual(database["ENGINE"], "django.db.backends.postgresql")
        self.assertEqual((database["HOST"], database["PORT"], database["NAME"]), ("db.internal", 5432, "app"))
        self.assertEqual(database["OPTIONS"]["connect_timeout"], 5)
        self.assertTrue(database["CONN_HEALTH_CHECKS"])

    def test_connect_timeout_from_the_url_wins(self) -> None:
        database = env.read_database({"DATABASE_URL": DATABASE_URL + "?connect_timeout=2"})
        self.assertEqual(database["OPTIONS"]["connect_timeout"], 2)

    def test_missing_is_an_error_naming_the_variable(self) -> None:
        with self.assertRaisesMessage(ImproperlyConfigured, "DATABASE_URL is not set"):
            env.read_database({})

    def test_other_engines_are_rejected(self) -> None:
        for url in ("sqlite:///db.sqlite3", "mysql://u:s3cr3t-pw@h/d"):
            with self.subTest(url=url), self.assertRaises(ImproperlyConfigured) as raised:
                env.read_database({"DATABASE_URL": url})
            self.assertIn("DATABASE_URL", str(raised.exception))
            self.assertNotIn("s3cr3t-pw", str(raised.exception))

    def test_unparseable_url_does_not_leak_the_password(self) -> None:
        for url in ("postgres://u:s3cr3t-pw@h:notaport/d", "s3cr3t-pw://u@h/d"):
            with self.subTest(url=url), self.assertRaises(ImproperlyConfigured) as raised:
                env.read_database({"DATABASE_URL": url})
            self.assertIn("DATABASE_URL", str(raised.exception))
            self.assertNotIn("s3cr3t-pw", str(raised.exception))


class ProductionRequirementsTests(SimpleTestCase):
    """Without DEBUG=true the settings refuse to load with a variable missing."""

    def test_all_missing_names_are_listed_at_once(self) -> None:
        with self.assertRaises(ImproperlyConfigured) as raised:
            env.require_production_variables({"DATABASE_URL": DATABASE_URL, "SECRET_KEY": "  "})
        message = str(raised.exception)
        self.assertIn("SECRET_KEY, ALLOWED_HOSTS", message)
        self.assertNotIn("DATABASE_URL", message.split(":")[0])
        self.assertNotIn("s3cr3t-pw", message)

    def test_complete_configuration_passes(self) -> None:
        env.require_production_variables(
            {"DATABASE_URL": DATABASE_URL, "SECRET_KEY": "k" * 60, "ALLOWED_HOSTS": "api.example.com"}
        )
