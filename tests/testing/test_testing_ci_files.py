"""The CI workflow and the pre-commit hooks the repository ships run what docs/ci.md says, and the
committed baseline is current (the workflow's analyze step passes on this repository)."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest
import yaml

from pathguard.cli.main import SUBCOMMANDS, main

REPO = Path(__file__).resolve().parent.parent.parent


def workflow_steps() -> list[dict[str, object]]:
    workflow = yaml.safe_load((REPO / ".github" / "workflows" / "pathguard.yml").read_text())
    assert workflow["permissions"]["security-events"] == "write"
    return workflow["jobs"]["pathguard"]["steps"]


def command(step: dict[str, object]) -> list[str]:
    """The pathguard arguments of a `run:` step, without the shell redirection."""
    words = shlex.split(str(step["run"]).split(">")[0])
    assert words[0] == "pathguard"
    return words[1:]


def test_the_workflow_analyzes_against_the_baseline_fuzzes_and_uploads_sarif() -> None:
    steps = workflow_steps()
    runs = {s.get("id"): command(s) for s in steps if "id" in s}
    assert runs["analyze"][0] == "analyze" and "--baseline" in runs["analyze"]
    assert runs["fuzz"][0] == "fuzz"
    for args in runs.values():
        assert args[args.index("--format") + 1] == "sarif"
    uploads = [s for s in steps if str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif")]
    assert {u["with"]["sarif_file"] for u in uploads} == {"pathguard-analyze.sarif", "pathguard-fuzz.sarif"}


def test_the_committed_baseline_is_current(capsys: pytest.CaptureFixture[str],
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    analyze = next(command(s) for s in workflow_steps() if s.get("id") == "analyze")
    assert (REPO / analyze[analyze.index("--baseline") + 1]).is_file()
    assert main(analyze) == 0, capsys.readouterr().out


def test_the_pre_commit_hooks_call_pathguard_commands() -> None:
    hooks = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert {h["id"] for h in hooks} == {"pathguard-analyze", "pathguard-fuzz"}
    for hook in hooks:
        program, subcommand = hook["entry"].split()
        assert program == "pathguard" and subcommand in SUBCOMMANDS
        assert hook["pass_filenames"] is False and hook["language"] == "python"
