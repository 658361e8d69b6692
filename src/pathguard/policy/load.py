"""Load `policy.yaml` against a world: shape, names, `when` texts, all located."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from pathlib import Path

from pathguard.errors import InputError, Problem, did_you_mean
from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy, compile_policy
from pathguard.policy.schema import Match, PolicySpec
from pathguard.policy.when import Expr, WhenError, parse_when
from pathguard.source import Document, read_document
from pathguard.validation import validate


def load_policy(path: str | Path, world: World) -> CompiledPolicy:
    """Read, validate and compile a policy file for `world`."""
    return policy_from_document(read_document(path), world)


def policy_from_document(doc: Document, world: World) -> CompiledPolicy:
    spec = validate(PolicySpec, doc)
    problems: list[Problem] = []
    warnings: list[Problem] = []
    names = world.names
    known = set(names)

    def check_endpoint(loc: tuple[str | int, ...], name: str) -> None:
        if name not in known:
            problems.append(doc.problem(loc, "unknown-endpoint", f"`{name}` is not an endpoint of "
                                        f"`{world.system}`", did_you_mean(name, names)))

    for i, name in enumerate(spec.critical):
        check_endpoint(("critical", i), name)

    conditions: dict[int, Expr] = {}
    for i, rule in enumerate(spec.rules):
        selected = rule.match.endpoint
        if isinstance(selected, str):
            check_endpoint(("rules", i, "match", "endpoint"), selected)
        elif selected is not None:
            for j, name in enumerate(selected):
                check_endpoint(("rules", i, "match", "endpoint", j), name)
        warnings += _selector_warnings(doc, i, rule.match, world)
        if rule.when is not None:
            try:
                conditions[i] = parse_when(rule.when, known)
            except WhenError as exc:
                where = None if exc.column is None else f"at column {exc.column} of the expression"
                hint = f"{exc.hint} ({where})" if exc.hint and where else exc.hint or where
                problems.append(doc.problem(("rules", i, "when"), "when", str(exc), hint))

    for i, entry in enumerate(spec.forbidden):
        if isinstance(entry, list):
            if len(entry) != 2:
                problems.append(doc.problem(("forbidden", i), "invalid",
                                            f"a forbidden pair lists two endpoints, not {len(entry)}",
                                            "write `[first, then]` or `{first: A, then: B, within: N}`"))
                continue
            for j, name in enumerate(entry):
                check_endpoint(("forbidden", i, j), name)
        else:
            check_endpoint(("forbidden", i, "first"), entry.first)
            check_endpoint(("forbidden", i, "then"), entry.then)

    if spec.approvals is not None:
        seen: dict[str, int] = {}
        for j, name in enumerate(spec.approvals.approvers):
            key = unicodedata.normalize("NFKC", name).casefold().strip()
            loc = ("approvals", "approvers", j)
            if not key:
                problems.append(doc.problem(loc, "invalid", "an approver name cannot be blank"))
            elif key in seen:
                problems.append(doc.problem(loc, "duplicate-approver",
                                            f"`{name}` is the same approver as entry {seen[key] + 1} "
                                            "(names are compared after NFKC normalisation and case folding)"))
            seen.setdefault(key, j)

    if spec.budget is not None and spec.budget.read_only_at is not None and \
            spec.budget.max_actions is None and spec.budget.max_writes is None:
        problems.append(doc.problem(("budget", "read_only_at"), "no-limit",
                                    "`read_only_at` needs `max_actions` or `max_writes`",
                                    "read-only mode is a fraction of those limits"))
    if problems:
        raise InputError(problems)
    return compile_policy(spec, world, conditions, file=doc.file, warnings=tuple(warnings),
                          lines=clause_lines(doc, spec))


BUDGET_CLAUSES = ("window_minutes", "max_actions", "max_writes", "max_critical", "read_only_at")


def clause_lines(doc: Document, spec: PolicySpec) -> dict[str, int]:
    """The line of every clause, keyed as `Reason.clause` names it (see `CompiledPolicy.lines`)."""
    where: dict[str, tuple[str | int, ...]] = {"default": ("default",), "critical": ("critical",)}
    where |= {f"rule {i + 1}": ("rules", i) for i in range(len(spec.rules))}
    where |= {f"forbidden {i + 1}": ("forbidden", i) for i in range(len(spec.forbidden))}
    where |= {f"critical {name}": ("critical", i) for i, name in enumerate(spec.critical)}
    if spec.budget is not None:
        where |= {name: ("budget", name) for name in BUDGET_CLAUSES}
    if spec.subagents is not None:
        where["max_budget"] = ("subagents", "max_budget")
    if spec.approvals is not None:
        where["approvers"] = ("approvals", "approvers")
    if spec.intent is not None:
        where["review"] = ("intent", "threshold")
    return {clause: line for clause, loc in where.items() if (line := doc.line(loc)) is not None}


def _listed(value: str | Sequence[str] | None) -> list[str] | None:
    return None if value is None else [value] if isinstance(value, str) else list(value)


def _selector_warnings(doc: Document, i: int, match: Match, world: World) -> list[Problem]:
    """SPEC §2: a selector that matches no endpoint is a warning (a typo there silently empties a
    rule, and paths it was meant to block turn open). Unknown endpoint names are errors (above)."""
    names, kinds, resources = _listed(match.endpoint), _listed(match.kind), _listed(match.resource)
    selected = [e for e in world.endpoints
                if (names is None or e.name in names) and (kinds is None or e.kind in kinds)
                and (resources is None or e.resource in resources)]
    effect = "the rule selects nothing" if not selected else "this value selects nothing"
    out: list[Problem] = []
    have_kinds = sorted({e.kind for e in world.endpoints})
    for field, values, known in (("kind", kinds, have_kinds), ("resource", resources, world.resources)):
        for value in values or []:
            if value not in known:
                loc: tuple[str | int, ...] = ("rules", i, "match", field)
                out.append(doc.problem(loc, f"unknown-{field}", f"no endpoint has {field} `{value}`: "
                                       f"{effect}", did_you_mean(value, known)
                                       or f"{field}s of `{world.system}`: {', '.join(known)}",
                                       severity="warning"))
    if not selected and not out:
        given = ", ".join(f"{f}: {v if isinstance(v, str) else '[' + ', '.join(v) + ']'}"
                          for f, v in (("endpoint", match.endpoint), ("kind", match.kind),
                                       ("resource", match.resource)) if v is not None)
        out.append(doc.problem(("rules", i, "match"), "empty-selector",
                               f"no endpoint has all of `{given}`: the rule selects nothing",
                               "every selector given must hold for the same endpoint",
                               severity="warning"))
    return out
