"""The Pulumi CLI's project-config rules, applied offline so `make synth` fails where `pulumi preview` would.

Emulates `mergeConfig` of the CLI (github.com/pulumi/pulumi/pkg/v3 v3.274.1, pkg/workspace/config.go)
and the project checks of sdk/go/common/workspace/project.go (`Project.Validate`, project.json):

1. a key declared in `Pulumi.yaml` with neither `default` nor `value`, in the project namespace,
   that the stack does not set, is an error: "Stack 'dev' is missing configuration value 'x'";
2. a declared key the stack does not set gets its `default`;
3. an explicitly typed key is type-checked (`ValidateConfigValue`), and a typed `secret: true` key
   must hold an encrypted (`secure:`) value — the plain default of such a key fails too;
4. `type` is one of string, integer, boolean, array (with `items`), object, and a typed default must
   have that type.

The CLI does not refuse a stack value in the project namespace that `Pulumi.yaml` does not declare
(mergeConfig iterates declared keys only): the program refuses it itself
(`components.settings.from_pulumi_config`), so that check runs under the real engine as well.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
TYPES = ("string", "integer", "boolean", "array", "object")


class CliConfigError(Exception):
    """What the CLI prints before it runs the program (the message is the CLI's own)."""


def declarations(root: Path = ROOT) -> tuple[str, dict[str, dict[str, Any]]]:
    """(project name, declared config keys with the namespace removed), checked like `Project.Validate`."""
    project = yaml.safe_load((root / "Pulumi.yaml").read_text())
    name = project["name"]
    declared: dict[str, dict[str, Any]] = {}
    for key, spec in (project.get("config") or {}).items():
        if not key.startswith(f"{name}:") and ":" in key:
            continue  # another package's key (e.g. aws:region): not the project's schema
        spec = spec if isinstance(spec, dict) else {"default": spec}
        _check_declaration(key, spec)
        declared[key.removeprefix(f"{name}:")] = spec
    return name, declared


def _check_declaration(key: str, spec: Mapping[str, Any]) -> None:
    extra = set(spec) - {"type", "items", "description", "secret", "default", "value"}
    if extra:
        raise CliConfigError(f"#/config/{key}: additional properties {sorted(extra)} not allowed")
    if "default" in spec and "value" in spec:
        raise CliConfigError(f"project config '{key}' cannot have both a 'default' and 'value' attribute")
    if "type" not in spec:
        return
    if spec["type"] not in TYPES:
        raise CliConfigError(f"#/config/{key}/type: value must be one of {', '.join(repr(t) for t in TYPES)}")
    if spec["type"] == "array" and "items" not in spec:
        raise CliConfigError(
            f"The configuration key '{key}' declares an array but does not specify the underlying type via the "
            "'items' attribute"
        )
    if "default" in spec and not valid_value(spec["type"], spec.get("items"), spec["default"]):
        raise CliConfigError(
            f"The default value specified for configuration key '{key}' is not of the expected type '{spec['type']}'"
        )


def valid_value(type_name: str, items: Mapping[str, Any] | None, value: Any) -> bool:
    """`ValidateConfigValue`: strings that spell an integer or a boolean pass as those types."""
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int) or (isinstance(value, float) and value.is_integer()):
            return True
        return isinstance(value, str) and value.lstrip("+-").isdigit()
    if type_name == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if type_name == "object":
        return isinstance(value, dict)
    if not isinstance(value, list) or items is None:
        return False
    return all(valid_value(items["type"], items.get("items"), item) for item in value)


def _missing(stack: str, keys: list[str]) -> CliConfigError:
    quoted = [f"'{k}'" for k in sorted(keys)]
    listed = quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + f" and {quoted[-1]}"
    noun = "value" if len(keys) == 1 else "values"
    return CliConfigError(f"Stack '{stack}' is missing configuration {noun} {listed}")


def merge(stack: str, stack_values: Mapping[str, Any], encrypted: set[str], root: Path = ROOT) -> dict[str, Any]:
    """Stack values (keys without the namespace) merged with the declared defaults, or CliConfigError.

    `encrypted` names the keys whose stack value is a `secure:` ciphertext (or, offline, a
    placeholder standing in for one).
    """
    project, declared = declarations(root)
    merged = dict(stack_values)
    missing = []
    for key in sorted(declared):
        spec = declared[key]
        if key in merged:
            continue
        if "default" not in spec and "value" not in spec:
            missing.append(f"{project}:{key}")
            continue
        merged[key] = spec.get("default", spec.get("value"))
    if missing:
        raise _missing(stack, missing)
    for key in sorted(declared):
        spec = declared[key]
        if "type" not in spec:
            continue
        if spec.get("secret") and key not in encrypted:
            raise CliConfigError(
                f"Stack '{stack}' with configuration key '{project}:{key}' must be encrypted as it's secret"
            )
        if not valid_value(spec["type"], spec.get("items"), merged[key]):
            raise CliConfigError(
                f"Stack '{stack}' with configuration key '{project}:{key}' must be of type '{spec['type']}'"
            )
    return merged
