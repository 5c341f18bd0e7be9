"""`make diff STACK=dev BASE=origin/main`: what every Helm release of a stack would change, object by object.

The offline counterpart of `helm diff`: no cluster, no cloud, no Pulumi CLI. For the BASE commit
and for the working tree it

1. runs the program for STACK under the recording mocks (`offline.runner.run_program`) *of that
   tree*, in a subprocess whose cwd and import path are that tree (BASE may have other components);
2. takes each `helm.v3.Release` the program declares — chart, version, repository, namespace,
   `valueYamlFiles` and `values`, exactly the Release's inputs — and renders it with the pinned
   `tools/bin/helm template --kube-version <the stack's kubernetesVersion>`: the local chart
   (charts/django) from that tree, an upstream chart from the chart cache (build/charts, filled by
   `make setup` from CHARTS_DIR / CHARTS_MIRROR, ../shared/charts or its repository: see
   offline/charts.py; a version the cache lacks, such as BASE's older pin, is fetched the same way);
3. prints a unified diff per Kubernetes object, headed `kind/namespace/name`.

Secrets are compared but never printed: a changed, added or removed Secret is reported with the
names of its keys only. Hook objects (`helm.sh/hook`) are marked. Both trees are rendered by this
file's renderer (`--render-only DIR`), so a difference always comes from the trees, never from two
renderers.
"""

from __future__ import annotations

import argparse
import contextlib
import difflib
import hashlib
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _module_of_this_tree(relative: str) -> ModuleType:
    """A module of the tree this file belongs to, by path: BASE's tree may have other (or no) modules of that name."""
    name = f"_make_diff_{Path(relative).stem}"
    spec = importlib.util.spec_from_file_location(name, ROOT / relative)
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    sys.modules[name] = module  # dataclasses resolve annotations through sys.modules
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    return module


chart_cache = _module_of_this_tree("offline/charts.py")
OFFLINE_SUBSTITUTES: dict[str, str] = _module_of_this_tree("components/versions.py").OFFLINE_SUBSTITUTES
HELM = chart_cache.HELM
RELEASE_TYPE = "kubernetes:helm.sh/v3:Release"
HOOK_ANNOTATION = "helm.sh/hook"
NO_CHANGES = "no changes"
CLUSTER = "(cluster)"
# Kinds that have no namespace: shown as kind/(cluster)/name, never given the release namespace.
CLUSTER_SCOPED = frozenset(
    {
        "APIService",
        "ClusterRole",
        "ClusterRoleBinding",
        "CustomResourceDefinition",
        "IngressClass",
        "MutatingWebhookConfiguration",
        "Namespace",
        "PersistentVolume",
        "PriorityClass",
        "RuntimeClass",
        "StorageClass",
        "ValidatingAdmissionPolicy",
        "ValidatingAdmissionPolicyBinding",
        "ValidatingWebhookConfiguration",
    }
)
# libyaml's loader when PyYAML has it: the CRDs run to tens of thousands of lines.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
# Template functions whose output differs on every render (a webhook's self-signed CA, say).
_GENERATORS = re.compile(
    rb"\b(genCA|genSelfSignedCert|genSignedCert|genPrivateKey|randAlpha|randAlphaNum|randAscii|randNumeric|uuidv4|now)\b"
)
GENERATED = "(generated anew on every render)"
# What the program run depends on: everything but the charts (helm reads those, every time),
# tests, docs and the directories tools and virtualenvs live in.
_NOT_PROGRAM = frozenset(
    {".git", "app", "build", "charts", "docs", "node_modules", "policy", "scripts", "tests", "tools", "__pycache__"}
)


# ---- rendering one tree (runs inside that tree: `--render-only DIR`) ---------------------------------


@dataclass(frozen=True)
class ChartSource:
    """Where `helm template` takes a chart from, and what the reader must be told about it."""

    reference: str
    arguments: tuple[str, ...]
    version: str
    note: str = ""


