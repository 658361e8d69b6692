"""The runnable example (examples/ci-guarded-tools) passes under pytest with the plugin, with either
store, and fails when a tool escapes its guard."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).resolve().parent.parent.parent / "examples" / "ci-guarded-tools"


def pytest_in(directory: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTEST")}
    return subprocess.run([sys.executable, "-m", "pytest", "-q", *args], cwd=directory, env=env,
                          capture_output=True, text=True, timeout=600, check=False)


@pytest.mark.parametrize("store", ["memory", "sqlite"])
def test_the_example_passes(store: str) -> None:
    done = pytest_in(EXAMPLE, "--pathguard-store", store)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "5 passed" in done.stdout


def test_an_unguarded_tool_fails_the_example(tmp_path: Path) -> None:
    copy = tmp_path / "example"
    shutil.copytree(EXAMPLE, copy)
    tools = copy / "tools.py"
    text = tools.read_text()
    assert '@GUARD.tool("delete_volume")\n' in text
    tools.write_text(text.replace('@GUARD.tool("delete_volume")\n', ""))  # someone forgot the decorator
    done = pytest_in(copy, "-k", "no_tool_runs")
    assert done.returncode == 1, done.stdout
    assert "delete_volume" in done.stdout and ("semantics says" in done.stdout or "trace" in done.stdout)
