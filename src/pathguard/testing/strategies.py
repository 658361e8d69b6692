"""Hypothesis strategies for tests of policies and of code around a guard.

`worlds()` and `policies(world)` draw small, valid models and policies (for
library authors testing analyses); `calls(world)` a call with JSON
parameters; `sessions(policy)` a session state some sequence of calls
reaches; `operation_sequences` (from `pathguard.fuzz`) what `pathguard fuzz`
drives a guard with.
"""

from __future__ import annotations

from typing import Any, NamedTuple

import yaml
from hypothesis import strategies as st

from pathguard.fuzz.strategies import operation_sequences
from pathguard.model.load import world_from_document
from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy
from pathguard.policy.load import policy_from_document
from pathguard.semantics.session import SessionState, executed
from pathguard.source import parse_yaml

__all__ = ["Call", "calls", "operation_sequences", "policies", "sessions", "worlds"]

VARIABLES = {"x": ["x0", "x1", "x2"], "y": ["y0", "y1"]}
FACTS = ["f0", "f1"]
WHENS = ["actions > 1", "same_resource_reads >= 1", "writes < 2", "last == 'e0'", "same_endpoint >= 1",
         "deletes == 0 or reads >= 2", "not (critical > 0)", "depth > 0", "actions >= 3 and depth == 0"]


class Call(NamedTuple):
    endpoint: str
    params: dict[str, Any]


@st.composite
def world_texts(draw: st.DrawFn, max_endpoints: int = 4, reachable: bool = False) -> str:
    """`endpoints.yaml` text of 2 to `max_endpoints` endpoints over two variables, with two hazards;
    with `reachable`, `e1` reveals what `e0` needs and `e0` sets `x2`, so `h0` is reachable without
    a policy (for tests that want counterexamples)."""
    endpoints: dict[str, Any] = {}
    for i in range(draw(st.integers(2, max(2, max_endpoints)))):
        ep: dict[str, Any] = {"kind": draw(st.sampled_from(["read", "write", "delete"])),
                              "resource": draw(st.sampled_from(["r0", "r1"])),
                              "needs": draw(st.lists(st.sampled_from(FACTS), unique=True, max_size=1)),
                              "produces": draw(st.lists(st.sampled_from(FACTS), unique=True, max_size=2))}
        if draw(st.booleans()):
            var = draw(st.sampled_from(sorted(VARIABLES)))
            ep["when"] = {var: draw(st.lists(st.sampled_from(VARIABLES[var]), unique=True, min_size=1))}
        if draw(st.booleans()):
            var = draw(st.sampled_from(sorted(VARIABLES)))
            ep["sets"] = {var: draw(st.sampled_from(VARIABLES[var]))}
        endpoints[f"e{i}"] = ep
    if reachable:
        endpoints["e0"].update(needs=["f0"], sets={"x": "x2"}, when={"x": ["x0", "x1"]})
        endpoints["e1"].update(produces=["f0"], needs=[])
    hazards = {"h0": {"x": "x2"}, "h1": {"x": draw(st.sampled_from(VARIABLES["x"])), "y": "y1"}}
    return yaml.safe_dump({"system": "generated",
                           "state": {v: {"values": vs, "initial": vs[0]} for v, vs in VARIABLES.items()},
                           "endpoints": endpoints, "hazards": hazards}, sort_keys=False)


def worlds(max_endpoints: int = 4) -> st.SearchStrategy[World]:
    """Small valid world models (`e0`, `e1`, ...; variables `x`, `y`; hazards `h0`, `h1`)."""
    return world_texts(max_endpoints).map(
        lambda text: world_from_document(parse_yaml(text, "endpoints.yaml")))


@st.composite
def policy_texts(draw: st.DrawFn, names: list[str], subagents: bool = True, permissive: bool = False) -> str:
    """`policy.yaml` text with every layer the analyses model, for endpoints `names`; with
    `permissive`, the default allows and nothing is critical, so most hazards stay reachable."""
    defaults = ["allow"] if permissive else ["allow", "allow", "approval", "deny"]
    p: dict[str, Any] = {"policy": "generated", "default": draw(st.sampled_from(defaults)),
                         "critical": draw(st.lists(st.sampled_from(names), unique=True,
                                                   max_size=0 if permissive else 2))}
    rules = []
    for _ in range(draw(st.integers(0, 2))):
        rule: dict[str, Any] = {"match": draw(st.sampled_from(
            [{"kind": "write"}, {"kind": "delete"}, {"endpoint": draw(st.sampled_from(names))}, {}])),
            "decision": draw(st.sampled_from(["allow", "approval", "deny"]))}
        if draw(st.booleans()):
            rule["when"] = draw(st.sampled_from(WHENS))
        rules.append(rule)
    p["rules"] = rules
    budget: dict[str, Any] = {"window_minutes": 1}
    for key, high in (("max_actions", 8), ("max_writes", 4), ("max_critical", 2)):
        if draw(st.booleans()):
            budget[key] = draw(st.integers(0, high))
    if ("max_actions" in budget or "max_writes" in budget) and draw(st.booleans()):
        budget["read_only_at"] = draw(st.sampled_from([0.5, 0.75, 1]))
    p["budget"] = budget
    p["forbidden"] = [{"first": draw(st.sampled_from(names)), "then": draw(st.sampled_from(names)),
                       "within": draw(st.integers(1, 3)),
                       "decision": draw(st.sampled_from(["deny", "approval"]))}
                      for _ in range(draw(st.integers(0, 2)))]
    if subagents and draw(st.booleans()):
        p["subagents"] = {"max_budget": draw(st.integers(1, 5))}
    return yaml.safe_dump(p, sort_keys=False)


def policies(world: World, subagents: bool = True) -> st.SearchStrategy[CompiledPolicy]:
    """Valid policies for `world`: rules with `when`, critical calls, a one-minute budget, forbidden
    entries of both decisions and, with `subagents`, a sub-agent budget."""
    return policy_texts(list(world.names), subagents).map(
        lambda text: policy_from_document(parse_yaml(text, "policy.yaml"), world))


def calls(world: World) -> st.SearchStrategy[Call]:
    """A call of one of `world`'s endpoints with JSON parameters (text without NUL or lone
    surrogates, which no store can keep and the runtime refuses)."""
    text = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12)
    values = st.one_of(st.none(), st.booleans(), st.integers(-1000, 1000), text)
    params = st.dictionaries(st.sampled_from(["id", "name", "n", "force"]), values, max_size=3)
    return st.builds(Call, st.sampled_from(world.names), params)


def sessions(policy: CompiledPolicy, max_calls: int = 12) -> st.SearchStrategy[SessionState]:
    """Session states of a root session under `policy` after some calls ran (one window)."""
    names = list(policy.endpoint_names)

    def run(sequence: list[str]) -> SessionState:
        state = SessionState.root(policy)
        for name in sequence:
            state = executed(policy, state, policy.plans[name])
        return state

    return st.lists(st.sampled_from(names), max_size=max_calls).map(run)
