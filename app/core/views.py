"""The app's HTTP endpoints: the kubelet's probes and a small JSON index."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import DatabaseError, connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache

from core.models import InferenceJob

logger = logging.getLogger(__name__)


@never_cache
def livez(request: HttpRequest) -> JsonResponse:
    """Liveness: the process serves requests. No database, so an outage does not restart pods."""
    return JsonResponse({"status": "ok"})


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Readiness: 200 when ``SELECT 1`` succeeds, 503 otherwise (the pod leaves the Service)."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        # The driver's message names host and port, never the password; the response says less.
        logger.warning("health check: database unavailable: %s", error)
        return JsonResponse({"status": "error", "database": "unavailable"}, status=503)
    return JsonResponse({"status": "ok", "database": "ok"})


def index(request: HttpRequest) -> JsonResponse:
    """What this deployment is wired to, without revealing any value of its configuration."""
    return JsonResponse(
        {
            "service": "eks-platform reference app",
            "sentry": "configured" if settings.SENTRY_CONFIGURED else "not configured",
            "cross_origins": len(settings.CROSS_ORIGINS),
            "inference_jobs": InferenceJob.objects.count(),
        }
    )
