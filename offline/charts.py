"""The one way anything here gets an upstream Helm chart: tests, `make diff`, `make e2e`, `make setup`.

Charts land in a project-local cache (`build/charts/`, git-ignored) as `<name>-<version>.tgz`,
each taken from the first source that has it:

1. `CHARTS_DIR` (a folder of `.tgz` files) and/or `CHARTS_MIRROR` (an http(s):// chart repository
   or an oci:// registry path), the way an air-gapped company runs it;
2. `../shared/charts` beside the checkout, when it exists (the offline machines this project is
   built on);
3. the chart's own upstream repository.

A pin no source holds may be replaced by the version `components/versions.py`'s
`OFFLINE_SUBSTITUTES` names for that chart; the cache records it, and every consumer says so.
`build/charts/manifest.json` records where each chart came from: a second run fetches nothing.

This module imports nothing of the project (the pins are passed in), so `make diff` can load it
by path while it runs another commit's program.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
CACHE = ROOT / "build" / "charts"
HELM = ROOT / "tools" / "bin" / "helm"
SHARED = ROOT.parent / "shared" / "charts"
MANIFEST = "manifest.json"
HINT = (
    "Set CHARTS_DIR (a folder of <chart>-<version>.tgz) or CHARTS_MIRROR (an http(s):// chart repository or an "
    "oci:// registry path) to a source that holds it, or run where the upstream repositories are reachable."
)
EXPLICIT = ("CHARTS_DIR=", "CHARTS_MIRROR=")
"""Labels of the sources a user names (environment variables), as opposed to the ones found."""


class ChartUnavailableError(Exception):
    """No source holds a pinned chart; the message names the chart, the version and every source tried."""


@dataclass(frozen=True)
class Source:
    """One place charts can come from: a folder of .tgz files, or a chart repository (http or oci)."""

    label: str
    """How the source is named to the reader, e.g. `CHARTS_MIRROR=http://127.0.0.1:8879`."""
    location: str
    """A folder path, an http(s):// repository URL or an oci:// registry path."""
    is_dir: bool = False

    def fetch(self, name: str, version: str, into: Path, helm: Path, env: Mapping[str, str]) -> Path:
        """`<name>-<version>.tgz` of this source, copied or pulled into `into`; OSError when absent."""
        if self.is_dir:
            found = Path(self.location) / f"{name}-{version}.tgz"
            if not found.is_file():
                raise FileNotFoundError(f"no {found.name} in {self.location}")
            return Path(shutil.copy(found, into / found.name))
        return _helm_pull(name, version, self.location, into, helm, env)


@dataclass(frozen=True)
class Fetched:
    """A chart in the cache: its file, the version it holds and where it came from."""

    name: str
    pinned: str
    version: str
    path: Path
    source: str
    fetched: bool
    """False when the cache already held it (nothing was downloaded or copied)."""

    @property
    def substituted(self) -> bool:
        return self.version != self.pinned

    def describe(self) -> str:
        """One line for the reader: what is in the cache and where it came from."""
        what = f"{self.name} {self.version}"
        if self.substituted:
            what += f" (pinned {self.pinned}, which no source holds: the offline substitute)"
        return f"{what}: {'fetched from' if self.fetched else 'cached, from'} {self.source}"


def sources(repository: str, env: Mapping[str, str] | None = None, shared: Path = SHARED) -> list[Source]:
    """The sources of one chart, in the order they are tried."""
    env = os.environ if env is None else env
    found: list[Source] = []
    if env.get("CHARTS_DIR"):
        found.append(Source(f"CHARTS_DIR={env['CHARTS_DIR']}", str(Path(env["CHARTS_DIR"]).resolve()), is_dir=True))
    if env.get("CHARTS_MIRROR"):
        found.append(Source(f"CHARTS_MIRROR={env['CHARTS_MIRROR']}", env["CHARTS_MIRROR"].rstrip("/")))
    if shared.is_dir():
        found.append(Source(display(shared), str(shared), is_dir=True))
    found.append(Source(repository, repository.rstrip("/")))
    return found


