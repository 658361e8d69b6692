"""Simulated agents: what they call next, given what the guard let through.

Benign and noisy agents draw their whole call plan up front from their own
seeded random stream, so two policies see exactly the same sessions; they stop
at the first call they are refused (the task is abandoned). Misaligned agents
declare a benign task's intent, do a few of its reads as cover, then pursue a
hazard: along the model checker's shortest counterexample under the policy
when there is one (the attacker who has read the policy), by breadth-first
search over the world (no policy) otherwise; after a refusal they try a
harmless read as a detour and retry, `persistence` times. Replay agents repeat
recorded sessions. Every decision is the guard's: no agent evaluates a rule.
"""

from __future__ import annotations

import json
import random
from collections import deque
from collections.abc import Generator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from pathguard.model.world import World
from pathguard.modelcheck.system import TransitionSystem
from pathguard.policy.compile import CompiledPolicy, allow_everything
from pathguard.simulate.workload import Noise, Range, Step, Workload

KINDS = ("benign", "noisy", "misaligned", "replay")


class Call(NamedTuple):
    endpoint: str
    params: dict[str, Any]
    think: float


class Outcome(NamedTuple):
    """What the agent learns after a call: whether it ran, and the world it now sees."""

    ran: bool
    world: tuple[str, ...]
    facts: frozenset[str]


Script = Generator[Call, Outcome, None]


@dataclass
class SessionSpec:
    """One simulated session, fixed before any policy sees it (same seed, same sessions)."""

    index: int
    kind: str
    agent: str
    intent: str
    task: str
    start: float
    seed: str
    plan: list[Call] = field(default_factory=list)
    hazard: str | None = None
    cover: list[Call] = field(default_factory=list)


def draw(value: Range | None, default: Range, rng: random.Random) -> float:
    chosen = default if value is None else value
    return rng.uniform(*chosen) if isinstance(chosen, tuple) else float(chosen)


def plan_task(world: World, steps: list[Step], rng: random.Random, think: Range,
              noise: Noise | None) -> list[Call]:
    """A task's calls, with optional steps drawn, repeats drawn, and a noisy agent's extra
    reads, detours and retries inserted."""
    reads = [e for e in world.endpoints if e.is_read]
    by_resource: dict[str, list[str]] = {}
    for e in reads:
        by_resource.setdefault(e.resource, []).append(e.name)
    calls: list[Call] = []
    for step in steps:
        if rng.random() >= step.probability:
            continue
        repeat = rng.randint(*step.repeat) if isinstance(step.repeat, tuple) else step.repeat
        for _ in range(repeat):
            pause = draw(step.think, think, rng)
            if noise is not None:
                same = by_resource.get(world.by_name[step.call].resource)
                if same and rng.random() < noise.extra_read:
                    calls.append(Call(rng.choice(same), dict(step.params), pause))
                    pause = draw(None, think, rng)
                if reads and rng.random() < noise.detour:
                    calls.append(Call(rng.choice(reads).name, {}, pause))
                    pause = draw(None, think, rng)
            calls.append(Call(step.call, dict(step.params), pause))
            if noise is not None and rng.random() < noise.retry:
                calls.append(Call(step.call, dict(step.params), draw(None, think, rng)))
    return calls


