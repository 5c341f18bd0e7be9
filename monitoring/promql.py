"""The metric names a PromQL expression selects, for checking dashboards and alerts against the
catalogue of scraped series (monitoring/scraped_metrics.py).

The expression is parsed by `promql-parser` (PyPI, pinned in requirements-dev.txt: Python bindings of
the Rust crate of the same name, a full PromQL grammar), not matched with regular expressions: a
function name, a keyword (`by`, `on`, `group_left`, `offset`, `bool`), a label name in a matcher
or a duration is never mistaken for a metric. A metric is named either before the braces
(`foo{a="b"}`) or by an `__name__` matcher (`{__name__="foo"}`, `{__name__=~"foo|bar"}`).

Grafana queries are not PromQL until Grafana has replaced its variables: `grafana_to_promql`
does that first with stand-in values (a duration inside `[...]` or after `offset`, a number
elsewhere; text inside quotes is left alone, since `"$namespace"` is already a valid string).
`variable_query_metric_names` reads a templating variable's query (`label_values(metric, label)`,
`query_result(expr)`).
"""

from __future__ import annotations

import re
from typing import Any

import promql_parser

# Grafana's built-in interval variables, and the duration each stands for while parsing.
_DURATION_VARIABLES = {"__rate_interval", "__interval", "__range", "__auto", "__auto_interval"}
_STAND_IN_DURATION = "5m"
_STAND_IN_NUMBER = "1"
# $name, ${name}, ${name:format} and the deprecated [[name]].
_VARIABLE = re.compile(r"\[\[(\w+)(?::\w+)?\]\]|\$\{(\w+)(?::[^}]*)?\}|\$(\w+)")
_NAME = r"[A-Za-z_:][A-Za-z0-9_:]*"
_LITERAL_ALTERNATION = re.compile(rf"^\(?({_NAME}(?:\|{_NAME})*)\)?$")
_CALL = re.compile(r"^\s*(\w+)\s*\((.*)\)\s*$", re.S)


class UnknownMetricError(ValueError):
    """The expression selects series by a name pattern no list of names can answer for."""


def grafana_to_promql(expr: str) -> str:
    """`expr` with Grafana's variables replaced by stand-ins, so that it parses as PromQL."""
    out: list[str] = []
    depth = 0  # inside [...] (a range or subquery): a variable there is a duration
    i = 0
    while i < len(expr):
        char = expr[i]
        if char in "\"'`":
            end = _string_end(expr, i)
            out.append(expr[i:end])
            i = end
            continue
        found = _VARIABLE.match(expr, i)
        if found:
            name = next(group for group in found.groups() if group)
            out.append(_stand_in(name, in_range=depth > 0, after="".join(out)))
            i = found.end()
            continue
        if char == "[":
            depth += 1
        elif char == "]":
            depth = max(0, depth - 1)
        out.append(char)
        i += 1
    return "".join(out)


def _string_end(expr: str, start: int) -> int:
    """Index just past the string literal opening at `start` (backslash escapes; raw in backticks)."""
    quote = expr[start]
    i = start + 1
    while i < len(expr):
        if expr[i] == "\\" and quote != "`":
            i += 2
            continue
        if expr[i] == quote:
            return i + 1
        i += 1
    raise ValueError(f"unterminated string literal in {expr!r}")


def _stand_in(name: str, *, in_range: bool, after: str) -> str:
    if name in _DURATION_VARIABLES or in_range or re.search(r"\boffset\s*$", after):
        return _STAND_IN_DURATION
    # $__interval_ms, $__range_s, ... and any dashboard variable outside quotes: a number
    return _STAND_IN_NUMBER


def metric_names(expr: str) -> set[str]:
    """Every metric name the PromQL (or Grafana) expression `expr` selects.

    Raises `UnknownMetricError` for a selector whose names cannot be listed (`{job="x"}`,
    `{__name__=~"go_.*"}`), and `ValueError` when `expr` does not parse.
    """
    try:
        tree = promql_parser.parse(grafana_to_promql(expr))
    except ValueError as error:
        raise ValueError(f"not a PromQL expression: {expr!r}: {error}") from None
    names: set[str] = set()

    def visit(node: Any) -> None:
        if isinstance(node, promql_parser.VectorSelector):
            names.update(_selector_names(node, expr))

    promql_parser.walk(tree, pre_visit=visit)
    return names


def _selector_names(selector: promql_parser.VectorSelector, expr: str) -> set[str]:
    if selector.name:
        return {selector.name}
    groups = [selector.matchers.matchers, *selector.matchers.or_matchers]
    names: set[str] = set()
    for group in groups:
        name_matchers = [m for m in group if m.name == "__name__"]
        if not name_matchers:
            raise UnknownMetricError(f"a selector without a metric name in {expr!r}")
        names |= _names_matched(name_matchers[0], expr)
    return names


def _names_matched(matcher: promql_parser.Matcher, expr: str) -> set[str]:
    if matcher.op == promql_parser.MatchOp.Equal:
        return {matcher.value}
    if matcher.op == promql_parser.MatchOp.Re:
        literal = _LITERAL_ALTERNATION.match(matcher.value)
        if literal:
            return set(literal.group(1).split("|"))
    raise UnknownMetricError(f"__name__ {matcher.op} {matcher.value!r} names no fixed metrics in {expr!r}")


def variable_query_metric_names(query: str | dict[str, Any]) -> set[str]:
    """The metrics a Grafana Prometheus templating variable's query reads.

    `label_values(label)` and `label_names()` read no metric; `label_values(selector, label)` reads
    the selector's; `query_result(expr)` reads `expr`'s. `metrics(regex)` is refused: it lists
    metric names by pattern, which no catalogue can check.
    """
    if isinstance(query, dict):
        text = str(query.get("query", ""))
        names = {query["metric"]} if query.get("metric") else set()
        return names | (variable_query_metric_names(text) if text.strip() else set())
    call = _CALL.match(query)
    if not call:
        return metric_names(query)  # a plain PromQL query (Grafana runs it as query_result)
    function, args = call.group(1), call.group(2)
    if function == "label_names":
        return set()
    if function == "label_values":
        selector, _, label = args.rpartition(",")
        if not selector.strip():
            return set()  # label_values(label): every series, no metric named
        if not re.fullmatch(r"\s*\w+\s*", label):
            raise ValueError(f"label_values with a label that is not a name: {query!r}")
        return metric_names(selector)
    if function == "query_result":
        return metric_names(args)
    if function == "metrics":
        raise UnknownMetricError(f"metrics() lists names by pattern: {query!r}")
    return metric_names(query)
