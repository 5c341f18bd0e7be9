"""Record what a watch sees while something else runs: every state of one object, in order."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

from e2e.kubeapi import KubeApi


class WatchRecorder:
    """Records `extract(object)` for every event of a watch on one list path, from its current state on.

    Starts from the list's resourceVersion, so no change between the first read and the watch is missed.
    """

    def __init__(self, api: KubeApi, path: str, extract: Callable[[dict[str, Any]], Any], timeout_seconds: int = 300):
        self.api = api
        self.path = path
        self.extract = extract
        self.timeout_seconds = timeout_seconds
        self.records: list[tuple[float, Any]] = []
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, name=f"watch {path}", daemon=True)

    def start(self) -> WatchRecorder:
        listed = self.api.get(self.path)
        for obj in listed["items"]:
            self.records.append((time.monotonic(), self.extract(obj)))
        separator = "&" if "?" in self.path else "?"
        version = listed["metadata"]["resourceVersion"]
        self._watch = self.api.open_watch(f"{self.path}{separator}resourceVersion={version}", self.timeout_seconds)
        self._thread.start()
        return self

    def _run(self) -> None:
        try:
            for event in self._watch.events():
                if event["type"] in ("ADDED", "MODIFIED"):
                    self.records.append((time.monotonic(), self.extract(event["object"])))
        except BaseException as err:  # reported by values(), in the test's thread
            self.error = err

    def stop(self) -> None:
        """Close the watch (an open one would hold the API server's shutdown back)."""
        self._watch.close()
        self._thread.join(timeout=5)
        self._watch.connection.close()

    def values(self) -> list[Any]:
        """Everything recorded so far, in order; raises what stopped the watch early, if anything did."""
        if self.error is not None:
            raise self.error
        return [value for _, value in self.records]
