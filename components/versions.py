"""Every chart, image and add-on version the platform deploys, pinned in one place.

Bumping a version is a one-line change here, reviewed in the PR preview.
"""

from __future__ import annotations

# Amazon Linux 2023 is the EKS-optimised AMI family for 1.33+ (AL2 stops at 1.32).
DEFAULT_AMI_TYPE = "AL2023_x86_64_STANDARD"
GPU_AMI_TYPE = "AL2023_x86_64_NVIDIA"

# ---- Argo Workflows -------------------------------------------------------------------------
ARGO_HELM_REPO = "https://argoproj.github.io/argo-helm"
# Chart 2.0.4 (Aug 2026); its appVersion pins the controller, server and executor images.
ARGO_WORKFLOWS_CHART = "2.0.4"
# Default image of the run-code and fan-out WorkflowTemplates.
RUN_CODE_IMAGE = "python:3.11.14-slim-bookworm"
