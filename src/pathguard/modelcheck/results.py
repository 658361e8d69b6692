"""What the model checker answers: per-hazard verdicts with their evidence, and bypasses.

A verdict never claims more than its evidence: `safe` carries its proof
(`state space exhausted: N states`, or the SMT engine's inductive argument),
`unknown` carries the bound that stopped the search, `unsafe` a shortest
counterexample already replayed through `decide()`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Verdict = Literal["unsafe", "safe", "unknown"]


@dataclass(frozen=True, slots=True)
class TraceStep:
    """One call of a counterexample: the decision that let it through and the world after it."""

    call: str
    effect: str
    reasons: tuple[str, ...]
    world: dict[str, str]

    def to_json(self) -> dict[str, Any]:
        return {"call": self.call, "decision": self.effect, "reasons": list(self.reasons),
                "world": dict(self.world)}


FREE_STEPS = ("wait", "spawn")


def calls_of(trace: list[TraceStep]) -> list[str]:
    return [s.call for s in trace]


def call_count(steps: list[str]) -> int:
    """Calls in a trace: `wait` and `spawn` steps are not calls."""
    return sum(1 for s in steps if s not in FREE_STEPS)


@dataclass(slots=True)
class HazardResult:
    name: str
    verdict: Verdict
    engine: str
    depth: int | None = None
    trace: list[TraceStep] = field(default_factory=list)
    bound: int | None = None
    proof: str | None = None
    condition: dict[str, list[str]] = field(default_factory=dict)
    """The hazard: each variable with the values it accepts (any of them)."""

    def to_json(self) -> dict[str, Any]:
        return {"verdict": self.verdict, "depth": self.depth, "trace": calls_of(self.trace),
                "bound": self.bound, "proof": self.proof, "engine": self.engine,
                "condition": {v: list(xs) for v, xs in self.condition.items()},
                "steps": [s.to_json() for s in self.trace]}


@dataclass(slots=True)
class Bypass:
    """A blocked path (SPEC §4) whose target the model checker still executes."""

    path: list[str]
    trace: list[TraceStep]
    target: str

    def to_json(self) -> dict[str, Any]:
        return {"path": list(self.path), "target": self.target, "trace": calls_of(self.trace),
                "depth": call_count(calls_of(self.trace)),
                "steps": [s.to_json() for s in self.trace]}


@dataclass(slots=True)
class CheckResult:
    system: str
    policy: str
    engine: str
    options: dict[str, Any]
    reductions: tuple[str, ...]
    hazards: dict[str, HazardResult]
    bypasses: list[Bypass] = field(default_factory=list)
    blocked_unreached: list[dict[str, Any]] = field(default_factory=list)
    states: int | None = None
    seconds: float | None = None

    @property
    def unsafe(self) -> bool:
        return any(h.verdict == "unsafe" for h in self.hazards.values()) or bool(self.bypasses)

    def to_json(self) -> dict[str, Any]:
        return {"system": self.system, "policy": self.policy, "engine": self.engine,
                "options": self.options, "reductions": list(self.reductions),
                "states": self.states, "seconds": self.seconds,
                "hazards": {n: h.to_json() for n, h in self.hazards.items()},
                "bypasses": [b.to_json() for b in self.bypasses],
                "blocked_unreached": self.blocked_unreached}
