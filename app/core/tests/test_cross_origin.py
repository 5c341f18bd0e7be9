"""CORS for the origins configured through WEB__CROSS_ORIGIN__n."""

from django.test import TestCase, override_settings

HOST = "api.example.test"
FRONT_END = "https://app.example.test"


@override_settings(ALLOWED_HOSTS=[HOST], SECURE_SSL_REDIRECT=False, CORS_ALLOWED_ORIGINS=[FRONT_END])
class CrossOriginTests(TestCase):
    """Allowed origins are echoed back; others get no CORS header at all."""

    def test_allowed_origin_is_echoed_with_credentials(self) -> None:
        response = self.client.get("/", headers={"host": HOST, "origin": FRONT_END})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response["Access-Control-Allow-Origin"], FRONT_END)
        self.assertEqual(response["Access-Control-Allow-Credentials"], "true")
        self.assertIn("Origin", response["Vary"])

    def test_other_origins_get_no_cors_headers(self) -> None:
        for origin in ("https://evil.example.test", FRONT_END + ":8443", "null"):
            with self.subTest(origin=origin):
                response = self.client.get("/", headers={"host": HOST, "origin": origin})
                self.assertNotIn("Access-Control-Allow-Origin", response)
                self.assertNotIn("Access-Control-Allow-Credentials", response)
                self.assertIn("Origin", response["Vary"])

    def test_preflight_of_an_allowed_origin_is_answered(self) -> None:
        response = self.client.options(
            "/", headers={"host": HOST, "origin": FRONT_END, "access-control-request-method": "POST"}
        )
        self.assertEqual(response.status_code, 204)
        self.assertEqual(response["Access-Control-Allow-Origin"], FRONT_END)
        self.assertIn("POST", response["Access-Control-Allow-Methods"])
        self.assertIn("x-csrftoken", response["Access-Control-Allow-Headers"])

    def test_preflight_of_another_origin_is_not(self) -> None:
        response = self.client.options(
            "/", headers={"host": HOST, "origin": "https://evil.example.test", "access-control-request-method": "POST"}
        )
        self.assertNotEqual(response.status_code, 204)
        self.assertNotIn("Access-Control-Allow-Origin", response)

    def test_preflight_still_needs_an_allowed_host(self) -> None:
        with self.assertLogs("django.security.DisallowedHost", level="ERROR"):
            response = self.client.options(
                "/", headers={"host": "10.0.3.7:8000", "origin": FRONT_END, "access-control-request-method": "POST"}
            )
        self.assertEqual(response.status_code, 400)

    # The manifest of hashed static names exists only after collectstatic (image build); the
    # login page's {% static %} tags need plain names here.
    @override_settings(
        CSRF_TRUSTED_ORIGINS=[FRONT_END],
        STORAGES={
            "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    )
    def test_csrf_trusts_the_same_origins_for_https_posts(self) -> None:
        # The admin login POST is a real CSRF-protected view: an untrusted Origin is refused
        # with 403 before the form is looked at, a trusted one gets past the Origin check.
        client = self.client_class(enforce_csrf_checks=True)
        headers = {"host": HOST, "x-forwarded-proto": "https"}
        client.get("/admin/login/", headers=headers, secure=True)
        token = client.cookies["csrftoken"].value
        form = {"csrfmiddlewaretoken": token, "username": "nobody", "password": "wrong"}
        with self.assertLogs("django.security.csrf", level="WARNING"):
            refused = client.post(
                "/admin/login/", form, headers={**headers, "origin": "https://evil.example.test"}, secure=True
            )
        self.assertEqual(refused.status_code, 403)
        accepted = client.post("/admin/login/", form, headers={**headers, "origin": FRONT_END}, secure=True)
        self.assertNotEqual(accepted.status_code, 403)
