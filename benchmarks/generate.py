"""Deterministic synthetic world models shaped like imported REST APIs (for benchmarks)."""

from __future__ import annotations

import random
from typing import Any

import yaml


def rest_world(endpoints: int = 1000, fanout: int = 3, seed: int = 7) -> dict[str, Any]:
    """`endpoints // 5` resources, each with list/get/update/action/delete operations.

    `get_R` reveals the ids of `fanout` other resources (nested objects), so paths chain
    through gets the way they do in real APIs; `action_R` flips a lifecycle state that
    `delete_R` requires.
    """
    rng = random.Random(seed)
    count = endpoints // 5
    names = [f"res{i:04d}" for i in range(count)]
    state = {f"{r}_state": {"values": ["active", "stopped"], "initial": "active"} for r in names}
    eps: dict[str, Any] = {}
    for r in names:
        others = rng.sample([n for n in names if n != r], fanout)
        eps[f"list_{r}"] = {"kind": "read", "resource": r, "produces": [f"{r}_id"],
                            "description": f"List every {r}"}
        eps[f"get_{r}"] = {"kind": "read", "resource": r, "needs": [f"{r}_id"],
                           "produces": [f"{o}_id" for o in others], "description": f"Show one {r}"}
        eps[f"update_{r}"] = {"kind": "write", "resource": r, "needs": [f"{r}_id"],
                              "description": f"Change the settings of a {r}"}
        eps[f"stop_{r}"] = {"kind": "write", "resource": r, "needs": [f"{r}_id"],
                            "sets": {f"{r}_state": "stopped"}, "description": f"Stop a {r}"}
        eps[f"delete_{r}"] = {"kind": "delete", "resource": r, "needs": [f"{r}_id"],
                              "when": {f"{r}_state": "stopped"}, "description": f"Delete a {r}"}
    return {"system": f"synthetic-{endpoints}", "state": state, "endpoints": eps,
            "hazards": {f"{r}_gone": {f"{r}_state": "stopped"} for r in names[:3]}}


def dump(world: dict[str, Any]) -> str:
    return yaml.safe_dump(world, sort_keys=False)


def mesh_world(endpoints: int = 200, fanout: int = 4, seed: int = 11) -> dict[str, Any]:
    """A dense mesh: each endpoint reveals `fanout` facts that other endpoints need, one in ten is
    destructive (`delete`), one in five needs a lifecycle value another sets. Paths of up to 7
    calls number in the millions: the enumerator's cost per path shows."""
    rng = random.Random(seed)
    eps: dict[str, Any] = {}
    names = [f"op{i:03d}" for i in range(endpoints)]
    for i, name in enumerate(names):
        kind = "delete" if i % 10 == 9 else ("read" if i % 3 else "write")
        ep: dict[str, Any] = {"kind": kind, "resource": f"r{i % 7}",
                              "needs": [f"f{rng.randrange(endpoints)}"] if i >= 4 else [],
                              "produces": [f"f{rng.randrange(endpoints)}" for _ in range(fanout)]}
        if i % 5 == 4:
            ep["when"] = {"phase": "on"}
        if i % 11 == 3:
            ep["sets"] = {"phase": "on"}
        eps[name] = ep
    return {"system": f"mesh-{endpoints}", "state": {"phase": {"values": ["off", "on"], "initial": "off"}},
            "endpoints": eps, "hazards": {"switched": {"phase": "on"}}}
