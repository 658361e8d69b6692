"""The `when` expression language of SPEC §2: parsed once, never evaluated as code.

Python's `ast` parses the text; a whitelist walk turns it into the small
typed AST below (or located errors). `compile_test` turns that AST into
closures for `decide()`; the SMT encoding translates the same AST.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal, Union

from pathguard.errors import did_you_mean
from pathguard.validation import COUNT_MAX

if TYPE_CHECKING:
    from pathguard.semantics.session import SessionState

INT_NAMES = ("actions", "reads", "writes", "deletes", "critical", "same_resource_reads",
             "same_endpoint", "depth")
STR_NAMES = ("last",)
NAMES = INT_NAMES + STR_NAMES
CmpOp = Literal["==", "!=", "<", "<=", ">", ">="]


@dataclass(frozen=True, slots=True)
class Lit:
    value: int | str


@dataclass(frozen=True, slots=True)
class Name:
    name: str


@dataclass(frozen=True, slots=True)
class Cmp:
    op: CmpOp
    left: Lit | Name
    right: Lit | Name


@dataclass(frozen=True, slots=True)
class And:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Or:
    items: tuple[Expr, ...]


@dataclass(frozen=True, slots=True)
class Not:
    item: Expr


Expr = Union[Cmp, And, Or, Not]  # noqa: UP007 (a runtime alias used in isinstance-free code)
Term = Union[Lit, Name]  # noqa: UP007

_OPS: dict[type[ast.cmpop], CmpOp] = {
    ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=",
}


class WhenError(ValueError):
    """A problem in one expression, with the 1-based column it points at (None: the whole text)."""

    def __init__(self, message: str, column: int | None, hint: str | None = None) -> None:
        super().__init__(message)
        self.column = column
        self.hint = hint


MAX_CHARS = 1000
"""Longest `when` text: conditions people write are a line; a longer one is refused before parsing."""
MAX_DEPTH = 32
"""Deepest nesting of `and`/`or`/`not`: every walk over an expression (compiling, the SMT encoding,
rendering) recurses, so depth is bounded once here."""


def parse_when(text: str, endpoints: frozenset[str] | set[str]) -> Expr:
    """Parse `text` into an `Expr`; `last` may only be compared with endpoint names."""
    if len(text) > MAX_CHARS:
        raise WhenError(f"the expression has {len(text):,} characters, more than the limit of {MAX_CHARS:,}",
                        None, "split the rule into several rules")
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        raise WhenError(f"cannot parse `{_cut(text)}`: {exc.msg}", exc.offset or 1) from None
    except (ValueError, MemoryError, RecursionError) as exc:  # Python's own parser limits
        raise WhenError(f"cannot parse the expression: {type(exc).__name__}: {_cut(str(exc))}",
                        None) from None
    return _bool(tree.body, endpoints, 0)


def _cut(text: str) -> str:
    return text if len(text) <= 80 else text[:60] + "…"


def _bool(node: ast.expr, endpoints: frozenset[str] | set[str], depth: int) -> Expr:
    if depth > MAX_DEPTH:
        raise WhenError(f"`and`/`or`/`not` are nested more than {MAX_DEPTH} deep (the limit)",
                        node.col_offset + 1, "write the condition flatter, or split the rule")
    if isinstance(node, ast.BoolOp):
        items = tuple(_bool(v, endpoints, depth + 1) for v in node.values)
        return And(items) if isinstance(node.op, ast.And) else Or(items)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
        return Not(_bool(node.operand, endpoints, depth + 1))
    if isinstance(node, ast.Compare):
        terms = [_term(node.left)] + [_term(c) for c in node.comparators]
        pairs = []
        for i, op in enumerate(node.ops):
            if type(op) not in _OPS:
                raise WhenError(f"operator `{type(op).__name__}` is not allowed", node.col_offset + 1,
                                "use one of == != < <= > >=")
            pairs.append(_typed(Cmp(_OPS[type(op)], terms[i], terms[i + 1]), node, endpoints))
        return pairs[0] if len(pairs) == 1 else And(tuple(pairs))
    if isinstance(node, ast.Name | ast.Constant):
        raise WhenError(f"`{ast.unparse(node)}` is not a condition", node.col_offset + 1,
                        "compare it, for example `actions > 3`")
    raise WhenError(f"`{ast.unparse(node)}` is not allowed here", node.col_offset + 1,
                    "only comparisons, and, or, not and parentheses")


def _term(node: ast.expr) -> Term:
    if isinstance(node, ast.Name):
        if node.id not in NAMES:
            raise WhenError(f"unknown name `{node.id}`", node.col_offset + 1,
                            did_you_mean(node.id, NAMES) or f"names: {', '.join(NAMES)}")
        return Name(node.id)
    value = node.value if isinstance(node, ast.Constant) else None
    if isinstance(value, str):
        return Lit(value)
    if isinstance(value, int) and not isinstance(value, bool):
        return _integer(value, node)
    if (isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub)
            and isinstance(node.operand, ast.Constant) and type(node.operand.value) is int):
        return _integer(-node.operand.value, node)
    raise WhenError(f"`{ast.unparse(node)}` is not allowed here", node.col_offset + 1,
                    "terms are the session names, integers and quoted strings")


def _integer(value: int, node: ast.expr) -> Lit:
    if abs(value) > COUNT_MAX:
        raise WhenError(f"integer {_cut(str(value))} is beyond ±{COUNT_MAX:,}", node.col_offset + 1,
                        "the names count calls of one session")
    return Lit(value)


def _type(term: Term) -> str:
    if isinstance(term, Lit):
        return "int" if isinstance(term.value, int) else "str"
    return "str" if term.name in STR_NAMES else "int"


def _typed(cmp: Cmp, node: ast.expr, endpoints: frozenset[str] | set[str]) -> Cmp:
    left, right = _type(cmp.left), _type(cmp.right)
    col = node.col_offset + 1
    if left != right:
        raise WhenError(f"cannot compare {left} with {right} in `{ast.unparse(node)}`", col)
    if left == "str":
        if cmp.op not in ("==", "!="):
            raise WhenError(f"`last` is a name: only == and != apply, not `{cmp.op}`", col)
        for term in (cmp.left, cmp.right):
            if isinstance(term, Lit) and term.value != "" and term.value not in endpoints:
                raise WhenError(f"`{term.value}` is not an endpoint", col,
                                did_you_mean(str(term.value), endpoints))
    return cmp


def names_in(expr: Expr) -> set[str]:
    """Every session name an expression reads."""
    if isinstance(expr, Cmp):
        return {t.name for t in (expr.left, expr.right) if isinstance(t, Name)}
    if isinstance(expr, Not):
        return names_in(expr.item)
    return set().union(*(names_in(i) for i in expr.items))


def constants_in(expr: Expr) -> set[int]:
    """Every integer literal in an expression (bounds for counter saturation)."""
    if isinstance(expr, Cmp):
        return {t.value for t in (expr.left, expr.right) if isinstance(t, Lit) and isinstance(t.value, int)}
    if isinstance(expr, Not):
        return constants_in(expr.item)
    return set().union(*(constants_in(i) for i in expr.items))


def render(expr: Expr) -> str:
    """Canonical text of an expression."""
    if isinstance(expr, Cmp):
        return f"{_render_term(expr.left)} {expr.op} {_render_term(expr.right)}"
    if isinstance(expr, Not):
        return f"not ({render(expr.item)})"
    joiner = " and " if isinstance(expr, And) else " or "
    return joiner.join(f"({render(i)})" for i in expr.items)


def _render_term(term: Term) -> str:
    return term.name if isinstance(term, Name) else repr(term.value)


# --- closures for decide() -------------------------------------------------------------------

Getter = Callable[["SessionState", int, int], "int | str"]
Test = Callable[["SessionState", int, int], bool]
_COMPARE: dict[str, Callable[[object, object], bool]] = {
    "==": lambda a, b: a == b, "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b, "<=": lambda a, b: a <= b,  # type: ignore[operator]
    ">": lambda a, b: a > b, ">=": lambda a, b: a >= b,  # type: ignore[operator]
}


def compile_test(expr: Expr, endpoint_names: tuple[str, ...]) -> Test:
    """Closures `(session, resource_slot, endpoint_index) -> bool` for one expression."""
    if isinstance(expr, And):
        parts = [compile_test(i, endpoint_names) for i in expr.items]
        return lambda s, r, e: all(p(s, r, e) for p in parts)
    if isinstance(expr, Or):
        parts = [compile_test(i, endpoint_names) for i in expr.items]
        return lambda s, r, e: any(p(s, r, e) for p in parts)
    if isinstance(expr, Not):
        inner = compile_test(expr.item, endpoint_names)
        return lambda s, r, e: not inner(s, r, e)
    left, right = _getter(expr.left, endpoint_names), _getter(expr.right, endpoint_names)
    op = _COMPARE[expr.op]
    return lambda s, r, e: op(left(s, r, e), right(s, r, e))


def _getter(term: Term, endpoint_names: tuple[str, ...]) -> Getter:
    if isinstance(term, Lit):
        value = term.value
        return lambda s, r, e: value
    name = term.name
    if name == "same_resource_reads":
        return lambda s, r, e: s.resource_reads[r]
    if name == "same_endpoint":
        return lambda s, r, e: s.endpoint_calls[e]
    if name == "last":
        return lambda s, r, e: endpoint_names[s.recent[-1]] if s.recent else ""
    attr = name
    return lambda s, r, e: getattr(s, attr)
