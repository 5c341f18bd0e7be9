"""Reading resource properties the way the policy engine hands them over.

During `pulumi preview` many properties are not known yet (an id, an ARN). pulumi-policy wraps
properties in a proxy that raises `UnknownValueError` when such a value is read; the engine then
reports "can't run policy during preview" instead of a violation, and the policy runs for real
during `pulumi up`. These helpers keep that contract:

- `get` reads one value and lets `UnknownValueError` propagate: a check that *needs* the value
  is deferred, never guessed;
- `known` copies a nested value and drops what is unknown: for scans (secrets, load balancers)
  where an unknown leaf cannot be a literal anyway and everything known is still checked;
- `refers_to` decides whether one resource points at another, through the engine's property
  dependencies (known even in preview) or, failing that, through ids and names.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from pulumi_policy import PolicyResource
from pulumi_policy.proxy import UnknownValueError

__all__ = [
    "UnknownValueError",
    "get",
    "identifiers",
    "is_true",
    "known",
    "of_type",
    "refers_to",
    "strings_in",
    "walk_mappings",
]


def _is_sequence(value: Any) -> bool:
    return isinstance(value, Sequence) and not isinstance(value, str | bytes)


def get(value: Any, *path: str | int, default: Any = None) -> Any:
    """`value[path[0]][path[1]]...`, or `default` when a key is missing or a level is not a container.

    Raises `UnknownValueError` when the engine does not know a value on the way yet.
    """
    current = value
    for key in path:
        if isinstance(key, int):
            if not _is_sequence(current) or not -len(current) <= key < len(current):
                return default
            current = current[key]
        else:
            if not isinstance(current, Mapping) or key not in current:
                return default
            current = current[key]
        if current is None:
            return default
    return current


def is_true(value: Any) -> bool:
    """Booleans as providers spell them: True or the string "true" (EBS `encrypted`)."""
    return value is True or (isinstance(value, str) and value.lower() == "true")


def known(value: Any) -> Any:
    """A plain copy of `value` (dicts, lists, scalars) without the parts that are still unknown."""
    if isinstance(value, Mapping):
        result: dict[str, Any] = {}
        for key in list(value.keys()):
            try:
                item = value[key]
            except UnknownValueError:
                continue
            result[key] = known(item)
        return result
    if _is_sequence(value):
        items: list[Any] = []
        for index in range(len(value)):
            try:
                item = value[index]
            except UnknownValueError:
                continue
            items.append(known(item))
        return items
    return value


def walk_mappings(value: Any, path: tuple[str, ...] = ()) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """Every mapping inside a plain (already `known`) value, with its path: (path, mapping)."""
    if isinstance(value, dict):
        yield path, value
        for key, item in value.items():
            yield from walk_mappings(item, (*path, str(key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from walk_mappings(item, (*path, f"[{index}]"))


def strings_in(value: Any) -> set[str]:
    """Every string inside a plain value (ids in `subnetIds`, `launchTemplate.id`, ...)."""
    if isinstance(value, str):
        return {value}
    if isinstance(value, dict):
        return set().union(*(strings_in(v) for v in value.values())) if value else set()
    if isinstance(value, list):
        return set().union(*(strings_in(v) for v in value)) if value else set()
    return set()


def identifiers(resource: PolicyResource, keys: tuple[str, ...] = ("id",)) -> set[str]:
    """The known string values of `keys` on a resource: what other resources refer to it by."""
    found: set[str] = set()
    for key in keys:
        try:
            value = get(resource.props, key)
        except UnknownValueError:
            continue
        if isinstance(value, str) and value:
            found.add(value)
    return found


def refers_to(source: PolicyResource, prop: str, target: PolicyResource, keys: tuple[str, ...] = ("id",)) -> bool:
    """Whether `source.props[prop]` points at `target`.

    First through the engine's property dependencies (which resources a property was computed
    from: known even during preview), then by comparing the property's known strings with the
    target's identifiers (`keys`, e.g. id or bucket name), which also covers literal ids.
    """
    if target.urn in {dep.urn for dep in source.property_dependencies.get(prop, [])}:
        return True
    try:
        value = known(get(source.props, prop))
    except UnknownValueError:
        return False
    return bool(strings_in(value) & identifiers(target, keys))


def of_type(resources: Sequence[PolicyResource], *types: str) -> list[PolicyResource]:
    """The resources of the given type tokens, in stack order."""
    return [r for r in resources if r.resource_type in types]
