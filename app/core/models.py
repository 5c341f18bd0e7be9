"""The app's one model: a record of an inference job run on the PROTO-INFERENCE-NG node group."""

from typing import ClassVar

from django.db import models


class InferenceJob(models.Model):
    """One inference request and where it stands; Argo workflows update ``status``."""

    class Status(models.TextChoices):
        """Lifecycle of a job, mirroring the phases of the Argo workflow that runs it."""

        PENDING = "pending", "Pending"
        RUNNING = "running", "Running"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"

    name = models.CharField(max_length=200)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    # The Argo Workflow that runs the job; blank until one is submitted. 253 is the longest
    # Kubernetes object name.
    workflow_name = models.CharField(max_length=253, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering: ClassVar[list[str]] = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} ({self.status})"
