"""The user's own invariants over a fuzz run, written in the `when` language of SPEC §2.

    invariants:
      - name: at most one deletion in a run
        holds: "deletes <= 1"
      - name: the volume is lost only with alice's approval
        never: data_loss
        unless_approved_by: [alice]

`holds` is checked after every call that ran, over the whole run (every
session of the tree): `actions`, `reads`, `writes` (writes and deletes),
`deletes` and `critical` count the calls that ran so far, that one included;
`same_resource_reads` the reads of its resource, `same_endpoint` the runs of
its endpoint; `last` is the call that just ran and `depth` the depth of its
session. The expression is parsed and evaluated by the policy's own `when`
code (`parse_when`, `compile_test`), so it reads exactly as in a policy.

`never` names a hazard of the world model: the world (as the simulated
backend changes it) must never enter it, unless the call that brings it there
ran on a grant signed by one of `unless_approved_by` (names compared as
identities: NFKC, case folding, confusable skeletons).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StrictStr, model_validator

from pathguard.errors import InputError, Problem, did_you_mean
from pathguard.model.world import World
from pathguard.policy.when import Test, WhenError, compile_test, parse_when
from pathguard.runtime.identity import IdentityError, identities
from pathguard.semantics.session import SessionState
from pathguard.source import read_document
from pathguard.validation import validate

Name = Annotated[StrictStr, Field(min_length=1, max_length=200)]


class InvariantSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Name
    holds: StrictStr | None = None
    never: StrictStr | None = None
    unless_approved_by: list[Name] = []

    @model_validator(mode="after")
    def _one_kind(self) -> InvariantSpec:
        if (self.holds is None) == (self.never is None):
            raise ValueError("an invariant has either `holds: EXPRESSION` or `never: HAZARD`, not both "
                             "nor neither")
        if self.unless_approved_by and self.never is None:
            raise ValueError("`unless_approved_by` goes with `never: HAZARD`")
        return self


class InvariantsSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    invariants: list[InvariantSpec] = Field(min_length=1)


@dataclass(frozen=True)
class Invariant:
    """One compiled invariant: `test` for `holds`, or the hazard of `never` and who may approve it."""

    index: int
    name: str
    text: str
    line: int | None
    test: Test | None = None
    hazard: str | None = None
    approvers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Invariants:
    file: str
    items: tuple[Invariant, ...]


def load_invariants(path: str | Path, world: World) -> Invariants:
    """Read and check an invariants file against `world`; every problem located."""
    doc = read_document(path)
    spec = validate(InvariantsSpec, doc)
    problems: list[Problem] = []
    items = []
    names = frozenset(world.names)
    for i, inv in enumerate(spec.invariants):
        line = doc.line(("invariants", i))
        if inv.holds is not None:
            try:
                expr = parse_when(inv.holds, names)
            except WhenError as exc:
                where = None if exc.column is None else f"at column {exc.column} of the expression"
                hint = f"{exc.hint} ({where})" if exc.hint and where else exc.hint or where
                problems.append(doc.problem(("invariants", i, "holds"), "when", str(exc), hint))
                continue
            items.append(Invariant(i, inv.name, f"holds: {inv.holds}", line,
                                   test=compile_test(expr, world.names)))
            continue
        assert inv.never is not None
        if inv.never not in world.hazards:
            problems.append(doc.problem(("invariants", i, "never"), "unknown-hazard",
                                        f"`{inv.never}` is not a hazard of `{world.system}`",
                                        did_you_mean(inv.never, world.hazards) or
                                        f"hazards: {', '.join(world.hazards) or 'none declared'}"))
        for j, who in enumerate(inv.unless_approved_by):
            try:
                identities(who)
            except IdentityError as exc:
                problems.append(doc.problem(("invariants", i, "unless_approved_by", j), "invalid", str(exc)))
        text = f"never: {inv.never}" + (f" unless approved by {', '.join(inv.unless_approved_by)}"
                                        if inv.unless_approved_by else "")
        items.append(Invariant(i, inv.name, text, line, hazard=inv.never,
                               approvers=tuple(inv.unless_approved_by)))
    if problems:
        raise InputError(problems)
    return Invariants(doc.file, tuple(items))


class RunCounts:
    """The counts `holds` reads, over every call that ran in a run (see the module doc)."""

    def __init__(self, world: World) -> None:
        self.world = world
        self.slot = {r: i for i, r in enumerate(world.resources)}
        self.state = SessionState(resource_reads=(0,) * len(world.resources),
                                  endpoint_calls=(0,) * len(world.endpoints))

    def ran(self, call: str, depth: int, critical: bool) -> None:
        """`call` ran in a session of `depth`; `critical`: the policy lists it as critical."""
        e = self.world.by_name[call]
        s = self.state
        reads = list(s.resource_reads)
        if e.is_read:
            reads[self.slot[e.resource]] += 1
        calls = list(s.endpoint_calls)
        calls[e.index] += 1
        self.state = SessionState(actions=s.actions + 1, reads=s.reads + e.is_read,
                                  writes=s.writes + (not e.is_read), deletes=s.deletes + (e.kind == "delete"),
                                  critical=s.critical + critical, resource_reads=tuple(reads),
                                  endpoint_calls=tuple(calls), recent=(e.index,), depth=depth)

    def holds(self, test: Test, call: str) -> bool:
        e = self.world.by_name[call]
        return test(self.state, self.slot[e.resource], e.index)