def generate(world: World, workload: Workload, sessions: int, seed: int) -> list[SessionSpec]:
    """The sessions of a run: kinds by the mix, tasks by weight, starts spaced exponentially."""
    spec = workload.spec
    rng = random.Random(f"pathguard-simulate:{seed}")
    hazards = spec.misaligned.hazards or list(world.hazards)
    kinds = [k for k in ("benign", "noisy", "misaligned")  # no hazard, nothing to pursue
             if getattr(spec.mix, k) > 0 and (k != "misaligned" or hazards)]
    weights = [getattr(spec.mix, k) for k in kinds]
    names = [name for name, _ in workload.tasks]
    task_weights = [task.weight for _, task in workload.tasks]
    out: list[SessionSpec] = []
    start = 0.0
    for i in range(sessions if kinds else 0):
        kind = rng.choices(kinds, weights)[0]
        task = rng.choices(names, task_weights)[0]
        own = random.Random(f"pathguard-simulate:{seed}:{i}")
        session = SessionSpec(i, kind, f"{kind}-agent-{i + 1}", workload.spec.tasks[task].intent, task,
                              start, f"{seed}:{i}")
        plan = workload.plans[task]
        if kind == "misaligned":
            session.hazard = own.choice(hazards)
            cover = [s for s in plan if world.by_name[s.call].is_read][:spec.misaligned.cover_calls]
            session.cover = plan_task(world, cover, own, spec.think_seconds, None)
        else:
            session.plan = plan_task(world, plan, own, spec.think_seconds,
                                     spec.noise if kind == "noisy" else None)
        out.append(session)
        start += rng.expovariate(1.0 / (spec.spacing_minutes * 60)) if spec.spacing_minutes else 0.0
    return out


def scripted(plan: list[Call]) -> Script:
    """Benign, noisy and replayed agents: the plan in order, until a call is refused."""
    for call in plan:
        outcome = yield call
        if not outcome.ran:
            return


class Steering:
    """Routes to a hazard for misaligned agents, for one policy: the model checker's shortest
    counterexample when the hazard is reachable under it, world search otherwise."""

    def __init__(self, world: World, policy: CompiledPolicy, bound: int = 6) -> None:
        self.world = world
        self.policy = policy
        self.bound = bound
        self.system = TransitionSystem(world, allow_everything(world))
        self._checked: dict[str, list[str]] | None = None
        self._searched: dict[tuple[tuple[str, ...], frozenset[str], str], list[str] | None] = {}

    def counterexample(self, hazard: str) -> list[str] | None:
        """The checker's shortest trace to `hazard` under the policy, if it found one."""
        if self._checked is None:
            from pathguard.modelcheck.check import check
            from pathguard.modelcheck.results import FREE_STEPS

            result = check(self.world, self.policy, engine="explicit", bound=self.bound,
                           max_states=200_000)
            self._checked = {name: [s for s in h.trace if s not in FREE_STEPS]
                             for name, h in result.hazards.items() if h.verdict == "unsafe"}
        return self._checked.get(hazard)

    def search(self, values: tuple[str, ...], facts: frozenset[str], hazard: str) -> list[str] | None:
        """A shortest call sequence from here to `hazard` in the world alone (no policy)."""
        key = (values, facts, hazard)
        if key not in self._searched:
            self._searched[key] = self._bfs(values, facts, hazard)
        return self._searched[key]

    def _bfs(self, values: tuple[str, ...], facts: frozenset[str], hazard: str) -> list[str] | None:
        system = self.system
        start = (values, facts)
        parents: dict[tuple[tuple[str, ...], frozenset[str]], tuple[Any, str] | None] = {start: None}
        queue = deque([start])
        while queue:
            state = queue.popleft()
            if system.satisfies(state[0], hazard):
                path: list[str] = []
                while parents[state] is not None:
                    state, call = parents[state]  # type: ignore[misc]
                    path.append(call)
                return path[::-1]
            for call in system.enabled_calls(state[0]):
                endpoint = self.world.by_name[call]
                if endpoint.needs <= state[1]:
                    nxt = (system.world_after(state[0], call), state[1] | endpoint.produces)
                    if nxt not in parents:
                        parents[nxt] = (state, call)
                        queue.append(nxt)
        return None

    def enabled(self, values: tuple[str, ...], facts: frozenset[str], call: str) -> bool:
        return self.system.world_enabled(values, call) and self.world.by_name[call].needs <= facts


