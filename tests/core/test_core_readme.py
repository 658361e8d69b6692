"""The README stays true: its Python examples run, and its first command prints the headline."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text()
BLOCKS = re.findall(r"```python\n(.*?)```", README, re.DOTALL)


def test_readme_has_the_two_commands_first():
    commands = re.findall(r"```sh\n(.*?)```", README, re.DOTALL)[0]
    lines = [line for line in commands.splitlines() if line and not line.startswith("#")]
    assert lines == [
        "bash scripts/setup.sh && .venv/bin/pathguard analyze models/railway/endpoints.yaml "
        "--policy models/railway/policy-pre-incident.yaml",
        "bash scripts/test.sh",
    ]
    assert ".ci/run" not in commands
    assert "bash scripts/test.sh" in (REPO / ".ci" / "run").read_text()


@pytest.mark.parametrize("block", BLOCKS, ids=[f"block{i}" for i in range(len(BLOCKS))])
def test_python_examples_run(block, tmp_path):
    (tmp_path / "models").symlink_to(REPO / "models")
    proc = subprocess.run([sys.executable, "-c", block], cwd=tmp_path, capture_output=True, text=True,
                          check=False, timeout=300,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", "PATHGUARD_CACHE": str(tmp_path)})
    assert proc.returncode == 0, proc.stderr
    for expected in re.findall(r"# (\[.*\])$", block, re.MULTILINE):
        assert expected in proc.stdout
