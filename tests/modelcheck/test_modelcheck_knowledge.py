"""Knowledge at the start (SPEC §5): under `given` no verdict rests on an agent's ignorance of an id.

Measured on the old main: a 468-operation payment API imported without a policy answered
`payment_intent_destroyed: safe ... can never run` because `{intent}` was linked to no
producer; 84 of 103 hazards of a CDN/DNS API were `safe` the same way.
"""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import given
from hypothesis import strategies as st
from mckit import policy, run, world
from test_modelcheck_differential import models

from pathguard.modelcheck.system import Options

UNLINKED = """
system: payments
state:
  intent: {values: [open, cancelled], initial: open}
  card: {values: [active, revoked], initial: active}
endpoints:
  list_customers: {kind: read, resource: customer, produces: [customer_id]}
  cancel_payment_intent: {kind: write, resource: payment_intent, needs: [intent],
                          sets: {intent: cancelled}, reversible: false}
  revoke_card: {kind: write, resource: card, needs: [card_token], sets: {card: revoked}}
secret: [card_token]
hazards:
  payment_intent_destroyed: {intent: cancelled}
  card_revoked: {card: revoked}
"""


def test_an_id_no_endpoint_reveals_is_known_under_given() -> None:
    w = world(UNLINKED)
    result = run(w, policy(w, None), "explicit", knowledge="given")
    h = result.hazards["payment_intent_destroyed"]
    assert (h.verdict, h.trace) == ("unsafe", ["cancel_payment_intent"])
    secret = result.hazards["card_revoked"]  # a secret is learned only from an endpoint that produces it
    assert secret.verdict == "safe"
    auto = run(w, policy(w, None), "auto", knowledge="given").hazards["card_revoked"]
    assert auto.engine == "static" and "`card_token`, which no call that can run reveals" in (auto.proof or "")


def test_under_discover_a_safe_verdict_names_the_facts_it_assumes_never_learned() -> None:
    """`intent` is produced by nobody, so discover starts knowing it too (SPEC §4-§5); make a
    producer that never runs to see a fact the proof rests on."""
    text = UNLINKED.replace("  list_customers: {kind: read, resource: customer, produces: [customer_id]}",
                            "  list_customers: {kind: read, resource: customer, produces: [customer_id]}\n"
                            "  list_intents: {kind: read, resource: payment_intent, needs: [card_token],"
                            " produces: [intent]}")
    w = world(text)
    discover = run(w, policy(w, None), "explicit", knowledge="discover").hazards["payment_intent_destroyed"]
    assert discover.verdict == "safe" and discover.never_learned == ["intent"]
    assert "the agent never learns `intent`" in discover.assumptions
    given_ = run(w, policy(w, None), "explicit", knowledge="given").hazards["payment_intent_destroyed"]
    assert given_.verdict == "unsafe" and given_.never_learned is None


def _without_producers(text: str, drop: list[str]) -> str:
    """The same world after an importer failed to link some producers: `produces` emptied."""
    data: dict[str, Any] = yaml.safe_load(text)
    for name in drop:
        data["endpoints"][name]["produces"] = []
    return yaml.safe_dump(data)


@given(models(), st.data())
def test_given_verdicts_do_not_depend_on_what_is_linked_or_told(model: tuple[str, str, Options],
                                                                data: st.DataObject) -> None:
    """Adding facts to what the agent knows, or losing the links that reveal them, changes no
    `safe` under `given`; and knowing more never makes a hazard safer than under discovery."""
    wtext, ptext, options = model
    w = world(wtext)
    p = policy(w, ptext)
    flags = {"assume_approvals": options.assume_approvals, "model_time": options.model_time}
    base = run(w, p, "explicit", knowledge="given", **flags)
    names = sorted(yaml.safe_load(wtext)["endpoints"])
    unlinked_text = _without_producers(wtext, data.draw(st.lists(st.sampled_from(names), unique=True)))
    told = yaml.safe_load(unlinked_text)
    told["knowledge"] = data.draw(st.lists(st.sampled_from(["f0", "f1", "f9"]), unique=True))
    w2 = world(yaml.safe_dump(told))
    other = run(w2, policy(w2, ptext), "explicit", knowledge="given", **flags)
    discover = run(w, p, "explicit", knowledge="discover", **flags)
    for name, h in base.hazards.items():
        assert h.verdict == other.hazards[name].verdict, (name, h, other.hazards[name])
        if discover.hazards[name].verdict == "unsafe":
            assert h.verdict == "unsafe" and (h.depth or 0) <= (discover.hazards[name].depth or 0)
