"""Admin for InferenceJob (also what gives collectstatic real files to collect)."""

from django.contrib import admin

from core.models import InferenceJob


@admin.register(InferenceJob)
class InferenceJobAdmin(admin.ModelAdmin):
    """List jobs by status; the workflow name links a job to its Argo run."""

    list_display = ("name", "status", "workflow_name", "created_at")
    list_filter = ("status",)
    search_fields = ("name", "workflow_name")
