"""Settings of the eks-platform reference app, read from the environment (twelve-factor).

One module for every environment: the Helm chart sets the variables (see app/README.md), and
production is simply DEBUG=false. Loading fails fast, naming the variable, when production
configuration is incomplete or malformed; no secret has a default outside DEBUG=true.
"""

from __future__ import annotations

import os
from pathlib import Path

from config import env

BASE_DIR = Path(__file__).resolve().parent.parent

DEBUG = env.read_bool(os.environ, "DEBUG", default=False)
if not DEBUG:
    env.require_production_variables(os.environ)

# The "django-insecure-" prefix makes `check --deploy` flag this key should it ever be used
# with DEBUG=false (it cannot: production requires SECRET_KEY above).
SECRET_KEY = env.read_str(os.environ, "SECRET_KEY") or "django-insecure-local-development-only"

# With DEBUG=true and an empty list Django accepts localhost, which is what a developer needs.
ALLOWED_HOSTS = env.read_list(os.environ, "ALLOWED_HOSTS")

DATABASES = {"default": env.read_database(os.environ)}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# WEB__CROSS_ORIGIN__n: the browser origins of the front ends that call this API. They may
# POST with the CSRF cookie (CSRF_TRUSTED_ORIGINS) and read responses (CORS_ALLOWED_ORIGINS,
# served by core.middleware.CrossOriginMiddleware).
CROSS_ORIGINS = env.read_cross_origins(os.environ)
CSRF_TRUSTED_ORIGINS = CROSS_ORIGINS
CORS_ALLOWED_ORIGINS = CROSS_ORIGINS

# Only the prod stack sets SENTRY__DSN. The app reports whether it is configured (GET /);
# shipping events would need sentry-sdk, which this reference app deliberately does not pin.
SENTRY_DSN = env.read_sentry_dsn(os.environ)
SENTRY_CONFIGURED = bool(SENTRY_DSN)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "core",
]

MIDDLEWARE = [
    # First, so the kubelet's probes (Host: <pod IP>:8000, plain HTTP) are answered before
    # anything validates the Host header or redirects to HTTPS.
    "core.middleware.ProbeMiddleware",
    # Request metrics (django-prometheus), around everything but the probes: the kubelet's
    # requests are not traffic, and counting them would dilute the 5xx ratio and the latency the
    # canary analysis judges. The After half is last, so it sees the view and the final status.
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    # After CommonMiddleware, so a preflight is only answered for an allowed Host.
    "core.middleware.CrossOriginMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

# No "django_prometheus" app: its ready() would only start a metrics server per process, which the
# gunicorn master's multiprocess server replaces (config/metrics.py, gunicorn.conf.py).

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

# Collected at image build time (the root filesystem is read-only at run time) and served by
# WhiteNoise from the image, with hashed names so they can be cached forever.
STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# HTTPS. TLS ends at the load balancer (the ALB's 443 listener, with the stack's ACM
# certificate; port 80 only redirects to 443), which forwards plain HTTP and sets
# X-Forwarded-Proto. The header is trusted only when TRUST_X_FORWARDED_PROTO=true, which the
# chart sets only when its Ingress is on: then the load balancer overwrites whatever a client
# sent, and the NetworkPolicy admits outside traffic only from the VPC (the ALB's subnets).
# Without a proxy in front (port-forward, a bare Service) a client could forge the header, so
# it is ignored. The probes are exempt from the redirect (plain HTTP to the pod IP);
# ProbeMiddleware answers them first anyway. SECURE_SSL_REDIRECT=false is for a cluster
# without TLS (the local kind stack); it also drops the Secure cookie flag and HSTS, which
# `check --deploy` then reports.
if env.read_bool(os.environ, "TRUST_X_FORWARDED_PROTO", default=False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
HTTPS_ONLY = env.read_bool(os.environ, "SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_SSL_REDIRECT = HTTPS_ONLY
SECURE_REDIRECT_EXEMPT = [r"^livez$", r"^healthz$"]
SESSION_COOKIE_SECURE = HTTPS_ONLY
CSRF_COOKIE_SECURE = HTTPS_ONLY
SECURE_HSTS_SECONDS = 31_536_000 if HTTPS_ONLY else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS_ONLY
SECURE_HSTS_PRELOAD = HTTPS_ONLY

# Containers log to stdout. Django's own default shows errors only when DEBUG=true and mails
# them otherwise; here every environment gets the same single stream.
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "stream": "ext://sys.stdout", "formatter": "plain"}},
    "root": {"handlers": ["stdout"], "level": "INFO"},
    "loggers": {"django": {"handlers": ["stdout"], "level": "INFO", "propagate": False}},
}
