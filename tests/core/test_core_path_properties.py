"""Property tests: the path enumerator and verdicts against independent brute force."""

from __future__ import annotations

import itertools
from typing import Any

from core_strategies import dump, policies, rules, worlds
from corekit import policy_of, world_of
from hypothesis import given
from hypothesis import strategies as st

from pathguard.analysis import PathOptions, analyze
from pathguard.graph.verdicts import path_verdict
from pathguard.policy.compile import allow_everything
from pathguard.semantics.decide import decide
from pathguard.semantics.effect import Effect
from pathguard.semantics.session import SessionState, executed


def brute_force_paths(world: dict[str, Any], max_length: int | None = None) -> set[tuple[str, ...]]:
    """Every sequence of distinct endpoints that is a SPEC §4 path, by trying them all."""
    eps = world["endpoints"]
    names = list(eps)

    def values(x: Any) -> set[str]:
        return {str(v) for v in (x if isinstance(x, list) else [x])}

    def edge(e: str, f: str) -> bool:
        if e == f:
            return False
        if set(eps[e].get("produces", [])) & set(eps[f].get("needs", [])):
            return True
        when_f = eps[f].get("when", {})
        return any(v in when_f and str(x) in values(when_f[v]) for v, x in eps[e].get("sets", {}).items())

    def target(e: str) -> bool:
        return eps[e]["kind"] == "delete" or eps[e].get("reversible", eps[e]["kind"] != "delete") is False

    # SPEC §4: needs all known at the start under discovery (produced by nobody, not secret)
    produced = {f for e in eps.values() for f in e.get("produces", [])} | set(world.get("secret", []))
    entries = world.get("entry") or [n for n in names if not set(eps[n].get("needs", [])) & produced]
    found = set()
    for k in range(1, len(names) + 1):
        if max_length is not None and k > max_length:
            break
        for seq in itertools.permutations(names, k):
            if (seq[0] in entries and target(seq[-1]) and not any(target(x) for x in seq[:-1])
                    and all(edge(a, b) for a, b in itertools.pairwise(seq))):
                found.add(seq)
    return found


@given(worlds(), st.one_of(st.none(), st.integers(1, 4)))
def test_enumerator_matches_brute_force(world_data, max_length):
    world = world_of(dump(world_data))
    result = analyze(world, None, PathOptions(max_length=max_length))
    listed = [tuple(p.calls) for p in result.document.path_list]
    expected = brute_force_paths(world_data, max_length)
    assert set(listed) == expected
    assert len(listed) == len(expected) == result.document.paths.total
    assert [len(p) for p in listed] == sorted(len(p) for p in listed)  # shortest first
    longer = brute_force_paths(world_data) - expected
    assert result.document.paths.complete == (not longer)


@given(worlds())
def test_without_a_policy_every_path_is_open(world_data):
    doc = analyze(world_of(dump(world_data)), None).document
    assert doc.paths.open == doc.paths.total
    assert all(p.verdict == "open" and p.step is None for p in doc.path_list)


def walk(world, policy, calls):
    """Independent verdict oracle: decide() call by call from a fresh root session."""
    state = SessionState.root(policy)
    for i, call in enumerate(calls):
        d = decide(world, policy, state, call)
        if d.effect is not Effect.ALLOW:
            return ("blocked" if d.effect is Effect.DENY else "gated"), i
        state = executed(policy, state, policy.plans[call])
    return "open", None


@given(st.data())
def test_verdicts_match_a_step_by_step_walk(data):
    world_data = data.draw(worlds())
    world = world_of(dump(world_data))
    policy = policy_of(dump(data.draw(policies(world_data))), world)
    doc = analyze(world, policy).document
    for path in doc.path_list:
        assert (path.verdict, path.step) == walk(world, policy, path.calls)
    assert doc.paths.blocked + doc.paths.gated + doc.paths.open == doc.paths.total


@given(st.data())
def test_adding_a_deny_rule_never_opens_a_path(data):
    world_data = data.draw(worlds())
    world = world_of(dump(world_data))
    policy_data = data.draw(policies(world_data))
    stricter = dict(policy_data, rules=[*policy_data["rules"],
                                        data.draw(rules(sorted(world_data["endpoints"]), ["deny"]))])
    before = policy_of(dump(policy_data), world)
    after = policy_of(dump(stricter), world)
    for path in analyze(world, before).document.path_list:
        if path.verdict != "open":
            assert path_verdict(world, after, path.calls).verdict != "open"


LAYERS = ("rules", "critical", "budget", "forbidden")


@given(st.data())
def test_decision_is_the_most_restrictive_of_the_layers(data):
    """decide() on the whole policy equals the max of decide() on each layer alone."""
    world_data = data.draw(worlds())
    world = world_of(dump(world_data))
    policy_data = data.draw(policies(world_data))
    whole = policy_of(dump(policy_data), world)
    alone = []
    for layer in LAYERS:
        part = {"policy": layer, **({layer: policy_data[layer]} if layer in policy_data else {})}
        if layer == "rules":  # `critical` in a `when` counts the calls the critical list names
            part["default"] = policy_data["default"]
            part["critical"] = policy_data.get("critical", [])
        if layer == "critical" and "budget" in policy_data:
            part["budget"] = {k: v for k, v in policy_data["budget"].items() if k == "max_critical"}
        if layer == "budget":
            part["budget"] = {k: v for k, v in policy_data.get("budget", {}).items() if k != "max_critical"}
        alone.append(policy_of(dump(part), world))
    names = sorted(world_data["endpoints"])
    history = data.draw(st.lists(st.sampled_from(names), max_size=5))
    call = data.draw(st.sampled_from(names))
    review = data.draw(st.booleans())

    def state_for(policy):
        state = SessionState.root(policy)
        for h in history:
            state = executed(policy, state, policy.plans[h])
        return state._replace(review=review)

    expected = max(decide(world, p, state_for(p), call).effect for p in alone)
    if review and world.by_name[call].kind != "read":
        expected = max(expected, Effect.APPROVAL)
    closed = state_for(whole).closed
    assert decide(world, whole, state_for(whole), call).effect == (Effect.DENY if closed else expected)


def test_allow_everything_allows_everything():
    world = world_of()
    policy = allow_everything(world)
    state = SessionState.root(policy)
    for e in world.endpoints:
        assert decide(world, policy, state, e.name).effect is Effect.ALLOW
