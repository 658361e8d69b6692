"""`assert_policy_not_weaker` against a brute-force oracle written here from the definition.

The oracle enumerates every sequence of calls up to a length, decides each call under both
policies with `decide()` on states built with `executed()` (one root session, one window, every
approval granted), and reports the shortest sequence whose last call the new policy decides less
restrictively, having let every earlier call run. The decision procedure (a product search over
the model checker's reduced transition systems) must agree: same verdict, same shortest length.
"""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy
from pathguard.policy.load import policy_from_document
from pathguard.semantics.decide import decide
from pathguard.semantics.effect import Effect
from pathguard.semantics.session import SessionState, executed
from pathguard.source import parse_yaml
from pathguard.testing import Unsettled, assert_policy_not_weaker, find_weakening, policies, worlds
from pathguard.testing.strategies import policy_texts

RAILWAY = Path(__file__).resolve().parent.parent.parent / "models" / "railway"
DEPTH = 5


def oracle(world: World, old: CompiledPolicy, new: CompiledPolicy, depth: int) -> int | None:
    """Length of the shortest witness of at most `depth` calls, or None."""
    for length in range(1, depth + 1):
        for sequence in itertools.product(world.names, repeat=length):
            s_new, s_old = SessionState.root(new), SessionState.root(old)
            for i, call in enumerate(sequence):
                e_new = decide(world, new, s_new, call).effect
                e_old = decide(world, old, s_old, call).effect
                if e_new < e_old:
                    if i == length - 1:
                        return length
                    break
                if e_new is Effect.DENY:
                    break
                s_new = executed(new, s_new, new.plans[call])
                s_old = executed(old, s_old, old.plans[call])
    return None


def _mutated(draw: st.DrawFn, text: str) -> str:
    """The policy with one change, so that the pair differs late in a run as often as early."""
    p = yaml.safe_load(text)
    budget = p["budget"]
    change = draw(st.sampled_from(["rule", "forbidden", "budget", "default", "critical"]))
    if change == "rule" and p["rules"]:
        p["rules"].pop(draw(st.integers(0, len(p["rules"]) - 1)))
    elif change == "forbidden" and p["forbidden"]:
        entry = p["forbidden"][draw(st.integers(0, len(p["forbidden"]) - 1))]
        entry["within"] = draw(st.integers(1, 3))
    elif change == "budget":
        key = draw(st.sampled_from(["max_actions", "max_writes", "max_critical"]))
        budget[key] = max(0, budget.get(key, 3) + draw(st.sampled_from([-1, 1])))
    elif change == "default":
        p["default"] = draw(st.sampled_from(["allow", "approval", "deny"]))
    else:
        p["critical"] = p["critical"][1:]
    return yaml.safe_dump(p)


@st.composite
def pairs(draw: st.DrawFn) -> tuple[World, CompiledPolicy, CompiledPolicy]:
    world = draw(worlds(max_endpoints=3))
    if draw(st.booleans()):
        return world, draw(policies(world, subagents=False)), draw(policies(world, subagents=False))
    text = draw(policy_texts(list(world.names), subagents=False))
    old, new = (text, _mutated(draw, text)) if draw(st.booleans()) else (_mutated(draw, text), text)
    return world, *(policy_from_document(parse_yaml(t, "policy.yaml"), world) for t in (old, new))


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(pairs())
def test_the_procedure_agrees_with_the_brute_force_oracle(pair: tuple[World, CompiledPolicy, CompiledPolicy]) -> None:
    world, old, new = pair
    witness = find_weakening(world, old, new)
    shortest = oracle(world, old, new, DEPTH)
    if witness is None:
        assert shortest is None
    else:
        length = len(witness.steps) + 1
        assert (shortest == length) if length <= DEPTH else shortest is None
    assert find_weakening(world, old, old) is None  # a policy is never weaker than itself


def test_railway_policies_are_each_weaker_somewhere_than_the_other() -> None:
    endpoints = RAILWAY / "endpoints.yaml"
    pre, post = RAILWAY / "policy-pre-incident.yaml", RAILWAY / "policy-post-incident.yaml"
    with pytest.raises(AssertionError, match="the new policy is weaker: after"):
        assert_policy_not_weaker(endpoints, old=pre, new=post)  # post allows what pre's allow-list did not
    with pytest.raises(AssertionError, match="weaker"):
        assert_policy_not_weaker(endpoints, old=post, new=pre)  # pre lets a deletion run unapproved


def test_the_example_policy_is_proved_not_weaker_than_its_previous_version() -> None:
    example = RAILWAY.parent.parent / "examples" / "ci-guarded-tools"
    assert_policy_not_weaker(example / "endpoints.yaml", old=example / "policy-v1.yaml", new=example / "policy.yaml")
    with pytest.raises(AssertionError, match="weaker"):
        assert_policy_not_weaker(example / "endpoints.yaml", old=example / "policy.yaml",
                                 new=example / "policy-v1.yaml")


def test_a_search_too_large_is_unsettled_not_a_verdict() -> None:
    endpoints, post = RAILWAY / "endpoints.yaml", RAILWAY / "policy-post-incident.yaml"
    with pytest.raises(Unsettled, match="max_states"):
        assert_policy_not_weaker(endpoints, old=post, new=post, max_states=5_000)
