"""GET /: what the deployment is wired to, never a configured value."""

from django.test import TestCase, override_settings

from core.models import InferenceJob

HOST = "api.example.test"
DSN = "https://abc123@o1.ingest.sentry.io/42"


@override_settings(ALLOWED_HOSTS=[HOST], SECURE_SSL_REDIRECT=False)
class IndexTests(TestCase):
    """SENTRY__DSN presence, the number of origins and of jobs."""

    @override_settings(SENTRY_DSN=DSN, SENTRY_CONFIGURED=True, CROSS_ORIGINS=["https://a.example.test"])
    def test_reports_sentry_configured_without_the_dsn(self) -> None:
        response = self.client.get("/", headers={"host": HOST})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.json()["sentry"], "configured")
        self.assertEqual(response.json()["cross_origins"], 1)
        self.assertNotIn("abc123", response.content.decode())

    @override_settings(SENTRY_DSN="", SENTRY_CONFIGURED=False)
    def test_reports_sentry_not_configured(self) -> None:
        response = self.client.get("/", headers={"host": HOST})
        self.assertEqual(response.json()["sentry"], "not configured")

    def test_counts_inference_jobs(self) -> None:
        InferenceJob.objects.create(name="a")
        InferenceJob.objects.create(name="b")
        response = self.client.get("/", headers={"host": HOST})
        self.assertEqual(response.json()["inference_jobs"], 2)
