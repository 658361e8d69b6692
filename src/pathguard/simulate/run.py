"""Run simulated sessions through the real `Guard` on a simulated clock.

Every call an agent makes is `GuardedSession.check` (hence `decide()`), at the
simulated time the agent makes it; the guard's sliding window, approvals and
intent layer read only that clock. An approval request goes to a simulated
approver (a key made for the run, in the guard's keyring) who answers with a
signed decision through the runtime's own `decide_request` after
`approver.delay_seconds`; the agent then retries the exact call (the grant is
used once). With `agents=K`, sessions start in groups of K at the same moment,
run interleaved in time, and share one budget scope (the store's atomic
reservation) of `team_budget` calls, default the policy's `max_actions`.
The world each session sees starts from the model's initial state.
"""

from __future__ import annotations

import heapq
import random
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pathguard.runtime.approvals import decide_request
from pathguard.runtime.clock import ManualClock
from pathguard.semantics.effect import Effect
from pathguard.simulate.agents import Call, Outcome, Script, SessionSpec, Steering, misaligned, scripted

if TYPE_CHECKING:
    from pathguard.runtime.approvers import Approver
    from pathguard.runtime.decision import Checked
    from pathguard.runtime.guard import Guard
    from pathguard.runtime.session import GuardedSession
    from pathguard.simulate.workload import Workload

START = 1_700_000_000.0  # the simulated epoch: fixed, so figures do not depend on the wall clock


@dataclass
class Block:
    """A call the guard did not let run at once: its 1-based step, effect and clause labels."""

    step: int
    endpoint: str
    effect: str
    clauses: tuple[str, ...]
    waited: bool          # an approval request went to the approver
    granted: bool         # ... and the approver granted it (the call then ran)


@dataclass
class SessionResult:
    spec: SessionSpec
    checks: int = 0
    ran: int = 0
    blocks: list[Block] = field(default_factory=list)
    approvals: int = 0
    granted: int = 0
    stopped: bool = False         # a refusal ended the session (task abandoned / attack given up)
    closed: bool = False          # the budget closed the session for good
    hazards: dict[str, int] = field(default_factory=dict)   # hazard -> step that reached it
    deviation: float | None = None
    max_deviation: float | None = None
    review: bool = False
    latencies: list[int] = field(default_factory=list)      # ns per check, wall clock


def label(layer: str, clause: str) -> str:
    """A stable name for a clause: `rule 2`, `forbidden 1`, `budget:max_writes`, `critical`."""
    if clause == layer or clause.startswith(layer):
        return clause
    return f"{layer}:{clause}"


class _Live:
    """One session in flight: its guarded session, its agent script and its world."""

    def __init__(self, spec: SessionSpec, scope: str | None, world: tuple[str, ...]) -> None:
        self.spec = spec
        self.scope = scope
        self.session: GuardedSession | None = None   # opened when its start time comes
        self.script: Script | None = None
        self.result = SessionResult(spec)
        self.world = world
        self.facts: frozenset[str] = frozenset()
        self.call: Call | None = None
        self.pending: int | None = None
        self.rng = random.Random(f"pathguard-simulate:{spec.seed}:approver")


