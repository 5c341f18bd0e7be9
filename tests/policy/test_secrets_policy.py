"""no-plaintext-secrets: Helm values and ConfigMaps reference Secrets, never hold their values."""

from __future__ import annotations

import pytest

from policy.eks_platform_policy.secrets import CONFIG_MAP, is_secret_key_name, no_plaintext_secrets_policy
from tests.policy.builders import UNKNOWN, resource, run

HELM = "kubernetes:helm.sh/v3:Release"
# Obviously fake, but shaped like the real thing so the detectors fire.
FAKE_PASSWORD = "hunter2-not-real"
FAKE_URL = f"postgres://app:{FAKE_PASSWORD}@db.internal:5432/app"


def helm(values: dict) -> object:
    return resource(HELM, {"chart": "charts/django", "name": "django", "values": values})


def config_map(data: dict) -> object:
    return resource(CONFIG_MAP, {"metadata": {"name": "django"}, "data": data})


def test_references_to_secrets_pass() -> None:
    values = {
        "secret": {"create": False, "existingSecret": "django-app", "keys": ["SECRET_KEY", "DATABASE_URL"]},
        "ingress": {"tls": {"secretName": "django-tls", "certificateArn": "arn:aws:acm:region:1:certificate/x"}},
        "imagePullSecrets": [{"name": "regcred"}],
        "server": {"sso": {"clientSecret": {"name": "argo-server-sso", "key": "client-secret"}}},
        "useStaticCredentials": False,
        "env": [{"name": "SECRET_KEY", "valueFrom": {"secretKeyRef": {"name": "django-app", "key": "SECRET_KEY"}}}],
        "config": {"allowedHosts": ["django.example.com"], "DJANGO_DEBUG": "false"},
        "image": {"repository": "123456789012.dkr.ecr.ap-northeast-2.amazonaws.com/app", "tag": "0.1.0"},
    }
    # a Sentry DSN is a public client key, rendered into the chart's ConfigMap by design
    values["config"]["sentryDsn"] = "https://0123456789abcdef@o1.ingest.sentry.io/42"
    assert run(no_plaintext_secrets_policy(), helm(values)).passed


def test_ordinary_config_map_passes() -> None:
    data = {"DJANGO_ALLOWED_HOSTS": "django.example.com", "DATABASE_HOST": "db.internal", "SECRET_NAME": "django-app"}
    assert run(no_plaintext_secrets_policy(), config_map(data)).passed


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        (
            {"secret": {"create": True, "values": {"SECRET_KEY": FAKE_PASSWORD}}},
            "values.secret.values.SECRET_KEY: a secret-named key with a literal value",
        ),
        ({"postgresql": {"auth": {"password": FAKE_PASSWORD}}}, "values.postgresql.auth.password: a secret-named"),
        ({"api-token": FAKE_PASSWORD}, "values.api-token: a secret-named key"),
        ({"database": {"url": FAKE_URL}}, "values.database.url: a URL with a password"),
        ({"env": [{"name": "DATABASE_URL", "value": "anything"}]}, "values.env.[0]: environment variable DATABASE_URL"),
        ({"tls": {"key": "-----BEGIN RSA PRIVATE KEY-----\nMIIE"}}, "values.tls.key: a private key"),
        ({"aws": {"id": "AKIAABCDEFGHIJKLMNOP"}}, "values.aws.id: an AWS access key id"),
    ],
    ids=["chart-secret-values", "password", "token", "url-with-password", "env-literal", "pem", "aws-key-id"],
)
def test_plaintext_secret_in_helm_values_fails(values: dict, expected: str) -> None:
    outcome = run(no_plaintext_secrets_policy(), helm(values))
    assert len(outcome.violations) == 1
    assert outcome.violations[0].startswith(expected)
    assert outcome.violations[0].endswith("Put it in a Kubernetes Secret and reference it by name.")


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        ({"DATABASE_URL": FAKE_URL}, "data.DATABASE_URL: a secret-named key"),
        ({"SECRET_KEY": FAKE_PASSWORD}, "data.SECRET_KEY: a secret-named key"),
        ({"CACHE": "redis://default:" + FAKE_PASSWORD + "@cache:6379"}, "data.CACHE: a URL with a password"),
    ],
)
def test_plaintext_secret_in_config_map_fails(data: dict, expected: str) -> None:
    outcome = run(no_plaintext_secrets_policy(), config_map(data))
    assert len(outcome.violations) == 1 and outcome.violations[0].startswith(expected)


def test_binary_data_is_checked_too() -> None:
    outcome = run(no_plaintext_secrets_policy(), resource(CONFIG_MAP, {"binaryData": {"db-password": "aHVudGVyMg=="}}))
    assert outcome.violations and outcome.violations[0].startswith("binaryData.db-password")


def test_violations_never_show_the_value() -> None:
    values = {"password": FAKE_PASSWORD, "url": FAKE_URL, "env": [{"name": "API_TOKEN", "value": FAKE_PASSWORD}]}
    outcome = run(no_plaintext_secrets_policy(), helm(values))
    assert len(outcome.violations) == 3
    assert not any(FAKE_PASSWORD in message for message in outcome.violations)


def test_empty_and_unknown_values_are_not_violations() -> None:
    # An empty default, and a value that is unknown in a preview (checked again during `up`).
    values = {"secret": {"values": {"SECRET_KEY": ""}}, "auth": {"password": UNKNOWN}, "url": FAKE_URL}
    outcome = run(no_plaintext_secrets_policy(), helm(values))
    assert [v.split(":")[0] for v in outcome.violations] == ["values.url"]


def test_secrets_are_fine_in_kubernetes_secrets() -> None:
    secret = resource("kubernetes:core/v1:Secret", {"stringData": {"SECRET_KEY": FAKE_PASSWORD}})
    assert run(no_plaintext_secrets_policy(), secret).passed


@pytest.mark.parametrize(
    ("key", "holds_a_secret"),
    [
        ("password", True),
        ("DB_PASSWORD", True),
        ("secretKey", True),
        ("clientSecret", True),
        ("DATABASE_URL", True),
        ("sentryDsn", False),
        ("existingSecret", False),
        ("secretName", False),
        ("tokenSecretRef", False),
        ("passwordFile", False),
        ("useStaticCredentials", False),
        ("host", False),
    ],
)
def test_key_names(key: str, holds_a_secret: bool) -> None:
    assert is_secret_key_name(key) is holds_a_secret
