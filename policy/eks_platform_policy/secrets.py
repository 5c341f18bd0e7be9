"""No plaintext secret in Helm release values or ConfigMaps.

Both end up readable in the cluster: Helm stores a release's values in its release record, and a
ConfigMap is plain data by design. Marking a value `secret` in Pulumi does not change that, so
the policy judges the values themselves, never whether Pulumi marked them:

- a key whose name says secret (password, token, secretKey, DATABASE_URL, ...) holding a
  non-empty string. Keys that *name* a secret (`existingSecret`, `secretName`, `...Ref`) are
  references and fine, and so are nested objects such as `{name: ..., key: ...}`;
- an `env`-style entry `{name: SECRET_KEY, value: "..."}`;
- a value shaped like a credential wherever it is: a URL with a password
  (`postgres://user:pass@host`), a PEM private key, an AWS access key id.

Violations name the path only, never the value.
"""

from __future__ import annotations

import re
from typing import Any

from pulumi_policy import ReportViolation, ResourceValidationArgs, ResourceValidationPolicy, Severity

from .values import get, known, walk_mappings

HELM_TYPES = ("kubernetes:helm.sh/v3:Release", "kubernetes:helm.sh/v4:Chart")
CONFIG_MAP = "kubernetes:core/v1:ConfigMap"

# Compared against key names lower-cased with -, _ and . removed.
_SECRET_WORDS = (
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "apikey",
    "accesskey",
    "privatekey",
    "credential",
    "databaseurl",
    "connectionstring",
)
# Not "dsn": a Sentry DSN is a public client key (the chart puts it in its ConfigMap on purpose);
# a database DSN with a password is caught by its shape, like any URL with a password.
# A key ending like this names or locates a secret instead of holding one; one starting with
# "checksum" holds a digest that rolls pods when a secret changes (e.g. `checksum/secret`).
_REFERENCE_SUFFIXES = ("name", "names", "ref", "refs", "file", "path", "keys", "arn", "enabled", "create")
_REFERENCE_PREFIXES = ("existing", "use", "checksum")

_URL_WITH_PASSWORD = re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)
_PRIVATE_KEY = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")
_AWS_ACCESS_KEY_ID = re.compile(r"\b(AKIA|ASIA)[0-9A-Z]{16}\b")


def _normalized(key: str) -> str:
    return re.sub(r"[-_.]", "", key).lower()


def is_secret_key_name(key: str) -> bool:
    """A key that, by its name, would hold a secret value (not one that refers to a secret)."""
    name = _normalized(key)
    if not any(word in name for word in _SECRET_WORDS):
        return False
    return not (name.endswith(_REFERENCE_SUFFIXES) or name.startswith(_REFERENCE_PREFIXES))


def looks_like_credential(value: str) -> str | None:
    """What kind of credential a string looks like, or None."""
    if _URL_WITH_PASSWORD.search(value):
        return "a URL with a password"
    if _PRIVATE_KEY.search(value):
        return "a private key"
    if _AWS_ACCESS_KEY_ID.search(value):
        return "an AWS access key id"
    return None


def plaintext_secrets(data: Any, root: str) -> list[str]:
    """Where `data` (plain values) holds a secret in plaintext, as `root.path: why` lines."""
    found: list[str] = []
    for path, mapping in walk_mappings(data, (root,)):
        for key, value in mapping.items():
            where = ".".join((*path, str(key)))
            if not isinstance(value, str) or not value:
                continue
            if is_secret_key_name(str(key)):
                found.append(f"{where}: a secret-named key with a literal value")
            elif kind := looks_like_credential(value):
                found.append(f"{where}: {kind}")
        env_name, env_value = mapping.get("name"), mapping.get("value")
        if isinstance(env_name, str) and isinstance(env_value, str) and env_value and is_secret_key_name(env_name):
            found.append(f"{'.'.join(path)}: environment variable {env_name} with a literal value")
    return found


def validate_no_plaintext_secrets(args: ResourceValidationArgs, report: ReportViolation) -> None:
    """Helm values and ConfigMap data carry references to Secrets, never secret values."""
    if args.resource_type in HELM_TYPES:
        sources = {"values": get(args.props, "values", default={})}
    elif args.resource_type == CONFIG_MAP:
        sources = {key: get(args.props, key, default={}) for key in ("data", "binaryData")}
    else:
        return
    for root, data in sources.items():
        for problem in plaintext_secrets(known(data), root):
            report(f"{problem}. Put it in a Kubernetes Secret and reference it by name.")


def no_plaintext_secrets_policy() -> ResourceValidationPolicy:
    """The policy around `validate_no_plaintext_secrets`."""
    return ResourceValidationPolicy(
        name="no-plaintext-secrets",
        description="No plaintext secret in Helm release values or ConfigMap data.",
        validate=validate_no_plaintext_secrets,
        severity=Severity.CRITICAL,
        remediation_steps=(
            "Create a kubernetes.core.v1.Secret from a stack secret (pulumi config set --secret) and pass only "
            "its name to the chart (e.g. secret.existingSecret)."
        ),
    )