def kubernetes_version(tree: Path, stack: str) -> str:
    """The stack's `kubernetesVersion` (stack file, else Pulumi.yaml's default) as helm's x.y.0."""
    key = "eks-platform:kubernetesVersion"
    stack_file = yaml.safe_load((tree / f"Pulumi.{stack}.yaml").read_text()) or {}
    project = yaml.safe_load((tree / "Pulumi.yaml").read_text()) or {}
    version = (stack_file.get("config") or {}).get(key) or ((project.get("config") or {}).get(key) or {}).get(
        "default", "1.34"
    )
    return f"{version}.0"


def chart_source(chart: str, version: str, repo: str, tree: Path, charts: Path, helm: Path) -> ChartSource:
    """The local chart from `tree`, else the chart cache's `<name>-<version>.tgz` (fetched if missing).

    Where no source holds the version, the cache holds the chart's OFFLINE_SUBSTITUTES version
    (components/versions.py): reviewing the program's values against a nearby chart beats not
    reviewing them, and the header says so.
    """
    if (tree / chart / "Chart.yaml").is_file():
        return ChartSource(str(tree / chart), (), version or "local")
    name = chart.rstrip("/").rsplit("/", 1)[-1]
    upstream = repo or chart.rstrip("/").rsplit("/", 1)[0]  # an oci:// mirror names the chart in its reference
    try:
        got = chart_cache.obtain(
            name, version, upstream, substitute=OFFLINE_SUBSTITUTES.get(name), cache=charts, helm=helm
        )
    except chart_cache.ChartUnavailableError as error:
        raise SystemExit(f"make diff: {error}\n{chart_cache.HINT}") from None
    note = ""
    if got.substituted:
        note = f"{name}: the pinned {version} is in no chart source; rendered its offline substitute {got.version} ({got.source})"
    return ChartSource(str(got.path), (), got.version, note)


def _value_files(release: Mapping[str, Any], tree: Path) -> list[Path]:
    """The release's `valueYamlFiles` (FileAssets, relative to the program's directory)."""
    files = []
    for asset in release.get("valueYamlFiles") or []:
        path = asset.get("path") if isinstance(asset, dict) else None
        if not path:
            raise SystemExit(f"make diff: release {release.get('name')}: a valueYamlFiles entry is not a file: {asset}")
        files.append((tree / path).resolve())
    return files


def _has_generators(source: ChartSource) -> bool:
    """The chart's templates call a function whose result changes on every render."""
    path = Path(source.reference)
    if path.is_dir():
        return any(_GENERATORS.search(f.read_bytes()) for f in path.rglob("*") if f.is_file())
    if path.is_file() and path.suffix == ".tgz":
        with tarfile.open(path) as archive:
            return any(
                _GENERATORS.search(archive.extractfile(member).read())  # type: ignore[union-attr]
                for member in archive.getmembers()
                if member.isfile() and "/templates/" in member.name
            )
    return True  # a remote chart: cannot tell cheaply, so compare two renders


def mask_generated(first: Any, second: Any) -> Any:
    """`first` with every value that differs from `second` (same input, another render) masked."""
    if isinstance(first, dict) and isinstance(second, dict) and first.keys() == second.keys():
        return {key: mask_generated(first[key], second[key]) for key in first}
    if isinstance(first, list) and isinstance(second, list) and len(first) == len(second):
        return [mask_generated(a, b) for a, b in zip(first, second, strict=True)]
    return first if first == second else GENERATED


def rendered_objects(
    release: Mapping[str, Any], source: ChartSource, value_files: list[Path], kube_version: str, helm: Path
) -> list[dict[str, Any]]:
    """`helm_template`, with generated values (certificates, random strings) masked.

    Such values differ between any two renders, BASE and working tree included: left in, every
    `make diff` would report the load balancer controller's webhook certificate as changed.
    """
    first = helm_template(release, source, value_files, kube_version, helm)
    if not _has_generators(source):
        return first
    second = helm_template(release, source, value_files, kube_version, helm)
    if len(first) != len(second):
        return first
    return [mask_generated(a, b) for a, b in zip(first, second, strict=True)]


def _files_digest(path: Path) -> bytes:
    """The bytes of a file, or of every file under a directory (with their relative names)."""
    if path.is_file():
        return hashlib.sha256(path.read_bytes()).digest()
    digest = hashlib.sha256()
    for file in sorted(p for p in path.rglob("*") if p.is_file()):
        digest.update(f"{file.relative_to(path)}\0".encode() + file.read_bytes() + b"\0")
    return digest.digest()


