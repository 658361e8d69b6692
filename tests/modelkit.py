"""Random small models, policies and operation sequences for the differential tests.

Written for these tests alone: worlds of 2–4 endpoints over two variables,
policies with every layer the static analyses model (rules with `when`,
critical calls, budgets over a one-minute window, forbidden entries with
`within` and both decisions, a sub-agent budget), and operations a hostile
host might issue: calls with parameters from any session of the tree, spawns,
grants and denials by an approver, retries, clock steps inside and across the
window, and closes.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import yaml
from hypothesis import strategies as st

from pathguard.model.load import world_from_document
from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy
from pathguard.policy.load import policy_from_document
from pathguard.source import parse_yaml

VARS = {"x": ["x0", "x1", "x2"], "y": ["y0", "y1"]}
FACTS = ["f0", "f1"]
WHENS = ["actions > 1", "same_resource_reads >= 1", "writes < 2", "last == 'e0'", "same_endpoint >= 1",
         "deletes == 0 or reads >= 2", "not (critical > 0)", "depth > 0", "actions >= 3 and depth == 0"]
WINDOW_SECONDS = 60


@st.composite
def world_texts(draw: st.DrawFn, reachable: bool = False) -> str:
    """`reachable`: some endpoint sets `x2`, so hazard `h0` is reachable without a policy."""
    endpoints: dict[str, Any] = {}
    for i in range(draw(st.integers(2, 4))):
        ep: dict[str, Any] = {"kind": draw(st.sampled_from(["read", "write", "delete"])),
                              "resource": draw(st.sampled_from(["r0", "r1"])),
                              "needs": draw(st.lists(st.sampled_from(FACTS), unique=True, max_size=1)),
                              "produces": draw(st.lists(st.sampled_from(FACTS), unique=True, max_size=2))}
        if draw(st.booleans()):
            var = draw(st.sampled_from(sorted(VARS)))
            ep["when"] = {var: draw(st.lists(st.sampled_from(VARS[var]), unique=True, min_size=1))}
        if draw(st.booleans()):
            var = draw(st.sampled_from(sorted(VARS)))
            ep["sets"] = {var: draw(st.sampled_from(VARS[var]))}
        endpoints[f"e{i}"] = ep
    if reachable:  # e1 reveals what e0 needs, e0 reaches h0
        endpoints["e0"].update(needs=["f0"], sets={"x": "x2"}, when={"x": ["x0", "x1"]})
        endpoints["e1"].update(produces=["f0"], needs=[])
    hazards = {"h0": {"x": "x2"}, "h1": {"x": draw(st.sampled_from(VARS["x"])), "y": "y1"}}
    return yaml.safe_dump({"system": "random",
                           "state": {v: {"values": vals, "initial": vals[0]} for v, vals in VARS.items()},
                           "endpoints": endpoints, "hazards": hazards}, sort_keys=False)


@st.composite
def policy_texts(draw: st.DrawFn, names: list[str], subagents: bool = True, permissive: bool = False) -> str:
    """`permissive`: the default allows, so most hazards stay reachable (for counterexamples)."""
    defaults = ["allow"] if permissive else ["allow", "allow", "allow", "approval", "deny"]
    p: dict[str, Any] = {"policy": "random", "default": draw(st.sampled_from(defaults)),
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
    for key, hi in (("max_actions", 8), ("max_writes", 4), ("max_critical", 2)):
        if draw(st.booleans()):
            budget[key] = draw(st.integers(0, hi))
    if ("max_actions" in budget or "max_writes" in budget) and draw(st.booleans()):
        budget["read_only_at"] = draw(st.sampled_from([0.5, 0.75, 1]))
    p["budget"] = budget
    p["forbidden"] = [{"first": draw(st.sampled_from(names)), "then": draw(st.sampled_from(names)),
                       "within": draw(st.integers(1, 3)), "decision": draw(st.sampled_from(["deny", "approval"]))}
                      for _ in range(draw(st.integers(0, 2)))]
    if subagents and draw(st.booleans()):
        p["subagents"] = {"max_budget": draw(st.integers(1, 5))}
    return yaml.safe_dump(p, sort_keys=False)


def load(world_text: str, policy_text: str) -> tuple[World, CompiledPolicy]:
    world = world_from_document(parse_yaml(world_text, "endpoints.yaml"))
    return world, policy_from_document(parse_yaml(policy_text, "policy.yaml"), world)


@dataclass(frozen=True)
class Op:
    """One thing the host does: `call` (who, endpoint, params), `spawn` (who, budget), `grant`,
    `deny` (the newest pending request), `retry` (the newest call that waited), `tick` (a second),
    `wait` (past the window) or `close` (who)."""

    kind: str
    who: int = 0
    endpoint: str = ""
    params: tuple[tuple[str, int], ...] = ()
    budget: int = 0


@st.composite
def operations(draw: st.DrawFn, names: list[str], max_ops: int = 60) -> list[Op]:
    ops: list[Op] = []
    for _ in range(draw(st.integers(max_ops // 4, max_ops))):
        kind = draw(st.sampled_from(["call"] * 14 + ["spawn", "grant", "grant", "deny", "retry", "retry",
                                                     "tick", "wait", "close"]))
        who = draw(st.integers(0, 3))
        if kind == "call":
            params = tuple(sorted(draw(st.dictionaries(st.sampled_from(["id", "n"]), st.integers(0, 2),
                                                       max_size=2)).items()))
            ops.append(Op(kind, who, draw(st.sampled_from(names)), params))
        elif kind == "spawn":
            ops.append(Op(kind, who, budget=draw(st.integers(1, 6))))
        else:
            ops.append(Op(kind, who))
    return ops
