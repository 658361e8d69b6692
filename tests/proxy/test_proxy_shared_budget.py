"""20 concurrent client sessions through two proxy processes share one team budget on PostgreSQL:
zero overspend (in the store and in what the server really did) and zero lost rows."""

from __future__ import annotations

import sys
from pathlib import Path

import anyio
import psycopg
import pytest
from mcp import Client

from conftest import TOY, Background, proxy_argv, upstream_calls

SESSIONS, CALLS, LIMIT = 20, 10, 60


@pytest.mark.postgres
def test_twenty_proxied_sessions_share_one_budget(postgres_url: str, files: Path, tmp_path: Path,
                                                  write_policy) -> None:  # type: ignore[no-untyped-def]
    with psycopg.connect(postgres_url, autocommit=True) as db:
        db.execute("DROP TABLE IF EXISTS sessions, actions, alerts, approvals, budgets")
    log = tmp_path / "toy-calls.jsonl"
    toy = [sys.executable, str(TOY), str(files), "--log", str(log)]
    policy = write_policy("policy: team\ndefault: allow\n")
    scope = ["--scope", "team", "--scope-limit", str(LIMIT), "--port", "0"]
    web = Background([*toy, "--http"])
    proxies: list[Background] = []
    try:
        toy_url = web.wait_for(r"listening on (\S+)", stream="stdout").group(1)
        proxies = [Background(proxy_argv(policy, postgres_url, *scope, upstream=toy)),          # stdio upstream
                   Background(proxy_argv(policy, postgres_url, *scope, "--upstream", toy_url))]  # HTTP upstream
        urls = [p.wait_for(r"listening on (\S+)").group(1) for p in proxies]
        allowed: list[int] = []

        async def agent(i: int, start: anyio.Event) -> None:
            async with Client(urls[i % 2]) as client:
                await start.wait()
                ok = 0
                for n in range(CALLS):
                    result = await client.call_tool("add_note", {"text": f"agent {i} note {n}"})
                    ok += not result.is_error
                allowed.append(ok)

        async def race() -> None:
            start = anyio.Event()
            with anyio.fail_after(240):
                async with anyio.create_task_group() as tg:
                    for i in range(SESSIONS):
                        tg.start_soon(agent, i, start)
                    await anyio.sleep(1)
                    start.set()
            with anyio.fail_after(20):   # every client ended its session: all sessions closed
                while True:
                    with psycopg.connect(postgres_url) as db:
                        open_ = db.execute("SELECT count(*) FROM sessions WHERE final_state = 'running'")
                        if open_.fetchone() == (0,):
                            return
                    await anyio.sleep(0.2)

        anyio.run(race)
    finally:
        for proxy in proxies:
            proxy.stop()
        web.stop()

    assert sum(allowed) == LIMIT and len(allowed) == SESSIONS
    notes = sorted(files.glob("note-*.txt"))
    assert len(notes) == LIMIT                                           # what really ran upstream
    assert [c["tool"] for c in upstream_calls(log)] == ["add_note"] * LIMIT
    with psycopg.connect(postgres_url) as db:
        used, limit = db.execute("SELECT used, lim FROM budgets WHERE scope = 'team'").fetchone()  # type: ignore[misc]
        rows = db.execute("SELECT session_id, count(*), count(*) FILTER (WHERE effect = 'allow'), max(seq), "
                          "count(*) FILTER (WHERE effect = 'allow' AND result = 'success') "
                          "FROM actions GROUP BY session_id").fetchall()
        sessions = db.execute("SELECT count(*) FROM sessions").fetchone()
    assert (used, limit) == (LIMIT, LIMIT)                               # zero overspend
    assert sessions == (SESSIONS,) and len(rows) == SESSIONS              # one pathguard session each
    assert all(r[1] == CALLS and r[3] == CALLS for r in rows)            # zero lost rows
    assert sum(r[2] for r in rows) == LIMIT == sum(r[4] for r in rows)   # every allowed call recorded as run