def cached_objects(
    release: Mapping[str, Any],
    source: ChartSource,
    value_files: list[Path],
    kube_version: str,
    helm: Path,
    cache_dir: Path | None,
) -> list[dict[str, Any]]:
    """`rendered_objects`, reused while nothing helm reads has changed (a chart fetched from a repository: never)."""
    chart = Path(source.reference)
    if cache_dir is None or not chart.exists():
        return rendered_objects(release, source, value_files, kube_version, helm)
    digest = hashlib.sha256(
        json.dumps(
            [release["name"], release["namespace"], release.get("values") or {}, kube_version, str(helm)],
            sort_keys=True,
        ).encode()
    )
    digest.update(str(helm.stat().st_mtime_ns).encode() + _files_digest(chart))
    for path in value_files:
        digest.update(_files_digest(path))
    cached = cache_dir / f"helm-{digest.hexdigest()}.json"
    if cached.is_file():
        return json.loads(cached.read_text())
    objects = rendered_objects(release, source, value_files, kube_version, helm)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(objects))
    partial.replace(cached)
    return objects


def helm_template(
    release: Mapping[str, Any], source: ChartSource, value_files: list[Path], kube_version: str, helm: Path
) -> list[dict[str, Any]]:
    """Every object `helm install` would create for this release: templates, CRDs and hooks."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="values-") as values:
        json.dump(release.get("values") or {}, values)
        values.flush()
        command = [
            str(helm),
            "template",
            release["name"],
            source.reference,
            *source.arguments,
            "--namespace",
            release["namespace"],
            "--kube-version",
            kube_version,
            "--include-crds",
            *[arg for path in value_files for arg in ("-f", str(path))],
            "-f",
            values.name,  # after the files, as the Release merges them: values win
        ]
        result = subprocess.run(command, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"make diff: helm template {release['name']} failed:\n{result.stderr.strip()}")
    documents = yaml.load_all(result.stdout, Loader=_YAML_LOADER)  # a safe loader either way
    return [doc for doc in documents if isinstance(doc, dict) and doc.get("kind")]


def object_key(obj: Mapping[str, Any], release_namespace: str) -> str:
    """`kind/namespace/name` as `kubectl` would address it (cluster-scoped: `kind/(cluster)/name`)."""
    metadata = obj.get("metadata") or {}
    kind = obj["kind"]
    namespace = CLUSTER if kind in CLUSTER_SCOPED else metadata.get("namespace") or release_namespace
    return f"{kind}/{namespace}/{metadata.get('name', '?')}"


def program_releases(stack: str) -> list[dict[str, Any]]:
    """The plain inputs of every helm.v3.Release the program of the current tree declares."""
    from offline.runner import run_program  # the tree's own runner: imported after sys.path is set

    run = run_program(stack)
    return [_as_json(record.plain) for record in run.records if record.type == RELEASE_TYPE]


def _as_json(value: Any) -> Any:
    """Inputs as JSON: a FileAsset (valueYamlFiles) becomes {"path": ...}, relative to the tree."""
    if isinstance(value, dict):
        return {key: _as_json(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_as_json(item) for item in value]
    if value is None or isinstance(value, str | int | float | bool):
        return value
    path = getattr(value, "path", None)
    if isinstance(path, str):
        return {"path": path}
    raise SystemExit(f"make diff: cannot compare a Release input of type {type(value).__name__}: {value!r}")


def program_fingerprint(tree: Path, stack: str) -> str:
    """A digest of what the program run of `tree` depends on: its code and stack files, and this Python.

    Two trees that differ only in charts or values files (read by helm, not by the program)
    share a fingerprint, so the slow mock run happens once for both.
    """
    digest = hashlib.sha256(f"{stack}\0{sys.executable}\0{sys.version}\0".encode())
    for directory, dirs, files in os.walk(tree):
        here = Path(directory)
        dirs[:] = sorted(
            d
            for d in dirs
            if d not in _NOT_PROGRAM and not d.startswith(".") and not (here / d / "pyvenv.cfg").exists()
        )
        for name in sorted(files):
            if name.endswith((".py", ".yaml", ".yml", ".json", ".txt", ".toml")):
                path = here / name
                digest.update(f"{path.relative_to(tree)}\0".encode() + path.read_bytes() + b"\0")
    return digest.hexdigest()


def cached_program_releases(tree: Path, stack: str, cache_dir: Path | None) -> list[dict[str, Any]]:
    """`program_releases`, reusing an earlier run of the same program (see `program_fingerprint`)."""
    if cache_dir is None:
        return program_releases(stack)
    cached = cache_dir / f"{stack}-{program_fingerprint(tree, stack)}.json"
    if cached.is_file():
        return json.loads(cached.read_text())
    releases = program_releases(stack)
    cache_dir.mkdir(parents=True, exist_ok=True)
    partial = cached.with_suffix(f".{os.getpid()}.tmp")
    partial.write_text(json.dumps(releases))
    partial.replace(cached)  # atomic: a concurrent run never reads half a file
    return releases


def render_tree(tree: Path, stack: str, charts: Path, helm: Path, cache_dir: Path | None = None) -> dict[str, Any]:
    """Every rendered object of every release of `stack` in `tree` (run with cwd and sys.path = tree)."""
    with contextlib.redirect_stdout(sys.stderr):  # the program's prints must not corrupt the JSON
        releases = cached_program_releases(tree, stack, cache_dir)
    kube_version = kubernetes_version(tree, stack)
    rendered: dict[str, Any] = {"kubeVersion": kube_version, "releases": [], "objects": {}}
    for release in sorted(releases, key=lambda r: r["name"]):
        repo = (release.get("repositoryOpts") or {}).get("repo", "")
        source = chart_source(release["chart"], release.get("version") or "", repo, tree, charts, helm)
        rendered["releases"].append(
            {
                "name": release["name"],
                "namespace": release["namespace"],
                "chart": release["chart"],
                "version": release.get("version") or "",
                "rendered": source.version,
                "note": source.note,
            }
        )
        objects = cached_objects(release, source, _value_files(release, tree), kube_version, helm, cache_dir)
        rendered["objects"].update(keyed(release["name"], release["namespace"], objects))
    return rendered


def keyed(release: str, namespace: str, objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """A release's objects by `kind/namespace/name`, each with the release it belongs to."""
    return {object_key(obj, namespace): {"release": release, "object": obj} for obj in objects}


