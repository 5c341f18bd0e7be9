"""The kubelet's probes: /livez, /healthz, and the Host and HTTPS rules around them."""

import re
from unittest import mock

from django.conf import settings
from django.db import OperationalError
from django.test import SimpleTestCase, TestCase, override_settings

from core.middleware import PROBES

POD_IP_HOST = "10.0.3.7:8000"
PUBLIC_HOST = "app.example.test"


@override_settings(ALLOWED_HOSTS=[PUBLIC_HOST], SECURE_SSL_REDIRECT=True)
class HealthzTests(TestCase):
    """/healthz reports the database, over plain HTTP, whatever the Host header says."""

    def test_ok_with_the_database_up(self) -> None:
        response = self.client.get("/healthz", headers={"host": POD_IP_HOST})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok", "database": "ok"})

    def test_503_when_the_database_cannot_be_reached(self) -> None:
        refused = OperationalError("connection to server at 127.0.0.1, port 5432 failed: Connection refused")
        with (
            mock.patch("core.views.connection") as database,
            self.assertLogs("core.views", level="WARNING") as logs,
            self.assertLogs("django.request", level="ERROR"),
        ):
            database.cursor.side_effect = refused
            response = self.client.get("/healthz", headers={"host": POD_IP_HOST})
        self.assertEqual(response.status_code, 503)
        self.assertEqual(response.json(), {"status": "error", "database": "unavailable"})
        self.assertIn("Connection refused", logs.output[0])

    def test_the_probe_really_queries_the_database(self) -> None:
        with self.assertNumQueries(1):
            self.client.get("/healthz", headers={"host": POD_IP_HOST})

    def test_never_cached(self) -> None:
        response = self.client.get("/healthz", headers={"host": POD_IP_HOST})
        self.assertIn("no-cache", response["Cache-Control"])

    def test_head_is_answered_too(self) -> None:
        response = self.client.head("/healthz", headers={"host": POD_IP_HOST})
        self.assertEqual(response.status_code, 200)


@override_settings(ALLOWED_HOSTS=[PUBLIC_HOST], SECURE_SSL_REDIRECT=True)
class LivezTests(SimpleTestCase):
    """/livez needs no database: SimpleTestCase fails any test that queries one."""

    def test_ok_without_touching_the_database(self) -> None:
        response = self.client.get("/livez", headers={"host": POD_IP_HOST})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json(), {"status": "ok"})

    def test_healthz_does_touch_it(self) -> None:
        # The counterpart that proves the test above can fail: SimpleTestCase forbids queries.
        with (
            self.assertRaisesMessage(AssertionError, "Database queries to 'default' are not allowed"),
            self.assertLogs("django.request", level="ERROR"),
        ):
            self.client.get("/healthz", headers={"host": POD_IP_HOST})


@override_settings(ALLOWED_HOSTS=[PUBLIC_HOST], SECURE_SSL_REDIRECT=True)
class HostAndHttpsRulesTests(TestCase):
    """A pod IP as Host is fine for the probes and nowhere else; only probes skip the redirect."""

    def test_pod_ip_host_is_rejected_off_the_probe_paths(self) -> None:
        with self.assertLogs("django.security.DisallowedHost", level="ERROR"):
            response = self.client.get("/", headers={"host": POD_IP_HOST}, secure=True)
        self.assertEqual(response.status_code, 400)

    def test_lookalike_probe_paths_get_no_exemption(self) -> None:
        with self.assertLogs("django.security.DisallowedHost", level="ERROR"):
            response = self.client.get("/healthz/", headers={"host": POD_IP_HOST}, secure=True)
        self.assertEqual(response.status_code, 400)

    def test_probe_paths_only_bypass_for_get_and_head(self) -> None:
        with self.assertLogs("django.security.DisallowedHost", level="ERROR"):
            response = self.client.post("/healthz", headers={"host": POD_IP_HOST}, secure=True)
        self.assertEqual(response.status_code, 400)

    def test_allowed_host_over_plain_http_is_redirected_to_https(self) -> None:
        response = self.client.get("/", headers={"host": PUBLIC_HOST})
        self.assertEqual(response.status_code, 301)
        self.assertEqual(response["Location"], f"https://{PUBLIC_HOST}/")

    def test_load_balancer_https_header_counts_as_https(self) -> None:
        response = self.client.get("/", headers={"host": PUBLIC_HOST, "x-forwarded-proto": "https"})
        self.assertEqual(response.status_code, 200)
        self.assertIn("max-age=31536000", response["Strict-Transport-Security"])

    def test_probes_over_plain_http_are_not_redirected(self) -> None:
        for path in ("/livez", "/healthz"):
            with self.subTest(path=path):
                response = self.client.get(path, headers={"host": POD_IP_HOST})
                self.assertEqual(response.status_code, 200)

    def test_redirect_exemption_covers_exactly_the_probe_paths(self) -> None:
        # Belt and braces behind ProbeMiddleware: SecurityMiddleware matches these patterns
        # against the path without its leading slash.
        patterns = [re.compile(pattern) for pattern in settings.SECURE_REDIRECT_EXEMPT]
        for path in PROBES:
            self.assertTrue(any(p.search(path.lstrip("/")) for p in patterns), path)
        for path in ("healthz/", "livez/x", "admin/livez", "", "healthzz"):
            self.assertFalse(any(p.search(path) for p in patterns), path)
