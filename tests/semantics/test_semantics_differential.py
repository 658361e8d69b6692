"""The runtime, the model checker's transition system and the z3 encoding agree, decision by decision.

Three differential properties over random small models (see `treekit`):

1. Operation by operation, a real `Guard` (memory store or SQLite, manual
   clock) and the checker's `TransitionSystem` give every call the same effect:
   calls from any session of a tree, spawns, grants and denials by an
   approver, retries, clock steps inside and across the window, closes.
2. Every counterexample of the checker (with sub-agents, assumed approvals and
   modelled time) runs, step by step, through the runtime to its hazard.
3. The z3 encoding's effect equals `decide()` on random session states.

Each reports how many decisions it compared; together they compare at least
10,000 per run. Hypothesis prints the seed (`print_blob`) of any failure.
"""

from __future__ import annotations

from pathlib import Path

import z3
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from treekit import WINDOW_SECONDS, Op, load, operations, policy_texts, world_texts

from pathguard.crosscheck import replay_in_runtime
from pathguard.errors import PathguardError
from pathguard.modelcheck.check import check
from pathguard.modelcheck.smt.encoding import COUNTERS, Encoding
from pathguard.modelcheck.system import Options, TransitionSystem
from pathguard.runtime import Denied, Guard
from pathguard.runtime.approvals import decide_request
from pathguard.runtime.approvers import Approver, Keyring
from pathguard.runtime.clock import ManualClock
from pathguard.semantics.decide import decide
from pathguard.semantics.effect import Effect
from pathguard.semantics.session import SessionState
from pathguard.semantics.tree import Tree, host_closed, lineage_of, spawn_in_tree

