"""The upstream charts of ../shared/charts served as a Helm chart repository on loopback.

CI reaches no chart repository; the stack's `chartMirror` points at this one. Started with a pid
file in the run state and stopped by that pid.
"""

from __future__ import annotations

import sys
import time
import urllib.request
from pathlib import Path

from e2e.paths import REPO_ROOT
from e2e.procs import ManagedProcess, free_loopback_port

CHARTS = REPO_ROOT.parent / "shared" / "charts"


def start(state: Path) -> tuple[ManagedProcess, str]:
    """Serve CHARTS on 127.0.0.1; returns the process and the repository URL."""
    if not (CHARTS / "index.yaml").is_file():
        raise FileNotFoundError(f"{CHARTS}/index.yaml is missing: the e2e run needs ../shared/charts")
    process = ManagedProcess("chart-repo", state / "run")
    process.stop()  # one left by an interrupted run
    port = free_loopback_port()
    process.start([sys.executable, "-m", "http.server", "--bind", "127.0.0.1", "--directory", str(CHARTS), str(port)])
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
