"""Hand-made models whose verdicts are known, checked with both engines."""

from __future__ import annotations

import pytest
from mckit import VOLUMES, policy, run, world

from pathguard.errors import PathguardError
from pathguard.modelcheck.bypass import blocked_paths
from pathguard.modelcheck.replay import ReplayError, replay
from pathguard.modelcheck.system import Options

ENGINES = ["explicit", "smt"]


@pytest.mark.parametrize("engine", ENGINES)
def test_no_policy_reaches_data_loss_in_three_calls(engine: str) -> None:
    w = world()
    h = run(w, policy(w, None), engine).hazards["data_loss"]
    assert (h.verdict, h.depth) == ("unsafe", 3)
    assert h.trace == ["list_volumes", "unmount_volume", "delete_volume"]
    assert h.steps[-1].world == {"volume": "deleted", "backup": "none"}


@pytest.mark.parametrize("engine", ENGINES)
def test_forbidden_pair_is_bypassed_by_a_harmless_call(engine: str) -> None:
    w = world()
    p = policy(w, "policy: p\nforbidden:\n  - [list_volumes, unmount_volume]\n")
    blocked = blocked_paths(w, p)
    assert blocked == [("list_volumes", "unmount_volume", "delete_volume")]
    result = run(w, p, engine, blocked=blocked)
    h = result.hazards["data_loss"]
    assert (h.verdict, h.depth) == ("unsafe", 4)
    assert h.trace[2:] == ["unmount_volume", "delete_volume"]
    assert h.steps[2].reasons == ["default: allow"]
    assert [b.path for b in result.bypasses] == [list(blocked[0])]
    assert result.bypasses[0].trace[-1] == "delete_volume"


@pytest.mark.parametrize("engine", ENGINES)
def test_critical_delete_is_safe_unless_approvals_are_assumed(engine: str) -> None:
    w = world()
    p = policy(w, "policy: p\ncritical: [delete_volume]\n")
    h = run(w, p, engine).hazards["data_loss"]
    assert h.verdict == "safe"
    assert h.proof and (h.proof.startswith("state space exhausted") or h.proof.startswith("spacer"))
    h = run(w, p, engine, assume_approvals=True).hazards["data_loss"]
    assert (h.verdict, h.depth) == ("unsafe", 3)
    assert h.steps[-1].decision == "approval"


@pytest.mark.parametrize("engine", ENGINES)
def test_write_budget_protects_only_inside_one_window(engine: str) -> None:
    w = world()
    p = policy(w, "policy: p\nbudget: {window_minutes: 10, max_writes: 1}\n")
    assert run(w, p, engine).hazards["data_loss"].verdict == "safe"
    h = run(w, p, engine, model_time=True).hazards["data_loss"]
    assert (h.verdict, h.depth) == ("unsafe", 3)
    assert "wait" in h.trace


@pytest.mark.parametrize("engine", ENGINES)
def test_hazard_true_initially_has_depth_zero(engine: str) -> None:
    text = VOLUMES.replace("hazards:\n  data_loss: {volume: deleted, backup: none}",
                           "hazards:\n  no_backup: {backup: none}")
    w = world(text)
    h = run(w, policy(w, "policy: p\ndefault: deny\n"), engine).hazards["no_backup"]
    assert (h.verdict, h.depth, h.trace) == ("unsafe", 0, [])


def test_bound_gives_unknown_with_the_bound() -> None:
    w = world()
    h = run(w, policy(w, None), "explicit", bound=2).hazards["data_loss"]
    assert (h.verdict, h.bound) == ("unknown", 2)
    h = run(w, policy(w, None), "smt", bound=2).hazards["data_loss"]
    assert (h.verdict, h.bound) == ("unknown", 2)
    assert "reachable" in (h.proof or "")


def test_counter_rules_are_exact_under_saturation() -> None:
    """A `when` late in the session: saturation at the literal must not change the answer."""
    w = world()
    p = policy(w, 'policy: p\nrules:\n  - match: {kind: delete}\n    when: "actions < 5"\n'
                  '    decision: deny\n')
    for engine in ENGINES:
        h = run(w, p, engine).hazards["data_loss"]
        assert (h.verdict, h.depth) == ("unsafe", 6), engine


