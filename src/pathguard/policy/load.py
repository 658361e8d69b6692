"""Load `policy.yaml` against a world: shape, names, `when` texts, all located."""

from __future__ import annotations

from pathlib import Path

from pathguard.errors import InputError, Problem, did_you_mean
from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy, compile_policy
from pathguard.policy.schema import PolicySpec
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
        resources = [rule.match.resource] if isinstance(rule.match.resource, str) else rule.match.resource
        for resource in resources or []:
            if resource not in world.resources:
                warnings.append(doc.problem(("rules", i, "match", "resource"), "unknown-resource",
                                            f"no endpoint has resource `{resource}`: the rule selects "
                                            "nothing", did_you_mean(resource, world.resources),
                                            severity="warning"))
        if rule.when is not None:
            try:
                conditions[i] = parse_when(rule.when, known)
            except WhenError as exc:
                hint = exc.hint
                hint = f"{hint} (at column {exc.column} of the expression)" if hint else \
                    f"at column {exc.column} of the expression"
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

    if spec.budget is not None and spec.budget.read_only_at is not None and \
            spec.budget.max_actions is None and spec.budget.max_writes is None:
        problems.append(doc.problem(("budget", "read_only_at"), "no-limit",
                                    "`read_only_at` needs `max_actions` or `max_writes`",
                                    "read-only mode is a fraction of those limits"))
    if problems:
        raise InputError(problems)
    return compile_policy(spec, world, conditions, file=doc.file, warnings=tuple(warnings))
