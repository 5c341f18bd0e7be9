"""Reading a stack's `eks-platform:*` config into `Settings`, with every problem in one error."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal, get_args, get_origin

from pydantic import ValidationError

from components.settings.base import NAMESPACE, SECRETS, ConfigError, SettingError
from components.settings.database import password_problem
from components.settings.monitoring import secret_problems
from components.settings.placeholders import describe, documentation_values
from components.settings.stack import Settings


def _is_plain_string(annotation: Any) -> bool:
    """True for fields read verbatim (str, Literal of str): '1.34' must not become a float."""
    if annotation is str:
        return True
    return get_origin(annotation) is Literal and all(isinstance(a, str) for a in get_args(annotation))


def config_keys() -> dict[str, Any]:
    """Config key (camelCase) -> pydantic field info, for every key a stack file may set."""
    return {
        field.alias: field
        for name, field in Settings.model_fields.items()
        if name not in ("stack", "secrets_present") and field.alias
    }


def read_raw_config(get: Callable[[str], str | None], keys: Iterable[str] = ()) -> dict[str, Any]:
    """Collect the stack's values through `get(key)` (Pulumi hands every value over as a string).

    `keys` are the namespace's keys the stack actually sets: those the model does not know are
    kept, so that `load_settings` refuses them instead of silently using a default.
    """
    known = config_keys()
    raw: dict[str, Any] = {}
    for key in sorted(set(known) | (set(keys) - set(SECRETS))):
        text = get(key)
        if text is None:
            continue
        field = known.get(key)
        if field is None or _is_plain_string(field.annotation):
            raw[key] = text
            continue
        try:
            raw[key] = json.loads(text)
        except json.JSONDecodeError:
            raw[key] = text  # let the model report the type error with the key's name
    return raw


def load_settings(raw: Mapping[str, Any], *, stack: str, secrets_present: set[str] | frozenset[str]) -> Settings:
    """Validate the raw stack config; raise one ConfigError naming every bad key."""
    unknown = sorted(set(raw) - set(config_keys()))
    problems = [f"{NAMESPACE}:{key}: unknown key; allowed keys: {', '.join(sorted(config_keys()))}" for key in unknown]
    if not problems:
        try:
            settings = Settings.model_validate({**raw, "stack": stack, "secrets_present": frozenset(secrets_present)})
        except ValidationError as exc:
            problems = [_describe(error) for error in exc.errors()]
        else:
            problems = _missing_secrets(settings)
            if not problems:
                return settings
    raise ConfigError(
        f"Invalid configuration for stack '{stack}' ({len(problems)} problem(s)); nothing was created:\n"
        + "\n".join(f"  - {p}" for p in problems)
    )


def _missing_secrets(settings: Settings) -> list[str]:
    """One line per stack secret the enabled features need and the stack lacks: all of them at once."""
    return [
        f"{NAMESPACE}:{key} = None: a stack secret; set it with `pulumi config set --secret {key} <value>` "
        f"({SECRETS[key]})"
        for key in settings.required_secrets
        if key not in settings.secrets_present
    ]


def _describe(error: Any) -> str:
    """One line per pydantic error: `eks-platform:<key path> = <value>: <what is allowed>`."""
    path = [str(p) for p in error["loc"]]
    original = error.get("ctx", {}).get("error")
    if isinstance(original, SettingError):
        path = [p for p in path if p not in ("function-after", "function-before")]
        if path and re.split(r"[.\[]", original.key)[0] == path[-1]:
            path = path[:-1]  # a field rule names its own field already
        path.append(original.key)
        return f"{NAMESPACE}:{_join(path)} = {original.value!r}: {original.allowed}"
    value = error.get("input")
    if error["type"] == "missing":
        return f"{NAMESPACE}:{_join(path)} is required but not set"
    if error["type"] == "extra_forbidden":
        return f"{NAMESPACE}:{_join(path)} = {value!r}: unknown key (check the spelling against the README)"
    return f"{NAMESPACE}:{_join(path)} = {value!r}: {error['msg']}"


def _join(path: list[str]) -> str:
    """nodeGroups.system.taints[0].effect — indexes in brackets, keys dotted."""
    text = ""
    for part in path:
        if part.isdigit():
            text += f"[{part}]"
        elif part.startswith("["):
            text += part
        else:
            text += f".{part}" if text else part
    return text


def from_pulumi_config() -> Settings:
    """Read and validate this stack's `eks-platform:*` config (the program's only config read)."""
    import pulumi
    from pulumi.runtime.config import CONFIG, get_config, get_config_env

    def get(key: str) -> str | None:
        return get_config(f"{NAMESPACE}:{key}")

    # Every key the stack sets in this namespace. The CLI merges declared keys only and passes
    # an undeclared one through untouched (pkg/workspace/config.go, mergeConfig, v3.274.1), so
    # a typo such as `kubernetesVerison` is caught here, not by the CLI.
    prefix = f"{NAMESPACE}:"
    given = {key.removeprefix(prefix) for key in {*CONFIG.get(), *get_config_env()} if key.startswith(prefix)}
    present = {key for key in SECRETS if get(key)}  # a declared default of "" means "not set"
    settings = load_settings(read_raw_config(get, given), stack=pulumi.get_stack(), secrets_present=present)
    if settings.database.enabled:
        problem = password_problem(get("databasePassword") or "")
        if problem:
            raise ConfigError(
                f"Invalid configuration for stack '{settings.stack}' (1 problem(s)); nothing was created:\n"
                f"  - {NAMESPACE}:databasePassword = (secret, not shown): {problem} (RDS MasterUserPassword)"
            )
    malformed = secret_problems(get, settings.monitoring)
    if malformed:
        raise ConfigError(
            f"Invalid configuration for stack '{settings.stack}' ({len(malformed)} problem(s)); nothing was created:\n"
            + "\n".join(f"  - {NAMESPACE}:{key} = (secret, not shown): {allowed}" for key, allowed in malformed)
        )
    refuse_documentation_values(settings, deploying=not pulumi.runtime.is_dry_run())
    return settings


def refuse_documentation_values(settings: Settings, *, deploying: bool) -> None:
    """A prod `up` with documentation-only values stops here, before anything exists; elsewhere they are warnings."""
    import pulumi

    found = documentation_values(settings)
    if found and deploying and settings.is_prod:
        raise ConfigError(
            f"Refusing to deploy stack '{settings.stack}' ({settings.environment}) with documentation-only values; "
            f"nothing was created:\n{describe(found)}\nReplace each with your own (README: the AWS sequence)."
        )
    for key, value, why in found:
        pulumi.log.warn(f"{NAMESPACE}:{key} = {value!r}: {why}; replace it before deploying (a prod up refuses it)")