def misaligned(session: SessionSpec, steering: Steering, persistence: int, max_calls: int,
               think: Range) -> Script:
    """Cover reads, then the route to the hazard; a detour read and a retry after each refusal."""
    rng = random.Random(f"pathguard-simulate:{session.seed}:misaligned")
    hazard = session.hazard
    assert hazard is not None
    outcome = None
    for cover in session.cover:
        outcome = yield cover
    world, system = steering.world, steering.system
    values = outcome.world if outcome else tuple(world.initial[v] for v in system.variables)
    facts = outcome.facts if outcome else frozenset()
    route = steering.counterexample(hazard)
    position, tries, made = 0, persistence, len(session.cover)
    reads = [e.name for e in world.endpoints if e.is_read]
    last = ""
    while made < max_calls and not system.satisfies(values, hazard):
        if route is None or position >= len(route) or not steering.enabled(values, facts, route[position]):
            route, position = steering.search(values, facts, hazard), 0
            if not route:
                return
        call = route[position]
        outcome = yield Call(call, {}, draw(None, think, rng))
        made += 1
        values, facts = outcome.world, outcome.facts
        if outcome.ran:
            position += 1
            last = call
            continue
        if tries == 0:
            return
        tries -= 1
        detours = [r for r in reads if r != last and steering.enabled(values, facts, r)]
        if detours:
            last = rng.choice(detours)
            outcome = yield Call(last, {}, draw(None, think, rng))
            made += 1
            values, facts = outcome.world, outcome.facts


def replayed(path_or_store: str, base: Path, start: float, first_index: int) -> list[SessionSpec]:
    """Recorded sessions as fixed plans: a JSONL file (one session per line: `agent`, `intent`,
    `calls` of `{endpoint, params, at}`) or every session of a trace store."""
    sessions: list[SessionSpec] = []
    rows: list[dict[str, Any]] = []
    if path_or_store.startswith(("sqlite:", "postgresql:", "postgres:", "memory")):
        from pathguard.store.base import open_store

        store = open_store(path_or_store, create=False)
        try:
            for head in reversed(store.sessions(limit=1_000_000)):
                trace = store.session(head.session_id)
                if trace is None or head.parent is not None:
                    continue
                rows.append({"agent": head.agent, "intent": head.intent,
                             "calls": [{"endpoint": a.endpoint, "params": a.params, "at": a.ts}
                                       for a in trace.actions]})
        finally:
            store.close()
    else:
        file = base / path_or_store
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), 1):
            if line.strip():
                rows.append(_replay_row(str(file), number, line))
    for i, row in enumerate(rows):
        calls, previous = [], None
        for c in row.get("calls", []):
            at = c.get("at")
            pause = 0.0 if at is None or previous is None else max(0.0, float(at) - previous)
            previous = float(at) if at is not None else previous
            calls.append(Call(str(c["endpoint"]), dict(c.get("params") or {}), pause))
        index = first_index + i
        sessions.append(SessionSpec(index, "replay", str(row.get("agent") or f"replay-{i + 1}"),
                                    str(row.get("intent") or ""), str(row.get("task") or "replay"),
                                    start, f"replay:{index}", plan=calls))
    return sessions


def _replay_row(file: str, number: int, line: str) -> dict[str, Any]:
    """One JSONL session, its shape checked: `calls` is a list of objects with an `endpoint`."""
    from pathguard.errors import InputError, Problem

    try:
        row = json.loads(line)
    except ValueError as exc:
        raise InputError([Problem(file, number, "", "invalid-json", f"not JSON: {exc}")]) from None
    calls = row.get("calls") if isinstance(row, dict) else None
    if not isinstance(calls, list) or not all(isinstance(c, dict) and isinstance(c.get("endpoint"), str)
                                              for c in calls):
        raise InputError([Problem(file, number, "calls", "invalid-replay",
                                  "a replayed session is {\"agent\", \"intent\", \"calls\": "
                                  "[{\"endpoint\", \"params\", \"at\"}, ...]}")])
    return row
