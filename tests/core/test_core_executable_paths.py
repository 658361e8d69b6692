"""Executable paths (SPEC §4) and a bounded enumeration, against independent oracles.

Measured on the old main: Railway's open path `list_volumes → delete_volume` ignored
`when: {volume: unmounted}` without saying so; 119 targets of a CDN API appeared on open
paths while the checker called them unreachable; `--max-paths 10` on 13 endpoints (a clique
of 10 around a bridge) took 21 s, and 12 nodes did not finish in 120 s.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from core_strategies import dump, policies, worlds
from corekit import policy_of, world_of
from hypothesis import given
from hypothesis import strategies as st

from pathguard.analysis import PathOptions, analyze
from pathguard.graph.build import action_graph
from pathguard.graph.paths import enumerate_paths, path_scope
from pathguard.graph.verdicts import Walker
from pathguard.model.load import load_world
from pathguard.modelcheck.replay import ReplayError, replay
from pathguard.modelcheck.system import Options
from pathguard.policy.compile import allow_everything

RAILWAY = Path(__file__).resolve().parents[2] / "models" / "railway"


def runs_as_it_stands(world: dict[str, Any], calls: tuple[str, ...]) -> int | None:
    """Oracle: the 0-based index of the first call that cannot run from the initial world, with
    the facts no endpoint produces known (SPEC §4 under discovery), or None."""
    eps = world["endpoints"]
    produced = {f for e in eps.values() for f in e.get("produces", [])}
    secret = set(world.get("secret", []))
    known = {f for e in eps.values() for f in e.get("needs", [])} - produced - secret
    values = {v: str(spec["initial"]) for v, spec in world.get("state", {}).items()}
    for i, call in enumerate(calls):
        e = eps[call]
        if not set(e.get("needs", [])) <= known:
            return i
        for var, allowed in e.get("when", {}).items():
            if values[var] not in {str(x) for x in (allowed if isinstance(allowed, list) else [allowed])}:
                return i
        known |= set(e.get("produces", []))
        values.update({v: str(x) for v, x in e.get("sets", {}).items()})
    return None


@given(worlds(), st.data())
def test_executability_matches_a_step_by_step_run(raw: dict[str, Any], data: st.DataObject) -> None:
    raw_policy = data.draw(policies(raw))
    world = world_of(dump(raw))
    policy = policy_of(dump(raw_policy), world)
    doc = analyze(world, policy, PathOptions(hazards=False)).document
    counted = {"blocked": 0, "gated": 0, "open": 0}
    for path in doc.path_list:
        stop = runs_as_it_stands(raw, tuple(path.calls))
        assert path.executable == (stop is None), path
        if stop is not None:
            assert path.why is not None and path.why.startswith(f"call {stop + 1} (`{path.calls[stop]}`)")
        counted[path.verdict] += path.executable
    if doc.paths.complete:
        assert doc.paths.executable == counted


@given(worlds())
def test_an_open_executable_path_is_a_run_the_checker_accepts(raw: dict[str, Any]) -> None:
    """The analyzer and the model checker agree: an open path that runs as it stands replays
    through `decide()` and the world model; one that does not, does not."""
    world = world_of(dump(raw))
    policy = allow_everything(world)
    doc = analyze(world, policy, PathOptions(hazards=False)).document
    for path in doc.path_list:
        if path.executable:
            replay(world, policy, path.calls, Options(knowledge="discover"))
        else:
            with pytest.raises(ReplayError):
                replay(world, policy, path.calls, Options(knowledge="discover"))


def test_railway_says_which_open_paths_cannot_run_as_they_stand() -> None:
    world = load_world(RAILWAY / "endpoints.yaml")
    doc = analyze(world, None, PathOptions(hazards=False)).document
    direct = next(p for p in doc.path_list if p.calls == ["list_volumes", "delete_volume"])
    assert direct.verdict == "open" and not direct.executable
    assert direct.why == ("call 2 (`delete_volume`) needs volume=unmounted, but volume is mounted when its "
                          "turn comes")
    chain = next(p for p in doc.path_list if p.calls == ["list_volumes", "unmount_volume", "delete_volume"])
    assert chain.executable and chain.why is None


def clique_around_a_bridge(size: int = 10) -> dict[str, Any]:
    """An entry, `size` endpoints that all enable each other (a clique), one of them the way to a
    bridge, and a target after the bridge: paths number in the millions."""
    eps: dict[str, Any] = {"start": {"kind": "read", "resource": "r", "produces": ["k"]}}
    eps |= {f"c{i}": {"kind": "read", "resource": "r", "needs": ["k"], "produces": ["k"] + (["b"] if i == 0 else [])}
            for i in range(size)}
    eps["bridge"] = {"kind": "write", "resource": "r", "needs": ["b"], "produces": ["t"]}
    eps["drop"] = {"kind": "delete", "resource": "r", "needs": ["t"]}
    return {"system": "clique", "endpoints": eps}


def test_enumeration_stops_at_its_step_budget_and_says_so() -> None:
    world = world_of(yaml.safe_dump(clique_around_a_bridge()))
    scope = path_scope(action_graph(world), world.entries, world.targets)
    found = enumerate_paths(scope, Walker(world, allow_everything(world)), max_steps=20_000)
    assert not found.complete and found.steps == 20_000
    assert found.limits == ["max_search_steps=20000"]
    assert found.exhaustive_up_to is not None and found.total > 0
    assert all(len(p.calls) <= found.exhaustive_up_to + 1 for p in found.listed)
    doc = analyze(world, None, PathOptions(hazards=False, max_steps=20_000)).document
    assert not doc.paths.complete and doc.paths.limits == ["max_search_steps=20000"]
