"""Load `endpoints.yaml`: shape by pydantic, meaning by the checks of SPEC §1.

Every problem of the file is collected before anything is raised, so a user
fixes them in one pass. Warnings (a need nobody produces) do not stop loading.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from pathguard.errors import InputError, Problem, did_you_mean
from pathguard.model.schema import EndpointSpec, WorldSpec
from pathguard.model.world import Endpoint, World, canonical
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
            values = allowed if isinstance(allowed, list) else [allowed]
            if isinstance(allowed, list) and not allowed:
                problems.append(doc.problem(("endpoints", name, "when", var), "empty",
                                            "an empty list of values can never hold"))
            for i, value in enumerate(values):
                loc: tuple[str | int, ...] = ("endpoints", name, "when", var)
                loc += (i,) if isinstance(allowed, list) else ()
                check_value(loc if var in domains else ("endpoints", name, "when", var), var, value)
        for var, value in ep.sets.items():
            check_value(("endpoints", name, "sets", var), var, value)

    for hazard, conj in spec.hazards.items():
        if not conj:
            problems.append(doc.problem(("hazards", hazard), "empty",
                                        "a hazard needs at least one `variable: value`"))
        for var, value in conj.items():
            check_value(("hazards", hazard, var), var, value)

    names = list(spec.endpoints)
    if spec.entry is not None:
        for i, entry in enumerate(spec.entry):
            if entry not in spec.endpoints:
                problems.append(doc.problem(("entry", i), "unknown-endpoint",
                                            f"`{entry}` is not an endpoint",
                                            did_you_mean(entry, names)))
        if not spec.entry:
            problems.append(doc.problem(("entry",), "empty", "`entry` lists no endpoint",
                                        "leave it out to start from every endpoint with empty needs"))
    if problems:
        raise InputError(problems)

    produced = {fact for ep in spec.endpoints.values() for fact in ep.produces}
    warnings = tuple(
        doc.problem(("endpoints", name, "needs"), "unproduced-need",
                    f"`{fact}` is produced by no endpoint: `{name}` is unreachable",
                    severity="warning").render()
        for name, ep in spec.endpoints.items() for fact in ep.needs if fact not in produced)

    endpoints = tuple(_endpoint(i, name, ep, doc) for i, (name, ep) in enumerate(spec.endpoints.items()))
    entries = tuple(spec.entry) if spec.entry is not None else tuple(
        e.name for e in endpoints if not e.needs)
    return World(
        system=spec.system,
        description=spec.description,
        variables=domains,
        initial={name: canonical(var.initial) for name, var in spec.state.items()},
        knowledge=tuple(spec.knowledge),
        endpoints=endpoints,
        entries=tuple(dict.fromkeys(entries)),
        hazards={h: tuple((v, canonical(x)) for v, x in conj.items()) for h, conj in spec.hazards.items()},
        file=doc.file,
        warnings=warnings,
    )


def _endpoint(index: int, name: str, ep: EndpointSpec, doc: Document) -> Endpoint:
    when = tuple(
        (var, frozenset(canonical(v) for v in (allowed if isinstance(allowed, list) else [allowed])))
        for var, allowed in ep.when.items())
    reversible = ep.reversible if ep.reversible is not None else ep.kind != "delete"
    return Endpoint(
        index=index, name=name, kind=ep.kind, resource=ep.resource, description=ep.description,
        call=ep.call, needs=frozenset(ep.needs), produces=frozenset(ep.produces), when=when,
        sets=tuple((var, canonical(v)) for var, v in ep.sets.items()), reversible=reversible,
        line=doc.line(("endpoints", name)))
