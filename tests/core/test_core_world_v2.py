"""SPEC v2 §1 in the world model: `secret` facts, value lists in hazards, entries and the facts
known at the start (§4, §5), and the warning for a need that no endpoint produces."""

from __future__ import annotations

from typing import Any

import pytest
from core_strategies import VALUES, dump, policies, worlds
from corekit import policy_of, world_of
from hypothesis import given
from hypothesis import strategies as st

from pathguard.errors import InputError
from pathguard.model.world import World
from pathguard.modelcheck.check import check
from pathguard.modelcheck.static import reachable, static_proof
from pathguard.policy.compile import allow_everything

WORLD = """\
system: s
state:
  volume: {values: [mounted, unmounted, deleted, archived], initial: mounted}
knowledge: [ticket]
secret: [admin_token]
endpoints:
  list_volumes: {kind: read, resource: volume, produces: [volume_id]}
  unmount_volume: {kind: write, resource: volume, needs: [volume_id], when: {volume: mounted},
                   sets: {volume: unmounted}}
  delete_volume: {kind: delete, resource: volume, needs: [volume_id, admin_token],
                  when: {volume: unmounted}, sets: {volume: deleted}}
  archive_volume: {kind: write, resource: volume, needs: [project_id], sets: {volume: archived}}
  mint_token: {kind: write, resource: token, needs: [volume_id], produces: [admin_token]}
hazards:
  gone: {volume: [deleted, archived]}
  deleted: {volume: deleted}
"""


def load(text: str = WORLD) -> World:
    return world_of(text)


def problems(text: str) -> list[str]:
    with pytest.raises(InputError) as err:
        load(text)
    return [p.render() for p in err.value.problems]


def test_secret_and_hazard_lists_load() -> None:
    world = load()
    assert world.secret == ("admin_token",)
    assert world.hazards["gone"] == (("volume", frozenset({"deleted", "archived"})),)
    assert world.hazard_condition("gone") == {"volume": ["deleted", "archived"]}
    assert world.hazards["deleted"] == (("volume", frozenset({"deleted"})),)


def test_initial_facts_per_knowledge_mode() -> None:
    world = load()
    # given: every fact that is not secret; discover: only what no endpoint produces (not secret)
    assert world.initial_facts("given") == {"ticket", "volume_id", "project_id"}
    assert world.initial_facts("discover") == {"ticket", "project_id"}


def test_entries_are_the_calls_whose_needs_are_known_under_discovery() -> None:
    world = load()
    # `archive_volume` needs only `project_id`, which no endpoint produces: an entry
    assert world.entries == ("list_volumes", "archive_volume")
    secret_only = WORLD.replace("needs: [volume_id, admin_token]", "needs: [admin_token]")
    secret_only = secret_only.replace("produces: [admin_token]", "produces: []")
    assert "delete_volume" not in load(secret_only).entries  # a secret is never known at the start


def test_unproduced_need_warning_says_what_it_means() -> None:
    world = load()
    [warning] = world.warnings
    assert warning.severity == "warning" and warning.line == 12 and warning.file == "endpoints.yaml"
    assert "`project_id` is produced by no endpoint" in warning.message
    assert "counts as known from the start" in warning.message
    text = WORLD.replace("produces: [admin_token]", "produces: []")
    messages = [w.message for w in load(text).warnings]
    assert "`admin_token` is produced by no endpoint: it is secret, so `delete_volume` can never run" \
        in messages


def test_typo_in_needs_gets_a_hint() -> None:
    world = load(WORLD.replace("needs: [volume_id], when: {volume: mounted}",
                               "needs: [volume_ids], when: {volume: mounted}"))
    hints = [w.hint for w in world.warnings]
    assert "did you mean `volume_id`?" in hints


