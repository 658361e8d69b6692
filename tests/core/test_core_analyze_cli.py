"""`pathguard analyze` on small hand-checked models: figures, formats, limits, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys

from corekit import OPS

from pathguard.cli.main import main

DIAMOND = """\
system: diamond
endpoints:
  start: {kind: read, resource: r, produces: [x]}
  left: {kind: read, resource: r, needs: [x], produces: [y]}
  right: {kind: read, resource: r, needs: [x], produces: [y]}
  back: {kind: read, resource: r, needs: [y], produces: [x]}
  wipe: {kind: write, resource: r, needs: [y], reversible: false}
  drop: {kind: delete, resource: r, needs: [x]}
"""
# Paths (hand-checked): start-drop; start-left-wipe; start-right-wipe; start-left-back-drop;
# start-right-back-drop; start-left-back-right-wipe; start-right-back-left-wipe.
# back also reaches left/right, which reach wipe; `back -> drop` via x.
DIAMOND_PATHS = {
    ("start", "drop"), ("start", "left", "wipe"), ("start", "right", "wipe"),
    ("start", "left", "back", "drop"), ("start", "right", "back", "drop"),
    ("start", "left", "back", "right", "wipe"), ("start", "right", "back", "left", "wipe"),
}


def analyze_json(capsys, path, *extra: str) -> tuple[int, dict]:
    code = main(["analyze", str(path), "--format", "json", *extra])
    return code, json.loads(capsys.readouterr().out)


def test_diamond_paths_are_exactly_the_hand_checked_set(capsys, write):
    code, doc = analyze_json(capsys, write("d.yaml", DIAMOND))
    assert code == 1
    assert {tuple(p["calls"]) for p in doc["path_list"]} == DIAMOND_PATHS
    counts = {k: doc["paths"][k] for k in ("total", "open", "blocked", "gated", "complete")}
    assert counts == {"total": 7, "open": 7, "blocked": 0, "gated": 0, "complete": True}
    assert doc["graph"]["targets"] == ["wipe", "drop"]
    assert doc["graph"]["entries"] == ["start"]
    assert doc["policy"] is None


def test_max_length_is_a_bound_reported_as_such(capsys, write):
    _, doc = analyze_json(capsys, write("d.yaml", DIAMOND), "--max-length", "3")
    assert doc["paths"]["total"] == 3
    assert doc["paths"]["complete"] is False
    assert doc["paths"]["limits"] == ["max_length=3"]
    _, doc = analyze_json(capsys, write("d.yaml", DIAMOND), "--max-length", "5")
    assert (doc["paths"]["total"], doc["paths"]["complete"]) == (7, True)


def test_max_paths_keeps_the_shortest_and_says_so(capsys, write):
    _, doc = analyze_json(capsys, write("d.yaml", DIAMOND), "--max-paths", "4")
    assert doc["paths"]["complete"] is False
    assert doc["paths"]["limits"] == ["max_paths=4"]
    assert doc["paths"]["total"] == 4  # the 3 paths of at most 3 calls, then one of 4 calls, then the cap
    assert doc["paths"]["exhaustive_up_to"] == 3


def test_from_filters_the_entry(capsys, write):
    text = DIAMOND + "entry: [start, left]\n"
    _, doc = analyze_json(capsys, write("d.yaml", text), "--from", "left")
    assert {tuple(p["calls"]) for p in doc["path_list"]} == {("left", "wipe"), ("left", "back", "drop"),
                                                               ("left", "back", "right", "wipe")}


def test_exit_zero_when_nothing_is_open(capsys, write):
    world = write("e.yaml", OPS)
    policy = write("p.yaml", "policy: strict\nrules:\n  - match: {kind: delete}\n    decision: deny\n")
    code, doc = analyze_json(capsys, world, "--policy", str(policy))
    assert code == 0
    assert doc["paths"]["open"] == 0 and doc["paths"]["blocked"] == doc["paths"]["total"] > 0
    step = doc["path_list"][0]["step"]
    assert doc["path_list"][0]["calls"][step] == "delete_volume"
    assert doc["path_list"][0]["reasons"] == ["rule 1: deny"]


def test_text_and_markdown_reports(capsys, write):
    world = write("e.yaml", OPS)
    policy = write("p.yaml", "policy: p\nforbidden:\n  - [list_volumes, unmount_volume]\n")
    assert main(["analyze", str(world), "--policy", str(policy)]) == 1
    text = capsys.readouterr().out
    assert text.startswith("2 paths from 2 entries to an irreversible operation: 1 blocked, 0 gated, 1 open")
    assert "forbidden: list_volumes -> unmount_volume" in text
    assert main(["analyze", str(world), "--policy", str(policy), "--format", "markdown"]) == 1
    md = capsys.readouterr().out
    assert md.startswith("# ops: p") and "## Blocked paths (1)" in md


def test_out_writes_every_file(capsys, write, tmp_path):
    out = tmp_path / "out"
    assert main(["analyze", str(write("e.yaml", OPS)), "--out", str(out)]) == 1
    capsys.readouterr()
    assert sorted(p.name for p in out.iterdir()) == ["graph.png", "graph.svg", "report.json", "report.md"]
    assert (out / "graph.png").read_bytes()[:4] == b"\x89PNG"
    assert json.loads((out / "report.json").read_text())["paths"]["total"] == 2


def test_bad_arguments_exit_two(capsys, write):
    proc = subprocess.run([sys.executable, "-m", "pathguard.cli.main", "analyze", "x.yaml", "--max-length", "0"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 2
    assert "must be at least 1" in proc.stderr and "Traceback" not in proc.stderr


def test_import_pathguard_stays_light():
    code = ("import sys, pathguard; heavy = {'torch', 'sentence_transformers', 'z3', 'matplotlib', "
            "'psycopg', 'rich'} & set(sys.modules); print(sorted(heavy))")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert proc.stdout.strip() == "[]"


def test_public_facade_is_sorted():
    import pathguard

    assert list(pathguard.__all__) == sorted(pathguard.__all__)
    assert all(hasattr(pathguard, name) for name in pathguard.__all__)
