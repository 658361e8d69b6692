"""Bad input to `fuzz` and `replay` is a located error (exit 2, nothing on stdout), never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pathguard.cli.main import main

HERE = Path(__file__).resolve().parent
ENDPOINTS = str(HERE.parent.parent / "models" / "railway" / "endpoints.yaml")
POLICY = str(HERE / "data" / "policy-tight.yaml")


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(("text", "line", "expected"), [
    ("invariants:\n  - name: x\n    holds: \"deletes <= \"\n", 3, "cannot parse"),
    ("invariants:\n  - name: x\n    holds: \"delets <= 1\"\n", 3, "did you mean `deletes`"),
    ("invariants:\n  - name: x\n    never: data_los\n", 3, "did you mean `data_loss`"),
    ("invariants:\n  - name: x\n    holds: \"deletes <= 1\"\n    never: data_loss\n", 2, "not both"),
    ("invariants:\n  - name: x\n    holds: \"deletes <= 1\"\n    unless_approved_by: [alice]\n", 2,
     "goes with `never"),
    ("invariants:\n  - name: x\n    never: data_loss\n    unless_approved_by: [\"al\\u200bice\"]\n", 4,
     "invisible"),
    ("invariants: []\n", 1, "at least 1"),
])
def test_invariant_errors_are_located(capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str, line: int,
                                      expected: str) -> None:
    path = tmp_path / "invariants.yaml"
    path.write_text(text)
    code, out, err = run(capsys, "fuzz", ENDPOINTS, "--policy", POLICY, "--invariants", str(path), "--no-check")
    assert code == 2 and not out
    assert f"{path}:{line}:" in err and expected in err


def test_a_guard_that_cannot_be_imported_is_an_input_error(capsys: pytest.CaptureFixture[str]) -> None:
    for spec, expected in (("nowhere:make", "cannot import `nowhere`"), ("fuzz_doubles:nothing", "no function"),
                           ("fuzz_doubles", "not MODULE:FUNCTION")):
        code, out, err = run(capsys, "fuzz", ENDPOINTS, "--policy", POLICY, "--guard", spec, "--no-check")
        assert code == 2 and not out and expected in err


def failing_trace(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    code, _, _ = run(capsys, "fuzz", ENDPOINTS, "--policy", POLICY, "--guard", "fuzz_doubles:leaky_guard",
                     "--no-check", "--out", str(tmp_path))
    assert code == 1
    return tmp_path / "fuzz-trace.json"


def test_a_broken_trace_is_a_located_error(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    trace = failing_trace(capsys, tmp_path)
    data = json.loads(trace.read_text())
    data["operations"][0] = {"op": "call", "endpoint": "delete_everything"}
    trace.write_text(json.dumps(data, indent=2))
    code, out, err = run(capsys, "replay", str(trace))
    assert code == 2 and not out
    assert "operations[0].endpoint" in err and "`delete_everything` is not an endpoint" in err
    data["operations"][0] = {"op": "teleport"}
    trace.write_text(json.dumps(data, indent=2))
    code, out, err = run(capsys, "replay", str(trace))
    assert code == 2 and "operations[0].op" in err


def test_replay_says_when_the_policy_changed_and_the_sequence_passes(capsys: pytest.CaptureFixture[str],
                                                                      tmp_path: Path) -> None:
    policy = tmp_path / "policy.yaml"
    policy.write_text(Path(POLICY).read_text())
    code, _, _ = run(capsys, "fuzz", ENDPOINTS, "--policy", str(policy), "--guard", "fuzz_doubles:leaky_guard",
                     "--no-check", "--out", str(tmp_path))
    assert code == 1
    policy.write_text(policy.read_text().replace("max_actions: 3", "max_actions: 30"))  # the "fix"
    code, out, _ = run(capsys, "replay", str(tmp_path / "fuzz-trace.json"))
    assert code == 0
    assert f"note: {policy} changed since the trace was saved" in out and "PASSED" in out