@pytest.mark.parametrize(("old", "new", "line", "fragment"), [
    ("secret: [admin_token]", "secret: [admin_tokn]", 5, "secret fact `admin_tokn` is needed by no endpoint"),
    ("gone: {volume: [deleted, archived]}", "gone: {volume: [deleted, archvd]}", 15,
     "`archvd` is not a value of `volume`"),
    ("gone: {volume: [deleted, archived]}", "gone: {volume: []}", 15, "an empty list of values can never hold"),
    ("gone: {volume: [deleted, archived]}", "gone: {volum: [deleted]}", 15, "unknown state variable `volum`"),
])
def test_v2_errors_are_located(old: str, new: str, line: int, fragment: str) -> None:
    assert old in WORLD
    found = problems(WORLD.replace(old, new))
    assert any(p.startswith(f"endpoints.yaml:{line}:") and fragment in p for p in found), found


def test_secret_needed_by_nobody_suggests_the_close_need() -> None:
    [found] = problems(WORLD.replace("secret: [admin_token]", "secret: [admin_tokn]"))
    assert "did you mean `admin_token`?" in found


def test_static_proof_names_every_accepted_value() -> None:
    text = WORLD.replace("sets: {volume: deleted}", "sets: {volume: unmounted}").replace(
        "sets: {volume: archived}", "sets: {volume: unmounted}")
    world = load(text)
    reach = reachable(world, allow_everything(world))
    assert static_proof(world, reach, "gone") == "static: no call sets volume in {deleted, archived}"
    assert static_proof(world, reach, "deleted") == "static: no call sets volume=deleted"


def _with_list_hazards(world_data: dict[str, Any], a: str, b: str, second: bool) -> dict[str, Any]:
    """The random world with hazards `h_ab` (s in [a, b]), `h_a` and `h_b`; with `second`, each
    also asks for a second variable that some endpoint may set."""
    data = dict(world_data)
    extra: dict[str, Any] = {}
    if second:
        data["state"] = {**data["state"], "t": {"values": ["x", "y"], "initial": "x"}}
        first = next(iter(data["endpoints"]))
        data["endpoints"] = {**data["endpoints"],
                             first: {**data["endpoints"][first], "sets": {**data["endpoints"][first]
                                                                            .get("sets", {}), "t": "y"}}}
        extra = {"t": "y"}
    data["hazards"] = {"h_ab": {"s": [a, b], **extra}, "h_a": {"s": a, **extra}, "h_b": {"s": b, **extra}}
    return data


@given(worlds(max_endpoints=5), st.sampled_from(VALUES), st.sampled_from(VALUES), st.booleans(), st.data())
def test_a_value_list_hazard_is_reached_iff_one_of_its_values_is(world_data, a, b, second, data):
    """Any of the values: `h_ab` is reached iff `h_a` or `h_b` is, at the least depth of the two,
    on every engine (the packed explicit search, z3 BMC, and the static proof)."""
    world_data = _with_list_hazards(world_data, a, b, second)
    world = world_of(dump(world_data))
    policy = policy_of(dump(data.draw(policies(world_data))), world) if data.draw(st.booleans()) \
        else allow_everything(world)
    for engine, bound in (("explicit", None), ("smt", 4)):
        result = check(world, policy, engine=engine, bound=bound)  # type: ignore[arg-type]
        h = result.hazards
        assert (h["h_ab"].verdict == "unsafe") == (h["h_a"].verdict == "unsafe" or h["h_b"].verdict == "unsafe")
        depths = [h[n].depth for n in ("h_a", "h_b") if h[n].verdict == "unsafe"]
        if depths:
            assert h["h_ab"].depth == min(d for d in depths if d is not None)
        if engine == "explicit":  # an exhausted state space decides every hazard
            assert (h["h_ab"].verdict == "safe") == (h["h_a"].verdict == "safe" and h["h_b"].verdict == "safe")
    reach = reachable(world, policy)
    proved = {n: static_proof(world, reach, n) is not None for n in ("h_ab", "h_a", "h_b")}
    assert proved["h_ab"] == (proved["h_a"] and proved["h_b"])
