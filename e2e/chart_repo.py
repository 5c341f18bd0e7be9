"""The chart cache (build/charts, see offline/charts.py) served as a Helm chart repository on loopback.

CI reaches no chart repository; the stack's `chartMirror` points at this one, so the e2e run
installs exactly the charts the offline tests render. Started with a pid file in the run state
and stopped by that pid.
"""

from __future__ import annotations

import sys
import time
import urllib.request
from pathlib import Path

from components import versions
from e2e.procs import ManagedProcess, free_loopback_port
from offline import charts


def cached_versions() -> dict[str, str]:
    """Chart name -> the version the cache holds where it is not the pin (an offline substitute).

    The e2e stack sets these as `chartMirror.versions`: the mirror serves what the cache holds.
    """
    held = {chart.name: charts.cached(chart.name, chart.version) for chart in versions.pinned_charts()}
    return {name: got.version for name, got in held.items() if got.substituted}


def start(state: Path) -> tuple[ManagedProcess, str]:
    """Serve the chart cache on 127.0.0.1; returns the process and the repository URL."""
    for chart in versions.pinned_charts():
        charts.cached(chart.name, chart.version)  # FileNotFoundError naming `make setup` when missing
    charts.write_index()
    process = ManagedProcess("chart-repo", state / "run")
    process.stop()  # one left by an interrupted run
    port = free_loopback_port()
    process.start(
        [sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(charts.CACHE), str(port)]
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 20
    while True:
        try:
            with urllib.request.urlopen(f"{url}/index.yaml", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            if time.monotonic() > deadline:
                process.stop()
                raise
            time.sleep(0.2)
