"""Run `__main__.py` for a stack under recording mocks, as `pulumi preview` would, offline.

Config comes from Pulumi.<stack>.yaml merged with Pulumi.yaml's declarations under the CLI's
own rules (offline/project_config.py: a required key the stack lacks, a wrong type or a
plaintext secret stops the run before the program, as `pulumi preview` does); stack secrets are replaced by placeholders (the real values never leave
the encrypted stack file and are not needed to see what the program declares).
"""

from __future__ import annotations

import json
import runpy
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pulumi
import yaml
from pulumi.runtime import settings as runtime_settings
from pulumi.runtime.config import set_all_config
from pulumi.runtime.sync_await import _sync_await

from components.settings import NAMESPACE, SECRETS
from offline import project_config
from offline.mocks import PlatformMocks, Record, RecordingMonitor

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "eks-platform"


def placeholder(key: str) -> str:
    """What a stack secret is replaced with offline: obviously fake, never a real value.

    The database URL keeps a URL's shape (the local stack's PostgreSQL is made from it), with
    the marker as its password.
    """
    marker = f"offline-placeholder-{key}"
    if key == "djangoDatabaseUrl":
        return f"postgres://django:{marker}@postgres.postgres.svc.cluster.local:5432/django"
    if key == "alertmanagerSlackWebhookUrl":
        return f"https://hooks.slack.com/services/{marker}"
    return marker


class ProgramError(Exception):
    """The program stopped with an error; `records` holds what it had registered by then."""

    def __init__(self, error: BaseException, records: list[Record]):
        super().__init__(str(error))
        self.error, self.records = error, records


@dataclass
class ProgramRun:
    """What one run of the program declared."""

    stack: str
    records: list[Record]
    outputs: dict[str, Any]
    secret_outputs: set[str]

    def of_type(self, type_: str) -> list[Record]:
        """Every resource of one type token, e.g. aws:eks/nodeGroup:NodeGroup."""
        return [r for r in self.records if r.type == type_]

    def one(self, type_: str, name: str | None = None) -> Record:
        """The single resource of a type (and name, if given); fails loudly otherwise."""
        found = [r for r in self.of_type(type_) if name is None or r.name == name]
        if len(found) != 1:
            raise AssertionError(f"expected one {type_} {name or ''}, found {[r.name for r in found]}")
        return found[0]

    def by_urn(self, urn: str) -> Record | None:
        return next((r for r in self.records if r.urn == urn), None)


def stack_file_config(stack: str) -> dict[str, Any]:
    """The `eks-platform:*` values of Pulumi.<stack>.yaml as written (`secure:` ciphertexts included)."""
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text()) or {}
    return {
        key.removeprefix(f"{NAMESPACE}:"): value
        for key, value in (document.get("config") or {}).items()
        if key.startswith(f"{NAMESPACE}:")
    }


def stack_config(stack: str) -> dict[str, Any]:
    """The plain (non-secret) `eks-platform:*` values of Pulumi.<stack>.yaml, keyed without the namespace."""
    return {key: value for key, value in stack_file_config(stack).items() if not _is_ciphertext(value)}


def _is_ciphertext(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def _encode(value: Any) -> str:
    """Pulumi hands every config value to the program as a string; objects as JSON."""
    return value if isinstance(value, str) else json.dumps(value)


def run_program(
    stack: str,
    config: dict[str, Any] | None = None,
    *,
    secrets: dict[str, str] | None = None,
    with_placeholder_secrets: bool = True,
    preview: bool = True,
) -> ProgramRun:
    """Run the whole program for `stack` and return what it registered.

    `config` defaults to the stack file's; `secrets` overrides placeholder values, and
    `with_placeholder_secrets=False` leaves unset secrets unset (to test the error). `preview=False`
    runs it as `pulumi up` would (not a dry run).
    """
    given = stack_file_config(stack) if config is None else dict(config)
    # `secure:` ciphertexts of a real stack file stand for secrets that are set; offline they
    # are replaced by placeholders (or by `secrets`), as if `pulumi config set --secret` had run.
    encrypted = {key for key, value in given.items() if _is_ciphertext(value)}
    secret_values = {key: placeholder(key) for key in SECRETS} if with_placeholder_secrets else {}
    secret_values.update(secrets or {})
    for key in encrypted:
        secret_values.setdefault(key, placeholder(key))
    given.update(secret_values)
    # The CLI's own checks run before the program (offline/project_config.py); CliConfigError here.
    values = project_config.merge(stack, given, encrypted | set(secret_values))

    monitor = RecordingMonitor(PlatformMocks())
    runtime_settings.ROOT.set(None)  # a fresh root Stack resource per run
    pulumi.runtime.set_mocks(monitor.mocks, project=PROJECT, stack=stack, preview=preview, monitor=monitor)
    set_all_config(
        {f"{NAMESPACE}:{key}": _encode(value) for key, value in values.items()},
        [f"{NAMESPACE}:{key}" for key in secret_values],
    )
    exported: dict[str, Any] = {}
    declared: dict[str, pulumi.Output[Any]] = {}

    @pulumi.runtime.test
    def program() -> pulumi.Output[Any]:
        runpy.run_path(str(ROOT / "__main__.py"), run_name="__main__")
        root = runtime_settings.get_root_resource()
        declared.update({n: pulumi.Output.from_input(v) for n, v in (getattr(root, "outputs", None) or {}).items()})
        return pulumi.Output.all(
            *[
                output.apply(lambda value, name=name: exported.__setitem__(name, value))
                for name, output in declared.items()
            ]
        )

    try:
        program()
    except Exception as error:
        raise ProgramError(error, list(monitor.records)) from error
    secret_outputs = {name for name, output in declared.items() if _sync_await(output.is_secret())}
    return ProgramRun(stack=stack, records=list(monitor.records), outputs=exported, secret_outputs=secret_outputs)


def record_components(build: Callable[[], object], *, stack: str = "unit") -> list[Record]:
    """Run `build()` (which instantiates components) under recording mocks; return the records.

    For component unit tests: no stack config involved, just the component and its args.
    """
    monitor = RecordingMonitor(PlatformMocks())
    runtime_settings.ROOT.set(None)
    pulumi.runtime.set_mocks(monitor.mocks, project=PROJECT, stack=stack, preview=True, monitor=monitor)
    set_all_config({})

    @pulumi.runtime.test
    def program() -> None:
        build()

    program()
    return list(monitor.records)
