"""Bounded model checking: unroll the transition relation one depth at a time.

One solver for the whole run: the unrolling is asserted once per depth and
each hazard is checked under `push`/`pop`, so depth k reuses everything
learnt at depths below it. Depths are tried in order, so the first model found
is a shortest counterexample (fewest calls: under --model-time a step is an
optional `wait` followed by one call).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any

import z3

from pathguard.modelcheck.limits import Budget
from pathguard.modelcheck.smt.encoding import Encoding
from pathguard.modelcheck.system import WAIT


class Unrolling:
    """States s0..sk and actions a0..a(k-1) asserted in one incremental solver."""

    def __init__(self, enc: Encoding, timeout_ms: int | None = None) -> None:
        self.enc = enc
        self.solver = z3.SolverFor("QF_LIA")
        if timeout_ms:
            self.solver.set("timeout", timeout_ms)
        self.states = [enc.state("0")]
        self.actions: list[Any] = []
        self.waits: list[Any] = []
        self.solver.add(enc.initial(self.states[0]))
        self.seconds: list[float] = []

    @property
    def depth(self) -> int:
        return len(self.actions)

    def extend(self) -> None:
        started = time.perf_counter()
        k = self.depth
        a, w = z3.Int(f"a@{k}"), z3.Bool(f"wait@{k}")
        t = self.enc.state(str(k + 1))
        self.solver.add(self.enc.transition(self.states[-1], a, t, w))
        self.actions.append(a)
        self.waits.append(w)
        self.states.append(t)
        self.seconds.append(time.perf_counter() - started)

    def query(self, goal: Callable[[list[Any]], Any]) -> tuple[z3.CheckSatResult, list[str] | None]:
        """Is `goal` satisfiable at the last state? With the calls of a model if so."""
        self.solver.push()
        self.solver.add(goal(self.states[-1]))
        result = self.solver.check()
        codes = None
        if result == z3.sat:
            model = self.solver.model()
            names = self.enc.policy.endpoint_names
            codes = []
            for a, w in zip(self.actions, self.waits, strict=True):
                if self.enc.options.model_time and z3.is_true(model.eval(w, model_completion=True)):
                    codes.append(WAIT)
                codes.append(names[model.eval(a, model_completion=True).as_long()])
        self.solver.pop()
        return result, codes


Goal = Callable[[list[Any]], Any]


def bmc(enc: Encoding, goals: Mapping[str, Goal], bound: int, timeout_ms: int | None = 60_000,
        budget: Budget | None = None
        ) -> tuple[dict[str, list[str]], dict[str, tuple[int, str]], int, list[float]]:
    """Shortest call sequences reaching a state where each goal holds within `bound` calls; goals
    z3 could not decide (`unknown`) with the depth and z3's reason; the last depth checked;
    seconds per depth. Each query gets `timeout_ms`; a timeout is z3 `unknown`, never a proof.
    Deepening stops early when `budget` meets a limit (the depth reached is then the bound)."""
    hazards = list(goals)
    unroll = Unrolling(enc, timeout_ms)
    found: dict[str, list[str]] = {}
    undecided: dict[str, tuple[int, str]] = {}
    per_depth: list[float] = []
    checked = -1
    for k in range(bound + 1):
        if budget is not None and k and budget.over():
            break
        started = time.perf_counter()
        if k:
            unroll.extend()
        for name in hazards:
            if name in found or name in undecided:
                continue
            result, codes = unroll.query(goals[name])
            if result == z3.sat:
                assert codes is not None
                found[name] = codes
            elif result == z3.unknown:
                undecided[name] = (k, unroll.solver.reason_unknown())
        per_depth.append(time.perf_counter() - started)
        checked = k
        if all(n in found or n in undecided for n in hazards):
            break
    return found, undecided, checked, per_depth
