"""Many agents, one budget: 20 processes on one PostgreSQL store never overspend a team scope."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

HERE = Path(__file__).resolve().parent
ENDPOINTS = HERE.parent / "runtime" / "data" / "endpoints.yaml"
AGENTS, CALLS, LIMIT = 20, 10, 60


@pytest.mark.postgres
def test_twenty_agent_processes_share_one_budget(postgres_url: str) -> None:
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute("DROP TABLE IF EXISTS sessions, actions, alerts, approvals, budgets, schema_version")
    procs = [subprocess.Popen([sys.executable, str(HERE / "pg_agent.py"), postgres_url, str(ENDPOINTS),
                               str(CALLS), str(i)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
             for i in range(AGENTS)]
    for p in procs:  # every agent loaded and connected: now they race
        assert p.stdout is not None and p.stdout.readline().strip() == "ready"
    outputs = [p.communicate("go\n", timeout=120)[0].split() for p in procs]
    assert all(p.returncode == 0 for p in procs)
    allowed = sum(int(out[0]) for out in outputs)
    sessions = {out[1] for out in outputs}

    with psycopg.connect(postgres_url) as db:
        used, limit = db.execute("SELECT used, lim FROM budgets WHERE scope = 'team'").fetchone()  # type: ignore[misc]
        rows = db.execute("SELECT session_id, count(*), count(*) FILTER (WHERE effect = 'allow'), "
                          "max(seq) FROM actions GROUP BY session_id").fetchall()
        finals = db.execute("SELECT final_state, count(*) FROM sessions GROUP BY final_state").fetchall()
    assert (used, limit) == (LIMIT, LIMIT)   # zero overspend, and the budget was fully usable
    assert allowed == LIMIT                  # what the agents were told matches the database
    assert {r[0] for r in rows} == sessions  # no lost rows: every action of every session is there
    assert all(r[1] == CALLS and r[3] == CALLS for r in rows)
    assert sum(r[2] for r in rows) == LIMIT
    assert sum(n for _, n in finals) == AGENTS
