"""Middleware for running behind the kubelet and browsers of other origins."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

from core import views

#: Paths the kubelet probes; the chart's probes point at exactly these.
PROBES: dict[str, Callable[[HttpRequest], HttpResponse]] = {
    "/livez": views.livez,
    "/healthz": views.healthz,
}


class ProbeMiddleware:
    """Answer GET/HEAD /livez and /healthz before Host validation and the HTTPS redirect.

    The kubelet probes http://<pod IP>:8000 with ``Host: <pod IP>:8000``. Pod IPs change with
    every pod and do not belong in ALLOWED_HOSTS, where any client could then use them; so this
    middleware, first in MIDDLEWARE, serves the two probe paths without ever reading the Host
    header. Every other path still goes through the normal, strict checks.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        probe = PROBES.get(request.path_info)
        if probe is not None and request.method in ("GET", "HEAD"):
            return probe(request)
        return self.get_response(request)


class CrossOriginMiddleware:
    """Minimal CORS for the origins in WEB__CROSS_ORIGIN__n (settings.CORS_ALLOWED_ORIGINS).

    An allowed origin gets ``Access-Control-Allow-Origin`` echoed back (with credentials: the
    same origins are CSRF_TRUSTED_ORIGINS, trusted to send the session and CSRF cookies) and its
    preflight answered; any other origin gets no CORS header, so the browser withholds the
    response. There is no wildcard: only origins listed by the operator are ever echoed.
    """

    ALLOWED_METHODS = "GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"
    ALLOWED_HEADERS = "accept, authorization, content-type, x-csrftoken, x-requested-with"
    PREFLIGHT_MAX_AGE = "600"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        origin = request.headers.get("Origin")
        allowed = origin is not None and origin in settings.CORS_ALLOWED_ORIGINS
        if allowed and self._is_preflight(request):
            response = HttpResponse(status=204)
            response["Access-Control-Allow-Methods"] = self.ALLOWED_METHODS
            response["Access-Control-Allow-Headers"] = self.ALLOWED_HEADERS
            response["Access-Control-Max-Age"] = self.PREFLIGHT_MAX_AGE
        else:
            response = self.get_response(request)
        if allowed:
            response["Access-Control-Allow-Origin"] = origin
            response["Access-Control-Allow-Credentials"] = "true"
        # Caches must not serve one origin's answer to another.
        patch_vary_headers(response, ("Origin",))
        return response

    @staticmethod
    def _is_preflight(request: HttpRequest) -> bool:
        return request.method == "OPTIONS" and "Access-Control-Request-Method" in request.headers
