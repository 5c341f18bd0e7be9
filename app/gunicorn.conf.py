"""gunicorn settings for the container (read with ``gunicorn --config gunicorn.conf.py``).

Only /tmp is writable at run time (read-only root filesystem, /tmp an emptyDir), and the
process runs as uid 10001 without a home directory; everything below respects both.
"""

import os

# Underscored: gunicorn reads every other top-level name of this file as a setting.
from gunicorn.arbiter import Arbiter as _Arbiter
from gunicorn.workers.base import Worker as _Worker

# Plain HTTP on all interfaces: the Service and the kubelet's probes reach the pod IP, TLS ends
# at the load balancer. The chart's containerPort is 8000.
bind = "0.0.0.0:8000"

# WEB_CONCURRENCY is the conventional knob (the chart sets it from the CPU request); 2 sync
# workers suit the small default request.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))

# Access and error log to stdout/stderr, where the container runtime collects them.
accesslog = "-"
errorlog = "-"

# The worker heartbeat file: the default temp dir would be fine, but be explicit that it lives
# on the writable /tmp (an emptyDir; medium Memory avoids the fchmod stalls of a disk).
worker_tmp_dir = "/tmp"

# gunicorn >= 25.1 opens a control socket under $HOME/.gunicorn by default; there is no
# writable home here and nothing in the cluster uses gunicornc, so do not try.
control_socket_disable = True

# gunicorn's defaults, stated because the chart depends on them: terminationGracePeriodSeconds
# must exceed graceful_timeout so in-flight requests finish on SIGTERM.
timeout = 30
graceful_timeout = 30

# ---- Prometheus metrics (config/metrics.py) -------------------------------------------------------
# Each worker writes its django-prometheus samples to files in this directory, and the master serves
# their sum on METRICS_PORT. prometheus_client chooses multiprocess mode when it is first imported,
# so the variable is set here, in the master, before the hooks or any worker import it. It stays on
# /tmp (the writable emptyDir) unless the environment names another directory; manage.py commands
# (the migration hook, the helm test) never read this file and keep plain in-process metrics. A blank
# value counts as unset: prometheus_client would read it as "not multiprocess".
if not os.environ.get("PROMETHEUS_MULTIPROC_DIR", "").strip():
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = "/tmp/prometheus-multiproc"


def on_starting(server: _Arbiter) -> None:
    """Before any worker exists: an empty sample directory, so counts start from zero."""
    from config import metrics

    metrics.prepare_directory(metrics.multiproc_dir())


def when_ready(server: _Arbiter) -> None:
    """The master listens: serve the workers' summed metrics beside the app (0 turns this off)."""
    from config import metrics

    port = metrics.read_port(os.environ)
    if port:
        metrics.serve(port)
        server.log.info("Serving Prometheus metrics at http://%s:%s/metrics", metrics.BIND_ADDRESS, port)


def child_exit(server: _Arbiter, worker: _Worker) -> None:
    """A worker exited (crash, timeout, shutdown): its live gauges leave the sum, its counts stay."""
    from config import metrics

    metrics.forget_worker(worker.pid)
