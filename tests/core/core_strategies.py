"""Hypothesis strategies: small random world models and policies, as YAML-ready dicts."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import strategies as st

FACTS = ["a_id", "b_id", "c_id"]
VALUES = ["v0", "v1", "v2"]
KINDS = ["read", "write", "delete"]
RESOURCES = ["r1", "r2"]


@st.composite
def worlds(draw: st.DrawFn, max_endpoints: int = 6) -> dict[str, Any]:
    n = draw(st.integers(2, max_endpoints))
    endpoints: dict[str, Any] = {}
    for i in range(n):
        ep: dict[str, Any] = {
            "kind": draw(st.sampled_from(KINDS)),
            "resource": draw(st.sampled_from(RESOURCES)),
            "needs": draw(st.lists(st.sampled_from(FACTS), max_size=2, unique=True)),
            "produces": draw(st.lists(st.sampled_from(FACTS), max_size=2, unique=True)),
        }
        if draw(st.booleans()):
            ep["when"] = {"s": draw(st.lists(st.sampled_from(VALUES), min_size=1, max_size=2, unique=True))}
        if draw(st.booleans()):
            ep["sets"] = {"s": draw(st.sampled_from(VALUES))}
        if draw(st.integers(0, 4)) == 0:
            ep["reversible"] = draw(st.booleans())
        endpoints[f"e{i}"] = ep
    world: dict[str, Any] = {
        "system": "random",
        "state": {"s": {"values": VALUES, "initial": draw(st.sampled_from(VALUES))}},
        "endpoints": endpoints,
        "hazards": {"h": {"s": draw(st.sampled_from(VALUES))}},
    }
    if draw(st.booleans()):
        world["entry"] = draw(st.lists(st.sampled_from(sorted(endpoints)), min_size=1, max_size=2, unique=True))
    return world


CONDITIONS = ["actions > 1", "same_resource_reads >= 1", "writes == 0", "last == 'e0'",
              "reads >= 1 and actions > 2", "not (deletes > 0)", "same_endpoint >= 1", "critical > 0"]


@st.composite
def rules(draw: st.DrawFn, names: list[str], decisions: list[str] | None = None) -> dict[str, Any]:
    match: dict[str, Any] = {}
    choice = draw(st.integers(0, 3))
    if choice == 1:
        match["endpoint"] = draw(st.sampled_from(names))
    elif choice == 2:
        match["kind"] = draw(st.sampled_from(KINDS))
    elif choice == 3:
        match["resource"] = draw(st.sampled_from(RESOURCES))
    rule: dict[str, Any] = {"match": match,
                            "decision": draw(st.sampled_from(decisions or ["allow", "deny", "approval"]))}
    if draw(st.booleans()):
        rule["when"] = draw(st.sampled_from(CONDITIONS))
    return rule


@st.composite
def policies(draw: st.DrawFn, world: dict[str, Any]) -> dict[str, Any]:
    names = sorted(world["endpoints"])
    policy: dict[str, Any] = {
        "policy": "random",
        "default": draw(st.sampled_from(["allow", "allow", "deny", "approval"])),
        "rules": draw(st.lists(rules(names), max_size=3)),
    }
    if draw(st.booleans()):
        policy["critical"] = draw(st.lists(st.sampled_from(names), max_size=2, unique=True))
    if draw(st.booleans()):
        budget: dict[str, Any] = {}
        for key, hi in (("max_actions", 5), ("max_writes", 3), ("max_critical", 2)):
            if draw(st.booleans()):
                budget[key] = draw(st.integers(0, hi))
        if ("max_actions" in budget or "max_writes" in budget) and draw(st.booleans()):
            budget["read_only_at"] = draw(st.sampled_from([0.5, 0.8, 1]))
        policy["budget"] = budget
    forbidden = []
    for _ in range(draw(st.integers(0, 2))):
        first, then = draw(st.sampled_from(names)), draw(st.sampled_from(names))
        if draw(st.booleans()):
            forbidden.append([first, then])
        else:
            forbidden.append({"first": first, "then": then, "within": draw(st.integers(1, 3)),
                              "decision": draw(st.sampled_from(["deny", "approval"]))})
    policy["forbidden"] = forbidden
    return policy


def dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False)
