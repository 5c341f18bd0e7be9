"""Argo Rollouts' verdict on one measurement, for checking an AnalysisTemplate's conditions in Python.

Argo Rollouts v1.9.0 (utils/evaluate/evaluate.go, github.com/antonmedv/expr v1.15.5) evaluates a
metric's successCondition / failureCondition as an expr program with `result` bound to the
provider's value; for the Prometheus provider an instant vector becomes `[]float64`, one element per
sample (metricproviders/prometheus/prometheus.go, processResponse), so an empty result is `[]`.

This module evaluates the subset of expr those conditions use here, with expr's semantics:

- `||`/`or` and `&&`/`and` short-circuit (compiled to OpJumpIfTrue / OpJumpIfFalse), `!`/`not`;
- `<`, `<=`, `>`, `>=`, `==`, `!=` on numbers, as Go compares float64 (any comparison with NaN is
  false, except `!=`);
- `result[i]`: Go's slice index, a negative index counting from the end; out of range is a runtime
  error;
- the functions Argo puts in the environment that these conditions may use: `isNaN` (math.IsNaN,
  float64 only), `isInf`, and expr's builtin `len`;
- number literals (`0.05`, `1`, `5e-2`), unary minus and parentheses.

Anything else raises `ExprError` at parse time: a condition outside the subset is refused, not
guessed at. `evaluate_result` then applies EvaluateResult's rules: an evaluation error is the phase
Error; with only a success condition, a false one is Failed; both false is Inconclusive.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

SUCCESSFUL, FAILED, INCONCLUSIVE, ERROR = "Successful", "Failed", "Inconclusive", "Error"

_TOKEN = re.compile(
    r"\s*(?:(?P<number>\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)"
    r"|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>\|\||&&|<=|>=|==|!=|<|>|!|-|\(|\)|\[|\]|,))"
)
_COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
}
_KEYWORDS = {"or": "||", "and": "&&", "not": "!"}


class ExprError(Exception):
    """The condition does not parse (in the subset), or its evaluation fails (expr's runtime error)."""


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_nan(value: Any) -> bool:
    if not isinstance(value, float):
        raise ExprError(f"isNaN takes a float64, got {value!r}")
    return math.isnan(value)


def _is_inf(value: Any) -> bool:
    if not isinstance(value, float):
        raise ExprError(f"isInf takes a float64, got {value!r}")
    return math.isinf(value)


def _len(value: Any) -> int:
    if not isinstance(value, list | str):
        raise ExprError(f"invalid argument for len (type {type(value).__name__})")
    return len(value)


_FUNCTIONS: dict[str, Callable[[Any], Any]] = {"isNaN": _is_nan, "isInf": _is_inf, "len": _len}


@dataclass(frozen=True)
class _Node:
    kind: str  # number | name | call | index | negate | not | and | or | compare
    value: Any = None
    children: tuple[_Node, ...] = ()


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens: list[str] = []
        position = 0
        while position < len(text.rstrip()):
            found = _TOKEN.match(text, position)
            if not found or found.end() == position:
                raise ExprError(f"unexpected character at {position} in {text!r}")
            token = found.group("number") or found.group("name") or found.group("op")
            self.tokens.append(_KEYWORDS.get(token, token))
            position = found.end()
        self.at = 0

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise ExprError(f"expected {expected or 'more'}, found {token!r}")
        self.at += 1
        return token

    def parse(self) -> _Node:
        node = self.or_()
        if self.peek() is not None:
            raise ExprError(f"unexpected {self.peek()!r}")
        return node

    def or_(self) -> _Node:
        node = self.and_()
        while self.peek() == "||":
            self.take()
            node = _Node("or", children=(node, self.and_()))
        return node

    def and_(self) -> _Node:
        node = self.not_()
        while self.peek() == "&&":
            self.take()
            node = _Node("and", children=(node, self.not_()))
        return node

    def not_(self) -> _Node:
        if self.peek() == "!":
            self.take()
            return _Node("not", children=(self.not_(),))
        return self.compare()

    def compare(self) -> _Node:
        node = self.postfix()
        if self.peek() in _COMPARISONS:
            operator = self.take()
            node = _Node("compare", operator, (node, self.postfix()))
        return node

    def postfix(self) -> _Node:
        node = self.primary()
        while self.peek() == "[":
            self.take()
            index = self.or_()
            self.take("]")
            node = _Node("index", children=(node, index))
        return node

    def primary(self) -> _Node:
        token = self.take()
        if token == "(":
            node = self.or_()
            self.take(")")
            return node
        if token == "-":
            return _Node("negate", children=(self.primary(),))
        if re.fullmatch(r"[\d.].*", token):
            is_float = any(c in token for c in ".eE")
            return _Node("number", float(token) if is_float else int(token))
        if re.fullmatch(r"[A-Za-z_]\w*", token):
            if self.peek() == "(":
                if token not in _FUNCTIONS:
                    raise ExprError(f"unknown function {token}")
                self.take("(")
                argument = self.or_()
                self.take(")")
                return _Node("call", token, (argument,))
            if token != "result":
                raise ExprError(f"unknown name {token}")
            return _Node("name", token)
        raise ExprError(f"unexpected {token!r}")


def _run(node: _Node, result: Sequence[float]) -> Any:
    if node.kind == "number":
        return node.value
    if node.kind == "name":
        return list(result)
    if node.kind == "call":
        return _FUNCTIONS[node.value](_run(node.children[0], result))
    if node.kind == "index":
        array, index = (_run(child, result) for child in node.children)
        if not isinstance(array, list) or not isinstance(index, int):
            raise ExprError(f"cannot index {array!r} with {index!r}")
        position = index + len(array) if index < 0 else index
        if not 0 <= position < len(array):
            raise ExprError(f"index out of range [{index}] with length {len(array)}")
        return array[position]
    if node.kind == "negate":
        operand = _run(node.children[0], result)
        if not _is_number(operand):
            raise ExprError(f"invalid operation: -{operand!r}")
        return -operand
    if node.kind == "not":
        return not _bool(_run(node.children[0], result))
    if node.kind in ("and", "or"):
        left = _bool(_run(node.children[0], result))
        if left == (node.kind == "or"):  # short-circuit, as expr's jumps do
            return left
        return _bool(_run(node.children[1], result))
    left, right = (_run(child, result) for child in node.children)
    if not (_is_number(left) and _is_number(right)):
        raise ExprError(f"invalid operation: {left!r} {node.value} {right!r}")
    return _COMPARISONS[node.value](float(left), float(right))


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ExprError(f"expected bool, but got {type(value).__name__}")
    return value


def eval_condition(condition: str, result: Sequence[float]) -> bool:
    """The condition's value for `result` (a Prometheus instant vector's values); ExprError on failure."""
    return _bool(_run(_Parser(condition).parse(), result))


def evaluate_result(result: Sequence[float], success: str = "", failure: str = "") -> str:
    """The measurement's phase, as Argo's EvaluateResult decides it."""
    try:
        succeeded = eval_condition(success, result) if success else False
        failed = eval_condition(failure, result) if failure else False
    except ExprError:
        return ERROR
    if not success and not failure:
        return SUCCESSFUL
    if success and not failure:
        failed = not succeeded
    elif failure and not success:
        succeeded = not failed
    if failed:
        return FAILED
    return SUCCESSFUL if succeeded else INCONCLUSIVE
