"""Load `endpoints.yaml`: shape by pydantic, meaning by the checks of SPEC §1.

Every problem of the file is collected before anything is raised, so a user
fixes them in one pass. Warnings (a need nobody produces) do not stop loading;
they are `Problem`s with their file and line, shown by every command.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from pathguard.errors import InputError, Problem, did_you_mean
from pathguard.model.schema import EndpointSpec, WorldSpec
from pathguard.model.world import Condition, Endpoint, World, canonical
from pathguard.source import Document, read_document
from pathguard.validation import validate


def load_world(path: str | Path) -> World:
    """Read, validate and index a world model file."""
    return world_from_document(read_document(path))


def world_from_document(doc: Document) -> World:
    spec = validate(WorldSpec, doc)
    problems: list[Problem] = []
    domains = {name: tuple(canonical(v) for v in var.values) for name, var in spec.state.items()}

    def check_value(loc: tuple[str | int, ...], var: str, value: Any) -> None:
        if var not in domains:
            problems.append(doc.problem((*loc[:-1], var), "unknown-variable",
                                        f"unknown state variable `{var}`",
                                        did_you_mean(var, list(domains))))
        elif canonical(value) not in domains[var]:
            problems.append(doc.problem(
                loc, "unknown-value", f"`{canonical(value)}` is not a value of `{var}`",
                did_you_mean(canonical(value), domains[var])
                or f"`{var}` takes one of: {', '.join(domains[var])}"))

    def check_values(loc: tuple[str | int, ...], var: str, allowed: Any) -> None:
        """`var: value` or `var: [values]` (any of them), as `when` and `hazards` accept."""
        if isinstance(allowed, list) and not allowed:
            problems.append(doc.problem(loc, "empty", "an empty list of values can never hold"))
        if isinstance(allowed, list) and var in domains:
            for i, value in enumerate(allowed):
                check_value((*loc, i), var, value)
        else:
            check_value(loc, var, allowed)

    for name, variable in spec.state.items():
        seen: set[str] = set()
        for i, value in enumerate(variable.values):
            if canonical(value) in seen:
                problems.append(doc.problem(("state", name, "values", i), "duplicate-value",
                                            f"`{canonical(value)}` is listed twice"))
            seen.add(canonical(value))
        check_value(("state", name, "initial"), name, variable.initial)

    for name, ep in spec.endpoints.items():
        for var, allowed in ep.when.items():
            check_values(("endpoints", name, "when", var), var, allowed)
        for var, value in ep.sets.items():
            check_value(("endpoints", name, "sets", var), var, value)

    for hazard, conj in spec.hazards.items():
        if not conj:
            problems.append(doc.problem(("hazards", hazard), "empty",
                                        "a hazard needs at least one `variable: value`"))
        for var, allowed in conj.items():
            check_values(("hazards", hazard, var), var, allowed)

    names = list(spec.endpoints)
    if spec.entry is not None:
        for i, entry in enumerate(spec.entry):
            if entry not in spec.endpoints:
                problems.append(doc.problem(("entry", i), "unknown-endpoint",
                                            f"`{entry}` is not an endpoint",
                                            did_you_mean(entry, names)))
        if not spec.entry:
            problems.append(doc.problem(("entry",), "empty", "`entry` lists no endpoint",
                                        "leave it out to start from every endpoint whose needs "
                                        "are known at the start"))
    needed = {fact for ep in spec.endpoints.values() for fact in ep.needs}
    for i, fact in enumerate(spec.secret):
        if fact not in needed:
            problems.append(doc.problem(("secret", i), "unneeded-secret",
                                        f"secret fact `{fact}` is needed by no endpoint",
                                        did_you_mean(fact, needed) or "remove it, or add it to the "
                                        "`needs` of the endpoints it guards"))
    if problems:
        raise InputError(problems)

    endpoints = tuple(_endpoint(i, name, ep, doc) for i, (name, ep) in enumerate(spec.endpoints.items()))
    world = World(
        system=spec.system,
        description=spec.description,
        variables=domains,
        initial={name: canonical(var.initial) for name, var in spec.state.items()},
        knowledge=tuple(spec.knowledge),
        endpoints=endpoints,
        entries=(),
        hazards={h: _condition(conj) for h, conj in spec.hazards.items()},
        file=doc.file,
        warnings=_unproduced_needs(spec, doc),
        secret=tuple(dict.fromkeys(spec.secret)),
        hazard_lines={h: line for h in spec.hazards if (line := doc.line(("hazards", h))) is not None},
    )
    if spec.entry is not None:
        entries = tuple(spec.entry)
    else:  # SPEC §4: every endpoint whose needs are all known at the start under discovery
        known = world.initial_facts("discover")
        entries = tuple(e.name for e in endpoints if e.needs <= known)
    return replace(world, entries=tuple(dict.fromkeys(entries)))


def _unproduced_needs(spec: WorldSpec, doc: Document) -> tuple[Problem, ...]:
    """SPEC §1: a need no endpoint produces is a warning (often a typo), saying what it means."""
    produced = {fact for ep in spec.endpoints.values() for fact in ep.produces}
    secret = set(spec.secret)
    warnings = []
    for name, ep in spec.endpoints.items():
        for i, fact in enumerate(ep.needs):
            if fact in produced:
                continue
            if fact in secret:
                meaning = f"it is secret, so `{name}` can never run"
            else:
                meaning = (f"with nothing to discover it from, it counts as known from the start "
                           f"(unless it is declared `secret`, then `{name}` never runs)")
            warnings.append(doc.problem(("endpoints", name, "needs", i), "unproduced-need",
                                        f"`{fact}` is produced by no endpoint: {meaning}",
                                        did_you_mean(fact, produced), severity="warning"))
    return tuple(warnings)


def _values(allowed: Any) -> frozenset[str]:
    return frozenset(canonical(v) for v in (allowed if isinstance(allowed, list) else [allowed]))


def _condition(conj: dict[str, Any]) -> Condition:
    return tuple((var, _values(allowed)) for var, allowed in conj.items())


def _endpoint(index: int, name: str, ep: EndpointSpec, doc: Document) -> Endpoint:
    reversible = ep.reversible if ep.reversible is not None else ep.kind != "delete"
    return Endpoint(
        index=index, name=name, kind=ep.kind, resource=ep.resource, description=ep.description,
        call=ep.call, needs=frozenset(ep.needs), produces=frozenset(ep.produces), when=_condition(ep.when),
        sets=tuple((var, canonical(v)) for var, v in ep.sets.items()), reversible=reversible,
        line=doc.line(("endpoints", name)))
