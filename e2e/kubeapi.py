"""A minimal Kubernetes REST client (stdlib only) for the harness's own checks: health,
nodes, readiness waits. Tests that need more use the same class."""

from __future__ import annotations

import contextlib
import http.client
import json
import socket
import ssl
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RETRIES_ON_429 = 5


class ApiError(Exception):
    """An HTTP error from the API server, with its status code and Status body."""

    def __init__(self, code: int, body: dict[str, Any], retry_after: float = 1.0):
        super().__init__(f"HTTP {code}: {body.get('message', body)}")
        self.code = code
        self.body = body
        self.retry_after = retry_after


@dataclass(frozen=True)
class KubeApi:
    """Client-certificate access to one API server."""

    server: str
    ca_cert: Path
    client_cert: Path
    client_key: Path

    def _context(self) -> ssl.SSLContext:
        ctx = ssl.create_default_context(cafile=str(self.ca_cert))
        ctx.load_cert_chain(str(self.client_cert), str(self.client_key))
        return ctx

    def request(self, method: str, path: str, body: Any = None, timeout: float = 30.0) -> Any:
        """Send one request; JSON in and out (plain text for non-JSON answers like /readyz).

        A 429 (the server asks the client to come back, e.g. "storage is (re)initializing" while a
        just-updated CRD's storage restarts) is retried after its Retry-After, as client-go does.
        """
        for _ in range(RETRIES_ON_429):
            try:
                return self._request_once(method, path, body, timeout)
            except ApiError as err:
                if err.code != 429:
                    raise
                time.sleep(min(err.retry_after, 5.0))
        return self._request_once(method, path, body, timeout)

    def _request_once(self, method: str, path: str, body: Any, timeout: float) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.server + path, data=data, method=method)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, context=self._context(), timeout=timeout) as resp:
                raw = resp.read().decode()
        except urllib.error.HTTPError as err:
            raw = err.read().decode()
            try:
                detail = json.loads(raw)
            except json.JSONDecodeError:
                detail = {"message": raw}
            raise ApiError(err.code, detail, float(err.headers.get("Retry-After") or 1)) from None
        try:
            return json.loads(raw)
        except json.JSONDecodeError:
            return raw

    def open_watch(self, path: str, timeout_seconds: int) -> Watch:
        """A watch on `path` (a list path, with its query); read its events, close it when done (an open
        watch holds the API server's shutdown back by 15 s)."""
        separator = "&" if "?" in path else "?"
        url = urllib.parse.urlsplit(self.server)
        connection = http.client.HTTPSConnection(
            url.hostname or "127.0.0.1", url.port, context=self._context(), timeout=timeout_seconds + 30
        )
        connection.request("GET", f"{path}{separator}watch=1&timeoutSeconds={timeout_seconds}")
        response = connection.getresponse()
        if response.status != 200:
            body = response.read().decode()
            connection.close()
            raise ApiError(response.status, {"message": body})
        return Watch(connection, response)

    def get(self, path: str) -> Any:
        return self.request("GET", path)

    def create(self, path: str, obj: dict[str, Any], timeout: float = 30.0) -> Any:
        return self.request("POST", path, obj, timeout=timeout)

    def delete(self, path: str) -> Any:
        return self.request("DELETE", path)

    def exists(self, path: str) -> bool:
        try:
            self.get(path)
        except ApiError as err:
            if err.code == 404:
                return False
            raise
        return True

    def is_ready(self) -> bool:
        """True when /readyz answers ok (False while the server is still starting)."""
        try:
            return self.get("/readyz") == "ok"
        except (OSError, ApiError):
            return False


def wait_for(what: str, check: Callable[[], bool], timeout: float, interval: float = 0.2) -> None:
    """Poll check until it is true, or raise TimeoutError naming what was awaited."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(interval)
    raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")


def wait_for_object(
    api: KubeApi, path: str, what: str, check: Callable[[dict[str, Any]], bool], timeout: float, interval: float = 0.5
) -> dict[str, Any]:
    """Poll the object at `path` until check(object) holds; returns it. A timeout names the last state seen."""
    seen: dict[str, Any] = {}

    def probe() -> bool:
        seen.clear()
        seen.update(api.get(path))
        return check(seen)

    try:
        wait_for(what, probe, timeout, interval)
    except TimeoutError as err:
        raise TimeoutError(f"{err}; last status: {seen.get('status')}") from None
    return seen


def node_is_ready(node: dict[str, Any]) -> bool:
    """The node's Ready condition is True."""
    conditions = node.get("status", {}).get("conditions", [])
    return any(c["type"] == "Ready" and c["status"] == "True" for c in conditions)


@dataclass
class Watch:
    """An open watch: its events, until the server ends it or close() is called (from any thread)."""

    connection: http.client.HTTPSConnection
    response: http.client.HTTPResponse

    def events(self) -> Iterator[dict[str, Any]]:
        try:
            for line in self.response:
                if line.strip():
                    yield json.loads(line)
        except (OSError, ValueError):  # closed under the reader
            return

    def close(self) -> None:
        # Shutting the socket down ends a read blocked in another thread (closing the response
        # would wait for that reader's lock).
        if self.connection.sock is not None:
            with contextlib.suppress(OSError):
                self.connection.sock.shutdown(socket.SHUT_RDWR)


def items(api: KubeApi, path: str) -> list[dict[str, Any]]:
    """The `items` of a list request."""
    return list(api.get(path)["items"])
