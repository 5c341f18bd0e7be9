"""Request metrics: what django-prometheus counts, and the helpers the gunicorn hooks call.

Under `manage.py test` prometheus_client runs in-process (no PROMETHEUS_MULTIPROC_DIR), so the
counts are read from its default registry; tests/app/test_app_metrics.py covers the multiprocess
sum under gunicorn.
"""

import tempfile
from pathlib import Path

from django.test import SimpleTestCase, TestCase, override_settings
from prometheus_client import REGISTRY

from config import metrics

PUBLIC_HOST = "app.example.test"
POD_IP_HOST = "10.0.3.7:8000"
REQUESTS = "django_http_requests_total_by_view_transport_method_total"
RESPONSES = "django_http_responses_total_by_status_view_method_total"
ALL_REQUESTS = "django_http_requests_before_middlewares_total"


def sample(name: str, **labels: str) -> float:
    return REGISTRY.get_sample_value(name, labels) or 0.0


@override_settings(ALLOWED_HOSTS=[PUBLIC_HOST], SECURE_SSL_REDIRECT=False)
class RequestMetricsTests(TestCase):
    """The middleware counts the app's requests by view and status, and leaves the probes out."""

    def test_a_request_is_counted_by_view_and_status(self) -> None:
        labels = {"view": "index", "transport": "http", "method": "GET"}
        before = (sample(REQUESTS, **labels), sample(RESPONSES, view="index", method="GET", status="200"))
        response = self.client.get("/", headers={"host": PUBLIC_HOST})
        self.assertEqual(response.status_code, 200)
        after = (sample(REQUESTS, **labels), sample(RESPONSES, view="index", method="GET", status="200"))
        self.assertEqual(after, (before[0] + 1, before[1] + 1))

    def test_the_probes_are_not_traffic(self) -> None:
        before = sample(ALL_REQUESTS)
        for path in ("/livez", "/healthz"):
            self.assertEqual(self.client.get(path, headers={"host": POD_IP_HOST}).status_code, 200)
        self.assertEqual(sample(ALL_REQUESTS), before)

    def test_an_unknown_page_is_counted_without_a_view(self) -> None:
        before = sample("django_http_responses_total_by_status_total", status="404")
        self.assertEqual(self.client.get("/metrics", headers={"host": PUBLIC_HOST}).status_code, 404)
        self.assertEqual(sample("django_http_responses_total_by_status_total", status="404"), before + 1)


class MetricsPortTests(SimpleTestCase):
    """METRICS_PORT, read strictly: a typo must not move or silently drop the metrics server."""

    def test_default_when_unset_or_blank(self) -> None:
        self.assertEqual(metrics.read_port({}), 9000)
        self.assertEqual(metrics.read_port({"METRICS_PORT": "  "}), 9000)

    def test_a_port_or_zero(self) -> None:
        self.assertEqual(metrics.read_port({"METRICS_PORT": "9100"}), 9100)
        self.assertEqual(metrics.read_port({"METRICS_PORT": "0"}), 0)

    def test_anything_else_is_refused_naming_the_variable(self) -> None:
        for bad in ("nine", "-1", "65536", "90 00"):
            with self.subTest(bad=bad), self.assertRaisesMessage(metrics.MetricsConfigError, "METRICS_PORT must be"):
                metrics.read_port({"METRICS_PORT": bad})


class MultiprocDirectoryTests(SimpleTestCase):
    """The sample directory: where it is, and what the master clears before the workers start."""

    def test_default_directory_is_on_tmp(self) -> None:
        self.assertEqual(metrics.multiproc_dir({}), Path("/tmp/prometheus-multiproc"))
        self.assertEqual(metrics.multiproc_dir({"PROMETHEUS_MULTIPROC_DIR": "/tmp/x"}), Path("/tmp/x"))

    def test_prepare_creates_the_directory_and_removes_only_sample_files(self) -> None:
        with tempfile.TemporaryDirectory() as tmp:
            directory = Path(tmp) / "samples"
            metrics.prepare_directory(directory)
            self.assertTrue(directory.is_dir())
            (directory / "counter_41.db").write_bytes(b"old")
            (directory / "histogram_41.db").write_bytes(b"old")
            (directory / "README").write_text("not ours")
            metrics.prepare_directory(directory)
            self.assertEqual(sorted(p.name for p in directory.iterdir()), ["README"])
