"""The app's Prometheus metrics as the container serves them (app/config/metrics.py, gunicorn.conf.py).

One gunicorn with several sync workers serves this module, with gunicorn.conf.py, from a copy of
the app made as the image build makes it. Each worker counts its requests with django-prometheus
into prometheus_client's multiprocess files; the master sums them on the metrics port. The tests
check that sum against the requests actually made, whichever worker served them (and prove that
more than one did), that a 5xx is counted under its status, that the probes are not counted, that
the app port does not serve /metrics, and that every series monitoring/scraped_metrics.py lists for
"django" really is exposed.

The 5xx are real: the app's database goes away (it stops accepting connections), so the index
view fails as it would in an outage. That database is one of this module's own on the throwaway
server, so no other test sees the outage.
"""

from __future__ import annotations

import http.client
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import pytest
from prometheus_client import multiprocess
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample
from psycopg import sql

from monitoring.scraped_metrics import SCRAPED
from tests.app.conftest import PUBLIC_HOST
from tests.app.test_app_gunicorn import (
    POD_IP_HOST,
    copy_like_the_image_build,
    free_port,
    get,
    refused_start_log,
    run,
    stop_gunicorn,
)
from tests.app.throwaway_postgres import ROLE, ThrowawayPostgres

WORKERS = 3
DATABASE = "eks_platform_metrics"
PUBLIC = {"Host": PUBLIC_HOST, "X-Forwarded-Proto": "https"}
# What the load balancer's request for the index looks like, sent in two halves (see `Held`).
INDEX_HEAD = f"GET / HTTP/1.1\r\nHost: {PUBLIC_HOST}\r\n".encode()
INDEX_TAIL = b"X-Forwarded-Proto: https\r\nConnection: close\r\n\r\n"
STALE_COUNT = 1000
REQUESTS = "django_http_requests_total_by_view_transport_method_total"
RESPONSES = "django_http_responses_total_by_status_view_method_total"
LATENCY = "django_http_requests_latency_seconds_by_view_method"
ALL_REQUESTS = "django_http_requests_before_middlewares_total"


@dataclass
class Served:
    """The module's gunicorn and what was asked of it."""

    app_port: int
    metrics_port: int
    samples_dir: Path
    log: Path
    server: subprocess.Popen[bytes]
    stale: Path
    """A sample file an earlier run left in samples_dir before gunicorn started."""
    statuses: dict[str, list[int]] = field(default_factory=dict)
    """Status codes of the requests made, by what was requested."""

    def metrics(self) -> list[Sample]:
        """Every sample the metrics port serves now (to any Host: it is not Django)."""
        connection = http.client.HTTPConnection("127.0.0.1", self.metrics_port, timeout=10)
        connection.request("GET", "/metrics", headers={"Host": f"10.0.3.7:{self.metrics_port}"})
        response = connection.getresponse()
        body = response.read().decode()
        connection.close()
        assert response.status == 200, body
        assert response.getheader("Content-Type", "").startswith("text/plain")
        return [sample for family in text_string_to_metric_families(body) for sample in family.samples]

    def booted_workers(self) -> list[int]:
        """PIDs of every worker the master has started, from its log."""
        lines = self.log.read_text().splitlines()
        return [int(line.rsplit(" ", 1)[1]) for line in lines if "Booting worker with pid" in line]


def value(samples: list[Sample], name: str, **labels: str) -> float:
    """The sum of the samples called `name` whose labels include `labels` (0 when there are none)."""
    return sum(s.value for s in samples if s.name == name and labels.items() <= s.labels.items())


def requests_by_worker(samples_dir: Path) -> dict[int, float]:
    """Requests counted by each worker, read from its own sample file (counter_<pid>.db)."""
    counts: dict[int, float] = {}
    for path in samples_dir.glob("counter_*.db"):
        merged = multiprocess.MultiProcessCollector.merge([str(path)], accumulate=True)
        counts[int(path.stem.removeprefix("counter_"))] = value(
            [sample for metric in merged for sample in metric.samples], ALL_REQUESTS
        )
    return counts


