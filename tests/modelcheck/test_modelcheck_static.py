"""The static proof is sound: whatever it proves unreachable, exhaustive search never reaches."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from mckit import policy, world
from test_modelcheck_differential import models

from pathguard.modelcheck.explicit import explore
from pathguard.modelcheck.static import reachable, static_proof
from pathguard.modelcheck.system import Options, TransitionSystem
from pathguard.semantics.decide import decide
from pathguard.semantics.effect import Effect
from pathguard.semantics.session import SessionState


@given(models())
def test_static_proofs_agree_with_exhaustive_search(model: tuple[str, str, Options]) -> None:
    wtext, ptext, options = model
    w = world(wtext)
    p = policy(w, ptext)
    reach = reachable(w, p, options.assume_approvals, w.initial_facts(options.knowledge))
    found = explore(TransitionSystem(w, p, options), bound=None)
    assert found.exhausted or set(found.hazards) == set(w.hazards)  # stops once every hazard is found
    for name in w.hazards:
        if static_proof(w, reach, name) is not None:
            assert name not in found.hazards, (name, static_proof(w, reach, name))
    for call in reach.refused:  # refused in every session: the root session too
        effect = decide(w, p, SessionState.root(p), call).effect
        assert effect is Effect.DENY if options.assume_approvals else effect is not Effect.ALLOW


def test_railway_post_incident_proofs_are_static() -> None:
    from pathlib import Path

    from pathguard.model.load import load_world
    from pathguard.policy.load import load_policy

    railway = Path(__file__).resolve().parents[2] / "models" / "railway"
    w = load_world(railway / "endpoints.yaml")
    p = load_policy(railway / "policy-post-incident.yaml", w)
    reach = reachable(w, p)
    proofs: dict[str, Any] = {h: static_proof(w, reach, h) for h in w.hazards}
    assert proofs["data_loss"] is not None and "delete_volume" in proofs["data_loss"]
    assert proofs["production_broken"] is None  # reachable: the engines show how
    assert static_proof(w, reachable(w, p, assume_approvals=True), "data_loss") is None


def test_zero_limits_refuse_in_every_session() -> None:
    w = world()
    # (`read_only_at: 0` was a third way to refuse every write; SPEC v2 bounds it to (0, 1])
    for budget, refused_reads in (("max_actions: 0", True), ("max_writes: 0", False)):
        p = policy(w, f"policy: p\nbudget: {{{budget}}}\n")
        reach = reachable(w, p)
        for e in w.endpoints:
            expected = refused_reads or e.kind != "read"
            assert (e.name in reach.refused) == expected, (budget, e.name)
            if expected:
                assert decide(w, p, SessionState.root(p), e.name).effect is Effect.DENY
