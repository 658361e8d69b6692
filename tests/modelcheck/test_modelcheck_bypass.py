"""Bypasses are padded runs of the blocked path (SPEC §5), checked shortest first.

Measured on the old main: "BYPASSES: 3 blocked paths" when a rule blocked only the first
call of each and another entry reached the same target; such a path is `target_reachable`,
not a bypass: the policy blocks the chain, not the target.
"""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from mckit import policy, run, world
from test_modelcheck_differential import models

from pathguard.modelcheck.bypass import blocked_paths, in_order
from pathguard.modelcheck.limits import Limits
from pathguard.modelcheck.replay import replay
from pathguard.modelcheck.system import Options

TWO_ENTRIES = """
system: s
state:
  db: {values: [up, dropped], initial: up}
endpoints:
  read_a: {kind: read, resource: a, produces: [db_id]}
  read_b: {kind: read, resource: b, produces: [db_id]}
  read_c: {kind: read, resource: c, produces: [db_id]}
  status: {kind: read, resource: s}
  drop_db: {kind: delete, resource: db, needs: [db_id], sets: {db: dropped}}
hazards:
  dropped: {db: dropped}
"""


def test_a_chain_blocked_at_its_first_call_is_not_a_bypass_when_another_chain_reaches_the_target() -> None:
    w = world(TWO_ENTRIES)
    p = policy(w, "policy: p\nrules:\n  - {match: {endpoint: [read_a, read_b]}, decision: deny}\n")
    blocked = blocked_paths(w, p)
    assert blocked == [("read_a", "drop_db"), ("read_b", "drop_db")]
    result = run(w, p, "explicit", blocked=blocked)
    assert result.bypasses == []
    assert [(r.path, r.trace) for r in result.target_reachable] == [
        (["read_a", "drop_db"], ["read_c", "drop_db"]), (["read_b", "drop_db"], ["read_c", "drop_db"])]
    search = result.bypass_search
    assert search is not None and (search.checked, search.bypassed, search.target_reachable) == (2, 0, 2)


def test_a_forbidden_pair_padded_by_a_harmless_call_is_a_bypass() -> None:
    w = world(TWO_ENTRIES)
    p = policy(w, "policy: p\nforbidden:\n  - [read_a, drop_db]\n  - [read_b, drop_db]\n"
                  "  - [read_c, drop_db]\n")
    blocked = blocked_paths(w, p)
    result = run(w, p, "explicit", blocked=blocked)
    assert [b.path for b in result.bypasses] == [list(path) for path in blocked]
    for b in result.bypasses:
        assert b.trace[0] == b.path[0] and b.trace[-1] == "drop_db" and len(b.trace) == 3
        assert in_order(b.trace, tuple(b.path))


def test_paths_the_limits_leave_unchecked_are_counted() -> None:
    w = world(TWO_ENTRIES)
    p = policy(w, "policy: p\nforbidden:\n  - [read_a, drop_db]\n  - [read_b, drop_db]\n")
    result = run(w, p, "explicit", blocked=blocked_paths(w, p), limits=Limits(seconds=0.0))
    search = result.bypass_search
    assert search is not None and search.checked == 0 and search.unchecked == 2
    assert search.limit == "time limit 0 s (--time-limit)"


@given(models(), st.integers(0, 1))
def test_every_bypass_runs_its_path_in_order_and_replays(model: tuple[str, str, Options], children: int) -> None:
    wtext, ptext, options = model
    w = world(wtext)
    p = policy(w, ptext)
    flags = {"assume_approvals": options.assume_approvals, "model_time": options.model_time,
             "knowledge": options.knowledge, "subagents": children}
    result = run(w, p, "explicit", blocked=blocked_paths(w, p, 4), **flags)
    checked = {tuple(b.path) for b in result.bypasses} | {tuple(r.path) for r in result.target_reachable}
    for b in result.bypasses:
        assert in_order(b.trace, tuple(b.path)) and b.trace[-1].split(":")[-1] == b.path[-1]
        replay(w, p, b.trace, Options(**flags), target=b.path[-1])  # type: ignore[arg-type]
    for r in result.target_reachable:
        assert not in_order(r.trace, tuple(r.path)) or tuple(r.path) not in checked - {tuple(r.path)}
    assert len(checked) == len(result.bypasses) + len(result.target_reachable)
