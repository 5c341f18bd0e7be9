"""Copy the prometheus-operator CRDs out of the pinned kube-prometheus-stack chart into monitoring/crds/.

    python -m scripts.monitoring_crds           # after bumping versions.KUBE_PROMETHEUS_STACK (make monitoring-crds)
    python -m scripts.monitoring_crds --check   # exit 1 if the copy differs from the pinned chart

Helm never upgrades a chart's CRDs, so the program applies these files itself (server-side, kept on
destroy: components/monitoring_crds.py). The files are the chart's own, byte for byte
(`charts/crds/crds/` in the archive); `SOURCE` names the chart they came from.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tarfile
from pathlib import Path

from components import versions
from offline import charts

ROOT = Path(__file__).resolve().parent.parent
CRDS = ROOT / "monitoring" / "crds"
IN_CHART = "kube-prometheus-stack/charts/crds/crds/"


def chart_crds() -> dict[str, bytes]:
    """File name -> content of every CRD file in the pinned chart (fetched into the chart cache)."""
    pin = versions.KUBE_PROMETHEUS_STACK
    archive = charts.obtain(pin.name, pin.version, pin.repository).path
    with tarfile.open(archive) as tar:
        return {
            Path(member.name).name: tar.extractfile(member).read()  # type: ignore[union-attr]
            for member in tar.getmembers()
            if member.isfile() and member.name.startswith(IN_CHART) and member.name.endswith(".yaml")
        }


def source_text(files: dict[str, bytes]) -> str:
    pin = versions.KUBE_PROMETHEUS_STACK
    lines = [f"chart: {pin.name} {pin.version} ({pin.repository}), path charts/crds/crds/", "sha256:"]
    lines += [f"  {name}: {hashlib.sha256(data).hexdigest()}" for name, data in sorted(files.items())]
    return "\n".join(lines) + "\n"


def differences(files: dict[str, bytes]) -> list[str]:
    """What differs between monitoring/crds/ and `files` (the pinned chart's), one line each."""
    present = {path.name: path.read_bytes() for path in CRDS.glob("*.yaml")}
    found = [f"{name}: missing" for name in sorted(set(files) - set(present))]
    found += [f"{name}: not in the chart" for name in sorted(set(present) - set(files))]
    found += [f"{name}: differs" for name in sorted(set(files) & set(present)) if files[name] != present[name]]
    source = CRDS / "SOURCE"
    if not source.exists() or source.read_text() != source_text(files):
        found.append("SOURCE: out of date")
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 on a difference")
    args = parser.parse_args()
    files = chart_crds()
    if args.check:
        problems = differences(files)
        for line in problems:
            print(f"monitoring/crds/{line}", file=sys.stderr)
        return 1 if problems else 0
    CRDS.mkdir(parents=True, exist_ok=True)
    for stale in CRDS.glob("*.yaml"):
        stale.unlink()
    for name, data in files.items():
        (CRDS / name).write_bytes(data)
    (CRDS / "SOURCE").write_text(source_text(files))
    print(
        f"monitoring/crds/: {len(files)} CRDs from {versions.KUBE_PROMETHEUS_STACK.name} {versions.KUBE_PROMETHEUS_STACK.version}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
