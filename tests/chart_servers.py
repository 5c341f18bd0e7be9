"""Chart sources on loopback for the chart-cache tests: an HTTP chart repository and an OCI registry.

Both run in a thread of the test process, bind 127.0.0.1 on a free port, count the requests
they serve, and stop when their `with` block ends.
"""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import tarfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import partial
from http.server import BaseHTTPRequestHandler, SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from offline import charts

# What a refused connection looks like: upstream repositories are reached through this proxy in
# the tests, so they fail at once on every machine, GitHub's runners (which reach them) included.
# Go (helm) never proxies loopback addresses, so the servers here are reached directly.
UNREACHABLE = {"HTTPS_PROXY": "http://127.0.0.1:9", "HTTP_PROXY": "http://127.0.0.1:9", "NO_PROXY": ""}


def make_chart(into: Path, name: str, version: str) -> Path:
    """A minimal valid chart archive `<name>-<version>.tgz` (one ConfigMap template)."""
    files = {
        f"{name}/Chart.yaml": f"apiVersion: v2\nname: {name}\nversion: {version}\n",
        f"{name}/templates/configmap.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}\n",
    }
    path = into / f"{name}-{version}.tgz"
    with tarfile.open(path, "w:gz") as archive:
        for member, text in files.items():
            data = text.encode()
            info = tarfile.TarInfo(member)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


@dataclass
class Served:
    """A running server: its URL and every request path it answered."""

    url: str
    requests: list[str] = field(default_factory=list)


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler], served: Served) -> Iterator[Served]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    served.url = served.url.format(port=server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield served
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


@contextmanager
def http_chart_repository(archives: list[Path], scratch: Path) -> Iterator[Served]:
    """`archives` as an HTTP chart repository (an index.yaml by the pinned helm, as `helm repo index` writes it)."""
    folder = scratch / "http-repository"
    folder.mkdir()
    for archive in archives:
        shutil.copy(archive, folder)
    subprocess.run([str(charts.HELM), "repo", "index", str(folder)], check=True, capture_output=True)
    served = Served("http://127.0.0.1:{port}")

    class Handler(SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            served.requests.append(self.path)

    with _serving(partial(Handler, directory=str(folder)), served) as running:  # type: ignore[arg-type]
        yield running


@contextmanager
def oci_registry(archives: list[Path], path: str = "charts") -> Iterator[Served]:
    """A read-only OCI distribution registry holding `archives` as Helm chart artifacts under `path`.

    Each chart is a manifest (media types of Helm's OCI support) with its Chart.yaml as the
    config blob and the archive as its one layer, tagged with the chart version.
    """
    blobs: dict[str, bytes] = {}
    manifests: dict[tuple[str, str], bytes] = {}
    for archive in archives:
        data = archive.read_bytes()
        metadata = charts.chart_metadata(archive)
        config = json.dumps(metadata).encode()
        blobs[_digest(config)], blobs[_digest(data)] = config, data
        manifests[(metadata["name"], str(metadata["version"]))] = json.dumps(
            {
                "schemaVersion": 2,
                "mediaType": "application/vnd.oci.image.manifest.v1+json",
                "config": {
                    "mediaType": "application/vnd.cncf.helm.config.v1+json",
                    "digest": _digest(config),
                    "size": len(config),
                },
                "layers": [
                    {
                        "mediaType": "application/vnd.cncf.helm.chart.content.v1.tar+gzip",
                        "digest": _digest(data),
                        "size": len(data),
                    }
                ],
            }
        ).encode()
    by_digest = {_digest(m): m for m in manifests.values()}
    served = Served("oci://127.0.0.1:{port}/" + path)

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def do_HEAD(self) -> None:
            self.do_GET()

        def do_GET(self) -> None:
            served.requests.append(self.path)
            parts = self.path.split("?")[0].removeprefix(f"/v2/{path}/").split("/")
            if len(parts) == 3 and parts[1] == "manifests":
                manifest = manifests.get((parts[0], parts[2])) or by_digest.get(parts[2])
                if manifest is not None:
                    return self._send(manifest, "application/vnd.oci.image.manifest.v1+json", _digest(manifest))
            if len(parts) == 3 and parts[1] == "blobs" and parts[2] in blobs:
                return self._send(blobs[parts[2]], "application/octet-stream", parts[2])
            if parts[1:] == ["tags", "list"]:
                tags = [version for (name, version) in manifests if name == parts[0]]
                return self._send(json.dumps({"name": f"{path}/{parts[0]}", "tags": tags}).encode(), "application/json")
            return self._send(b'{"errors":[{"code":"NAME_UNKNOWN"}]}', "application/json", status=404)

        def _send(self, body: bytes, content_type: str, digest: str = "", status: int = 200) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            if digest:
                self.send_header("Docker-Content-Digest", digest)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    with _serving(Handler, served) as running:
        yield running


def _digest(data: bytes) -> str:
    return f"sha256:{hashlib.sha256(data).hexdigest()}"
