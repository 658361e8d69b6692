"""`pathguard simulate` end to end: JSON keys, exit codes, located errors, sweeps, --out."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from simkit import ENDPOINTS, POST, PRE

from pathguard.cli.main import main
from pathguard.errors import InputError
from pathguard.model.world import World
from pathguard.policy.compile import CompiledPolicy
from pathguard.simulate.experiment import current_value, parse_sweep, variant

KEYS = {"friction", "caught", "approvals", "budget_exhaustions", "hazards_reached", "intent", "timing"}


def simulate(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["simulate", str(ENDPOINTS), "--policy", str(POST), "--embedder", "hash", *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_json_has_every_figure(capsys: pytest.CaptureFixture[str], workload_file: Callable[..., Path],
                               tmp_path: Path) -> None:
    code, out, _ = simulate(capsys, "--workload", str(workload_file()), "--format", "json",
                            "--cache-dir", str(tmp_path))
    doc = json.loads(out)
    assert set(doc) >= KEYS
    assert code == (1 if doc["hazards_reached"]["misses"] else 0)
    assert {"count", "rate", "sessions"} <= set(doc["friction"]) and {"count", "rate", "sessions"} <= set(doc["caught"])
    assert {"by_layer", "by_rule"} <= set(doc["friction"])
    assert doc["sessions"]["total"] == 12
    for s in doc["caught"]["session_list"]:
        assert s["caught"] == (s["reached_step"] is None)


def test_compare_and_sweep_side_by_side(capsys: pytest.CaptureFixture[str], workload_file: Callable[..., Path],
                                        tmp_path: Path) -> None:
    out_dir = tmp_path / "out"
    code, out, err = simulate(capsys, "--workload", str(workload_file()), "--compare", str(PRE),
                         "--sweep", "budget.max_writes=1:3:1", "--format", "json", "--out", str(out_dir),
                         "--cache-dir", str(tmp_path))
    assert code in (0, 1), err
    doc = json.loads(out)
    assert doc["compare"]["policy"] == "pre-incident" and doc["policy"] == "post-incident"
    assert doc["compare"]["sessions"] == doc["sessions"]
    assert [p["value"] for p in doc["sweep"]["points"]] == [1, 2, 3]
    assert doc["sweep"]["operating_point"] == 5
    names = {p.name for p in out_dir.iterdir()}
    assert {"report.txt", "report.md", "report.json", "blocks.png", "blocks.svg", "intent.png",
            "sweep.png", "sweep.svg", "compare.png"} <= names


def test_text_and_markdown(capsys: pytest.CaptureFixture[str], workload_file: Callable[..., Path],
                           tmp_path: Path) -> None:
    _, text, _ = simulate(capsys, "--workload", str(workload_file()), "--cache-dir", str(tmp_path))
    assert "friction:" in text and "caught:" in text and "Definitions" in text
    _, md, _ = simulate(capsys, "--workload", str(workload_file()), "--format", "markdown",
                        "--cache-dir", str(tmp_path))
    assert md.startswith("# Simulation: railway") and "| clause |" in md


def test_bad_workload_exits_2_with_location(capsys: pytest.CaptureFixture[str],
                                            workload_file: Callable[..., Path]) -> None:
    path = workload_file("workload: x\ntasks:\n  t:\n    intent: do\n    steps: [list_volume]\n")
    code, out, err = simulate(capsys, "--workload", str(path))
    assert code == 2 and out == ""
    assert f"{path}:5" in err and "list_volumes" in err


def test_bad_sweep_exits_2(capsys: pytest.CaptureFixture[str], workload_file: Callable[..., Path]) -> None:
    for bad in ("intent.threshold", "intent.threshold=0.1:x:0.1", "budget.bogus=1:2:1", "intent.threshold=0.5:0.1:0.1"):
        code, out, err = simulate(capsys, "--workload", str(workload_file()), "--sweep", bad)
        assert code == 2 and out == "" and "--sweep" in err, bad


def test_sweep_values_and_variants(world: World, post: CompiledPolicy) -> None:
    assert parse_sweep("intent.threshold=0.3:0.5:0.1") == ("intent.threshold", [0.3, 0.4, 0.5])
    assert parse_sweep("forbidden.2.within=1:3:1") == ("forbidden.2.within", [1, 2, 3])
    assert variant(post, world, "intent.threshold", 0.3).intent_threshold == 0.3
    assert variant(post, world, "budget.max_writes", 2).max_writes == 2
    within = variant(post, world, "forbidden.2.within", 3)
    assert [f.within for f in within.forbidden] == [1, 3, 1]
    assert current_value(post, "forbidden.2.within") == 1 and current_value(post, "budget.max_actions") == 20
    with pytest.raises(InputError) as out_of_range:
        variant(post, world, "intent.threshold", 1.5)
    problem = out_of_range.value.problems[0]
    assert problem.file == str(POST) and problem.line is not None and "threshold" in problem.field
    with pytest.raises(InputError):
        variant(post, world, "forbidden.9.within", 2)


def test_help_lists_simulate(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["--help"])
    assert "simulate" in capsys.readouterr().out
