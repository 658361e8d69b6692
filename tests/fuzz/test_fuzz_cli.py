"""`pathguard fuzz` and `pathguard replay` end to end on the Railway model.

The headline: a bug planted in a test double of the runtime (a sub-agent
whose calls are decided against itself alone, so it escapes its ancestors'
budget) is found within the default budget and shrunk to at most 6
operations; the saved trace replays to the same violation; the shipped
policies pass.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pathguard.cli.main import main

HERE = Path(__file__).resolve().parent
DATA = HERE / "data"
RAILWAY = HERE.parent.parent / "models" / "railway"
ENDPOINTS = str(RAILWAY / "endpoints.yaml")


def fuzz(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["fuzz", ENDPOINTS, *args])
    out, err = capsys.readouterr()
    return code, out, err


def test_planted_budget_escape_is_found_shrunk_and_replayed(capsys: pytest.CaptureFixture[str],
                                                            tmp_path: Path) -> None:
    code, out, err = fuzz(capsys, "--policy", str(DATA / "policy-tight.yaml"),
                          "--guard", "fuzz_doubles:leaky_guard", "--out", str(tmp_path), "--format", "json")
    assert code == 1, err
    report = json.loads(out)
    failure = report["failure"]
    assert len(failure["operations"]) <= 6
    assert "budget" in [v["property"] for v in failure["violations"]]
    assert failure["log"][-1].endswith("<-- VIOLATION")
    trace = tmp_path / "fuzz-trace.json"
    assert json.loads(trace.read_text())["operations"] == failure["operations"]
    for _ in range(2):  # deterministic: the same violation at the same step, every time
        assert main(["replay", str(trace)]) == 1
        replayed = capsys.readouterr().out
        assert f"REPRODUCED at operation {failure['step']}:" in replayed
        assert replayed.splitlines()[:len(failure["log"])] == failure["log"]


def test_the_text_report_shows_the_minimal_sequence(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, _ = fuzz(capsys, "--policy", str(RAILWAY / "policy-post-incident.yaml"), "--no-check",
                        "--guard", "fuzz_doubles:leaky_guard", "--out", str(tmp_path))
    assert code == 1
    assert "FAILED: " in out and "<-- VIOLATION" in out
    steps = [line for line in out.splitlines() if line.startswith("  ") and ". " in line[:8]]
    assert 1 <= len(steps) <= 6
    assert f"pathguard replay {tmp_path / 'fuzz-trace.json'}" in out


@pytest.mark.parametrize("policy", ["policy-post-incident.yaml", "policy-pre-incident.yaml"])
def test_the_shipped_policies_pass(capsys: pytest.CaptureFixture[str], tmp_path: Path, policy: str) -> None:
    code, out, err = fuzz(capsys, "--policy", str(RAILWAY / policy), "--out", str(tmp_path))
    assert code == 0, out + err
    assert "PASSED" in out
    assert "replayed through the runtime" in out  # every unsafe counterexample ran through a real guard
    assert not (tmp_path / "fuzz-trace.json").exists()


def test_same_seed_same_run(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    args = ["--policy", str(DATA / "policy-tight.yaml"), "--guard", "fuzz_doubles:leaky_guard", "--no-check",
            "--examples", "30", "--seed", "7", "--format", "json", "--out", str(tmp_path)]
    runs = []
    for _ in range(2):
        code, out, _ = fuzz(capsys, *args)
        report = json.loads(out)
        for key in ("seconds", "operations_per_second"):
            report.pop(key)
        runs.append((code, report))
    assert runs[0] == runs[1]


def test_invariants_of_the_user_fail_with_a_minimal_sequence(capsys: pytest.CaptureFixture[str],
                                                             tmp_path: Path) -> None:
    code, out, _ = fuzz(capsys, "--policy", str(DATA / "policy-one-write.yaml"), "--no-check",
                        "--invariants", str(DATA / "invariants.yaml"), "--format", "json", "--out", str(tmp_path))
    assert code == 1
    failure = json.loads(out)["failure"]
    assert [v["property"] for v in failure["violations"]] == ["invariant"]
    assert len(failure["operations"]) <= 6
    assert any(op["op"] == "wait" for op in failure["operations"])  # the window had to slide


def test_never_unless_approved_by_holds_when_the_named_approver_grants(capsys: pytest.CaptureFixture[str],
                                                                       tmp_path: Path) -> None:
    args = ["--invariants", str(DATA / "invariants-alice.yaml"), "--no-check", "--format", "json", "--examples", "300",
            "--out", str(tmp_path)]
    code, out, _ = fuzz(capsys, "--policy", str(DATA / "policy-alice.yaml"), *args)
    assert code == 0, json.loads(out)["failure"]
    code, out, _ = fuzz(capsys, "--policy", str(RAILWAY / "policy-pre-incident.yaml"), *args)
    assert code == 1  # pre-incident lets the agent delete the volume on its own
    violation = json.loads(out)["failure"]["violations"][0]
    assert violation["property"] == "invariant" and violation["hazard"] == "data_loss"


@pytest.mark.parametrize(("factory", "prop"), [
    ("trusting_guard", "semantics"),  # uses unsigned and impostor grants
    ("generous_guard", "subagent-budget"),
    ("forgetful_guard", "trace"),
    ("leaky_guard", "semantics"),  # a sub-agent escapes a rule its parent's counts trigger
])
def test_each_planted_bug_breaks_its_property(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                              factory: str, prop: str) -> None:
    code, out, _ = fuzz(capsys, "--policy", str(RAILWAY / "policy-post-incident.yaml"), "--no-check",
                        "--guard", f"fuzz_doubles:{factory}", "--format", "json", "--out", str(tmp_path))
    assert code == 1
    failure = json.loads(out)["failure"]
    assert prop in [v["property"] for v in failure["violations"]], failure
    assert len(failure["operations"]) <= 8


def test_a_policy_that_lets_a_safe_hazard_through_is_caught(capsys: pytest.CaptureFixture[str],
                                                          tmp_path: Path) -> None:
    """pre-incident proves `service_lost` safe; a guard that enforces nothing reaches it."""
    code, out, _ = fuzz(capsys, "--policy", str(RAILWAY / "policy-pre-incident.yaml"), "--format", "json",
                        "--guard", "fuzz_doubles:permissive_guard", "--out", str(tmp_path))
    assert code == 1
    report = json.loads(out)
    assert report["hazards"]["service_lost"]["verdict"] == "safe"
    assert "semantics" in [v["property"] for v in report["failure"]["violations"]]


def test_sqlite_store(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, out, err = fuzz(capsys, "--policy", str(RAILWAY / "policy-post-incident.yaml"), "--no-check",
                          "--examples", "10", "--store", f"sqlite:///{tmp_path / 'fuzz.db'}", "--out", str(tmp_path))
    assert code == 0, out + err


@pytest.mark.postgres
def test_postgres_store(capsys: pytest.CaptureFixture[str], tmp_path: Path, postgres_url: str) -> None:
    code, out, err = fuzz(capsys, "--policy", str(DATA / "policy-tight.yaml"), "--no-check",
                          "--examples", "5", "--store", postgres_url, "--out", str(tmp_path))
    assert code == 0, out + err