# ---- comparing two renderings ------------------------------------------------------------------------------


def is_secret(obj: Mapping[str, Any]) -> bool:
    return obj.get("kind") == "Secret"


def secret_keys(obj: Mapping[str, Any]) -> list[str]:
    return sorted({*(obj.get("data") or {}), *(obj.get("stringData") or {})})


def without_values(obj: Mapping[str, Any]) -> dict[str, Any]:
    """A Secret with every value replaced: its shape (names, labels, keys) can be diffed safely."""
    hidden = dict(obj)
    for field in ("data", "stringData"):
        if obj.get(field):
            hidden[field] = {key: "(hidden)" for key in obj[field]}
    return hidden


def hook_of(obj: Mapping[str, Any]) -> str:
    return ((obj.get("metadata") or {}).get("annotations") or {}).get(HOOK_ANNOTATION, "")


def as_lines(obj: Mapping[str, Any]) -> list[str]:
    return yaml.safe_dump(obj, sort_keys=False, default_flow_style=False, width=10_000).splitlines()


def heading(sign: str, what: str, key: str, release: str, obj: Mapping[str, Any]) -> str:
    hook = hook_of(obj)
    return f"{sign} {what:<7} {key}  (release {release}{f'; hook {hook}' if hook else ''})"


def object_diff(key: str, before: dict[str, Any] | None, after: dict[str, Any] | None, base_label: str) -> list[str]:
    """The lines for one object; [] when it did not change."""
    old, new = (before or {}).get("object"), (after or {}).get("object")
    if old == new:
        return []
    release = (after or before)["release"]
    shown = new if new is not None else old
    if old is None or new is None:
        sign, what = ("+", "added") if old is None else ("-", "removed")
        if is_secret(shown):
            return [heading(sign, what, key, release, shown) + f"  keys: {', '.join(secret_keys(shown)) or '-'}"]
        return [heading(sign, what, key, release, shown), *(f"{sign} {line}" for line in as_lines(shown))]
    lines = [heading("~", "changed", key, release, new)]
    if is_secret(old) or is_secret(new):
        changed = [
            k
            for k in sorted({*secret_keys(old), *secret_keys(new)})
            if (old.get("data") or {}).get(k) != (new.get("data") or {}).get(k)
            or (old.get("stringData") or {}).get(k) != (new.get("stringData") or {}).get(k)
        ]
        if changed:
            lines.append(f"  values changed (not shown): {', '.join(changed)}")
        old, new = without_values(old), without_values(new)
    lines += list(
        difflib.unified_diff(as_lines(old), as_lines(new), fromfile=f"{base_label}", tofile="working tree", lineterm="")
    )
    return lines


