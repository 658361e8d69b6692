"""Random small models, policies and operation sequences for the differential tests.

Worlds and policies are `pathguard.testing`'s (2–4 endpoints over two variables;
every layer the static analyses model: rules with `when`, critical calls,
budgets over a one-minute window, forbidden entries with `within` and both
decisions, a sub-agent budget). The operations, written for these tests alone,
are what a hostile host might issue: calls with parameters from any session of
the tree, spawns, grants and denials by an approver, retries, clock steps
inside and across the window, and closes.
"""

from __future__ import annotations

from dataclasses import dataclass

from hypothesis import strategies as st

from pathguard.model.load import world_from_document
from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy
from pathguard.policy.load import policy_from_document
from pathguard.source import parse_yaml
from pathguard.testing.strategies import policy_texts, world_texts

__all__ = ["WINDOW_SECONDS", "Op", "load", "operations", "policy_texts", "world_texts"]

WINDOW_SECONDS = 60


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
