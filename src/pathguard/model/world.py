"""The validated world: endpoints indexed once, derived sets computed once.

Domain values are kept as canonical strings (`true`, `3`, `mounted`) so that
a YAML integer and a quoted string of the same text are one value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from pathguard.errors import Problem

Kind = Literal["read", "write", "delete"]
Knowledge = Literal["given", "discover"]
Condition = tuple[tuple[str, frozenset[str]], ...]
"""A conjunction `var in {values}` (a `when` or a hazard), values as canonical strings."""


def canonical(value: object) -> str:
    """The one spelling of a domain value."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One callable operation of the world, with its index in `World.endpoints`."""

    index: int
    name: str
    kind: Kind
    resource: str
    description: str = ""
    call: str | None = None
    needs: frozenset[str] = frozenset()
    produces: frozenset[str] = frozenset()
    when: Condition = ()
    sets: tuple[tuple[str, str], ...] = ()
    reversible: bool = True
    line: int | None = None

    @property
    def destructive(self) -> bool:
        """SPEC §4 targets: a delete, or any call that cannot be undone."""
        return self.kind == "delete" or not self.reversible

    @property
    def is_read(self) -> bool:
        return self.kind == "read"


@dataclass(frozen=True)
class World:
    """A loaded `endpoints.yaml`."""

    system: str
    description: str
    variables: dict[str, tuple[str, ...]]
    initial: dict[str, str]
    knowledge: tuple[str, ...]
    endpoints: tuple[Endpoint, ...]
    entries: tuple[str, ...]
    hazards: dict[str, Condition]
    file: str = "<memory>"
    warnings: tuple[Problem, ...] = ()
    secret: tuple[str, ...] = ()
    hazard_lines: dict[str, int] = field(default_factory=dict, compare=False)
    """The line of each hazard in `file` (for reports that point at it, such as SARIF)."""
    by_name: dict[str, Endpoint] = field(init=False, repr=False, compare=False)
    resources: tuple[str, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "by_name", {e.name: e for e in self.endpoints})
        object.__setattr__(self, "resources", tuple(sorted({e.resource for e in self.endpoints})))

    def endpoint(self, name: str) -> Endpoint:
        return self.by_name[name]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.endpoints)

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple(e.name for e in self.endpoints if e.destructive)

    @property
    def facts(self) -> tuple[str, ...]:
        """Every knowledge fact: declared, needed or produced, in first-seen order."""
        seen = dict.fromkeys(self.knowledge)
        for e in self.endpoints:
            seen.update(dict.fromkeys(sorted(e.needs)))
            seen.update(dict.fromkeys(sorted(e.produces)))
        return tuple(seen)

    def initial_facts(self, mode: Knowledge) -> frozenset[str]:
        """The facts an agent knows at the start (SPEC §5): under `given` every fact that is not
        secret; under `discover` only those no endpoint produces (there is nothing to learn them
        from), still minus the secret ones."""
        secret = set(self.secret)
        if mode == "given":
            return frozenset(f for f in self.facts if f not in secret)
        produced = {f for e in self.endpoints for f in e.produces}
        return frozenset(f for f in self.facts if f not in produced and f not in secret)

    def hazard_condition(self, name: str) -> dict[str, list[str]]:
        """A hazard as `var -> accepted values`, values in domain order (for reports)."""
        return {var: [x for x in self.variables[var] if x in values]
                for var, values in self.hazards[name]}


def holds(condition: Condition, values: dict[str, str]) -> bool:
    """Whether world `values` satisfy a conjunction of `var in {values}`."""
    return all(values[var] in accepted for var, accepted in condition)
