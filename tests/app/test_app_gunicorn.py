"""The app as the container runs it: migrate, collectstatic, then gunicorn with gunicorn.conf.py.

The app is copied the way the image build copies it (no tests, no caches) into a temporary
directory, so collectstatic writes there and not into the checkout. gunicorn listens on a free
loopback port; the requests carry the Host headers the kubelet and the load balancer send.
"""

from __future__ import annotations

import http.client
import json
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parents[2] / "app"
POD_IP_HOST = "10.0.3.7:8000"
SENTRY_DSN = "https://publickey-4d1e@o1.ingest.sentry.io/7"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def copy_like_the_image_build(target: Path) -> Path:
    """Copy app/ minus what .dockerignore keeps out of the build context (its patterns here are
    plain names, optionally under ``**/``, which match at any depth the same way)."""
    lines = (APP / ".dockerignore").read_text().splitlines()
    patterns = [line.strip().removeprefix("**/") for line in lines if line.strip() and not line.startswith("#")]
    shutil.copytree(APP, target, ignore=shutil.ignore_patterns(*patterns))
    return target


def run(env: dict[str, str], cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


def get(port: int, path: str, headers: dict[str, str]) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    # skip_host: send exactly the Host header given, as the kubelet or load balancer would.
    connection.putrequest("GET", path, skip_host=True, skip_accept_encoding=True)
    for name, value in headers.items():
        connection.putheader(name, value)
    connection.endheaders()
    response = connection.getresponse()
    response.read()  # so the body is available after the connection closes
    connection.close()
    return response


def gunicorn_command(port: int) -> list[str]:
    return [
        *(sys.executable, "-m", "gunicorn"),
        *("--config", "gunicorn.conf.py", "--bind", f"127.0.0.1:{port}", "--workers", "1"),
        "config.wsgi:application",
    ]


def metrics_env(log: Path) -> dict[str, str]:
    """A metrics port and sample directory of this gunicorn's own: several run at once here, and the
    image's defaults (port 9000, /tmp/prometheus-multiproc) would collide; the env given wins."""
    return {"METRICS_PORT": str(free_port()), "PROMETHEUS_MULTIPROC_DIR": str(log.with_suffix(".metrics"))}


def start_gunicorn(
    env: dict[str, str], cwd: Path, port: int, log: Path, command: list[str] | None = None
) -> subprocess.Popen[bytes]:
    with log.open("wb") as sink:
        return subprocess.Popen(
            command or gunicorn_command(port),
            cwd=cwd,
            env=metrics_env(log) | env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )


def wait_until_serving(server: subprocess.Popen[bytes], port: int, log: Path, deadline_s: float = 30) -> None:
    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"gunicorn exited with {server.returncode}:\n{log.read_text()}")
        try:
            if get(port, "/livez", {"Host": POD_IP_HOST}).status == 200:
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"gunicorn did not answer /livez within {deadline_s}s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def container_env(production_env: Mapping[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    # No writable home, as for uid 10001 in the image: gunicorn must not need one.
    home = tmp_path_factory.mktemp("home") / "no-such-home"
    return {**production_env, "HOME": str(home), "SENTRY__DSN": SENTRY_DSN}


@pytest.fixture(scope="module")
def served_app(
    container_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[int, Path, Path]]:
    """(port, app copy, log file) of one gunicorn for this module; stopped with SIGTERM after."""
    tmp_path = tmp_path_factory.mktemp("served")
    app = copy_like_the_image_build(tmp_path / "app")
    for step in (("manage.py", "migrate", "--noinput"), ("manage.py", "collectstatic", "--noinput")):
        result = run(container_env, app, *step)
        assert result.returncode == 0, result.stdout + result.stderr
    port, log = free_port(), tmp_path / "gunicorn.log"
    server = start_gunicorn(container_env, app, port, log)
    try:
        wait_until_serving(server, port, log)
        yield port, app, log
    finally:
        stop_gunicorn(server, log)


