"""The seed analysis: 14 paths from list_volumes, 3 blocked by the pre-incident policy;
and the shipped reports are what the current code produces."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pathguard.analysis import analyze
from pathguard.cli.main import main
from pathguard.model.load import load_world
from pathguard.policy.load import load_policy

REPO = Path(__file__).resolve().parents[2]
RAILWAY = REPO / "models" / "railway"


def railway(policy: str | None):
    world = load_world(RAILWAY / "endpoints.yaml")
    return world, (load_policy(RAILWAY / f"policy-{policy}.yaml", world) if policy else None)


def test_fourteen_paths_three_blocked_before_the_incident():
    doc = analyze(*railway("pre-incident")).document
    assert doc.graph.entries == ["list_volumes"]
    assert (doc.paths.total, doc.paths.blocked, doc.paths.complete) == (14, 3, True)
    assert doc.paths.open == 11
    assert all(p.calls[0] == "list_volumes" for p in doc.path_list)


def test_post_incident_policy_leaves_no_path_open():
    doc = analyze(*railway("post-incident")).document
    assert doc.paths.total == 14
    assert doc.paths.open == 0


def test_the_model_loads_without_warnings():
    world, _ = railway(None)
    assert world.warnings == ()
    assert all(e.description for e in world.endpoints)


def test_the_article_headline_in_the_cli(capsys, monkeypatch):
    monkeypatch.chdir(REPO)
    code = main(["analyze", "models/railway/endpoints.yaml", "--policy",
                 "models/railway/policy-pre-incident.yaml"])
    out = capsys.readouterr().out
    assert code == 1  # open paths: CI gating fails
    assert out.splitlines()[0] == ("14 paths from list_volumes to an irreversible operation: 3 blocked, 0 gated, 11 open "
                                   "(6 of them executable as they stand)")


@pytest.mark.parametrize("policy", ["pre-incident", "post-incident", "no-policy"])
def test_shipped_reports_are_current(tmp_path, policy):
    """Fails when reports/railway/ is stale: run `bash scripts/reports.sh`."""
    args = ["analyze", "models/railway/endpoints.yaml", "--out", str(tmp_path), "--format", "json"]
    if policy != "no-policy":
        args += ["--policy", f"models/railway/policy-{policy}.yaml"]
    proc = subprocess.run([sys.executable, "-m", "pathguard.cli.main", *args], cwd=REPO,
                          capture_output=True, text=True, check=False,
                          env={**os.environ, "PYTHONPATH": str(REPO / "src")})
    assert proc.returncode in (0, 1), proc.stderr
    shipped = REPO / "reports" / "railway" / policy
    for name in ("report.json", "report.md"):
        assert (tmp_path / name).read_text() == (shipped / name).read_text(), (
            f"reports/railway/{policy}/{name} is stale: run `bash scripts/reports.sh`")
    assert json.loads(proc.stdout) == json.loads((shipped / "report.json").read_text())
    for name in ("graph.png", "graph.svg"):
        assert (shipped / name).stat().st_size > 1000
