"""The chart cache (offline/charts.py): every upstream chart from the first source that has it.

Sources are real: an HTTP chart repository and an OCI registry on loopback (tests/chart_servers.py),
folders of archives, and "upstream" repositories made unreachable through a refusing proxy. The
mechanism tests use small charts made here; the last tests fetch the real pinned charts.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from components import versions
from offline import charts
from tests.chart_servers import UNREACHABLE, http_chart_repository, make_chart, oci_registry

ROOT = Path(__file__).resolve().parents[2]
NOWHERE = "https://charts.example.invalid/upstream"


def environment(**sources: str) -> dict[str, str]:
    """This process's environment without any chart source of its own, upstream unreachable, plus `sources`."""
    clean = {k: v for k, v in os.environ.items() if k not in ("CHARTS_DIR", "CHARTS_MIRROR")}
    return {**clean, **UNREACHABLE, **sources}


@pytest.fixture
def archives(tmp_path: Path) -> Path:
    """demo 1.0.0 and 2.0.0, other 0.1.0."""
    folder = tmp_path / "archives"
    folder.mkdir()
    for name, version in (("demo", "1.0.0"), ("demo", "2.0.0"), ("other", "0.1.0")):
        make_chart(folder, name, version)
    return folder


def obtain(name: str, version: str, tmp_path: Path, env: dict[str, str], **kwargs: object) -> charts.Fetched:
    """`charts.obtain` into tmp_path/cache, with no ../shared/charts unless `shared` is given."""
    kwargs.setdefault("shared", tmp_path / "no-shared")
    return charts.obtain(name, version, NOWHERE, cache=tmp_path / "cache", env=env, **kwargs)  # type: ignore[arg-type]


def held_version(fetched: charts.Fetched) -> str:
    return str(charts.chart_metadata(fetched.path)["version"])


def test_an_http_mirror_fills_the_cache_and_a_second_run_fetches_nothing(archives: Path, tmp_path: Path) -> None:
    with http_chart_repository(sorted(archives.glob("*.tgz")), tmp_path) as mirror:
        env = environment(CHARTS_MIRROR=mirror.url)
        first = obtain("demo", "2.0.0", tmp_path, env)
        assert (first.fetched, first.source, held_version(first)) == (True, f"CHARTS_MIRROR={mirror.url}", "2.0.0")
        assert first.path == tmp_path / "cache" / "demo-2.0.0.tgz"
        served = len(mirror.requests)
        assert served >= 2  # index.yaml, then the archive
        again = obtain("demo", "2.0.0", tmp_path, env)
        assert (again.fetched, again.path, again.source) == (False, first.path, first.source)
        assert len(mirror.requests) == served  # nothing fetched the second time
        assert "cached, from CHARTS_MIRROR=" in again.describe()


def test_an_oci_mirror_is_pulled_by_reference(archives: Path, tmp_path: Path) -> None:
    with oci_registry(sorted(archives.glob("*.tgz"))) as registry:
        got = obtain("demo", "1.0.0", tmp_path, environment(CHARTS_MIRROR=registry.url))
        assert (got.source, held_version(got)) == (f"CHARTS_MIRROR={registry.url}", "1.0.0")
        assert any(path.startswith("/v2/charts/demo/blobs/sha256:") for path in registry.requests)


