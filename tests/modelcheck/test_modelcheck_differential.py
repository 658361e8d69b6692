"""Differential test: the explicit engine and the z3 engine agree on random small models.

Equal verdicts, equal shortest-counterexample lengths, every counterexample
replayed through `decide()` to the hazard; and the exact reductions of the
explicit engine (saturated, unobserved counters dropped) give the same shortest
depths as a search on the raw session state.
"""

from __future__ import annotations

from collections import deque
from dataclasses import replace
from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st
from mckit import policy, run, world

from modelkit import world_texts
from pathguard.modelcheck.explicit import explore
from pathguard.modelcheck.replay import replay
from pathguard.modelcheck.results import call_count, is_call
from pathguard.modelcheck.system import Options, TransitionSystem

WHENS = ["actions > 1", "same_resource_reads >= 1", "writes < 2", "last == 'e0'",
         "same_endpoint >= 1", "deletes == 0 or reads >= 2", "not (critical > 0)"]


@st.composite
def models(draw: Any) -> tuple[str, str, Options]:
    wtext = draw(world_texts())
    w = yaml.safe_load(wtext)
    endpoints = w["endpoints"]
    names = sorted(endpoints)
    p: dict[str, Any] = {"policy": "random",
                         "default": draw(st.sampled_from(["allow", "allow", "approval", "deny"]))}
    p["critical"] = draw(st.lists(st.sampled_from(names), unique=True, max_size=2))
    rules = []
    for _ in range(draw(st.integers(0, 2))):
        rule: dict[str, Any] = {"match": draw(st.sampled_from(
            [{"kind": "write"}, {"kind": "delete"}, {"endpoint": draw(st.sampled_from(names))}, {}])),
            "decision": draw(st.sampled_from(["allow", "approval", "deny"]))}
        if draw(st.booleans()):
            rule["when"] = draw(st.sampled_from(WHENS))
        rules.append(rule)
    p["rules"] = rules
    p["forbidden"] = [{"first": draw(st.sampled_from(names)), "then": draw(st.sampled_from(names)),
                       "within": draw(st.integers(1, 2))} for _ in range(draw(st.integers(0, 2)))]
    if draw(st.booleans()):
        budget: dict[str, Any] = {"window_minutes": 10}
        for key, top in (("max_actions", 6), ("max_writes", 3), ("max_critical", 2)):
            if draw(st.booleans()):
                budget[key] = draw(st.integers(1, top))
        if ("max_actions" in budget or "max_writes" in budget) and draw(st.booleans()):
            budget["read_only_at"] = draw(st.sampled_from([0.5, 0.8]))
        p["budget"] = budget
    options = Options(assume_approvals=draw(st.booleans()), model_time=draw(st.booleans()),
                      knowledge=draw(st.sampled_from(["given", "discover"])))
    return yaml.safe_dump(w), yaml.safe_dump(p), options


@given(models())
def test_engines_agree_and_counterexamples_replay(model: tuple[str, str, Options]) -> None:
    wtext, ptext, options = model
    w = world(wtext)
    p = policy(w, ptext)
    flags = {"assume_approvals": options.assume_approvals, "model_time": options.model_time,
             "knowledge": options.knowledge}
    explicit = run(w, p, "explicit", **flags)
    depth = max([h.depth or 0 for h in explicit.hazards.values()], default=0)
    smt = run(w, p, "smt", bound=max(depth, 6), **flags)
    for name, h in explicit.hazards.items():
        assert h.verdict in ("safe", "unsafe"), h
        other = smt.hazards[name]
        assert (other.verdict, other.depth) == (h.verdict, h.depth), (name, h, other)
        for result in (h, other):
            if result.verdict == "unsafe":
                replay(w, p, result.trace, options, hazard=name)


@given(models())
def test_reductions_preserve_shortest_depths(model: tuple[str, str, Options]) -> None:
    wtext, ptext, options = model
    w = world(wtext)
    p = policy(w, ptext)
    reduced = explore(TransitionSystem(w, p, options), bound=5)
    raw = explore(TransitionSystem(w, p, options, reduce=False), bound=5)
    assert {n: call_count(t) for n, t in reduced.hazards.items()} == \
        {n: call_count(t) for n, t in raw.hazards.items()}


def _plain_shortest(system: TransitionSystem, bound: int) -> dict[str, int]:
    """Oracle: 0-1 BFS over `TransitionSystem.steps()` states (free steps cost 0)."""
    start = system.initial_state()
    best = {start: 0}
    queue = deque([start])
    found: dict[str, int] = {}
    while queue:
        state = queue.popleft()
        depth = best[state]
        for h in system.hazards:
            if system.satisfies(state.world, h) and h not in found:
                found[h] = depth
        for step in system.steps(state):
            cost = 1 if is_call(step.call) else 0
            if depth + cost <= bound and depth + cost < best.get(step.state, bound + 1):
                best[step.state] = depth + cost
                (queue.appendleft if cost == 0 else queue.append)(step.state)
    return found


@given(models(), st.integers(0, 1))
def test_packed_search_matches_a_plain_search_over_steps(model: tuple[str, str, Options], children: int) -> None:
    wtext, ptext, options = model
    w = world(wtext)
    p = policy(w, ptext)
    system = TransitionSystem(w, p, replace(options, subagents=children))
    packed = explore(system, bound=4)
    assert {n: call_count(t) for n, t in packed.hazards.items()} == _plain_shortest(system, 4)
