"""`pathguard trace list|show`: the audit view of what the guard recorded."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from pathguard.cli.main import main
from pathguard.runtime import Guard
from pathguard.runtime.clock import ManualClock


def test_trace_list_and_show(make_guard: Callable[..., Guard], clock: ManualClock, tmp_path: Path,
                             capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'trace.db'}"
    guard = make_guard(store=url)
    with guard.session(agent="ops-agent", intent="inspect storage volumes") as s:
        d = s.check("list_volumes", {"project": "p1"})
        s.record(d, result="success", latency_ms=41, token_cost=350)
        s.check("unmount_volume", {"volume_id": "vol-7"})
    clock.advance(1)  # the listing is newest first: the second session starts later
    other = guard.session(agent="billing", intent="send invoices")
    other.close()
    guard.close()

    assert main(["trace", "list", "--store", url]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert [line.split()[0] for line in listed] == [other.session_id, s.session_id]
    assert "blocked" in listed[1] and "ops-agent: inspect storage volumes" in listed[1]
    assert main(["trace", "list", "--agent", "billing", "--store", url]) == 0
    assert capsys.readouterr().out.split()[0] == other.session_id

    assert main(["trace", "show", s.session_id[:10], "--store", url]) == 0
    shown = capsys.readouterr().out
    assert "final state: blocked" in shown and "intent: inspect storage volumes" in shown
    assert '1 ' in shown and 'list_volumes {"project": "p1"}' in shown
    assert "(result success, 41.0 ms, 350 tokens)" in shown
    assert "- forbidden: list_volumes -> unmount_volume" in shown

    assert main(["trace", "show", s.session_id, "--format", "json", "--store", url]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["session"]["agent"] == "ops-agent"
    assert [a["effect"] for a in doc["actions"]] == ["allow", "deny"]
    assert doc["actions"][0]["token_cost"] == 350

    assert main(["trace", "show", "zzz", "--store", url]) == 2
    assert "no session `zzz`" in capsys.readouterr().err
    assert main(["trace", "list", "--store", f"sqlite:///{tmp_path / 'absent.db'}"]) == 2