def obtain(
    name: str,
    version: str,
    repository: str,
    *,
    substitute: str | None = None,
    cache: Path = CACHE,
    helm: Path = HELM,
    env: Mapping[str, str] | None = None,
    shared: Path = SHARED,
) -> Fetched:
    """`name` at `version` in the cache, from the first source that has it (see the module docstring).

    `substitute`: the version to take when no source holds `version`. Raises ChartUnavailableError
    naming every source tried when neither can be had. `env` (default os.environ) holds
    CHARTS_DIR / CHARTS_MIRROR and is the environment helm runs in.
    """
    env = os.environ if env is None else env
    tried = sources(repository, env, shared)
    explicit = [s.label for s in tried if s.label.startswith(EXPLICIT)]
    cache.mkdir(parents=True, exist_ok=True)
    with _locked(cache):
        manifest = _read_manifest(cache)
        key = f"{name}@{version}"
        entry = manifest.get(key)
        # A cached pin is final; a cached substitute only while the same explicit sources are
        # configured (a CHARTS_DIR or CHARTS_MIRROR set since may hold the pin itself).
        if entry and _intact(cache, entry) and (entry["version"] == version or entry["explicit"] == explicit):
            return Fetched(name, version, entry["version"], cache / entry["file"], entry["source"], fetched=False)
        reasons: list[str] = []
        for wanted in dict.fromkeys(v for v in (version, substitute) if v):
            for source in tried:
                try:
                    path = _fetch_checked(source, name, wanted, cache, helm, env)
                except (OSError, ValueError, subprocess.CalledProcessError) as error:
                    reasons.append(f"{name} {wanted} from {source.label}: {_reason(error)}")
                    continue
                manifest[key] = {
                    "version": wanted,
                    "file": path.name,
                    "sha256": _sha256(path),
                    "source": source.label,
                    "explicit": explicit,
                }
                _write_manifest(cache, manifest)
                return Fetched(name, version, wanted, path, source.label, fetched=True)
    raise ChartUnavailableError(
        f"chart {name} {version} cannot be had from any source"
        + (f" (nor its offline substitute {substitute})" if substitute and substitute != version else "")
        + ":\n"
        + "\n".join(f"  - {reason}" for reason in reasons)
    )


def cached(name: str, version: str, cache: Path = CACHE) -> Fetched:
    """The chart `make setup` put in the cache; never fetches. FileNotFoundError names the fix."""
    entry = _read_manifest(cache).get(f"{name}@{version}")
    if not entry or not _intact(cache, entry):
        raise FileNotFoundError(
            f"chart {name} {version} is not in {display(cache)}: run `make setup` (or `make charts`)"
        )
    return Fetched(name, version, entry["version"], cache / entry["file"], entry["source"], fetched=False)


def write_index(cache: Path = CACHE, helm: Path = HELM) -> Path:
    """An index.yaml over the cache (`helm repo index`), so it can be served as a chart repository."""
    index = cache / "index.yaml"
    charts = sorted(cache.glob("*.tgz"))
    if not index.is_file() or any(c.stat().st_mtime_ns > index.stat().st_mtime_ns for c in charts):
        with _helm_home(cache, os.environ) as env:
            subprocess.run([str(helm), "repo", "index", str(cache)], check=True, capture_output=True, env=env)
    return index


def chart_metadata(path: Path) -> dict[str, Any]:
    """The Chart.yaml packaged in a chart archive."""
    with tarfile.open(path) as archive:
        member = next(
            (m for m in archive.getmembers() if m.name.count("/") == 1 and m.name.endswith("/Chart.yaml")), None
        )
        if member is None:
            raise ValueError(f"{path.name} is not a Helm chart archive (no <chart>/Chart.yaml)")
        return yaml.safe_load(archive.extractfile(member).read())  # type: ignore[union-attr]


# ---- internals --------------------------------------------------------------------------------------------


def _fetch_checked(source: Source, name: str, version: str, cache: Path, helm: Path, env: Mapping[str, str]) -> Path:
    """Fetch into a scratch folder, check the archive is the chart asked for, then move it in."""
    with tempfile.TemporaryDirectory(dir=cache, prefix=".fetch-") as scratch:
        path = source.fetch(name, version, Path(scratch), helm, env)
        metadata = chart_metadata(path)
        if (metadata.get("name"), str(metadata.get("version"))) != (name, version):
            raise ValueError(f"{path.name} holds {metadata.get('name')} {metadata.get('version')}")
        final = cache / f"{name}-{version}.tgz"
        os.replace(path, final)
        return final


