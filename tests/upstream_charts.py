"""Render the real upstream charts (../shared/charts, see its README) with the program's values.

The packaged versions there can differ from the versions the program pins (argo-workflows: the
mirror holds 1.0.18, the program pins components/versions.py's ARGO_WORKFLOWS_CHART); a test that
renders one checks the program's values against that chart's templates, not the pin itself.
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
HELM = ROOT / "tools" / "bin" / "helm"
MIRROR = ROOT.parent / "shared" / "charts"
KUBE_VERSION = "1.34.0"


def packaged(chart: str) -> Path:
    """The one .tgz of `chart` in the mirror (../shared/charts beside the checkout, as CI lays it)."""
    found = sorted(MIRROR.glob(f"{chart}-[0-9]*.tgz"))
    if len(found) != 1:
        raise FileNotFoundError(f"expected one {chart}-<version>.tgz in {MIRROR}, found {[p.name for p in found]}")
    return found[0]


def render(chart: str, values: dict[str, Any], *, namespace: str, release: str | None = None) -> list[dict[str, Any]]:
    """`helm template` of the mirrored chart with `values`: every object, hooks and CRDs included."""
    with tempfile.NamedTemporaryFile("w", suffix=".json") as values_file:
        json.dump(values, values_file)
        values_file.flush()
        out = subprocess.run(
            [
                str(HELM),
                "template",
                release or chart,
                str(packaged(chart)),
                "--namespace",
                namespace,
                "--kube-version",
                KUBE_VERSION,
                "--include-crds",
                "-f",
                values_file.name,
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
    return [doc for doc in yaml.safe_load_all(out) if doc]