RUNS = max(settings.default.max_examples * 5, 250)
SETTINGS = settings(max_examples=RUNS, deadline=None, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def closed_below(tree: Tree, who: int) -> Tree:
    """The model of a host closing session `who`: it and its descendants are closed."""
    return tuple(m._replace(state=host_closed(m.state)) if who in lineage_of(tree, i) else m
                 for i, m in enumerate(tree))


def run_scenario(world_text: str, policy_text: str, ops: list[Op], store: str) -> int:
    """Drive the guard and the transition system side by side; the number of decisions compared."""
    world, policy = load(world_text, policy_text)
    # Unreduced: a spawn here asks for a finite budget, which the checker's own spawns never do, so
    # its counter caps (sized for the budgets the checker can give) do not cover every child here.
    system = TransitionSystem(world, policy, Options(subagents=8, model_time=True), reduce=False)
    granting = TransitionSystem(world, policy, Options(subagents=8, model_time=True, assume_approvals=True),
                                reduce=False)
    clock = ManualClock()
    approver = Approver.generate("approver")
    guard = Guard(world, policy, store, clock=clock, approval_timeout=1e9,  # requests outlive the run
                  keyring=Keyring({"approver": approver.public_text}))
    sessions = [guard.session(agent="agent", intent="x")]
    tree = system.initial_state().sessions
    Key = tuple[int, str, tuple[tuple[str, int], ...]]
    waiting: tuple[Key, int] | None = None  # the newest call that waited, and its request
    verdicts: dict[Key, bool] = {}  # the approver's answer for exactly this call (session, endpoint, params)
    compared = ticks = 0
    for op in ops:
        if op.kind in ("call", "retry"):
            if op.kind == "retry":
                if waiting is None:
                    continue
                key = waiting[0]
            else:
                key = (op.who % len(sessions), op.endpoint, op.params)
            who, endpoint, params = key
            got = sessions[who].check(endpoint, dict(params))
            decision, after = system.session_step(tree, who, endpoint)
            expected = decision.effect
            if expected is Effect.APPROVAL and key in verdicts:
                if verdicts[key]:  # a grant for exactly this call, used once
                    del verdicts[key]
                    expected = Effect.ALLOW
                    after = granting.session_step(tree, who, endpoint)[1]
                else:  # a denial is final for exactly this call
                    expected = Effect.DENY
            assert got.effect is expected, (op, got, decision, tree[who])
            compared += 1
            if expected is Effect.ALLOW:
                assert after is not None
                tree = after
            elif expected is Effect.APPROVAL:
                assert got.approval_id is not None
                waiting = (key, got.approval_id)
        elif op.kind in ("grant", "deny") and waiting is not None:
            row = guard.store.approval(waiting[1])
            if row is not None and row.status == "pending":
                decide_request(guard.store, waiting[1], approver, op.kind == "grant", clock())
                verdicts[waiting[0]] = op.kind == "grant"
        elif op.kind == "spawn":
            who = op.who % len(sessions)
            spawned = spawn_in_tree(policy, tree, who, op.budget)
            try:
                child = sessions[who].spawn("x", op.budget)
            except Denied:
                assert spawned is None, (op, tree[who])
                continue
            assert spawned is not None and spawned[-1].budget == child.budget, (op, tree[who], child.budget)
            sessions.append(child)
            tree = system._reduced(spawned)
        elif op.kind == "tick" and ticks < WINDOW_SECONDS // 2:  # every call stays inside the window
            clock.advance(1)
            ticks += 1
        elif op.kind == "wait":
            clock.advance(WINDOW_SECONDS + 1)  # every earlier call leaves the window
            ticks = 0
            tree = system.waited(tree) or tree
        elif op.kind == "close":
            who = op.who % len(sessions)
            sessions[who].close()
            tree = closed_below(tree, who)
    guard.close()
    return compared


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[str, str, list[Op], str]:
    world_text = draw(world_texts())
    names = sorted(load(world_text, "policy: p\n")[0].names)
    return (world_text, draw(policy_texts(names)), draw(operations(names)),
            draw(st.sampled_from(["memory", "memory", "memory", "sqlite"])))


def test_runtime_and_transition_system_agree_operation_by_operation(tmp_path: Path) -> None:
    compared = [0]

    @SETTINGS
    @given(scenarios())
    def agree(scenario: tuple[str, str, list[Op], str]) -> None:
        world_text, policy_text, ops, store = scenario
        url = "memory"
        if store == "sqlite":
            db = tmp_path / "trace.db"
            db.unlink(missing_ok=True)
            url = f"sqlite:///{db}"
        compared[0] += run_scenario(world_text, policy_text, ops, url)

    agree()
    print(f"runtime vs transition system: {compared[0]} decisions compared")
    assert compared[0] >= 5_000


@st.composite
def checked_models(draw: st.DrawFn) -> tuple[str, str, Options]:
    world_text = draw(world_texts(reachable=True))
    names = sorted(load(world_text, "policy: p\n")[0].names)
    options = Options(assume_approvals=draw(st.booleans()), model_time=draw(st.booleans()),
                      subagents=draw(st.integers(0, 1)), knowledge=draw(st.sampled_from(["given", "discover"])))
    return world_text, draw(policy_texts(names, permissive=True)), options


def test_every_counterexample_runs_through_the_runtime() -> None:
    replayed, traces = [0], [0]

    @SETTINGS
    @given(checked_models())
    def replays(model: tuple[str, str, Options]) -> None:
        world_text, policy_text, options = model
        world, policy = load(world_text, policy_text)
        result = check(world, policy, engine="explicit", options=options, max_states=4_000)
        for name, hazard in result.hazards.items():
            if hazard.verdict == "unsafe":
                run = replay_in_runtime(world, policy, hazard.trace, options, hazard=name)
                replayed[0] += sum(s.seq for s in run.sessions)
                traces[0] += 1

    replays()
    print(f"counterexamples replayed in the runtime: {traces[0]} traces, {replayed[0]} decisions")
    assert traces[0] >= 50


@st.composite
def states(draw: st.DrawFn, policy_memory: int, endpoints: int, resources: int) -> SessionState:
    small = st.integers(0, 9)
    actions = draw(small)
    return SessionState(actions=actions, reads=draw(small), writes=draw(small), deletes=draw(small),
                        critical=draw(small), window_actions=draw(st.integers(0, actions)),
                        window_writes=draw(small), window_critical=draw(small),
                        resource_reads=tuple(draw(small) for _ in range(resources)),
                        endpoint_calls=tuple(draw(small) for _ in range(endpoints)),
                        recent=tuple(draw(st.integers(0, endpoints - 1)) for _ in range(
                            draw(st.integers(0, policy_memory)))),
                        closed=draw(st.integers(0, 9)) == 0)


def test_z3_encoding_and_decide_agree_on_random_states() -> None:
    compared = [0]

    @SETTINGS
    @given(st.data())
    def agree(data: st.DataObject) -> None:
        world_text = data.draw(world_texts())
        world, policy = load(world_text, data.draw(policy_texts(sorted(load(world_text, "policy: p\n")[0].names),
                                                                subagents=False)))
        enc = Encoding(world, policy, Options())
        n = len(world.endpoints)
        symbolic = enc.state("s")
        parts = enc._parts(symbolic)
        effects = [enc.effect(symbolic, code) for code in range(n)]
        for _ in range(12):
            state = data.draw(states(policy.memory, n, len(world.resources)))
            state = SessionState(*[getattr(state, f) for f in (
                "actions", "reads", "writes", "deletes", "critical", "window_actions", "window_writes",
                "window_critical")], resource_reads=state.resource_reads[:policy.resource_slots],
                endpoint_calls=state.endpoint_calls[:policy.endpoint_slots], recent=state.recent,
                closed=state.closed)
            values = [(parts[c], z3.IntVal(getattr(state, c))) for c in COUNTERS]
            values += [(a, z3.IntVal(b)) for a, b in zip(parts["rr"], state.resource_reads, strict=True)]
            values += [(a, z3.IntVal(b)) for a, b in zip(parts["ec"], state.endpoint_calls, strict=True)]
            recent = list(reversed(state.recent)) + [-1] * (policy.memory - len(state.recent))
            values += [(a, z3.IntVal(b)) for a, b in zip(parts["recent"], recent, strict=True)]
            values.append((parts["closed"], z3.BoolVal(state.closed)))
            for code, e in enumerate(world.endpoints):
                symbolic_effect = z3.simplify(z3.substitute(effects[code], *values))
                assert symbolic_effect.as_long() == int(decide(world, policy, state, e.name).effect), (e.name, state)
                compared[0] += 1

    agree()
    print(f"z3 encoding vs decide(): {compared[0]} decisions compared")
    assert compared[0] >= 4_000


def test_the_runtime_refuses_what_the_model_refuses_to_spawn() -> None:
    """Spawning from a closed tree or with no budget left is refused by both."""
    world, policy = load("system: s\nendpoints:\n  e0: {kind: read, resource: r}\n",
                         "policy: p\nbudget: {max_actions: 2}\nsubagents: {max_budget: 5}\n")
    guard = Guard(world, policy, "memory", clock=ManualClock())
    root = guard.session(agent="a", intent="x")
    tree = TransitionSystem(world, policy).initial_state().sessions
    assert root.check("e0").allowed and root.check("e0").allowed
    system = TransitionSystem(world, policy, Options(subagents=1))
    tree = system.session_step(system.session_step(tree, 0, "e0")[1] or tree, 0, "e0")[1] or tree
    assert spawn_in_tree(policy, tree, 0, 1) is None
    try:
        root.spawn("x", 1)
    except PathguardError as exc:
        assert "closed" in str(exc)
    else:
        raise AssertionError("the runtime spawned a child from a spent tree")