def compare(base: dict[str, Any], head: dict[str, Any], base_label: str) -> list[str]:
    """Per-object diff lines of two renderings, ordered by release and key; [NO_CHANGES] when equal."""
    keys = sorted(
        {*base["objects"], *head["objects"]},
        key=lambda k: ((head["objects"].get(k) or base["objects"][k])["release"], k),
    )
    lines: list[str] = []
    counts = {"changed": 0, "added": 0, "removed": 0}
    for key in keys:
        before, after = base["objects"].get(key), head["objects"].get(key)
        block = object_diff(key, before, after, base_label)
        if block:
            counts["added" if before is None else "removed" if after is None else "changed"] += 1
            lines += [*block, ""]
    if not lines:
        return [NO_CHANGES]
    return [*lines, ", ".join(f"{n} {what}" for what, n in counts.items())]


def header(stack: str, base_label: str, base: dict[str, Any], head: dict[str, Any], charts: Path) -> list[str]:
    """What was compared: stack, Kubernetes version, each release's chart, and every substitution."""
    lines = [
        f"# make diff: stack {stack}, {base_label} -> working tree "
        f"(helm template --kube-version {head['kubeVersion']}; upstream charts from the cache {chart_cache.display(charts)})"
    ]
    if base["kubeVersion"] != head["kubeVersion"]:
        lines.append(f"#   kubeVersion: {base['kubeVersion']} -> {head['kubeVersion']}")
    before = {r["name"]: r for r in base["releases"]}
    for release in head["releases"]:
        old = before.get(release["name"])
        chart = f"{release['chart']} {release['version']}".strip()
        if old and (old["chart"], old["version"]) != (release["chart"], release["version"]):
            chart = f"{old['chart']} {old['version']} -> {chart}"
        lines.append(f"#   release {release['name']} ({release['namespace']}): {chart}" + ("" if old else " [new]"))
    for name in sorted(set(before) - {r["name"] for r in head["releases"]}):
        lines.append(f"#   release {name} ({before[name]['namespace']}): removed")
    for note in sorted({r["note"] for r in (*base["releases"], *head["releases"]) if r["note"]}):
        lines.append(f"#   note: {note}")
    return lines


# ---- the two trees ----------------------------------------------------------------------------------------------


def render_in_subprocess(tree: Path, stack: str, charts: Path, helm: Path, cache_dir: Path | None) -> dict[str, Any]:
    """`render_tree` of `tree`, in a fresh interpreter whose cwd and import path are that tree."""
    command = [sys.executable, str(Path(__file__).resolve()), stack, "--render-only", str(tree)]
    command += ["--helm", str(helm), "--charts-cache", str(charts), "--cache-dir", str(cache_dir or "")]
    env = {**os.environ, "PYTHONPATH": str(tree), "PULUMI_SKIP_UPDATE_CHECK": "true"}
    result = subprocess.run(command, cwd=tree, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"make diff: rendering {tree} failed:\n{result.stderr.strip()[-4000:]}")
    return json.loads(result.stdout)


