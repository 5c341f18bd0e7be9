"""Prometheus metrics of every gunicorn worker, served by the gunicorn master on a port of its own.

django-prometheus's middleware counts requests in each worker. gunicorn runs several worker
processes, so prometheus_client runs in multiprocess mode: each worker writes its samples to files
in PROMETHEUS_MULTIPROC_DIR, and a scrape sums the files of every worker, live or dead
(MultiProcessCollector), so a counter counts every request whichever worker served it.

The master serves that sum on METRICS_PORT (default 9000), not the app port: the public Service,
the Ingress and the load balancer only know port 8000, so /metrics is never reachable from outside
the cluster, and the NetworkPolicy admits only Prometheus's namespace to this port.

gunicorn.conf.py calls the functions below from its hooks: `prepare_directory` before any worker
starts, `serve` once the master is ready, `forget_worker` when a worker exits.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

# Importing prometheus_client fixes its mode: gunicorn.conf.py sets PROMETHEUS_MULTIPROC_DIR before
# its hooks import this module, and the workers inherit the mode from the master.
from prometheus_client import CollectorRegistry, multiprocess, start_http_server

#: Where the workers' sample files go when PROMETHEUS_MULTIPROC_DIR is unset: the pod's /tmp emptyDir.
DEFAULT_MULTIPROC_DIR = "/tmp/prometheus-multiproc"
#: The metrics port when METRICS_PORT is unset; the chart's metrics.port sets it.
DEFAULT_PORT = 9000
#: Every interface: Prometheus scrapes the pod IP.
BIND_ADDRESS = "0.0.0.0"
MULTIPROC_VARIABLE = "PROMETHEUS_MULTIPROC_DIR"
PORT_VARIABLE = "METRICS_PORT"


class MetricsConfigError(ValueError):
    """A metrics variable is malformed; the message names it and what is allowed."""


def read_port(environ: Mapping[str, str]) -> int:
    """METRICS_PORT: 1-65535, or 0 for no metrics server; DEFAULT_PORT when unset or blank."""
    raw = environ.get(PORT_VARIABLE, "").strip()
    if not raw:
        return DEFAULT_PORT
    if not raw.isdigit() or int(raw) > 65535:
        raise MetricsConfigError(f"{PORT_VARIABLE} must be a port number (1-65535), or 0 to serve no metrics")
    return int(raw)


def prepare_directory(path: Path) -> None:
    """Create the multiprocess directory, emptied of sample files left by an earlier run.

    The /tmp emptyDir outlives a container restart within the pod: the files of the previous
    container's workers would otherwise add their old counts to the new ones. Only prometheus_client's
    own *.db files are removed, whatever else an operator pointed the variable at.
    """
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        stale.unlink()


def registry() -> CollectorRegistry:
    """A registry holding only the sum over every worker's files (no per-process collectors:
    the master's own CPU and memory are not the app's)."""
    collected = CollectorRegistry()
    multiprocess.MultiProcessCollector(collected)
    return collected


def serve(port: int, address: str = BIND_ADDRESS) -> None:
    """Serve the summed metrics on `port` from a daemon thread of the calling process (the master)."""
    start_http_server(port, addr=address, registry=registry())


def forget_worker(pid: int) -> None:
    """Drop the live-gauge files of an exited worker; its counters and histograms stay in the sum."""
    multiprocess.mark_process_dead(pid)


def multiproc_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """The directory the workers write to (PROMETHEUS_MULTIPROC_DIR; gunicorn.conf.py sets a default)."""
    return Path(environ.get(MULTIPROC_VARIABLE, "").strip() or DEFAULT_MULTIPROC_DIR)
