"""Every chart, image and add-on version the platform deploys, pinned in one place.

Bumping a version is a one-line change here, reviewed in the PR preview.
"""

from __future__ import annotations

# Amazon Linux 2023 is the EKS-optimised AMI family for 1.33+ (AL2 stops at 1.32).
DEFAULT_AMI_TYPE = "AL2023_x86_64_STANDARD"
GPU_AMI_TYPE = "AL2023_x86_64_NVIDIA"