@contextlib.contextmanager
def checked_out(root: Path, ref: str) -> Iterator[tuple[Path, str]]:
    """The tracked files of `ref` in a temporary directory (`git archive`; the repository is untouched)."""
    commit = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout.strip()
    if not commit:
        raise SystemExit(f"make diff: BASE={ref} is not a commit here (git fetch origin first?)")
    directory = Path(tempfile.mkdtemp(prefix="make-diff-base-"))
    try:
        archive = subprocess.Popen(["git", "-C", str(root), "archive", "--format=tar", commit], stdout=subprocess.PIPE)
        subprocess.run(["tar", "-x", "-C", str(directory)], stdin=archive.stdout, check=True)
        if archive.wait() != 0:
            raise SystemExit(f"make diff: git archive {commit} failed")
        yield directory, commit
    finally:
        shutil.rmtree(directory, ignore_errors=True)


def render_both(
    base_tree: Path, head_tree: Path, stack: str, charts: Path, helm: Path, cache_dir: Path | None
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both renderings: one after the other when they share a program run (the second reuses it), else at once."""
    if cache_dir is not None and program_fingerprint(base_tree, stack) == program_fingerprint(head_tree, stack):
        base = render_in_subprocess(base_tree, stack, charts, helm, cache_dir)
        return base, render_in_subprocess(head_tree, stack, charts, helm, cache_dir)
    with ThreadPoolExecutor(max_workers=2) as pool:
        base_job = pool.submit(render_in_subprocess, base_tree, stack, charts, helm, cache_dir)
        head_job = pool.submit(render_in_subprocess, head_tree, stack, charts, helm, cache_dir)
        return base_job.result(), head_job.result()


def diff(
    stack: str,
    base_ref: str,
    *,
    root: Path = ROOT,
    charts: Path = chart_cache.CACHE,
    helm: Path = HELM,
    cache_dir: Path | None = None,
) -> str:
    """The whole report for `stack`: BASE (a git ref of `root`) against `root`'s working tree."""
    with checked_out(root, base_ref) as (base_tree, commit):
        base, head = render_both(base_tree, root, stack, charts, helm, cache_dir)
    label = f"{base_ref} ({commit[:12]})"
    return "\n".join([*header(stack, label, base, head, charts), "", *compare(base, head, label)]) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stack", nargs="?", help="the stack to compare (dev, prod, local)")
    parser.add_argument("--base", default="origin/main", help="git ref to compare against (default origin/main)")
    parser.add_argument(
        "--charts-cache",
        default=str(chart_cache.CACHE),
        help="the upstream chart cache (default build/charts; sources: CHARTS_DIR, CHARTS_MIRROR, ../shared/charts, "
        "the chart's repository)",
    )
    parser.add_argument("--helm", default=str(HELM), help="helm binary (default tools/bin/helm, the pinned one)")
    parser.add_argument(
        "--cache-dir",
        default=str(ROOT / "build" / "diff-cache"),
        help="program runs and helm renders, kept by a digest of their inputs (default build/diff-cache); '' = none",
    )
    parser.add_argument("--render-only", metavar="DIR", help="print the JSON rendering of the tree in DIR and stop")
    parser.add_argument("--detailed-exitcode", action="store_true", help="exit 2 when there are changes")
    args = parser.parse_args(argv)
    if not args.stack:
        parser.error("the stack is required, e.g. scripts/diff.py dev --base origin/main")
    charts = Path(args.charts_cache).resolve()
    helm = Path(args.helm).resolve()
    cache_dir = Path(args.cache_dir).resolve() if args.cache_dir else None
    if not helm.is_file():
        raise SystemExit(f"make diff: {helm} not found; run `make setup` (it installs the pinned helm)")

    if args.render_only:
        tree = Path(args.render_only).resolve()
        here = Path(__file__).resolve().parent
        sys.path[:] = [str(tree), *(p for p in sys.path if Path(p or ".").resolve() not in (here, tree))]
        os.chdir(tree)
        json.dump(render_tree(tree, args.stack, charts, helm, cache_dir), sys.stdout)
        return 0

    report = diff(args.stack, args.base, charts=charts, helm=helm, cache_dir=cache_dir)
    sys.stdout.write(report)
    return 2 if args.detailed_exitcode and not report.rstrip().endswith(NO_CHANGES) else 0


if __name__ == "__main__":
    sys.exit(main())
