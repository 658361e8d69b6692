"""The SMT engine: BMC for shortest counterexamples, Spacer for unbounded proofs.

For each hazard: BMC up to the bound; a model found is replayed through
`decide()` (a failed replay raises `ReplayError`: an internal error, never a
result) and reported `unsafe`. Otherwise Spacer tries to prove it unreachable
for sessions of any length (`safe`, proof "spacer (CHC)"). Anything else, z3
`unknown` included, is `unknown` with the bound BMC reached, never `safe`.
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


def smt_check(world: World, policy: CompiledPolicy, hazards: list[str], *, bound: int,
              options: Options | None = None, prove: bool = True,
              spacer_timeout_ms: int = 30_000) -> dict[str, HazardResult]:
    """Verdicts of the SMT engine for `hazards`."""
    options = options or Options()
    enc = Encoding(world, policy, options)
    found, undecided, checked, _ = bmc(enc, {h: partial(enc.hazard, name=h) for h in hazards}, bound)
    out: dict[str, HazardResult] = {}
    for name in hazards:
        condition = dict(world.hazards[name])
        if name in found:
            calls = found[name]
            trace = replay(world, policy, calls, options, hazard=name)
            out[name] = HazardResult(name, "unsafe", "smt (bmc)", depth=call_count(calls),
                                     trace=trace, condition=condition)
            continue
        reached = checked if name not in undecided else checked - 1
        note = f"no counterexample of at most {reached} calls (bmc)"
        if name in undecided:
            note += f"; z3 unknown at depth {checked}: {undecided[name]}"
        elif prove:
            outcome, text = spacer_prove(enc, partial(enc.hazard, name=name), spacer_timeout_ms)
            if outcome == "safe":
                out[name] = HazardResult(name, "safe", "smt (spacer)", proof=text, condition=condition)
                continue
            note += f"; {text}"
        out[name] = HazardResult(name, "unknown", "smt", bound=reached, proof=note, condition=condition)
    return out


def smt_targets(world: World, policy: CompiledPolicy, targets: list[str], *, bound: int,
                options: Options | None = None, spacer_timeout_ms: int = 30_000
                ) -> dict[str, tuple[list[str] | None, dict[str, object]]]:
    """For each target endpoint: a shortest trace whose last call executes it (BMC on "the
    target is enabled", plus the call), else how far that was refuted (Spacer or the bound)."""
    options = options or Options()
    enc = Encoding(world, policy, options)
    codes = {t: world.by_name[t].index for t in targets}
    found, undecided, checked, _ = bmc(enc, {t: partial(enc.enabled, code=c) for t, c in codes.items()},
                                       max(bound - 1, 0))
    out: dict[str, tuple[list[str] | None, dict[str, object]]] = {}
    for t in targets:
        if t in found:
            out[t] = ([*found[t], t], {})
        elif t in undecided:
            out[t] = (None, {"verdict": "unknown", "bound": checked, "stopped_by": undecided[t]})
        else:
            outcome, text = spacer_prove(enc, partial(enc.enabled, code=codes[t]), spacer_timeout_ms)
            out[t] = (None, {"verdict": "unreachable", "proof": text} if outcome == "safe" else
                      {"verdict": "unknown", "bound": checked + 1, "stopped_by": text})
    return out