def test_replay_rejects_a_trace_decide_does_not_allow() -> None:
    w = world()
    p = policy(w, "policy: p\nforbidden:\n  - [list_volumes, unmount_volume]\n")
    with pytest.raises(ReplayError, match="deny"):
        replay(w, p, ["list_volumes", "unmount_volume"])
    with pytest.raises(ReplayError, match="needs"):
        replay(w, p, ["unmount_volume"], Options(knowledge="discover"))
    with pytest.raises(ReplayError, match="outside hazard"):
        replay(w, p, ["list_volumes"], hazard="data_loss")


def test_subagents_cannot_split_a_forbidden_pair_across_sessions() -> None:
    """SPEC §3: a child's call is decided against its parent too, whose history holds the pair
    (the old checker answered `list_volumes, spawn, child1:unmount_volume` here)."""
    w = world()
    p = policy(w, "policy: p\nbudget: {window_minutes: 10, max_actions: 6}\nsubagents: {max_budget: 3}\n"
                  "forbidden:\n  - {first: list_volumes, then: unmount_volume, within: 10}\n")
    assert run(w, p).hazards["data_loss"].verdict == "safe"
    for n in (1, 2):
        h = run(w, p, subagents=n).hazards["data_loss"]
        assert h.verdict == "safe" and h.engine == "explicit"
    with pytest.raises(PathguardError, match="explicit engine only"):
        run(w, p, "smt", subagents=1)


def test_sub_agents_give_no_shorter_way_round_a_direct_pair() -> None:
    """`within 1` is broken by any call in between, in the tree as in one session: the shortest
    counterexample stays the padded one, with or without children."""
    w = world()
    p = policy(w, "policy: p\nsubagents: {max_budget: 3}\n"
                  "forbidden:\n  - {first: list_volumes, then: unmount_volume}\n")
    for n in (0, 2):
        h = run(w, p, subagents=n).hazards["data_loss"]
        assert h.trace == ["list_volumes", "get_status", "unmount_volume", "delete_volume"]


def test_a_childs_budget_is_counted_in_its_parent() -> None:
    """Children add no actions to the tree: `max_actions: 2` for the root bounds the whole tree."""
    w = world()
    p = policy(w, "policy: p\nbudget: {window_minutes: 10, max_actions: 2}\nsubagents: {max_budget: 3}\n")
    for n in (0, 1, 2):
        assert run(w, p, subagents=n).hazards["data_loss"].verdict == "safe"  # needs 3 calls


def test_known_limit_counters_compared_with_counters_are_not_saturated() -> None:
    """`reads > writes` keeps both counters exact: without `max_actions` the explicit state
    space is infinite, so the explicit engine can only answer `unknown` at its limit."""
    w = world()
    p = policy(w, 'policy: p\nrules:\n  - match: {kind: delete}\n    when: "reads > writes"\n'
                  '    decision: deny\n')
    result = run(w, p, "explicit", max_states=2000)
    assert any("not saturated: reads, writes" in r for r in result.reductions)
    h = result.hazards["data_loss"]
    assert (h.verdict, h.depth) == ("unsafe", 3)
    safe_world = world(VOLUMES.replace("data_loss: {volume: deleted, backup: none}",
                                       "data_loss: {volume: deleted, backup: taken}"))
    p = policy(safe_world, 'policy: p\nrules:\n  - match: {kind: delete}\n    when: "reads >= writes"\n'
                           '    decision: deny\n  - match: {endpoint: take_backup}\n    decision: deny\n')
    h = run(safe_world, p, "explicit", max_states=2000).hazards["data_loss"]
    assert h.verdict == "unknown"
    assert "state limit 2,000" in (h.proof or "") and h.limit == "state limit 2,000 (--max-states)"
    h = run(safe_world, p, "smt").hazards["data_loss"]
    assert (h.verdict, h.engine) == ("safe", "smt (spacer)")
    h = run(safe_world, p, "auto", max_states=2000).hazards["data_loss"]  # take_backup never runs
    assert (h.verdict, h.engine) == ("safe", "static")
    assert h.proof == "static: backup=taken is never set (`take_backup`: rule 2: deny)"
