"""values.yaml and values.schema.json of charts/django: documented, in step, and strict.

Bad values must be refused by `helm template` (so by install/upgrade too) with a message that
names the offending key: schema errors come from Helm's JSON-schema check, the rest from the
chart's own `fail` calls in _helpers.tpl (django.validate).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
import yaml

KEY_LINE = re.compile(r"^(?P<indent>\s*)(?P<key>[A-Za-z0-9_.-]+):")
# Maps whose keys are data, not chart settings (their entries are not documented one by one).
FREE_FORM_MAPS = {"podAnnotations", "nodeSelector", "extraEnv", "values", "annotations", "labels"}


def _schema(chart) -> dict[str, Any]:
    return json.loads((chart.dir / "values.schema.json").read_text())


def _resolve(schema: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    ref = node.get("$ref")
    return schema["definitions"][ref.rsplit("/", 1)[1]] if ref else node


def _comment_block_above(lines: list[str], number: int) -> list[str]:
    """The contiguous comment lines right above line `number`, top first."""
    block: list[str] = []
    while number > 0 and lines[number - 1].strip().startswith("#"):
        number -= 1
        block.insert(0, lines[number].strip())
    return block


def test_every_values_key_has_a_comment_starting_with_its_name(chart) -> None:
    lines = (chart.dir / "values.yaml").read_text().splitlines()
    parents: list[tuple[int, str]] = []  # (indent, key) of the enclosing keys
    undocumented = []
    for number, line in enumerate(lines):
        match = KEY_LINE.match(line)
        if not match:
            continue
        indent, key = len(match["indent"]), match["key"]
        parents = [(i, k) for i, k in parents if i < indent]
        if not any(k in FREE_FORM_MAPS for _, k in parents):
            block = _comment_block_above(lines, number)
            if not block or not block[0].startswith(f"# {key} "):
                undocumented.append(f"line {number + 1}: {key}")
        parents.append((indent, key))
    assert not undocumented, "keys whose comment block does not start with '# <key> ': " + ", ".join(undocumented)


def test_keys_are_camel_case(chart) -> None:
    def walk(node: Any, path: str) -> list[str]:
        if not isinstance(node, dict):
            return []
        bad = []
        for key, value in node.items():
            if not re.fullmatch(r"[a-z][A-Za-z0-9]*", key):
                bad.append(f"{path}{key}")
            if key not in FREE_FORM_MAPS:
                bad += walk(value, f"{path}{key}.")
        return bad

    assert walk(yaml.safe_load((chart.dir / "values.yaml").read_text()), "") == []


def test_schema_declares_every_values_key_and_closes_every_settings_object(chart) -> None:
    """values.yaml and the schema stay in step; every settings object refuses unknown keys."""
    schema = _schema(chart)
    problems: list[str] = []

    def walk(values: dict[str, Any], node: dict[str, Any], path: str) -> None:
        node = _resolve(schema, node)
        if node.get("additionalProperties") is not False:
            problems.append(f"{path or '(root)'} accepts unknown keys")
        for key, value in values.items():
            child = node.get("properties", {}).get(key)
            if child is None:
                problems.append(f"{path}{key} is not in the schema")
            elif isinstance(value, dict) and key not in FREE_FORM_MAPS:
                walk(value, child, f"{path}{key}.")

    walk(yaml.safe_load((chart.dir / "values.yaml").read_text()), schema, "")
    assert problems == []


def test_default_values_alone_demand_an_image_repository(chart) -> None:
    """No values file at all: the chart refuses to guess which image to run."""
    error = chart.template_error(overrides={"secret.existingSecret": "django-app"})
    assert "image.repository: String length must be greater than or equal to 1" in error


# (overrides on top of environments/values.dev.yaml, text the error must contain)
SCHEMA_REFUSALS = {
    "wrong-service-type": (
        {"service.type": "ExternalName"},
        'service.type: service.type must be one of the following: "ClusterIP", "NodePort", "LoadBalancer"',
    ),
    "node-port-below-range": (
        {"service.type": "NodePort", "service.nodePort": 8080},
        "service.nodePort: Must be greater than or equal to 30000",
    ),
    "node-port-above-range": (
        {"service.type": "NodePort", "service.nodePort": 32768},
        "service.nodePort: Must be less than or equal to 32767",
    ),
    "empty-image-repository": (
        {"image.repository": ""},
        "image.repository: String length must be greater than or equal to 1",
    ),
    "latest-tag": (
        {"image.tag": "latest"},
        # Helm 3's draft-07 validator has one wording for every `not`; the key is what it names.
        "image.tag: Must not validate the schema (not)",
    ),
    "unknown-top-level-key": (
        {"replicas": 3},
        "(root): Additional property replicas is not allowed",
    ),
    "unknown-nested-key": (
        {"ingress.hostname": "django.example.com"},
        "ingress: Additional property hostname is not allowed",
    ),
    "wrong-type": (
        {"replicaCount": "two"},
        "replicaCount: Invalid type. Expected: integer, given: string",
    ),
    "unknown-env": (
        {"env": "staging"},
        'env: env must be one of the following: "dev", "prod"',
    ),
    "load-balancer-open-to-all": (
        {"service.type": "LoadBalancer"},
        "service.loadBalancerSourceRanges: Array must have at least 1 items",
    ),
    "strategy-typo": (
        {"strategy.type": "Blue-Green"},
        'strategy.type: strategy.type must be one of the following: "RollingUpdate", "Recreate", "BlueGreen", "Canary"',
    ),
    "malformed-sentry-dsn": (
        {"config.sentryDsn": "sentry.io"},
        "config.sentryDsn: Does not match pattern",
    ),
    "blank-extra-env": (
        {"config.extraEnv": {"FEATURE_X": ""}},
        "config.extraEnv.FEATURE_X: String length must be greater than or equal to 1",
    ),
    "root-uid": (
        {"securityContext.runAsUser": 0},
        "securityContext.runAsUser: Must be greater than or equal to 10000",
    ),
}


@pytest.mark.parametrize("overrides, message", SCHEMA_REFUSALS.values(), ids=SCHEMA_REFUSALS.keys())
def test_schema_refuses(chart, overrides: dict[str, Any], message: str) -> None:
    error = chart.template_error(chart.values_file("env-dev"), overrides=overrides)
    assert "values don't meet the specifications of the schema" in error
    assert message in error


TEMPLATE_REFUSALS = {
    "no-secret-source": (
        {"secret.existingSecret": ""},
        "secret: set secret.existingSecret to the name of a Secret holding SECRET_KEY and DATABASE_URL",
    ),
    "two-secret-sources": (
        {"secret.create": True, "secret.values": {"SECRET_KEY": "x", "DATABASE_URL": "y"}},
        "set either secret.existingSecret (a Secret made elsewhere) or secret.create=true, not both",
    ),
    "created-secret-missing-a-key": (
        {"secret.existingSecret": "", "secret.create": True, "secret.values": {"SECRET_KEY": "x"}},
        "secret.values.DATABASE_URL is missing",
    ),
    "secret-in-configmap": (
        {"config.extraEnv": {"DATABASE_URL": "postgres://x"}},
        "config.extraEnv.DATABASE_URL: DATABASE_URL is a secret key",
    ),
    "chart-owned-variable-in-extra-env": (
        {"config.extraEnv": {"DEBUG": "true"}},
        "config.extraEnv.DEBUG: the chart sets DEBUG from its own values",
    ),
    "cross-origin-in-extra-env": (
        {"config.extraEnv": {"WEB__CROSS_ORIGIN__7": "https://x.example.com"}},
        "config.extraEnv.WEB__CROSS_ORIGIN__7: the chart sets WEB__CROSS_ORIGIN__7 from its own values",
    ),
    "debug-in-prod": (
        {"env": "prod", "config.debug": True},
        "config.debug: must be false when env is prod",
    ),
    "no-allowed-hosts-without-debug": (
        {"config.debug": False, "config.allowedHosts": []},
        "config.allowedHosts: list at least one host (or enable the ingress) when config.debug is false",
    ),
    "grace-period-shorter-than-pre-stop": (
        {"preStopSleepSeconds": 30, "terminationGracePeriodSeconds": 30},
        "terminationGracePeriodSeconds: must exceed preStopSleepSeconds",
    ),
    "inference-node-group": (
        {"nodeSelector": {"node-group": "PROTO-INFERENCE-NG"}},
        "nodeSelector.node-group: PROTO-INFERENCE-NG is reserved for inference workloads",
    ),
    "inference-toleration": (
        {
            "tolerations": [
                {"key": "dedicated", "operator": "Equal", "value": "proto-inference", "effect": "NoSchedule"}
            ]
        },
        'tolerations: a toleration with key "dedicated" would admit the pods to PROTO-INFERENCE-NG',
    ),
    "tolerate-everything": (
        {"tolerations": [{"operator": "Exists"}]},
        'tolerations: a toleration with key "" would admit the pods to PROTO-INFERENCE-NG',
    ),
    "node-port-on-cluster-ip": (
        {"service.nodePort": 30080},
        "service.nodePort: only used when service.type is NodePort",
    ),
    "ingress-without-hosts": (
        {"ingress.enabled": True},
        "ingress.hosts: list at least one host when ingress.enabled is true",
    ),
    "acm-certificate-on-nginx": (
        {
            "ingress.enabled": True,
            "ingress.className": "nginx",
            "ingress.hosts": [{"host": "a.example.com", "paths": [{"path": "/"}]}],
            "ingress.tls.certificateArn": "arn:aws:acm:ap-northeast-2:123456789012:certificate/abc",
        },
        "ingress.tls.certificateArn: only for className alb",
    ),
    "tls-secret-on-alb": (
        {
            "ingress.enabled": True,
            "ingress.hosts": [{"host": "a.example.com", "paths": [{"path": "/"}]}],
            "ingress.tls.secretName": "a-tls",
        },
        "ingress.tls.secretName: only for className nginx",
    ),
    "hpa-floor-above-ceiling": (
        {"autoscaling.enabled": True, "autoscaling.minReplicas": 5, "autoscaling.maxReplicas": 2},
        "autoscaling.minReplicas: must not exceed autoscaling.maxReplicas",
    ),
}


@pytest.mark.parametrize("overrides, message", TEMPLATE_REFUSALS.values(), ids=TEMPLATE_REFUSALS.keys())
def test_chart_refuses(chart, overrides: dict[str, Any], message: str) -> None:
    assert message in chart.template_error(chart.values_file("env-dev"), overrides=overrides)
