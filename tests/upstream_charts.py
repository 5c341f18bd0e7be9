"""Render the real upstream charts with the program's values, from the chart cache (offline/charts.py).

`make setup` fetched every pinned chart into build/charts from the first source that has it
(CHARTS_DIR / CHARTS_MIRROR, ../shared/charts, the upstream repository). Where no source holds
the pin, the cache holds `components/versions.py`'s OFFLINE_SUBSTITUTES version instead
(argo-workflows: 1.0.18 offline, the pin 2.0.4 where the upstream repository is reachable); a
test that renders a chart then checks the program's values against that chart's templates, and
the session summary lists which version each render used (tests/conftest.py).
"""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import yaml

from components import versions
from offline import charts

ROOT = Path(__file__).resolve().parent.parent
HELM = charts.HELM
KUBE_VERSION = "1.34.0"
RENDERED: dict[str, charts.Fetched] = {}
"""Every chart rendered in this test process, by name (the session summary reports them)."""


def pinned(name: str) -> versions.Chart:
    """The pin of an upstream chart the committed stacks install."""
    found = [chart for chart in versions.pinned_charts() if chart.name == name]
    if len(found) != 1:
        raise KeyError(f"{name} is not one of the pinned charts: {[c.name for c in versions.pinned_charts()]}")
    return found[0]


def fetched(name: str) -> charts.Fetched:
    """The cached chart `name` (the pin, or its offline substitute), fetched if `make setup` has not."""
    chart = pinned(name)
    got = charts.obtain(chart.name, chart.version, chart.repository, substitute=versions.OFFLINE_SUBSTITUTES.get(name))
    RENDERED[name] = got
    return got


def packaged(name: str) -> Path:
    """The .tgz of `name` in the chart cache."""
    return fetched(name).path


def render(chart: str, values: dict[str, Any], *, namespace: str, release: str | None = None) -> list[dict[str, Any]]:
    """`helm template` of the cached chart with `values`: every object, hooks and CRDs included."""
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