def stop_gunicorn(server: subprocess.Popen, log: Path) -> None:
    """SIGTERM, as the kubelet sends it: gunicorn must exit 0 within 30 s (else it is killed and the test fails)."""
    server.send_signal(signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
        pytest.fail(f"gunicorn ignored SIGTERM for 30s:\n{log.read_text()}")
    assert server.returncode == 0, log.read_text()


def test_gunicorn_serves_probes_app_and_static_files(served_app: tuple[int, Path, Path]) -> None:
    port, app, _ = served_app

    livez = get(port, "/livez", {"Host": POD_IP_HOST})
    assert (livez.status, livez.getheader("Content-Type")) == (200, "application/json")
    healthz = get(port, "/healthz", {"Host": POD_IP_HOST})
    assert healthz.status == 200

    # The pod IP is only good for the probes.
    assert get(port, "/", {"Host": POD_IP_HOST, "X-Forwarded-Proto": "https"}).status == 400
    # Plain HTTP to the public name is sent to HTTPS; the load balancer's header is trusted.
    redirected = get(port, "/", {"Host": "app.example.test"})
    assert (redirected.status, redirected.getheader("Location")) == (301, "https://app.example.test/")
    index = get(port, "/", {"Host": "app.example.test", "X-Forwarded-Proto": "https"})
    assert index.status == 200
    assert "max-age=31536000" in index.getheader("Strict-Transport-Security", "")

    # Static files come out of the collected, hashed set, cacheable forever.
    manifest = json.loads((app / "staticfiles" / "staticfiles.json").read_text())
    hashed = manifest["paths"]["admin/css/base.css"]
    css = get(port, f"/static/{hashed}", {"Host": "app.example.test", "X-Forwarded-Proto": "https"})
    assert css.status == 200
    assert css.getheader("Content-Type", "").startswith("text/css")
    assert "immutable" in css.getheader("Cache-Control", "")


def test_index_reports_configuration_without_values(served_app: tuple[int, Path, Path]) -> None:
    port, _, _ = served_app
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    connection.request("GET", "/", headers={"Host": "app.example.test", "X-Forwarded-Proto": "https"})
    body = connection.getresponse().read().decode()
    connection.close()
    data = json.loads(body)
    assert data["sentry"] == "configured"
    assert data["cross_origins"] == 1
    assert isinstance(data["inference_jobs"], int)
    assert "publickey-4d1e" not in body


def test_access_log_goes_to_stdout_and_holds_no_secret(
    served_app: tuple[int, Path, Path], container_env: dict[str, str]
) -> None:
    port, _, log = served_app
    get(port, "/livez", {"Host": POD_IP_HOST})
    time.sleep(0.3)  # the access log line is written after the response
    text = log.read_text()
    assert '"GET /livez HTTP/1.1" 200' in text
    for secret in (container_env["SECRET_KEY"], "publickey-4d1e", container_env["DATABASE_URL"]):
        assert secret not in text
    assert "control socket" not in text.lower()


def test_serves_from_read_only_code_and_virtualenv(
    served_app: tuple[int, Path, Path], container_env: dict[str, str], tmp_path: Path
) -> None:
    # In the pod only /tmp is writable. A private mount namespace (root only, as on CI) makes
    # the app directory and the virtualenv read-only for this one gunicorn, so any write there
    # (bytecode, a control socket, a stray file) would make it fail to start or to serve.
    _, app, _ = served_app
    port, log = free_port(), tmp_path / "gunicorn-ro.log"
    remount = " && ".join(
        f"mount --bind {shlex.quote(p)} {shlex.quote(p)} && mount -o remount,bind,ro {shlex.quote(p)}"
        for p in (str(app), sys.prefix)
    )
    command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", f'{remount} && exec "$@"', "sh"]
    server = start_gunicorn(container_env, app, port, log, command + gunicorn_command(port))
    try:
        wait_until_serving(server, port, log)
        assert get(port, "/healthz", {"Host": POD_IP_HOST}).status == 200
        assert get(port, "/", {"Host": "app.example.test", "X-Forwarded-Proto": "https"}).status == 200
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    assert server.returncode == 0, log.read_text()
    assert "Read-only file system" not in log.read_text()


def refused_start_log(env: Mapping[str, str], tmp_path: Path, why: str) -> str:
    """Start gunicorn with `env`, expect it to exit non-zero within a minute, and return its log."""
    log = tmp_path / "gunicorn.log"
    server = start_gunicorn(dict(env), APP, free_port(), log)
    try:
        server.wait(timeout=60)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait()
        pytest.fail(f"gunicorn kept running {why}:\n{log.read_text()}")
    assert server.returncode != 0
    return log.read_text()


def test_gunicorn_refuses_to_start_without_secret_key(container_env: dict[str, str], tmp_path: Path) -> None:
    env = dict(container_env)
    del env["SECRET_KEY"]
    assert "missing environment variable(s) SECRET_KEY" in refused_start_log(env, tmp_path, "without SECRET_KEY")
