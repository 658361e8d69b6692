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


def smt_check(world: World, policy: CompiledPolicy, hazards: list[str], *, bound: int,
              options: Options | None = None, prove: bool = True,
              spacer_timeout_ms: int = 30_000) -> dict[str, HazardResult]:
    """Verdicts of the SMT engine for `hazards`: Spacer first (a proof ends the work on a
    hazard), then BMC up to `bound` for the rest."""
    options = options or Options()
    enc = Encoding(world, policy, options)
    out: dict[str, HazardResult] = {}
    notes: dict[str, str] = {}
    for name in hazards if prove else []:
        outcome, text = spacer_prove(enc, partial(enc.hazard, name=name), spacer_timeout_ms)
        if outcome == "safe":
            out[name] = HazardResult(name, "safe", "smt (spacer)", proof=text,
                                     condition=world.hazard_condition(name))
        else:
            notes[name] = text
    rest = [h for h in hazards if h not in out]
    found, undecided, checked, _ = bmc(enc, {h: partial(enc.hazard, name=h) for h in rest}, bound)
    for name in rest:
        condition = world.hazard_condition(name)
        if name in found:
            calls = found[name]
            trace = replay(world, policy, calls, options, hazard=name)
            out[name] = HazardResult(name, "unsafe", "smt (bmc)", depth=call_count(calls),
                                     trace=trace, condition=condition)
            continue
        reached, note = _bounds(name, undecided, checked)
        if name in notes:
            note += f"; {notes[name]}"
        out[name] = HazardResult(name, "unknown", "smt", bound=reached, proof=note, condition=condition)
    return {h: out[h] for h in hazards}


def smt_targets(world: World, policy: CompiledPolicy, targets: list[str], *, bound: int,
                options: Options | None = None, spacer_timeout_ms: int = 30_000
                ) -> dict[str, tuple[list[str] | None, dict[str, object]]]:
    """For each target endpoint: a shortest trace whose last call executes it (BMC on "the
    target is enabled", plus the call), else how far that was refuted (Spacer or the bound)."""
    options = options or Options()
    enc = Encoding(world, policy, options)
    codes = {t: world.by_name[t].index for t in targets}
    out: dict[str, tuple[list[str] | None, dict[str, object]]] = {}
    notes: dict[str, str] = {}
    for t, code in codes.items():
        outcome, text = spacer_prove(enc, partial(enc.enabled, code=code), spacer_timeout_ms)
        if outcome == "safe":
            out[t] = (None, {"verdict": "unreachable", "proof": text})
        else:
            notes[t] = text
    rest = {t: partial(enc.enabled, code=c) for t, c in codes.items() if t not in out}
    found, undecided, checked, _ = bmc(enc, rest, max(bound - 1, 0))
    for t in rest:
        if t in found:
            out[t] = ([*found[t], t], {})
        else:
            reached, note = _bounds(t, undecided, checked)
            out[t] = (None, {"verdict": "unknown", "bound": reached + 1, "stopped_by": f"{note}; {notes[t]}"})
    return {t: out[t] for t in targets}
