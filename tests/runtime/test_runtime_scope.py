"""A shared budget scope: an allowed call takes a unit (reads and writes), a used-up scope denies,
and the ActionTrace rows carry the same decisions and deviations as an unscoped run."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from pathguard.runtime import Guard
from pathguard.semantics.effect import Effect

CALLS = [("list_volumes", {}), ("get_volume", {"volume_id": "v1"}), ("list_services", {}),
         ("get_volume", {"volume_id": "v2"}), ("list_volumes", {})]


@pytest.mark.parametrize("backend", ["memory", "sqlite"])
def test_a_used_up_scope_denies_and_the_rest_matches_an_unscoped_run(
        make_guard: Callable[..., Guard], tmp_path: Path, backend: str) -> None:
    store = "memory" if backend == "memory" else f"sqlite:///{tmp_path / 'scope.db'}"
    scoped = make_guard(store=store, scope="team", scope_limit=3)
    free = make_guard()
    with scoped.session(agent="ops", intent="list storage volumes") as s, \
            free.session(agent="ops", intent="list storage volumes") as oracle:
        got = [s.check(name, params) for name, params in CALLS]
        expected = [oracle.check(name, params) for name, params in CALLS[:3]]
    assert [(d.effect, d.reasons, d.deviation) for d in got[:3]] == [
        (d.effect, d.reasons, d.deviation) for d in expected]
    assert all(d.effect is Effect.ALLOW for d in got[:3])
    for late in got[3:]:
        assert late.effect is Effect.DENY
        assert late.texts == ["scope: shared budget `team` is used up"]
        assert late.deviation == got[2].deviation  # a denied call did not run
    assert scoped.store.scope_used("team") == (3, 3)
    rows = scoped.store.session(s.session_id).actions  # type: ignore[union-attr]
    assert [(r.seq, r.effect, r.deviation) for r in rows] == [
        (d.seq, d.effect.name.lower(), d.deviation) for d in got]
    assert rows[3].reasons == ("scope: shared budget `team` is used up",)
    with scoped.session(agent="other", intent="list volumes") as second:
        assert second.check("list_volumes", {}).effect is Effect.DENY  # the budget is shared
    scoped.close()
