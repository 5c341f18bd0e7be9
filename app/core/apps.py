"""App configuration of ``core``."""

from django.apps import AppConfig


class CoreConfig(AppConfig):
    """The reference app's models, views, middleware and management commands."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "core"
    verbose_name = "eks-platform reference app"
