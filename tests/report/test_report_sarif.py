"""SARIF 2.1.0 from analyze, check and fuzz: valid against the official schema, one rule per finding
kind, each result at the line of endpoints.yaml or policy.yaml it concerns."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sarif_schema import assert_valid_sarif

from pathguard.cli.main import main
from pathguard.inputs import load_inputs
from pathguard.report.sarif import RULES

FUZZ_DATA = Path(__file__).resolve().parent.parent / "fuzz" / "data"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, dict[str, Any]]:
    code = main(list(argv))
    return code, json.loads(capsys.readouterr().out)


def results(log: dict[str, Any]) -> list[dict[str, Any]]:
    assert_valid_sarif(log)
    run_ = log["runs"][0]
    assert [r["id"] for r in run_["tool"]["driver"]["rules"]] == list(RULES)
    return run_["results"]


def where(result: dict[str, Any]) -> tuple[str, int]:
    loc = result["locations"][0]["physicalLocation"]
    return loc["artifactLocation"]["uri"], loc["region"]["startLine"]


def add_forbidden(policy: Path, entry: str) -> None:
    policy.write_text(policy.read_text() + f"forbidden:\n  - {entry}\n")


def test_analyze_points_open_paths_at_their_target_and_hazards_at_their_line(
        capsys: pytest.CaptureFixture[str], railway: Path) -> None:
    code, log = run(capsys, "analyze", "railway/endpoints.yaml", "--policy", "railway/policy-pre-incident.yaml",
                    "--format", "sarif")
    assert code == 1
    world = load_inputs("railway/endpoints.yaml").world
    found = results(log)
    opened = [r for r in found if r["ruleId"] == "open-path"]
    assert opened
    for r in opened:
        target = r["message"]["text"].split("reaches `")[1].split("`")[0]
        assert where(r) == ("railway/endpoints.yaml", world.by_name[target].line)
        assert r["codeFlows"][0]["threadFlows"][0]["locations"]
        assert r["relatedLocations"]
    unsafe = {r["message"]["text"].split("`")[1]: r for r in found if r["ruleId"] == "unsafe-hazard"}
    assert set(unsafe) == {"data_loss", "production_broken"}
    assert where(unsafe["data_loss"]) == ("railway/endpoints.yaml", world.hazard_lines["data_loss"])
    assert "unmount_volume" in unsafe["data_loss"]["message"]["text"]  # the trace is in the message


def test_gated_paths_point_at_the_rule_that_gates_them(capsys: pytest.CaptureFixture[str], railway: Path) -> None:
    _, log = run(capsys, "analyze", "railway/endpoints.yaml", "--policy", "railway/policy-post-incident.yaml",
                 "--format", "sarif")
    gated = [r for r in results(log) if r["ruleId"] == "gated-path"]
    assert gated
    lines = (railway / "policy-post-incident.yaml").read_text().splitlines()
    for r in gated:
        uri, line = where(r)
        assert uri == "railway/policy-post-incident.yaml"
        assert lines[line - 1].strip().startswith(("- match: {kind: delete}", "critical:"))


def test_check_points_a_bypass_at_the_forbidden_entry(capsys: pytest.CaptureFixture[str], railway: Path) -> None:
    policy = railway / "policy-pre-incident.yaml"
    add_forbidden(policy, "[unmount_volume, delete_volume]")
    code, log = run(capsys, "check", "railway/endpoints.yaml", "--policy", str(policy.relative_to(railway.parent)),
                    "--format", "sarif")
    assert code == 1
    bypasses = [r for r in results(log) if r["ruleId"] == "bypass"]
    assert bypasses
    uri, line = where(bypasses[0])
    assert uri == "railway/policy-pre-incident.yaml"
    assert policy.read_text().splitlines()[line - 1].strip() == "- [unmount_volume, delete_volume]"
    assert len(bypasses[0]["codeFlows"][0]["threadFlows"][0]["locations"]) >= 3  # padded


def test_fingerprints_follow_the_finding_not_the_line(capsys: pytest.CaptureFixture[str], railway: Path) -> None:
    args = ["analyze", "railway/endpoints.yaml", "--policy", "railway/policy-pre-incident.yaml", "--format", "sarif"]
    _, before = run(capsys, *args)
    endpoints = railway / "endpoints.yaml"
    endpoints.write_text("# moved down\n# by two lines\n" + endpoints.read_text())
    _, after = run(capsys, *args)
    first, second = results(before), results(after)
    assert [r["partialFingerprints"] for r in first] == [r["partialFingerprints"] for r in second]
    assert [where(r)[1] + 2 for r in first] == [where(r)[1] for r in second]


def test_fuzz_points_a_broken_budget_at_its_clause(capsys: pytest.CaptureFixture[str], railway: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.syspath_prepend(str(FUZZ_DATA.parent))  # fuzz_doubles: the runtime with a planted bug
    policy = railway / "policy-tight.yaml"
    policy.write_text((FUZZ_DATA / "policy-tight.yaml").read_text())
    code, log = run(capsys, "fuzz", "railway/endpoints.yaml", "--policy", "railway/policy-tight.yaml", "--no-check",
                    "--guard", "fuzz_doubles:leaky_guard", "--format", "sarif", "--out", str(railway / "out"))
    assert code == 1
    found = results(log)
    assert {r["ruleId"] for r in found} == {"fuzz-property"}
    lines = policy.read_text().splitlines()
    budget = next(r for r in found if "`budget`" in r["message"]["text"])
    uri, line = where(budget)
    assert uri == "railway/policy-tight.yaml" and lines[line - 1].strip().startswith("max_actions:")
    assert "Minimal sequence: 1." in budget["message"]["text"]


def test_a_clean_fuzz_run_is_an_empty_valid_log(capsys: pytest.CaptureFixture[str], railway: Path) -> None:
    code, log = run(capsys, "fuzz", "railway/endpoints.yaml", "--policy", "railway/policy-post-incident.yaml",
                    "--no-check", "--examples", "10", "--format", "sarif", "--out", str(railway / "out"))
    assert code == 0
    assert results(log) == []
