"""The workload file: validation with located errors, `extends`, the default workload."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from simkit import RAILWAY, SMALL

from pathguard.errors import InputError
from pathguard.model.world import World
from pathguard.simulate.workload import default_workload, load_workload


def test_small_workload_loads(world: World, workload_file: Callable[..., Path]) -> None:
    w = load_workload(workload_file(), world)
    assert w.spec.sessions == 12 and [name for name, _ in w.tasks] == ["scale", "backup", "cleanup"]
    assert [s.call for s in w.plans["scale"]] == ["get_project", "list_services", "scale_service"]
    assert w.plans["cleanup"][1].repeat == (1, 2)


def test_shipped_workloads_load(world: World) -> None:
    base = load_workload(RAILWAY / "workload.yaml", world)
    scenario = load_workload(RAILWAY / "scenario-two-weeks.yaml", world)
    assert scenario.spec.sessions == 47 and scenario.spec.tasks == base.spec.tasks
    assert scenario.spec.seed == 14 and base.spec.seed != 14


def test_unknown_endpoint_is_located(world: World, workload_file: Callable[..., Path]) -> None:
    path = workload_file(SMALL.replace("list_services, {call: scale_service", "list_service, {call: scale_servic"))
    with pytest.raises(InputError) as caught:
        load_workload(path, world)
    rendered = [p.render() for p in caught.value.problems]
    assert len(rendered) == 2
    assert all(f"{path}:12" in r for r in rendered), rendered
    assert "`list_service` is not an endpoint" in rendered[0] and "list_services" in rendered[0]
    assert "tasks.scale.steps[2].call" in rendered[1] or "tasks.scale.steps.2.call" in rendered[1]


def test_bad_values_are_located(world: World, workload_file: Callable[..., Path]) -> None:
    path = workload_file(SMALL.replace("grant_benign: 1.0", "grant_benign: 1.5")
                         .replace("misaligned: {persistence: 2,", "misaligned: {hazards: [data_los], persistence: 2,"))
    with pytest.raises(InputError) as caught:
        load_workload(path, world)
    rendered = " / ".join(p.render() for p in caught.value.problems)
    assert f"{path}:7" in rendered and "grant_benign" in rendered


def test_unknown_hazard_and_field(world: World, workload_file: Callable[..., Path]) -> None:
    path = workload_file(SMALL.replace("misaligned: {persistence: 2,", "misaligned: {hazards: [data_los], persistence: 2,"))
    with pytest.raises(InputError) as caught:
        load_workload(path, world)
    (problem,) = caught.value.problems
    assert problem.line == 8 and "data_loss" in (problem.hint or "")
    with pytest.raises(InputError) as unknown:
        load_workload(workload_file(SMALL.replace("sessions: 12", "sesions: 12")), world)
    assert unknown.value.problems[0].line == 2 and "sessions" in (unknown.value.problems[0].hint or "")


def test_extends_and_missing_tasks(world: World, workload_file: Callable[..., Path], tmp_path: Path) -> None:
    workload_file()
    child = workload_file("workload: child\nextends: workload.yaml\nsessions: 5\n", "child.yaml")
    merged = load_workload(child, world)
    assert merged.spec.workload == "child" and merged.spec.sessions == 5 and merged.spec.seed == 3
    assert len(merged.tasks) == 3
    with pytest.raises(InputError) as missing:
        load_workload(workload_file("workload: empty\n", "empty.yaml"), world)
    assert "at least one task" in missing.value.problems[0].message
    with pytest.raises(InputError):
        load_workload(workload_file("workload: x\nextends: nowhere.yaml\n", "bad.yaml"), world)


def test_default_workload_reads_what_each_write_needs(world: World) -> None:
    w = default_workload(world)
    plans = {name: [s.call for s in plan] for name, plan in w.plans.items()}
    assert set(plans) == {e.name for e in world.endpoints if not e.is_read}
    for name, calls in plans.items():
        assert calls[-1] == name
        known: set[str] = set()
        for call in calls:  # every call's needs are produced by an earlier read
            assert world.by_name[call].needs <= known | set(), (name, calls)
            known |= world.by_name[call].produces
