"""A small stand-in for what the Argo controller does with a template: resolve input
parameters, merge spec- and template-level settings, apply podSpecPatch, and produce the
pod it would create, so the pod can be checked against the Kubernetes schema offline."""

from __future__ import annotations

import copy
import json
import re
from typing import Any

_INPUT_TAG = re.compile(r"\{\{inputs\.parameters\.([A-Za-z0-9_-]+)\}\}")

Manifest = dict[str, Any]


def by_name(manifests: list[Manifest]) -> dict[str, Manifest]:
    """metadata.name -> manifest."""
    return {m["metadata"]["name"]: m for m in manifests}


def template(manifest: Manifest, name: str = "main") -> dict[str, Any]:
    """One entry of spec.templates by name."""
    matches = [t for t in manifest["spec"]["templates"] if t["name"] == name]
    assert len(matches) == 1, f"{manifest['metadata']['name']} has {len(matches)} templates named {name!r}"
    return matches[0]


def pod_templates(manifest: Manifest) -> list[dict[str, Any]]:
    """The templates that become pods (container or script), i.e. where scheduling matters."""
    return [t for t in manifest["spec"]["templates"] if "container" in t or "script" in t]


def input_values(tmpl: dict[str, Any], overrides: dict[str, str] | None = None) -> dict[str, str]:
    """Input parameter values as Argo resolves them: defaults, then the caller's arguments."""
    values = {p["name"]: p["default"] for p in tmpl.get("inputs", {}).get("parameters", []) if "default" in p}
    values.update(overrides or {})
    missing = [p["name"] for p in tmpl["inputs"]["parameters"] if p["name"] not in values]
    assert not missing, f"required inputs not given: {missing}"
    return values


def substitute(tmpl: dict[str, Any], values: dict[str, str]) -> dict[str, Any]:
    """Replace `{{inputs.parameters.x}}` the way Argo does: textually, JSON-escaped, in the whole template."""
    text = json.dumps(tmpl)

    def replace(match: re.Match[str]) -> str:
        return json.dumps(values[match.group(1)])[1:-1]

    resolved = _INPUT_TAG.sub(replace, text)
    assert "{{" not in resolved, f"unresolved tags left: {re.findall(r'{{[^}]*}}', resolved)}"
    return json.loads(resolved)


def _merge_container_patch(containers: list[dict[str, Any]], patch: dict[str, Any]) -> None:
    """Strategic merge of podSpecPatch containers into the pod's, by container name."""
    for patched in patch.get("containers", []):
        target = next(c for c in containers if c["name"] == patched["name"])
        for key, value in patched.items():
            if isinstance(value, dict):
                merged = target.setdefault(key, {})
                for sub_key, sub_value in value.items():
                    merged[sub_key] = (
                        {**merged.get(sub_key, {}), **sub_value} if isinstance(sub_value, dict) else sub_value
                    )
            else:
                target[key] = value


def simulate_pod(manifest: Manifest, overrides: dict[str, str] | None = None) -> dict[str, Any]:
    """The pod the controller would create for the entrypoint (without Argo's own init/wait containers).

    Template-level settings win over spec-level ones, as in Argo; podSpecPatch is applied last.
    """
    spec = manifest["spec"]
    raw = template(manifest, spec["entrypoint"])
    tmpl = substitute(raw, input_values(raw, overrides))
    pod_spec: dict[str, Any] = {
        "restartPolicy": "Never",
        "containers": [{**copy.deepcopy(tmpl["container"]), "name": "main"}],
    }
    for key in ("serviceAccountName", "nodeSelector", "tolerations", "securityContext"):
        value = tmpl.get(key, spec.get(key))
        if value is not None:
            pod_spec[key] = copy.deepcopy(value)
    if "volumes" in tmpl:
        pod_spec["volumes"] = copy.deepcopy(tmpl["volumes"])
    if "activeDeadlineSeconds" in tmpl:
        pod_spec["activeDeadlineSeconds"] = int(tmpl["activeDeadlineSeconds"])
    if "podSpecPatch" in tmpl:
        _merge_container_patch(pod_spec["containers"], json.loads(tmpl["podSpecPatch"]))
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "simulated"}, "spec": pod_spec}
