"""What `pathguard fuzz` answers, as typed documents (pydantic), read by every renderer."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ViolationDoc(_Doc):
    property: str
    message: str
    clause: str | None = None
    """The policy clause it concerns, as decisions name it (`rule 2`, `forbidden 1`, `max_actions`)."""
    hazard: str | None = None
    invariant: int | None = None
    """Index of the invariant in the invariants file."""


class FuzzFailure(_Doc):
    """The minimal failing sequence Hypothesis shrank to, and what it broke at which step."""

    step: int
    """1-based index of the operation that broke the properties."""
    violations: list[ViolationDoc]
    operations: list[dict[str, Any]]
    log: list[str]
    """What each operation did, as people read it (the last line is the violation)."""
    first_failure: int | None = None
    """Operations in the first failing sequence found, before shrinking."""
    trace_file: str | None = None


class HazardUse(_Doc):
    """How one hazard's verdict, under the fuzz's own options, was used."""

    verdict: str
    use: str
    proof: str | None = None
    trace: list[str] = Field(default_factory=list)
    replayed: bool | None = None
    """For `unsafe`: whether its counterexample ran through the runtime to the hazard."""
    message: str | None = None


class FuzzOptionsDoc(_Doc):
    examples: int
    seed: int
    max_steps: int
    subagents: int
    store: str
    guard: str | None = None
    invariants: str | None = None


class FuzzReport(_Doc):
    system: str
    policy: str
    options: FuzzOptionsDoc
    assumptions: list[str]
    properties: dict[str, str]
    invariants: list[str] = Field(default_factory=list)
    hazards: dict[str, HazardUse] = Field(default_factory=dict)
    checker: str | None = None
    """How the hazards were established (engine, states, limits), or why they were not."""
    examples: int = 0
    operations: int = 0
    decisions: int = 0
    seconds: float = 0.0
    operations_per_second: float = 0.0
    failure: FuzzFailure | None = None
    counterexample_failures: list[ViolationDoc] = Field(default_factory=list)

    @property
    def passed(self) -> bool:
        return self.failure is None and not self.counterexample_failures