class Held:
    """Half a request on an open connection: the sync worker that accepts it waits for the rest and
    serves nobody else meanwhile, so the requests sent in between go to the other workers. Finishing
    it makes that worker serve one too: at least two workers have then served requests."""

    def __init__(self, port: int) -> None:
        self.connection = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.connection.sendall(INDEX_HEAD)

    def finish(self) -> int:
        self.connection.sendall(INDEX_TAIL)
        status_line = self.connection.makefile("rb").readline().decode()
        self.connection.close()
        return int(status_line.split()[1])


def wait_for(condition: str, check: Callable[[], bool], log: Path, deadline_s: float = 30) -> None:
    deadline = time.monotonic() + deadline_s
    while not check():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {condition}:\n{log.read_text()}")
        time.sleep(0.2)


@pytest.fixture(scope="module")
def metrics_database(postgres_server: ThrowawayPostgres) -> Iterator[str]:
    """DATABASE_URL of a database of this module's own, owned by the app's role; dropped afterwards."""
    with postgres_server.superuser_connection() as connection:
        connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))
        connection.execute(
            sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(DATABASE), sql.Identifier(ROLE))
        )
    try:
        yield postgres_server.database_url.rsplit("/", 1)[0] + f"/{DATABASE}"
    finally:
        with postgres_server.superuser_connection() as connection:
            connection.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(DATABASE)))


def take_the_database_down(server: ThrowawayPostgres) -> None:
    """No new connection, and the app's open ones closed: the next query of every worker fails."""
    with server.superuser_connection() as connection:
        connection.execute(sql.SQL("ALTER DATABASE {} ALLOW_CONNECTIONS false").format(sql.Identifier(DATABASE)))
        connection.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (DATABASE,))


