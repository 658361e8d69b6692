"""The shipped simulation report of the article's two weeks is what the code produces now."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def test_two_weeks_report_is_current(tmp_path):
    """Fails when reports/railway/simulation/ is stale: run `bash scripts/reports.sh`."""
    m = "models/railway"
    proc = subprocess.run(
        [sys.executable, "-m", "pathguard.cli.main", "simulate", f"{m}/endpoints.yaml",
         "--policy", f"{m}/policy-post-incident.yaml", "--workload", f"{m}/scenario-two-weeks.yaml",
         "--compare", f"{m}/policy-pre-incident.yaml", "--sweep", "intent.threshold=0:0.6:0.05",
         "--no-timing", "--out", str(tmp_path)],
        cwd=REPO, capture_output=True, text=True, check=False,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "PATHGUARD_CACHE": str(tmp_path / "cache")})
    assert proc.returncode in (0, 1), proc.stderr
    shipped = REPO / "reports" / "railway" / "simulation" / "two-weeks"
    for name in ("report.json", "report.md", "report.txt"):
        assert (tmp_path / name).read_text() == (shipped / name).read_text(), (
            f"reports/railway/simulation/two-weeks/{name} is stale: run `bash scripts/reports.sh`")
