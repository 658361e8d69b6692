"""No vacuous `safe` on real APIs (issue 10): imported without a policy, the vendored specs must
not have a hazard proved safe because the agent is assumed not to know an id.

Measured on the old main: a 1,258-operation CDN/DNS API had 84 of 103 hazards `safe`, and a
payment API's `payment_intent_destroyed` was `safe` because `{intent}` was linked to nothing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from pathguard.importers.detect import load_any
from pathguard.modelcheck.check import check
from pathguard.modelcheck.limits import Limits
from pathguard.policy.compile import allow_everything

SPECS = Path(__file__).resolve().parents[2] / "corpus" / "specs"
VENDORED = sorted(p.name for p in SPECS.iterdir() if p.suffix in (".yaml", ".json"))


@pytest.mark.parametrize("name", VENDORED)
def test_without_a_policy_no_hazard_is_safe_for_want_of_an_id(name: str) -> None:
    world = load_any(SPECS / name)
    result = check(world, allow_everything(world), limits=Limits(seconds=30))
    for hazard, h in result.hazards.items():
        assert h.verdict != "unknown" or h.limit, (hazard, h)
        if h.verdict == "safe":  # only a world precondition no run reaches may prove it
            assert "reveals" not in (h.proof or "") and "precondition" in (h.proof or ""), (hazard, h.proof)
    assert any(h.verdict == "unsafe" for h in result.hazards.values())
