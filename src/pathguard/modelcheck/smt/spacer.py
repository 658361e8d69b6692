"""An unbounded proof of `safe` with z3's Spacer engine (constrained Horn clauses).

The clauses say: the initial state is in Inv; Inv is closed under the
transition relation; no state in Inv is a hazard. `sat` means Spacer found an
inductive invariant: the hazard is unreachable for sessions of any length.
`unsat` means reachable (BMC then gives the trace, if within its bound);
`unknown` or a timeout proves nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import z3

from pathguard.modelcheck.smt.encoding import Encoding

Outcome = Literal["safe", "reachable", "unknown"]


def spacer_prove(enc: Encoding, goal: Callable[[list[Any]], Any], timeout_ms: int = 30_000
                 ) -> tuple[Outcome, str]:
    """Try to prove no reachable state satisfies `goal`; the outcome and what z3 answered."""
    inv = z3.Function("Inv", *enc.sorts(), z3.BoolSort())
    s, t = enc.state("s"), enc.state("t")
    a, w = z3.Int("a"), z3.Bool("wait")
    solver = z3.SolverFor("HORN")
    solver.set("timeout", timeout_ms)
    solver.add(z3.ForAll(s, z3.Implies(enc.initial(s), inv(*s))))
    solver.add(z3.ForAll([*s, a, w, *t],
                         z3.Implies(z3.And(inv(*s), enc.transition(s, a, t, w)), inv(*t))))
    solver.add(z3.ForAll(s, z3.Implies(z3.And(inv(*s), goal(s)), z3.BoolVal(False))))
    result = solver.check()
    if result == z3.sat:
        return "safe", "spacer (CHC): inductive invariant found"
    if result == z3.unsat:
        return "reachable", "spacer (CHC): the hazard is reachable"
    return "unknown", f"spacer (CHC): unknown ({solver.reason_unknown()})"
