"""`--baseline` and `pathguard diff` on real edits of the Railway policies: new open paths, hazards
that became unsafe and new bypasses fail; fixed findings are listed as fixed; the rest passes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from pathguard.cli.main import main

ENDPOINTS = "railway/endpoints.yaml"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def report(capsys: pytest.CaptureFixture[str], command: str, policy: Path, out: Path) -> Path:
    """Save `command`'s JSON report for `policy` in `out`."""
    _, text, _ = run(capsys, command, ENDPOINTS, "--policy", str(policy), "--format", "json")
    out.write_text(text)
    return out


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


DELETE_RULE = """  - match: {kind: delete}
    decision: approval
    reason: Deletions are never automatic
"""


def test_dropping_the_deletion_rule_opens_new_paths(capsys: pytest.CaptureFixture[str], railway: Path,
                                                    tmp_path: Path) -> None:
    policy = railway / "policy-post-incident.yaml"
    old = report(capsys, "analyze", policy, tmp_path / "old.json")
    code, out, _ = run(capsys, "analyze", ENDPOINTS, "--policy", str(policy), "--baseline", str(old))
    assert code == 0 and "no new findings" in out  # unchanged policy: nothing new, whatever is known
    edit(policy, DELETE_RULE, "")
    code, out, _ = run(capsys, "analyze", ENDPOINTS, "--policy", str(policy), "--baseline", str(old),
                       "--format", "json")
    assert code == 1
    baseline = json.loads(out)["baseline"]
    assert baseline["new_open_paths"]
    assert all(p[-1] in ("remove_deployment", "delete_variable") for p in baseline["new_open_paths"])
    new = report(capsys, "analyze", policy, tmp_path / "new.json")
    code, out, _ = run(capsys, "diff", str(old), str(new))
    assert code == 1 and "new open paths" in out
    code, out, _ = run(capsys, "diff", str(new), str(old), "--format", "json")  # the other way: all fixed
    fixed: dict[str, Any] = json.loads(out)
    assert code == 0
    assert sorted(fixed["fixed_open_paths"]) == sorted(baseline["new_open_paths"])


def test_unblocking_a_service_deletion_makes_a_hazard_unsafe(capsys: pytest.CaptureFixture[str], railway: Path,
                                                             tmp_path: Path) -> None:
    policy = railway / "policy-pre-incident.yaml"
    old = report(capsys, "check", policy, tmp_path / "old.json")
    edit(policy, "endpoint: [delete_service, delete_environment, delete_project]",
         "endpoint: [delete_environment, delete_project]")
    edit(policy, "      endpoint: [scale_service, restart_service",
         "      endpoint: [delete_service, scale_service, restart_service")
    code, out, _ = run(capsys, "check", ENDPOINTS, "--policy", str(policy), "--baseline", str(old), "--format", "json")
    assert code == 1
    comparison = json.loads(out)["baseline"]
    assert comparison["newly_unsafe"] == ["service_lost"]
    assert sorted(comparison["known_unsafe"]) == ["data_loss", "production_broken"]
    code, out, _ = run(capsys, "diff", str(report(capsys, "check", policy, tmp_path / "new.json")), str(old))
    assert code == 0 and "fixed: hazards no longer unsafe (1):\n- service_lost" in out


def test_a_forbidden_pair_that_padding_defeats_is_a_new_bypass(capsys: pytest.CaptureFixture[str],
                                                               railway: Path, tmp_path: Path) -> None:
    policy = railway / "policy-pre-incident.yaml"
    old = report(capsys, "check", policy, tmp_path / "old.json")
    policy.write_text(policy.read_text() + "forbidden:\n  - [unmount_volume, delete_volume]\n")
    code, out, _ = run(capsys, "check", ENDPOINTS, "--policy", str(policy), "--baseline", str(old))
    assert code == 1
    assert "new bypasses (" in out and "unmount_volume → delete_volume" in out


def test_a_fixed_finding_alone_passes(capsys: pytest.CaptureFixture[str], railway: Path, tmp_path: Path) -> None:
    """pre-incident lets the volume be deleted; post-incident (the fix) gates it: only fixes, exit 0."""
    old = report(capsys, "analyze", railway / "policy-pre-incident.yaml", tmp_path / "old.json")
    code, out, _ = run(capsys, "analyze", ENDPOINTS, "--policy", str(railway / "policy-post-incident.yaml"),
                       "--baseline", str(old))
    assert code == 0
    assert "fixed: open paths no longer open" in out and "fixed: hazards no longer unsafe (1):\n- data_loss" in out


def test_a_broken_baseline_is_a_located_error(capsys: pytest.CaptureFixture[str], railway: Path,
                                              tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_text('{"system": "railway",\n "hazards": {"data_loss": {"verdict": "maybe"}}}\n')
    code, out, err = run(capsys, "diff", str(bad), str(bad))
    assert code == 2 and not out
    assert f"{bad}:2:" in err and "hazards.data_loss.verdict" in err
