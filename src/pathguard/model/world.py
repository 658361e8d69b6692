"""The validated world: endpoints indexed once, derived sets computed once.

Domain values are kept as canonical strings (`true`, `3`, `mounted`) so that
a YAML integer and a quoted string of the same text are one value.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Kind = Literal["read", "write", "delete"]


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
    when: tuple[tuple[str, frozenset[str]], ...] = ()
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
    hazards: dict[str, tuple[tuple[str, str], ...]]
    file: str = "<memory>"
    warnings: tuple[str, ...] = ()
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