def leave_stale_samples(samples_dir: Path, env: Mapping[str, str]) -> Path:
    """What a previous container of the pod leaves in the /tmp emptyDir: counts of its own workers."""
    samples_dir.mkdir()
    code = (
        "from prometheus_client import Counter\n"
        f"Counter({ALL_REQUESTS.removesuffix('_total')!r}, 'left by an earlier run').inc({STALE_COUNT})\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        env={"PATH": env["PATH"], "PROMETHEUS_MULTIPROC_DIR": str(samples_dir)},
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    [stale] = samples_dir.glob("counter_*.db")
    return stale


@pytest.fixture(scope="module")
def served(
    production_env: Mapping[str, str],
    metrics_database: str,
    postgres_server: ThrowawayPostgres,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Served]:
    """gunicorn with WORKERS workers, after this module's traffic: 200s from two views, probes, a
    request for /metrics on the app port, then 5xx once the database is gone."""
    tmp_path = tmp_path_factory.mktemp("metrics")
    app = copy_like_the_image_build(tmp_path / "app")
    env = {
        **production_env,
        "DATABASE_URL": metrics_database,
        "HOME": str(tmp_path / "no-such-home"),
        "METRICS_PORT": str(free_port()),
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "prometheus-multiproc"),
    }
    for step in (("manage.py", "migrate", "--noinput"), ("manage.py", "collectstatic", "--noinput")):
        result = run(env, app, *step)
        assert result.returncode == 0, result.stdout + result.stderr
    stale = leave_stale_samples(Path(env["PROMETHEUS_MULTIPROC_DIR"]), env)

    app_port, log = free_port(), tmp_path / "gunicorn.log"
    command = [
        *(sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"),
        *("--bind", f"127.0.0.1:{app_port}", "--workers", str(WORKERS), "config.wsgi:application"),
    ]
    with log.open("wb") as sink:
        server = subprocess.Popen(command, cwd=app, env=env, stdout=sink, stderr=subprocess.STDOUT)
    it = Served(app_port, int(env["METRICS_PORT"]), Path(env["PROMETHEUS_MULTIPROC_DIR"]), log, server, stale)
    try:
        wait_for(f"{WORKERS} workers", lambda: len(it.booted_workers()) >= WORKERS and server.poll() is None, log)
        wait_for("the app port", lambda: _answers(app_port), log)
        send_the_traffic(it, postgres_server)
        yield it
    finally:
        stop_gunicorn(server, log)


def _answers(port: int) -> bool:
    try:
        return get(port, "/livez", {"Host": POD_IP_HOST}).status == 200
    except OSError:
        return False


def send_the_traffic(it: Served, postgres_server: ThrowawayPostgres) -> None:
    def ask(what: str, path: str, headers: dict[str, str]) -> None:
        it.statuses.setdefault(what, []).append(get(it.app_port, path, headers).status)

    for _ in range(3):
        ask("probe", "/livez", {"Host": POD_IP_HOST})
        ask("probe", "/healthz", {"Host": POD_IP_HOST})
    held = Held(it.app_port)
    for _ in range(6):
        ask("index", "/", PUBLIC)
    for _ in range(3):
        ask("login", "/admin/login/", PUBLIC)
    ask("metrics on the app port", "/metrics", PUBLIC)
    it.statuses["index"].append(held.finish())
    take_the_database_down(postgres_server)
    for _ in range(4):
        ask("index, database down", "/", PUBLIC)


# ---- the traffic went as planned ---------------------------------------------------------------------


def test_the_requests_got_the_expected_answers(served: Served) -> None:
    assert served.statuses == {
        "probe": [200, 200] * 3,
        "index": [200] * 7,
        "login": [200] * 3,
        "metrics on the app port": [404],
        "index, database down": [500] * 4,
    }


# ---- what /metrics says ---------------------------------------------------------------------------------


def test_counts_are_summed_over_every_worker(served: Served) -> None:
    by_worker = requests_by_worker(served.samples_dir)
    serving = {pid: count for pid, count in by_worker.items() if count}
    assert len(serving) >= 2, f"only one worker served, the sum proves nothing: {by_worker}"
    assert set(serving) <= set(served.booted_workers()), "a sample file of no worker of this gunicorn"
    made = sum(len(statuses) for what, statuses in served.statuses.items() if what != "probe")
    samples = served.metrics()
    assert value(samples, ALL_REQUESTS) == made == sum(serving.values())


def test_the_previous_runs_samples_are_wiped_at_start(served: Served) -> None:
    # Left in place, the stale file would add STALE_COUNT to the sum (failing the test above too).
    assert not served.stale.exists()
    assert value(served.metrics(), ALL_REQUESTS) < STALE_COUNT
    assert set(requests_by_worker(served.samples_dir)) <= set(served.booted_workers())


def test_each_view_and_status_is_counted(served: Served) -> None:
    samples = served.metrics()
    assert value(samples, REQUESTS, view="index", method="GET", transport="https") == 7 + 4
    assert value(samples, REQUESTS, view="admin:login", method="GET", transport="https") == 3
    assert value(samples, RESPONSES, view="index", status="200") == 7
    assert value(samples, RESPONSES, view="admin:login", status="200") == 3


def test_a_5xx_is_counted_under_its_status(served: Served) -> None:
    samples = served.metrics()
    assert value(samples, RESPONSES, view="index", method="GET", status="500") == 4
    # The canary analysis's numerator: every 5xx, matched as Prometheus matches status=~"5..".
    fives = sum(s.value for s in samples if s.name == RESPONSES and s.labels["status"].startswith("5"))
    assert fives == 4
    assert value(samples, "django_http_exceptions_total_by_type_total", type="OperationalError") == 4
    assert value(samples, "django_http_exceptions_total_by_view_total", view="index") == 4


def test_the_latency_histogram_has_every_series(served: Served) -> None:
    samples = served.metrics()
    login = {"view": "admin:login", "method": "GET"}
    assert value(samples, f"{LATENCY}_count", **login) == 3
    assert value(samples, f"{LATENCY}_bucket", le="+Inf", **login) == 3
    assert value(samples, f"{LATENCY}_sum", **login) > 0
    buckets = sorted(
        (float(s.labels["le"]), s.value)
        for s in samples
        if s.name == f"{LATENCY}_bucket" and s.labels["view"] == "admin:login"
    )
    assert 0.5 in {le for le, _ in buckets}, "the analysis's p95 threshold (0.5 s) should be a bucket bound"
    assert [count for _, count in buckets] == sorted(count for _, count in buckets), "buckets are cumulative"
    # django-prometheus 2.5.0 observes a request that raised twice (process_exception, then
    # process_response of the 500 page): 7 good + 2 x 4 failed. A change here changes what the p95
    # of the canary analysis means.
    assert value(samples, f"{LATENCY}_count", view="index", method="GET") == 7 + 2 * 4


def test_probes_are_not_counted(served: Served) -> None:
    samples = served.metrics()
    views = {s.labels.get("view") for s in samples if s.name == REQUESTS}
    assert views == {"index", "admin:login"}
    # Only what reached Django past the probes: index, login, /metrics on the app port.
    assert value(samples, ALL_REQUESTS) == 7 + 4 + 3 + 1


def test_every_catalogued_django_series_is_exposed(served: Served) -> None:
    """monitoring/scraped_metrics.py's "django" entry, against the real output: it cannot list a
    name the app does not serve (dashboards and alerts are checked against that entry)."""
    exposed = {sample.name for sample in served.metrics()}
    catalogued = SCRAPED["django"].metrics
    assert catalogued, "the catalogue lists no django series"
    assert sorted(catalogued - exposed) == []


def test_the_app_port_does_not_serve_metrics(served: Served) -> None:
    """What the Service and the Ingress reach: /metrics there is an unknown page."""
    assert served.statuses["metrics on the app port"] == [404]
    samples = served.metrics()
    assert value(samples, RESPONSES, status="404") == 1
    assert value(samples, "django_http_responses_total_by_status_total", status="404") == 1


def test_a_dead_workers_counts_stay_in_the_sum(served: Served) -> None:
    """child_exit drops only live gauges: a crashed worker's requests still count (no reset that
    rate() would read as a drop). Last in the module: it kills a worker."""
    before = value(served.metrics(), ALL_REQUESTS)
    booted = served.booted_workers()
    by_worker = {pid: count for pid, count in requests_by_worker(served.samples_dir).items() if pid in booted}
    victim = max(by_worker, key=by_worker.__getitem__)  # only ever a worker of this module's gunicorn
    assert by_worker[victim] > 0
    os.kill(victim, signal.SIGKILL)
    wait_for("a replacement worker", lambda: len(served.booted_workers()) > len(booted), served.log)
    assert value(served.metrics(), ALL_REQUESTS) == before
    assert get(served.app_port, "/admin/login/", PUBLIC).status == 200
    assert value(served.metrics(), ALL_REQUESTS) == before + 1


def test_the_database_outage_was_this_modules_own(production_env: Mapping[str, str], metrics_database: str) -> None:
    """The session's database still takes connections: only this module's went down."""
    with psycopg.connect(production_env["DATABASE_URL"], connect_timeout=10) as connection:
        assert connection.execute("SELECT 1").fetchone() == (1,)


def test_gunicorn_refuses_a_malformed_metrics_port(production_env: Mapping[str, str], tmp_path: Path) -> None:
    """A typo must not silently drop the metrics (the dashboards would go blank): the master stops."""
    env = {**production_env, "HOME": str(tmp_path / "no-such-home"), "METRICS_PORT": "nine"}
    log = refused_start_log(env, tmp_path, "with METRICS_PORT=nine")
    assert "METRICS_PORT must be a port number (1-65535), or 0 to serve no metrics" in log
