"""What every settings section shares: the namespace, the error types and the model base.

A rule broken by one key raises `SettingError(key, value, allowed)`; `load_settings`
(components/settings/loading.py) turns every such error into one line of one `ConfigError`.
"""

from __future__ import annotations

import ipaddress
import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict
from pydantic.alias_generators import to_camel

NAMESPACE = "eks-platform"
SUPPORTED_KUBERNETES_VERSIONS = ("1.33", "1.34", "1.35")
INFERENCE_NODE_GROUP = "PROTO-INFERENCE-NG"
SYSTEM_NODE_GROUP = "system"
NODE_GROUP_LABEL = "node-group"
REQUIRED_LOG_TYPES = ("api", "audit", "authenticator")

# Stack secrets: config key -> what it is. Declared `secret: true` in Pulumi.yaml, set with
# `pulumi config set --secret`, read with require_secret and never validated by value.
SECRETS = {
    "djangoSecretKey": "Django SECRET_KEY",
    "djangoDatabaseUrl": "Django DATABASE_URL (postgres://user:password@host:5432/db) of an external database",
    "databasePassword": "master password of the stack's RDS instance (database.enabled)",
    "argoSsoClientId": "OIDC client id of the Argo server (authMode sso)",
    "argoSsoClientSecret": "OIDC client secret of the Argo server (authMode sso)",
    "grafanaAdminPassword": "Grafana's admin password (monitoring.enabled)",
    "alertmanagerSlackWebhookUrl": "Slack incoming-webhook URL of the alert receiver (monitoring.alertmanager.slackChannel)",
}

Environment = Literal["dev", "prod", "local"]
KubernetesVersion = Literal["1.33", "1.34", "1.35"]
TaintEffect = Literal["NoSchedule", "PreferNoSchedule", "NoExecute"]
LogType = Literal["api", "audit", "authenticator", "controllerManager", "scheduler"]

_ACM_ARN = re.compile(r"^arn:aws[a-z-]*:acm:[a-z0-9-]+:\d{12}:certificate/[0-9a-f-]{36}$")
_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]+$")


class ConfigError(Exception):
    """The stack configuration is invalid; the message lists every problem."""


class SettingError(ValueError):
    """A rule broken by one key: which key (relative to the model), its value, what is allowed."""

    def __init__(self, key: str, value: Any, allowed: str):
        super().__init__(f"{key} = {value!r}: {allowed}")
        self.key, self.value, self.allowed = key, value, allowed


class SettingsModel(BaseModel):
    """camelCase keys as in the stack file; unknown keys are errors, not silently ignored."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)


def cidr_block(value: str, key: str) -> str:
    try:
        return str(ipaddress.IPv4Network(value, strict=True))
    except (ValueError, TypeError):
        raise SettingError(key, value, "an IPv4 CIDR block with no host bits set, e.g. 10.0.0.0/16") from None


def certificate_arn(value: str, key: str) -> str:
    if value and not _ACM_ARN.match(value):
        raise SettingError(key, value, "an ACM certificate ARN, arn:aws:acm:<region>:<12 digits>:certificate/<uuid>")
    return value


def role_arns(values: list[str], key: str) -> list[str]:
    for i, arn in enumerate(values):
        if not _ROLE_ARN.match(arn):
            raise SettingError(f"{key}[{i}]", arn, "an IAM role ARN, arn:aws:iam::<12 digits>:role/<name>")
    return values