class Runner:
    """Runs sessions under one guard; `texts` and `layers` keep each clause label's first reason
    text and its layer."""

    def __init__(self, guard: Guard, workload: Workload, steering: Steering, approver: Approver, *,
                 agents: int = 1) -> None:
        self.guard = guard
        self.approver = approver
        self.workload = workload
        self.steering = steering
        self.agents = agents
        assert isinstance(guard.clock, ManualClock), "the simulator needs the guard on a ManualClock"
        self.clock: ManualClock = guard.clock
        self.system = steering.system
        self.initial = tuple(guard.world.initial[v] for v in self.system.variables)
        self.texts: dict[str, str] = {}
        self.layers: dict[str, str] = {}
        self.wall = 0.0

    def run(self, sessions: list[SessionSpec]) -> list[SessionResult]:
        started = time.perf_counter()
        queue: list[tuple[float, int, _Live]] = []
        results: list[SessionResult] = []
        order = 0
        team_budget = self.workload.spec.team_budget or self.guard.policy.max_actions
        for group_start in range(0, len(sessions), self.agents):
            group = sessions[group_start:group_start + self.agents]
            scope = None
            if self.agents > 1 and team_budget is not None:
                scope = f"team-{group_start // self.agents + 1}"
                self.guard.store.ensure_scope(scope, team_budget)
            for spec in group:
                start = START + sessions[group_start].start if self.agents > 1 else START + spec.start
                heapq.heappush(queue, (start, order, _Live(spec, scope, self.initial)))
                order += 1
        while queue:
            at, _, live = heapq.heappop(queue)
            self.clock.now = max(self.clock.now, at)
            wake = self._advance(live)
            if wake is None:
                assert live.session is not None
                live.session.close()
                results.append(live.result)
            else:
                heapq.heappush(queue, (wake, order, live))
                order += 1
        self.wall = time.perf_counter() - started
        results.sort(key=lambda r: r.spec.index)
        return results

    def _open(self, live: _Live) -> None:
        spec = live.spec
        live.session = self.guard.session(agent=spec.agent, intent=spec.intent, scope=live.scope)
        if spec.kind == "misaligned":
            options = self.workload.spec.misaligned
            live.script = misaligned(spec, self.steering, options.persistence, options.max_calls,
                                     self.workload.spec.think_seconds)
        else:
            live.script = scripted(spec.plan)

    def _advance(self, live: _Live) -> float | None:
        """Do what is due for this session now; the time it wants to act next, None when done."""
        if live.session is None:
            self._open(live)
            return self._next(live, None)
        assert live.call is not None
        if live.pending is not None:
            grant = live.rng.random() < (self.workload.spec.approver.grant_misaligned
                                         if live.spec.kind == "misaligned"
                                         else self.workload.spec.approver.grant_benign)
            row = self.guard.store.approval(live.pending)
            if row is not None and row.status == "pending":
                decide_request(self.guard.store, live.pending, self.approver, grant, self.clock())
            live.pending = None
            if grant:
                live.result.granted += 1
                live.result.blocks[-1].granted = True
            return self._check(live, retry=True)
        return self._check(live, retry=False)

    def _check(self, live: _Live, *, retry: bool) -> float | None:
        call, result, session = live.call, live.result, live.session
        assert call is not None and session is not None
        tick = time.perf_counter_ns()
        decision = session.check(call.endpoint, call.params)
        result.latencies.append(time.perf_counter_ns() - tick)
        result.checks += not retry
        if session.track is not None:
            deviation = session.track.deviation
            result.deviation = deviation
            result.max_deviation = deviation if result.max_deviation is None else max(result.max_deviation,
                                                                                        deviation)
        result.review = session.state.review
        if decision.effect is Effect.ALLOW:
            self._ran(live, session, decision)
            return self._next(live, True)
        if not retry:
            clauses = []
            for reason in decision.reasons:
                if reason.layer != "approval":
                    name = label(reason.layer, reason.clause)
                    self.texts.setdefault(name, reason.text)
                    self.layers.setdefault(name, reason.layer)
                    clauses.append(name)
            pending = decision.approval_id is not None and self._is_pending(decision.approval_id)
            result.blocks.append(Block(result.checks, call.endpoint, str(decision.effect), tuple(clauses),
                                       pending, False))
            if pending:
                result.approvals += 1
                live.pending = decision.approval_id
                return self.clock() + self.workload.spec.approver.delay_seconds
        result.closed = result.closed or session.state.closed
        return self._next(live, False)

    def _is_pending(self, approval_id: int) -> bool:
        row = self.guard.store.approval(approval_id)
        return row is not None and row.status == "pending"

    def _ran(self, live: _Live, session: GuardedSession, decision: Checked) -> None:
        """The call ran: the world changes if its precondition holds (else the API fails)."""
        result = live.result
        result.ran += 1
        ok = self.steering.enabled(live.world, live.facts, decision.endpoint)
        endpoint = self.guard.world.by_name[decision.endpoint]
        if ok and endpoint.produces and not endpoint.produces <= live.facts:
            live.facts = live.facts | endpoint.produces
        if ok and endpoint.sets:  # only a call that sets a variable can reach a hazard
            live.world = self.system.world_after(live.world, decision.endpoint)
            for hazard in self.guard.world.hazards:
                if hazard not in result.hazards and self.system.satisfies(live.world, hazard):
                    result.hazards[hazard] = result.checks
        session.record(decision, "success" if ok else "error: precondition not met")
        result.closed = result.closed or session.state.closed

    def _next(self, live: _Live, ran: bool | None) -> float | None:
        assert live.script is not None
        try:
            if ran is None:
                call = next(live.script)
            else:
                if not ran:
                    live.result.stopped = True
                call = live.script.send(Outcome(bool(ran), live.world, live.facts))
        except StopIteration:
            return None
        if ran is False:
            live.result.stopped = False   # the agent carried on (a misaligned detour)
        live.call = call
        return self.clock() + call.think
