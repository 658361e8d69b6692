"""The SMT engine: BMC for shortest counterexamples, Spacer for unbounded proofs.

For each hazard: Spacer first tries to prove it unreachable for sessions of
any length (`safe`, proof "spacer (CHC)"); for the others BMC searches up to
the bound, and a model found is replayed through `decide()` (a failed replay
raises `ReplayError`: an internal error, never a result) and reported
`unsafe`. Anything else, z3 `unknown` included, is `unknown` with the bound
BMC reached, never `safe`.
"""

from __future__ import annotations

from functools import partial

from pathguard.model.world import World
from pathguard.modelcheck.limits import Budget
from pathguard.modelcheck.replay import replay
from pathguard.modelcheck.results import HazardResult, call_count
from pathguard.modelcheck.smt.bmc import bmc
from pathguard.modelcheck.smt.encoding import Encoding
from pathguard.modelcheck.smt.spacer import spacer_prove
from pathguard.modelcheck.system import Options
from pathguard.policy.compile import CompiledPolicy


def _bounds(name: str, undecided: dict[str, tuple[int, str]], checked: int) -> tuple[int, str]:
    """The depth up to which `name` has no counterexample, and how BMC stopped."""
    if name in undecided:
        depth, reason = undecided[name]
        return depth - 1, f"no counterexample of at most {depth - 1} calls (bmc); z3 unknown at " \
                          f"depth {depth}: {reason}"
    return checked, f"no counterexample of at most {checked} calls (bmc)"


def _timeout_ms(budget: Budget | None, share: int, ceiling_ms: int) -> int:
    """A z3 query's timeout: its share of the run's remaining time, at most `ceiling_ms`."""
    if budget is None:
        return ceiling_ms
    return max(1, min(ceiling_ms, int(budget.remaining() * 1000 / max(share, 1))))


def smt_check(world: World, policy: CompiledPolicy, hazards: list[str], *, bound: int,
              options: Options | None = None, prove: bool = True, budget: Budget | None = None,
              spacer_timeout_ms: int = 30_000) -> dict[str, HazardResult]:
    """Verdicts of the SMT engine for `hazards`: Spacer first (a proof ends the work on a
    hazard), then BMC up to `bound` for the rest, each query within the run's `budget`."""
    options = options or Options()
    enc = Encoding(world, policy, options)
    out: dict[str, HazardResult] = {}
    notes: dict[str, str] = {}
    for i, name in enumerate(hazards if prove else []):
        timeout = _timeout_ms(budget, 2 * (len(hazards) - i), spacer_timeout_ms)
        outcome, text = spacer_prove(enc, partial(enc.hazard, name=name), timeout)
        if outcome == "safe":
            out[name] = HazardResult(verdict="safe", engine="smt (spacer)", proof=text,
                                     condition=world.hazard_condition(name))
        else:
            notes[name] = text
    rest = [h for h in hazards if h not in out]
    found, undecided, checked, _ = bmc(enc, {h: partial(enc.hazard, name=h) for h in rest}, bound,
                                       _timeout_ms(budget, 1, 60_000), budget)
    limit = budget.over() if budget is not None else None
    for name in rest:
        condition = world.hazard_condition(name)
        if name in found:
            calls = found[name]
            trace = replay(world, policy, calls, options, hazard=name)
            out[name] = HazardResult(verdict="unsafe", engine="smt (bmc)", depth=call_count(calls),
                                     trace=calls, steps=trace, condition=condition)
            continue
        reached, note = _bounds(name, undecided, checked)
        if name in notes:
            note += f"; {notes[name]}"
        out[name] = HazardResult(verdict="unknown", engine="smt", bound=reached, proof=note,
                                 condition=condition, limit=limit)
    return {h: out[h] for h in hazards}
