"""What the model checker answers, as typed documents (pydantic): per-hazard verdicts with their
evidence and assumptions, bypasses of blocked paths, and how far the search went.

A verdict never claims more than its evidence: `safe` carries its proof
(`state space exhausted: N states`, a static argument, or the SMT engine's
inductive invariant), `unknown` the bound and the limit that stopped the
search, `unsafe` a shortest counterexample already replayed through
`decide()`. Every verdict lists the assumptions it rests on (SPEC §5). The
renderers in `pathguard.report` read these models and nothing else.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

Verdict = Literal["unsafe", "safe", "unknown"]
FREE_STEPS = ("wait", "spawn")


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TraceStep(_Doc):
    """One step of a trace: the decision that let it through, the variables it changed, and the
    whole world after it."""

    call: str
    decision: str
    reasons: list[str]
    changed: dict[str, str] = Field(default_factory=dict)
    world: dict[str, str]


def calls_of(trace: list[TraceStep]) -> list[str]:
    return [s.call for s in trace]


def is_call(step: str) -> bool:
    """`wait` and spawns (`spawn`, `child2:spawn`) are steps, not calls."""
    return step not in FREE_STEPS and not step.endswith(":spawn")


def call_count(steps: list[str]) -> int:
    """Calls in a trace: `wait` and spawn steps are not calls."""
    return sum(1 for s in steps if is_call(s))


class HazardResult(_Doc):
    """SPEC §6 `hazards.*`: `verdict`, `depth` (calls of the shortest counterexample), `trace`,
    `bound` (the depth an `unknown` stopped at), `assumptions`; and how it was established."""

    verdict: Verdict
    depth: int | None = None
    trace: list[str] = Field(default_factory=list)
    bound: int | None = None
    proof: str | None = None
    engine: str
    condition: dict[str, list[str]]
    assumptions: list[str] = Field(default_factory=list)
    limit: str | None = None
    """The limit that stopped the search (an `unknown`), as the user can raise it."""
    never_learned: list[str] | None = None
    """Under `--knowledge discover`, for `safe`: the facts no reachable state knows (the proof
    assumes the agent is never told them)."""
    steps: list[TraceStep] = Field(default_factory=list)


class Bypass(_Doc):
    """A blocked path (SPEC §4) run anyway: a run under the policy that executes the path's calls
    in order, with any calls between them, ending with its target (SPEC §5)."""

    path: list[str]
    target: str
    trace: list[str]
    depth: int
    steps: list[TraceStep]


class TargetReachable(_Doc):
    """A blocked path with no bypass whose target some other run still executes: the policy
    blocks that chain, not the target."""

    path: list[str]
    target: str
    trace: list[str]
    depth: int
    steps: list[TraceStep]


class Unbypassed(_Doc):
    """A blocked path whose calls cannot all run in order (`verdict: no bypass`, with its proof;
    `target` says whether its target runs otherwise), or one the search could not settle
    (`unknown`, with the bound and limit)."""

    path: list[str]
    target: str
    verdict: Literal["no bypass", "unknown"]
    proof: str | None = None
    bound: int | None = None
    limit: str | None = None


class BypassSearch(_Doc):
    """How many blocked paths were searched for bypasses (shortest first), and what came of them."""

    blocked: int
    """Blocked paths known (of at most `max_length` calls, as the path enumeration found them)."""
    checked: int
    bypassed: int
    target_reachable: int
    no_bypass: int
    unknown: int
    unchecked: int
    limit: str | None = None
    """Why `unchecked` paths were not searched (a limit of the run), if any were."""


class CheckOptions(_Doc):
    engine: str
    knowledge: Literal["given", "discover"]
    assume_approvals: bool
    model_time: bool
    subagents: int
    bound: int | None
    limits: str


class CheckResult(_Doc):
    """The whole answer of `pathguard check` (and the `hazards`/`bypasses` of `analyze`)."""

    system: str
    policy: str
    engine: str
    knowledge: Literal["given", "discover"]
    options: CheckOptions
    assumptions: list[str]
    reductions: list[str]
    states: int | None = None
    seconds: float | None = None
    hazards: dict[str, HazardResult]
    bypasses: list[Bypass] = Field(default_factory=list)
    target_reachable: list[TargetReachable] = Field(default_factory=list)
    unbypassed: list[Unbypassed] = Field(default_factory=list)
    bypass_search: BypassSearch | None = None

    @property
    def unsafe(self) -> bool:
        return any(h.verdict == "unsafe" for h in self.hazards.values()) or bool(self.bypasses)

    @property
    def all_safe(self) -> bool:
        return all(h.verdict == "safe" for h in self.hazards.values()) and not self.bypasses