def _helm_pull(name: str, version: str, location: str, into: Path, helm: Path, env: Mapping[str, str]) -> Path:
    if not helm.is_file():
        raise FileNotFoundError(f"{helm} is missing (make setup installs the pinned helm)")
    if location.startswith("oci://"):
        command = [str(helm), "pull", f"{location}/{name}", "--version", version, "--destination", str(into)]
        host = location.removeprefix("oci://").split("/", 1)[0].rsplit(":", 1)[0]
        if host in ("127.0.0.1", "localhost", "[::1]"):
            command.append("--plain-http")  # a loopback registry (tests) speaks plain HTTP
    else:
        command = [str(helm), "pull", name, "--repo", location, "--version", version, "--destination", str(into)]
    with _helm_home(into, env) as helm_env:
        subprocess.run(command, check=True, capture_output=True, text=True, env=helm_env, timeout=300)
    pulled = sorted(into.glob("*.tgz"))
    if len(pulled) != 1:
        raise FileNotFoundError(f"helm pull left {[p.name for p in pulled]}")
    return pulled[0]


@contextlib.contextmanager
def _helm_home(scratch: Path, env: Mapping[str, str]) -> Iterator[dict[str, str]]:
    """Helm's config, cache and data in a throwaway folder: no user repositories, no stale indexes."""
    with tempfile.TemporaryDirectory(dir=scratch, prefix=".helm-") as home:
        yield {
            **env,
            "HELM_CONFIG_HOME": f"{home}/config",
            "HELM_CACHE_HOME": f"{home}/cache",
            "HELM_DATA_HOME": f"{home}/data",
        }


def _reason(error: BaseException) -> str:
    if isinstance(error, subprocess.CalledProcessError):
        lines = (error.stderr or "").strip().splitlines()
        return (lines[-1] if lines else f"helm exited {error.returncode}").removeprefix("Error: ")
    return str(error)


@contextlib.contextmanager
def _locked(cache: Path) -> Iterator[None]:
    """One writer at a time (pytest workers, make diff's two renders)."""
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _read_manifest(cache: Path) -> dict[str, Any]:
    path = cache / MANIFEST
    return json.loads(path.read_text()) if path.is_file() else {}


def _write_manifest(cache: Path, manifest: dict[str, Any]) -> None:
    partial = cache / f".{MANIFEST}.{os.getpid()}"
    partial.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    partial.replace(cache / MANIFEST)


def _intact(cache: Path, entry: Mapping[str, Any]) -> bool:
    path = cache / entry["file"]
    return path.is_file() and _sha256(path) == entry["sha256"]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def display(path: Path) -> str:
    """A path as the reader knows it: relative to the checkout when it is beside or inside it."""
    with contextlib.suppress(ValueError):
        return str(path.resolve().relative_to(ROOT))
    with contextlib.suppress(ValueError):
        return str(Path("..") / path.resolve().relative_to(ROOT.parent))
    return str(path)


def fetch_all(charts: Sequence[Any], substitutes: Mapping[str, str], **kwargs: Any) -> list[Fetched]:
    """`obtain` every chart of `charts` (objects with name, repository, version); all errors at once."""
    fetched, errors = [], []
    for chart in charts:
        try:
            fetched.append(
                obtain(chart.name, chart.version, chart.repository, substitute=substitutes.get(chart.name), **kwargs)
            )
        except ChartUnavailableError as error:
            errors.append(str(error))
    if errors:
        raise ChartUnavailableError("\n".join(errors))
    return fetched


def main() -> int:
    """`make charts`: every chart the committed stacks install, into build/charts; prints each one's source."""
    from components import versions  # the working tree's pins (this module alone imports nothing of the project)

    try:
        for chart in fetch_all(versions.pinned_charts(), versions.OFFLINE_SUBSTITUTES):
            print(f"charts: {chart.describe()}")
    except ChartUnavailableError as error:
        print(f"make charts: {error}\n{HINT}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
