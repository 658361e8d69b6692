"""kill -9 of agents in the middle of their checks never leaves a budget unit without its row:
the unit and the row are one statement, so they commit together or not at all."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import time
from pathlib import Path

import psycopg
import pytest

from pathguard.store.base import open_store
from pg_server import empty_postgres

HERE = Path(__file__).resolve().parent
AT_ONCE, KILLS = 8, 16


def stop(agent: subprocess.Popen[str]) -> None:
    agent.kill()
    agent.wait()
    for pipe in (agent.stdin, agent.stdout):
        if pipe is not None:
            pipe.close()


@pytest.mark.postgres
def test_agents_killed_at_random_moments_leave_no_unit_without_its_row(postgres_url: str) -> None:
    empty_postgres(postgres_url)
    store = open_store(postgres_url)
    store.ensure_scope("team", 10**9)
    store.close()
    seed = random.randrange(1 << 30)
    rng = random.Random(seed)
    env = {**os.environ, "PYTHONPATH": str(HERE.parent.parent / "src")}
    live: list[tuple[subprocess.Popen[str], float]] = []
    started = killed = 0
    try:
        while killed < KILLS:
            spawned = [subprocess.Popen([sys.executable, str(HERE / "store_agent.py"), postgres_url, "team", "0",
                                         f"k{started + i}"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, env=env) for i in range(AT_ONCE - len(live))]
            started += len(spawned)
            for agent in spawned:  # started together, each told to go once it is connected
                assert agent.stdout is not None and agent.stdout.readline().strip() == "ready"
                assert agent.stdin is not None
                agent.stdin.write("go\n")
                agent.stdin.flush()
                live.append((agent, time.monotonic() + rng.uniform(0.05, 0.8)))
            now = time.monotonic()
            for entry in [e for e in live if e[1] <= now]:
                stop(entry[0])  # SIGKILL, wherever it is in its check
                live.remove(entry)
                killed += 1
            time.sleep(0.005)
    finally:
        for agent, _ in live:
            stop(agent)
    with psycopg.connect(postgres_url) as db:
        used = db.execute("SELECT used FROM budgets WHERE scope = 'team'").fetchone()
        counts = db.execute("SELECT count(*), count(*) FILTER (WHERE effect = 'allow') FROM actions").fetchone()
    assert used is not None and counts is not None
    rows, allowed = counts
    print(f"seed {seed}: {killed} agents killed, {rows} rows, {used[0]} units used, {allowed} allowed rows")
    assert rows > KILLS  # the agents did run checks before they were killed
    assert used[0] == allowed, f"seed {seed}: {used[0]} units used but {allowed} allowed rows"
