"""The operations a fuzz run issues, as plain values: what a hostile host can do to a guard.

An operation names its session by index (`who`: 0 is the root, then the
sub-agents in the order they were spawned, taken modulo how many exist, so
every sequence stays meaningful after the shrinker deletes a step; a close
alone names its session exactly, and does nothing if there is no such one) and a
request by its age (`request`: 0 is the newest request the run opened).
Parameters come from a small fixed table (`PARAMS`), so that retries and
grants meet the exact call they were made for, and so that the hostile ones
(a NaN, an integer key) have a name in the JSON trace.

Kinds: `call` (a session checks a call), `retry` (the exact call of a
request again), `spawn` (a session starts a sub-agent asking for `budget`
actions), `wait` (the clock moves `seconds`), `grant` and `deny` (a
principal decides a request: `by` is the policy's approver with its key, the
`tree` principal, a name that reads as the root agent, or an `impostor` that
signs with a key the keyring does not hold), `forge` (the agent writes an
unsigned grant into the store itself) and `close` (the host ends a session).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

OpKind = Literal["call", "retry", "spawn", "wait", "grant", "deny", "forge", "close"]
Principal = Literal["approver", "tree", "impostor"]
KINDS: tuple[OpKind, ...] = ("call", "retry", "spawn", "wait", "grant", "deny", "forge", "close")
PRINCIPALS: tuple[Principal, ...] = ("approver", "tree", "impostor")

PARAMS: dict[str, dict[Any, Any]] = {
    "none": {},
    "id1": {"id": "vol-1"},
    "id2": {"id": "vol-2"},
    "n3": {"n": 3, "tags": ["a", "b"]},
    "nan": {"n": math.nan},  # refused: no JSON spelling
    "int-key": {1: "x"},  # refused: a grant for {"1": ...} must never serve {1: ...}
}
"""Parameter sets by name; the last two are refused before anything is counted (SPEC §3)."""


@dataclass(frozen=True, slots=True)
class Op:
    """One operation; only the fields its kind reads are meaningful (see the module doc)."""

    op: OpKind
    who: int = 0
    endpoint: str = ""
    params: str = "none"
    budget: int = 0
    seconds: float = 0.0
    request: int = 0
    by: Principal = "approver"

    def to_json(self) -> dict[str, Any]:
        """The fields this kind reads, for the JSON trace."""
        out: dict[str, Any] = {"op": self.op}
        if self.op in ("call", "spawn", "close"):
            out["who"] = self.who
        if self.op == "call":
            out |= {"endpoint": self.endpoint, "params": self.params}
        elif self.op == "spawn":
            out["budget"] = self.budget
        elif self.op == "wait":
            out["seconds"] = self.seconds
        elif self.op in ("retry", "grant", "deny", "forge"):
            out["request"] = self.request
        if self.op == "grant":
            out["by"] = self.by
        return out


def session_label(index: int) -> str:
    """`root`, `child1`, `child2`, ... (children numbered in spawn order, as the checker does)."""
    return "root" if index == 0 else f"child{index}"


def params_text(name: str) -> str:
    if name == "none":
        return "()"
    return "(" + ", ".join(f"{k!r}: {v!r}" for k, v in PARAMS[name].items()) + ")"


def seconds_text(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{seconds / 60:g} min"
    return f"{seconds:g} s"