def test_sources_are_tried_in_order_charts_dir_mirror_shared_upstream(archives: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shutil.copy(archives / "other-0.1.0.tgz", shared)
    only_demo_1 = tmp_path / "only-demo-1"
    only_demo_1.mkdir()
    shutil.copy(archives / "demo-1.0.0.tgz", only_demo_1)
    with http_chart_repository([archives / "demo-2.0.0.tgz"], tmp_path) as mirror:
        env = environment(CHARTS_DIR=str(only_demo_1), CHARTS_MIRROR=mirror.url)
        assert [s.label for s in charts.sources(NOWHERE, env, shared)] == [
            f"CHARTS_DIR={only_demo_1}",
            f"CHARTS_MIRROR={mirror.url}",
            str(shared),
            NOWHERE,
        ]
        assert obtain("demo", "1.0.0", tmp_path, env, shared=shared).source == f"CHARTS_DIR={only_demo_1}"
        assert obtain("demo", "2.0.0", tmp_path, env, shared=shared).source == f"CHARTS_MIRROR={mirror.url}"
        assert obtain("other", "0.1.0", tmp_path, env, shared=shared).source == str(shared)


def test_the_substitute_is_taken_only_when_no_source_holds_the_pin(archives: Path, tmp_path: Path) -> None:
    env = environment(CHARTS_DIR=str(archives))
    pinned = obtain("demo", "2.0.0", tmp_path, env, substitute="1.0.0")
    assert (pinned.version, pinned.substituted, held_version(pinned)) == ("2.0.0", False, "2.0.0")
    instead = obtain("demo", "3.0.0", tmp_path, env, substitute="1.0.0")
    assert (instead.pinned, instead.version, instead.substituted, held_version(instead)) == (
        "3.0.0",
        "1.0.0",
        True,
        "1.0.0",
    )
    assert "demo 1.0.0 (pinned 3.0.0, which no source holds: the offline substitute)" in instead.describe()


def test_a_cached_substitute_gives_way_when_a_new_explicit_source_holds_the_pin(archives: Path, tmp_path: Path) -> None:
    old = tmp_path / "old"
    old.mkdir()
    shutil.copy(archives / "demo-1.0.0.tgz", old)
    assert obtain("demo", "2.0.0", tmp_path, environment(CHARTS_DIR=str(old)), substitute="1.0.0").substituted
    again = obtain("demo", "2.0.0", tmp_path, environment(CHARTS_DIR=str(old)), substitute="1.0.0")
    assert again.substituted and not again.fetched
    newer = obtain("demo", "2.0.0", tmp_path, environment(CHARTS_DIR=str(archives)), substitute="1.0.0")
    assert (newer.substituted, newer.fetched, held_version(newer)) == (False, True, "2.0.0")


def test_no_source_names_the_chart_the_version_and_every_source_tried(archives: Path, tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    with http_chart_repository([archives / "other-0.1.0.tgz"], tmp_path) as mirror:
        env = environment(CHARTS_DIR=str(archives), CHARTS_MIRROR=mirror.url)
        with pytest.raises(charts.ChartUnavailableError) as raised:
            obtain("demo", "9.9.9", tmp_path, env, substitute="8.8.8", shared=shared)
    message = str(raised.value)
    assert message.startswith("chart demo 9.9.9 cannot be had from any source (nor its offline substitute 8.8.8):")
    for version in ("9.9.9", "8.8.8"):
        assert f"demo {version} from CHARTS_DIR={archives}: no demo-{version}.tgz in {archives}" in message
        assert f'demo {version} from CHARTS_MIRROR={mirror.url}: chart "demo" version "{version}" not found' in message
        assert f"demo {version} from {shared}: no demo-{version}.tgz" in message
        assert f"demo {version} from {NOWHERE}: " in message
    assert not (tmp_path / "cache" / "demo-9.9.9.tgz").exists()


def test_an_archive_that_is_not_the_chart_asked_for_is_refused(archives: Path, tmp_path: Path) -> None:
    mislabelled = tmp_path / "mislabelled"
    mislabelled.mkdir()
    shutil.copy(archives / "demo-1.0.0.tgz", mislabelled / "demo-2.0.0.tgz")
    with pytest.raises(charts.ChartUnavailableError, match=r"demo-2\.0\.0\.tgz holds demo 1\.0\.0"):
        obtain("demo", "2.0.0", tmp_path, environment(CHARTS_DIR=str(mislabelled)))


def test_a_cached_chart_changed_on_disk_is_fetched_again(archives: Path, tmp_path: Path) -> None:
    env = environment(CHARTS_DIR=str(archives))
    first = obtain("demo", "1.0.0", tmp_path, env)
    first.path.write_bytes(b"truncated")
    again = obtain("demo", "1.0.0", tmp_path, env)
    assert again.fetched and held_version(again) == "1.0.0"


def test_cached_never_fetches_and_says_how_to_fill_the_cache(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match=r"chart demo 1\.0\.0 is not in .*: run `make setup`"):
        charts.cached("demo", "1.0.0", cache=tmp_path)


# ---- the real pinned charts ---------------------------------------------------------------------------------


def pinned_archives() -> list[Path]:
    """The archives `make setup` put in the project's cache (pins, or their offline substitutes)."""
    return [
        charts.obtain(c.name, c.version, c.repository, substitute=versions.OFFLINE_SUBSTITUTES.get(c.name)).path
        for c in versions.pinned_charts()
    ]


def test_every_pinned_chart_comes_from_a_loopback_mirror_as_in_a_clone_without_shared(tmp_path: Path) -> None:
    """What `make setup` does in a user's clone with CHARTS_MIRROR: each pin, or its documented substitute."""
    with http_chart_repository(pinned_archives(), tmp_path) as mirror:
        env = environment(CHARTS_MIRROR=mirror.url)
        got = charts.fetch_all(
            versions.pinned_charts(), versions.OFFLINE_SUBSTITUTES, cache=tmp_path / "cache", env=env, shared=tmp_path
        )
    for chart, fetched in zip(versions.pinned_charts(), got, strict=True):
        assert fetched.source == f"CHARTS_MIRROR={mirror.url}"
        assert (charts.chart_metadata(fetched.path)["name"], held_version(fetched)) == (chart.name, fetched.version)
        assert fetched.version in (chart.version, versions.OFFLINE_SUBSTITUTES.get(chart.name))


def test_make_charts_with_no_source_fails_once_naming_each_missing_chart(tmp_path: Path) -> None:
    """A clone with no ../shared, no mirror and no reachable upstream: `make charts` (part of `make setup`)."""
    clone = tmp_path / "clone"
    for relative in ("offline/__init__.py", "offline/charts.py", "components/__init__.py", "components/versions.py"):
        (clone / relative).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / relative, clone / relative)
    (clone / "tools" / "bin").mkdir(parents=True)
    (clone / "tools" / "bin" / "helm").symlink_to(charts.HELM)
    result = subprocess.run(
        [sys.executable, "-m", "offline.charts"], cwd=clone, env=environment(), capture_output=True, text=True
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("Set CHARTS_DIR") == 1 and result.stderr.rstrip().endswith("are reachable.")
    for chart in versions.pinned_charts():
        assert f"chart {chart.name} {chart.version} cannot be had from any source" in result.stderr
        assert f"{chart.name} {chart.version} from {chart.repository}: " in result.stderr
    assert not list((clone / "build" / "charts").glob("*.tgz"))


def test_setup_fetches_the_charts_and_diff_and_e2e_need_them() -> None:
    makefile = (ROOT / "Makefile").read_text()
    assert "\t$(PY) -m offline.charts\n" in makefile
    for target in ("setup", "diff", "e2e"):
        [line] = [line for line in makefile.splitlines() if line.startswith(f"{target}: ")]
        assert " charts " in f"{line.split('##')[0]} ", line


def test_nothing_reads_the_shared_folder_but_the_chart_cache() -> None:
    """The shared charts folder is one chart source among others; no other code builds a path to it."""
    beside_the_checkout = re.compile(
        r"\.parents?(\[\d+\])?\s*/\s*[\"']shared[\"']|Path\(\s*[\"']\.\./shared|cd \.\./shared"
    )
    readers = sorted(
        str(path.relative_to(ROOT))
        for path in ROOT.rglob("*")
        if path.suffix in (".py", ".sh", ".mk", ".yml")
        and not {".git", ".venv", ".venv-checkov", "venv", "build", "tools"} & set(path.relative_to(ROOT).parts)
        and beside_the_checkout.search(path.read_text())
    )
    assert readers == ["offline/charts.py"], readers


def test_the_readme_quick_start_says_where_charts_come_from_and_names_every_substitute() -> None:
    readme = (ROOT / "README.md").read_text()
    quick_start = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    for fragment in (
        "build/charts",
        "CHARTS_MIRROR=https://",
        "CHARTS_MIRROR=oci://",
        "CHARTS_DIR=",
        "../shared/charts",
    ):
        assert fragment in quick_start, fragment
    for name, version in versions.OFFLINE_SUBSTITUTES.items():
        pin = next(chart.version for chart in versions.pinned_charts() if chart.name == name)
        assert f"{name}: pinned {pin} for real deployments, {version} in `../shared/charts`" in quick_start
