"""Every run has limits, and what they cut off is `unknown` with the limit named (SPEC §5).

Measured on the old main: `check` on a 468-operation payment API with no policy was killed
at 607 s and 15.1 GB with no output; with `--bound 3 --max-length 4` it wrote 1.25 GB of
text. Output must stay proportional: long lists summarised, trace steps showing only what
changed.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from mckit import policy, run, world

from pathguard.cli.main import main
from pathguard.modelcheck.limits import Limits

WIDE = 180  # endpoints of the generated API (60 hazards: more than a report lists)


def wide_api(endpoints: int = WIDE) -> dict[str, Any]:
    """A REST-shaped API: per resource a list, a stop and a delete, one hazard per resource, and a
    counter rule that keeps the session state from collapsing."""
    eps: dict[str, Any] = {}
    state: dict[str, Any] = {}
    hazards: dict[str, Any] = {}
    for i in range(endpoints // 3):
        r = f"res{i:03d}"
        state[f"{r}_state"] = {"values": ["active", "stopped", "deleted"], "initial": "active"}
        eps[f"list_{r}"] = {"kind": "read", "resource": r, "produces": [f"{r}_id"]}
        eps[f"stop_{r}"] = {"kind": "write", "resource": r, "needs": [f"{r}_id"], "sets": {f"{r}_state": "stopped"}}
        eps[f"delete_{r}"] = {"kind": "delete", "resource": r, "needs": [f"{r}_id"],
                              "when": {f"{r}_state": "stopped"}, "sets": {f"{r}_state": "deleted"}}
        hazards[f"{r}_gone"] = {f"{r}_state": "deleted"}
    return {"system": "wide", "state": state, "endpoints": eps, "hazards": hazards}


WIDE_POLICY = 'policy: p\nrules:\n  - match: {kind: delete}\n    when: "same_resource_reads < 2"\n    decision: deny\n'


def test_a_state_limit_gives_unknown_with_the_limit_named() -> None:
    w = world(yaml.safe_dump(wide_api(30)))
    p = policy(w, WIDE_POLICY)
    result = run(w, p, "explicit", max_states=500, knowledge="discover")
    unknown = [h for h in result.hazards.values() if h.verdict == "unknown"]
    assert unknown and all(h.limit == "state limit 500 (--max-states)" for h in unknown)
    assert all(h.verdict != "safe" for h in result.hazards.values())


def test_a_time_limit_stops_every_engine(tmp_path: Any) -> None:
    w = world(yaml.safe_dump(wide_api(30)))
    p = policy(w, WIDE_POLICY)
    result = run(w, p, "auto", limits=Limits(seconds=0.0), knowledge="discover")
    assert {h.verdict for h in result.hazards.values()} <= {"unknown", "safe"}
    for h in result.hazards.values():
        if h.verdict == "unknown":
            assert h.limit == "time limit 0 s (--time-limit)"
        else:
            assert h.engine == "static"  # proved before any search


@pytest.mark.parametrize("fmt", ["text", "markdown"])
def test_reports_stay_proportional_on_a_wide_api(tmp_path: Any, capsys: pytest.CaptureFixture[str],
                                                 fmt: str) -> None:
    spec = tmp_path / "wide.yaml"
    spec.write_text(yaml.safe_dump(wide_api()))
    code = main(["check", str(spec), "--format", fmt, "--time-limit", "20"])
    out = capsys.readouterr().out
    assert code == 1
    lines = out.splitlines()
    assert len(lines) < 250, len(lines)
    assert "… and" in out and "more (every one is in --format json)" in out
    assert main(["check", str(spec), "--format", "json", "--time-limit", "20"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert len(doc["hazards"]) == WIDE // 3
    for h in doc["hazards"].values():
        assert h["verdict"] == "unsafe" and h["assumptions"]
        for step in h["steps"]:
            assert len(step["world"]) == WIDE // 3 and len(step["changed"]) <= 1
