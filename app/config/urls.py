"""URL routes. /livez and /healthz are not here: core.middleware.ProbeMiddleware answers them
before URL resolution (and before Host validation), see core/middleware.py."""

from django.contrib import admin
from django.urls import path

from core import views

urlpatterns = [
    path("", views.index, name="index"),
    path("admin/", admin.site.urls),
]
