"""Fixtures for the charts/django tests.

Everything renders with the real helm binary the Makefile installs (tools/bin/helm), for the
Kubernetes version the stacks pin, and every render is cached for the session: a scenario is
templated once however many tests look at it.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml

from components.settings import SUPPORTED_KUBERNETES_VERSIONS, Settings
from tests.upstream_charts import packaged

REPO_ROOT = Path(__file__).resolve().parents[2]
CHART_DIR = REPO_ROOT / "charts" / "django"
HELM = REPO_ROOT / "tools" / "bin" / "helm"
RELEASE = "django"
NAMESPACE = "django"
# The stacks' pinned minor (a patch is needed by helm's --kube-version and kubernetes-validate).
KUBE_VERSION = f"{Settings.model_fields['kubernetes_version'].default}.0"
SUPPORTED_KUBE_VERSIONS = tuple(f"{minor}.0" for minor in SUPPORTED_KUBERNETES_VERSIONS)

Overrides = Mapping[str, Any]
# libyaml's loader parses a render ~8x faster than the pure-Python one; same safe subset.
_YAML_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Scenario:
    """One values file the chart must render cleanly: an environment file or a ci/ scenario."""

    name: str
    values: Path


def chart_scenarios() -> list[Scenario]:
    """The two environment files plus every ci/*-values.yaml, so a new scenario is tested on arrival."""
    envs = [
        Scenario(f"env-{env}", CHART_DIR / "environments" / f"values.{env}.yaml") for env in ("dev", "prod", "local")
    ]
    ci = [
        Scenario(f"ci-{p.name.removesuffix('-values.yaml')}", p)
        for p in sorted((CHART_DIR / "ci").glob("*-values.yaml"))
    ]
    return envs + ci


def strategy_type(values: Path) -> str:
    """The strategy.type a scenario's values file chooses (the chart's default, RollingUpdate, if none)."""
    return (yaml.safe_load(values.read_text()).get("strategy") or {}).get("type", "RollingUpdate")


# ---- Argo Rollouts objects: validated against the CRDs of the argo-rollouts chart ----------------

ARGO_GROUP = "argoproj.io"
# The chart the platform installs the Argo Rollouts controller from (the chart cache, offline/charts.py).
ARGO_ROLLOUTS_CHART = "argo-rollouts"
# A template line that is only a Helm directive ({{- if .Values.installCRDs }}, {{- end }}, ...).
_HELM_DIRECTIVE_LINE = re.compile(r"^\s*\{\{.*\}\}\s*$")


def _strict_json_schema(node: Any, preserve_unknown: bool = False) -> Any:
    """A CRD's structural openAPIV3Schema as a strict JSON schema (draft 2020-12).

    Strict as the API server's field validation is: an object with declared properties refuses
    unknown ones (the server would prune them silently) unless x-kubernetes-preserve-unknown-fields.
    x-kubernetes-int-or-string admits an integer or a string; nullable admits null; the other
    x-kubernetes-* keys (list/map types, CEL validations, embedded resources) are not checked here.
    """
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-kubernetes-") or key == "nullable":
            continue
        if key == "properties":
            out[key] = {name: _strict_json_schema(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties", "not"):
            out[key] = _strict_json_schema(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [_strict_json_schema(sub) for sub in value]
        else:
            out[key] = value
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out.pop("anyOf", None)
        out["type"] = ["integer", "string"]
    if node.get("nullable") and "type" in out:
        out["type"] = [*([out["type"]] if isinstance(out["type"], str) else out["type"]), "null"]
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not node.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


@cache
def argo_crd_validators() -> dict[tuple[str, str], jsonschema.protocols.Validator]:
    """A validator per (apiVersion, kind) the argo-rollouts chart's CRDs define.

    The CRDs are the chart's templates/crds/*.yaml, extracted from the packaged .tgz into a
    temporary directory at test time; their only Helm templating is whole-line directives.
    """
    crds: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp, tarfile.open(packaged(ARGO_ROLLOUTS_CHART)) as tgz:
        members = [m for m in tgz.getmembers() if re.fullmatch(r"[^/]+/templates/crds/[^/]+\.yaml", m.name)]
        assert members, f"no templates/crds/*.yaml in {packaged(ARGO_ROLLOUTS_CHART)}"
        tgz.extractall(tmp, members=members, filter="data")
        for path in sorted(Path(tmp).rglob("*.yaml")):
            text = "\n".join(line for line in path.read_text().splitlines() if not _HELM_DIRECTIVE_LINE.match(line))
            crds.append(yaml.load(text, Loader=_YAML_LOADER))
    return _crd_validators(crds)


# ---- monitoring.coreos.com objects: validated against the CRDs of the kube-prometheus-stack chart ---

MONITORING_GROUP = "monitoring.coreos.com"
# The chart the platform installs Prometheus and its operator from; its CRDs are charts/crds/crds/*.yaml.
KUBE_PROMETHEUS_STACK_CHART = "kube-prometheus-stack"
# The monitoring kinds charts/django renders. Only their CRDs are read: others carry Go regular
# expressions (alertmanagerconfigs' `(?i)` mid-pattern) that Python's re, hence jsonschema, refuses.
MONITORING_CRDS = ("crd-servicemonitors.yaml",)


class _CrdLoader(_YAML_LOADER):
    """The safe loader, reading YAML 1.1's value key `=` (a regex enum in alertmanagerconfigs) as a
    plain string: PyYAML's safe loaders have no constructor for its tag and refuse the file."""


_CrdLoader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


def _crd_validators(crds: Iterable[dict[str, Any]]) -> dict[tuple[str, str], jsonschema.protocols.Validator]:
    """A strict validator per (apiVersion, kind) the CRDs define (see _strict_json_schema)."""
    validators: dict[tuple[str, str], jsonschema.protocols.Validator] = {}
    for crd in crds:
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            schema = _strict_json_schema(version["schema"]["openAPIV3Schema"])
            schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind", "metadata", "spec"})
            validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
            validator_class.check_schema(schema)
            validators[(f"{group}/{version['name']}", kind)] = validator_class(schema)
    return validators


@cache
def monitoring_crd_validators() -> dict[tuple[str, str], jsonschema.protocols.Validator]:
    """A validator per (apiVersion, kind) of the kube-prometheus-stack chart's CRDs (ServiceMonitor, ...),
    read from the packaged .tgz in the chart cache (offline/charts.py), the pin the platform installs."""
    with tarfile.open(packaged(KUBE_PROMETHEUS_STACK_CHART)) as tgz:
        members = [m for m in tgz.getmembers() if re.fullmatch(r"[^/]+/charts/crds/crds/crd-[a-z]+\.yaml", m.name)]
        wanted = [m for m in members if m.name.rsplit("/", 1)[1] in MONITORING_CRDS]
        assert len(wanted) == len(MONITORING_CRDS), (
            f"{MONITORING_CRDS} not all in {packaged(KUBE_PROMETHEUS_STACK_CHART)}"
        )
        crds = [yaml.load(tgz.extractfile(m).read(), Loader=_CrdLoader) for m in wanted]
    return _crd_validators(crds)


def _embedded_workloads(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """The Kubernetes objects an Argo object carries: a Rollout's pod template as a Deployment, each
    job metric of an AnalysisTemplate as a Job, so kubernetes-validate checks them for the pinned version."""
    meta = {"name": doc["metadata"]["name"], "namespace": doc["metadata"]["namespace"]}
    if doc["kind"] == "Rollout":
        spec = {"selector": doc["spec"]["selector"], "template": doc["spec"]["template"]}
        return [{"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta, "spec": spec}]
    if doc["kind"] == "AnalysisTemplate":
        return [
            {"apiVersion": "batch/v1", "kind": "Job", "metadata": meta | metric["provider"]["job"].get("metadata", {}),
             "spec": metric["provider"]["job"]["spec"]}
            for metric in doc["spec"]["metrics"]
            if "job" in metric["provider"]
        ]  # fmt: skip
    return []


def validate_object(doc: dict[str, Any], kube_version: str = "") -> None:
    """Validate one rendered object strictly; raise on the first problem, never skip a kind.

    Built-in kinds: kubernetes-validate for the pinned Kubernetes (strict: unknown fields fail).
    argoproj.io kinds: the argo-rollouts CRD's schema (strict), their metadata as Kubernetes
    ObjectMeta, and the pod templates they embed as Deployment/Job specs. monitoring.coreos.com
    kinds (the ServiceMonitor): the kube-prometheus-stack chart's CRD, the same way. A kind of
    either group without a CRD fails.
    """
    kube_version = kube_version or KUBE_VERSION
    group = doc["apiVersion"].split("/")[0]
    if group not in (ARGO_GROUP, MONITORING_GROUP):
        kubernetes_validate.validate(doc, kube_version, strict=True)
        return
    chart, validators = (
        (ARGO_ROLLOUTS_CHART, argo_crd_validators())
        if group == ARGO_GROUP
        else (KUBE_PROMETHEUS_STACK_CHART, monitoring_crd_validators())
    )
    validator = validators.get((doc["apiVersion"], doc["kind"]))
    if validator is None:
        raise LookupError(f"no CRD in {chart} defines {doc['apiVersion']} {doc['kind']}")
    validator.validate(doc)
    carrier = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": copy.deepcopy(doc["metadata"])}
    kubernetes_validate.validate(carrier, kube_version, strict=True)
    for embedded in _embedded_workloads(doc):
        kubernetes_validate.validate(embedded, kube_version, strict=True)


def runs_pods(obj: dict[str, Any]) -> bool:
    """Whether an object of a pod-running kind starts pods: not an AnalysisTemplate whose metrics only
    query Prometheus (the Prometheus analysis), which has no job metric."""
    return obj["kind"] != "AnalysisTemplate" or any("job" in m["provider"] for m in obj["spec"]["metrics"])


class HelmError(Exception):
    """helm exited non-zero; the message is its stderr."""


def _run_helm(args: list[str]) -> str:
    if not HELM.exists():
        raise FileNotFoundError(f"{HELM} is missing: run `make setup` (scripts/install_helm.py) first")
    proc = subprocess.run([str(HELM), *args], capture_output=True, text=True, check=False, cwd=REPO_ROOT)
    if proc.returncode != 0:
        raise HelmError(proc.stderr.strip())
    return proc.stdout


def _value_args(values: Iterable[Path], overrides: Overrides | None) -> list[str]:
    args: list[str] = []
    for path in values:
        args += ["--values", str(path)]
    # --set-json keeps types exact (a bool stays a bool, "0.1" stays a string).
    for key, value in (overrides or {}).items():
        args += ["--set-json", f"{key}={json.dumps(value)}"]
    return args


def _template_args(values: Iterable[Path], overrides: Overrides | None, kube_version: str) -> list[str]:
    return [
        "template", RELEASE, str(CHART_DIR), "--namespace", NAMESPACE, "--kube-version", kube_version,
        *_value_args(values, overrides),
    ]  # fmt: skip


@cache
def _template_cached(values: tuple[Path, ...], overrides_json: str, kube_version: str) -> tuple[dict[str, Any], ...]:
    out = _run_helm(_template_args(values, json.loads(overrides_json), kube_version))
    return tuple(doc for doc in yaml.load_all(out, Loader=_YAML_LOADER) if doc)


class Manifests(tuple):
    """The documents of one render, with lookups by kind."""

    def of_kind(self, kind: str) -> list[dict[str, Any]]:
        """Every rendered object of this kind."""
        return [doc for doc in self if doc["kind"] == kind]

    def one(self, kind: str, component: str | None = None) -> dict[str, Any]:
        """The single object of this kind (and app.kubernetes.io/component label, if given)."""
        found = [
            doc
            for doc in self.of_kind(kind)
            if component is None or doc["metadata"]["labels"].get("app.kubernetes.io/component") == component
        ]
        assert len(found) == 1, f"expected one {kind} (component={component}), rendered {len(found)}"
        return found[0]

    @property
    def config_data(self) -> dict[str, str]:
        """The ConfigMap's data: the environment the pods load."""
        return self.one("ConfigMap")["data"]


class DjangoChart:
    """The chart under test, driven through the real helm binary. Tests get it as the `chart` fixture."""

    dir = CHART_DIR
    repo_root = REPO_ROOT
    release = RELEASE
    namespace = NAMESPACE
    kube_version = KUBE_VERSION
    supported_kube_versions = SUPPORTED_KUBE_VERSIONS

    @staticmethod
    def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
        """The pod spec of a Pod, Job, Deployment, Rollout, or an AnalysisTemplate's (first) job metric."""
        if obj["kind"] == "Pod":
            return obj["spec"]
        if obj["kind"] == "AnalysisTemplate":
            # The smoke test's; the Prometheus template has no job metric and runs no pod.
            [job] = [m["provider"]["job"] for m in obj["spec"]["metrics"] if "job" in m["provider"]]
            return job["spec"]["template"]["spec"]
        return obj["spec"]["template"]["spec"]

    strategy_type = staticmethod(strategy_type)
    embedded_workloads = staticmethod(_embedded_workloads)

    @staticmethod
    def validate(doc: dict[str, Any], kube_version: str = KUBE_VERSION) -> None:
        """Validate one rendered object strictly (see validate_object)."""
        validate_object(doc, kube_version)

    @staticmethod
    def values_file(name: str) -> Path:
        """The values file of a scenario by name, e.g. "env-prod" or "ci-kind"."""
        return next(s.values for s in chart_scenarios() if s.name == name)

    @staticmethod
    def template(*values: Path, overrides: Overrides | None = None, kube_version: str = KUBE_VERSION) -> Manifests:
        """`helm template` the chart with these values files and --set-json overrides (cached)."""
        return Manifests(_template_cached(tuple(values), json.dumps(overrides or {}, sort_keys=True), kube_version))

    def template_error(
        self, *values: Path, overrides: Overrides | None = None, kube_version: str = KUBE_VERSION
    ) -> str:
        """The error helm prints when the chart refuses these values; fails the test if it renders."""
        with pytest.raises(HelmError) as failed:
            self.template(*values, overrides=overrides, kube_version=kube_version)
        return str(failed.value)

    @staticmethod
    def lint(*values: Path) -> str:
        """`helm lint --strict` with these values; raises HelmError on any error or warning."""
        return _run_helm(
            ["lint", "--strict", str(CHART_DIR), "--kube-version", KUBE_VERSION, *_value_args(values, None)]
        )

    @staticmethod
    def render_to(directory: Path, *values: Path, filename: str = "django.yaml") -> Path:
        """Write `helm template` output for these values into directory (for scanners); returns the file."""
        out = directory / filename
        out.write_text(_run_helm(_template_args(values, None, KUBE_VERSION)))
        return out


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize any test that takes `scenario` over every scenario of the chart."""
    if "scenario" in metafunc.fixturenames:
        found = chart_scenarios()
        metafunc.parametrize("scenario", found, ids=[s.name for s in found])


@pytest.fixture(scope="session")
def chart() -> DjangoChart:
    """The django chart, rendered through the real helm binary."""
    return DjangoChart()


@pytest.fixture(scope="session")
def render_notes(tmp_path_factory: pytest.TempPathFactory) -> Callable[[Path], str]:
    """Render NOTES.txt for a values file.

    `helm template` skips NOTES.txt and `helm install --dry-run` has no --kube-version (so the
    chart's kubeVersion refuses Helm's built-in 1.32). A copy of the chart gets NOTES.txt wrapped
    in a define and emitted as a YAML string, which `helm template --show-only` can print.
    """
    copy = tmp_path_factory.mktemp("notes") / "django"
    shutil.copytree(CHART_DIR, copy)
    notes = (CHART_DIR / "templates" / "NOTES.txt").read_text()
    (copy / "templates" / "_notes_under_test.tpl").write_text(
        f'{{{{- define "notes.under.test" -}}}}\n{notes}{{{{- end }}}}\n'
    )
    (copy / "templates" / "notes-under-test.yaml").write_text('notes: {{ include "notes.under.test" . | toJson }}\n')

    def render(values: Path) -> str:
        out = _run_helm(
            ["template", RELEASE, str(copy), "--namespace", NAMESPACE, "--kube-version", KUBE_VERSION,
             "--values", str(values), "--show-only", "templates/notes-under-test.yaml"]
        )  # fmt: skip
        return yaml.safe_load(out)["notes"]

    return render
