"""gunicorn settings for the container (read with ``gunicorn --config gunicorn.conf.py``).

Only /tmp is writable at run time (read-only root filesystem, /tmp an emptyDir), and the
process runs as uid 10001 without a home directory; everything below respects both.
"""

import os

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
