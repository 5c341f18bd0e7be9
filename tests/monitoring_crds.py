"""Validators for monitoring.coreos.com objects, from the CRDs the program applies (monitoring/crds/)."""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

from components.monitoring_crds import CRDS
from tests.charts.conftest import KUBE_VERSION, _strict_json_schema


class _CrdLoader(yaml.CSafeLoader):
    """The safe loader, reading the YAML 1.1 value key `=` (a regex enum in alertmanagerconfigs) as a string."""


_CrdLoader.add_constructor("tag:yaml.org,2002:value", lambda loader, node: loader.construct_scalar(node))


def load_crd(name: str) -> dict[str, Any]:
    return yaml.load((CRDS / name).read_text(), Loader=_CrdLoader)


@cache
def validators() -> dict[tuple[str, str], jsonschema.protocols.Validator]:
    """(apiVersion, kind) -> a strict validator, for every CRD file in monitoring/crds/."""
    found: dict[tuple[str, str], jsonschema.protocols.Validator] = {}
    for path in sorted(CRDS.glob("*.yaml")):
        crd = load_crd(path.name)
        group, kind = crd["spec"]["group"], crd["spec"]["names"]["kind"]
        for version in crd["spec"]["versions"]:
            schema = _strict_json_schema(version["schema"]["openAPIV3Schema"])
            schema["required"] = sorted({*schema.get("required", []), "apiVersion", "kind", "metadata"})
            validator_class = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
            found[(f"{group}/{version['name']}", kind)] = validator_class(schema)
    return found


def validate(doc: dict[str, Any]) -> None:
    """A built-in kind against Kubernetes's schema, a monitoring kind against its CRD (strict); raise on a problem."""
    if not doc["apiVersion"].startswith("monitoring.coreos.com/"):
        kubernetes_validate.validate(doc, KUBE_VERSION, strict=True)
        return
    validator = validators().get((doc["apiVersion"], doc["kind"]))
    if validator is None:
        raise LookupError(f"no CRD in monitoring/crds defines {doc['apiVersion']} {doc['kind']}")
    validator.validate(doc)
    carrier = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": copy.deepcopy(doc["metadata"])}
    kubernetes_validate.validate(carrier, KUBE_VERSION, strict=True)
