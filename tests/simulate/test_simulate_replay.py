"""Replay agents: recorded sessions from a JSONL file or a trace store, counted as benign traffic."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from simkit import ENDPOINTS, POST

from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy
from pathguard.runtime.clock import ManualClock
from pathguard.runtime.guard import Guard
from pathguard.runtime.intent import HashEmbedder
from pathguard.simulate.experiment import make_embedder, run_policy, sessions_for
from pathguard.simulate.workload import load_workload

TASKS = """\
workload: replayed
sessions: 1
mix: {benign: 1, noisy: 0, misaligned: 0}
tasks:
  look: {intent: Check the production volume, steps: [list_volumes]}
"""


def test_jsonl_replay_runs_the_recorded_calls(world: World, post: CompiledPolicy,
                                              workload_file: Callable[..., Path]) -> None:
    lines = [
        {"agent": "ops", "intent": "Clean up the old volume", "calls": [
            {"endpoint": "list_volumes", "at": 0}, {"endpoint": "unmount_volume", "params": {"volume_id": "v"}, "at": 5},
            {"endpoint": "get_volume", "at": 10}]},
        {"agent": "ops", "intent": "Scale up", "calls": [
            {"endpoint": "get_project"}, {"endpoint": "list_services"}, {"endpoint": "scale_service"}]},
    ]
    workload_file("\n".join(json.dumps(x) for x in lines) + "\n", "recorded.jsonl")
    path = workload_file(TASKS + "replay:\n  - {file: recorded.jsonl}\n")
    workload = load_workload(path, world)
    specs = sessions_for(world, workload, 1, 0)
    assert [s.kind for s in specs] == ["benign", "replay", "replay"]
    assert [c.endpoint for c in specs[1].plan] == ["list_volumes", "unmount_volume", "get_volume"]
    assert [c.think for c in specs[1].plan] == [0.0, 5.0, 5.0]
    out = run_policy(world, post, workload, specs, embedder=make_embedder("hash", None, None))
    first = out.results[1]
    block = first.blocks[0]  # list_volumes -> unmount_volume: a forbidden deny is final (SPEC §2)
    assert (block.step, block.clauses, block.effect, block.waited, block.granted) == (
        2, ("forbidden 1",), "deny", False, False)
    assert first.ran == 1 and first.approvals == 0 and first.stopped  # the replayed agent gives up
    assert out.figures["friction"]["by_kind"]["replay"]["sessions"] == 2


def test_store_replay(world: World, post: CompiledPolicy, workload_file: Callable[..., Path],
                      tmp_path: Path) -> None:
    db = tmp_path / "trace.db"
    guard = Guard.load(ENDPOINTS, POST, store=f"sqlite:///{db}", clock=ManualClock(), embedder=HashEmbedder(),
                       cache_dir=tmp_path / "cache")
    with guard.session(agent="ops", intent="Take a backup") as s:
        for call in ("list_volumes", "get_volume", "create_backup"):
            s.check(call, {"volume_id": "v"})
    guard.close()
    path = workload_file(TASKS + f"replay:\n  - {{store: 'sqlite:///{db}'}}\n")
    specs = sessions_for(world, load_workload(path, world), 1, 0)
    replayed = [s for s in specs if s.kind == "replay"]
    assert len(replayed) == 1 and replayed[0].intent == "Take a backup"
    assert [c.endpoint for c in replayed[0].plan] == ["list_volumes", "get_volume", "create_backup"]
    assert replayed[0].plan[1].params == {"volume_id": "v"}


def test_bad_jsonl_is_located(world: World, workload_file: Callable[..., Path]) -> None:
    import pytest

    from pathguard.errors import InputError

    workload_file('{"agent": "a", "calls": []}\n{"calls": [{"params": {}}]}\n', "bad.jsonl")
    path = workload_file(TASKS + "replay:\n  - {file: bad.jsonl}\n")
    with pytest.raises(InputError) as caught:
        sessions_for(world, load_workload(path, world), 1, 0)
    problem = caught.value.problems[0]
    assert problem.file.endswith("bad.jsonl") and problem.line == 2 and problem.field == "calls"
