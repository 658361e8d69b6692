"""The Railway model (models/railway): what each policy lets an agent reach."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pathguard.cli.main import main
from pathguard.model.load import load_world
from pathguard.modelcheck import analyze_hazards
from pathguard.modelcheck.bypass import blocked_paths
from pathguard.modelcheck.check import check
from pathguard.modelcheck.results import calls_of
from pathguard.policy.load import load_policy

RAILWAY = Path(__file__).resolve().parents[2] / "models" / "railway"


@pytest.fixture(scope="module")
def railway():
    return load_world(RAILWAY / "endpoints.yaml")


def test_pre_incident_policy_lets_the_agent_delete_the_volume(railway) -> None:
    policy = load_policy(RAILWAY / "policy-pre-incident.yaml", railway)
    blocked = blocked_paths(railway, policy)
    result = analyze_hazards(railway, policy, blocked, engine="explicit")
    hazards = result["hazards"]
    assert hazards["data_loss"]["verdict"] == "unsafe"
    assert hazards["data_loss"]["trace"] == ["list_volumes", "unmount_volume", "delete_volume"]
    assert (hazards["production_broken"]["verdict"], hazards["production_broken"]["depth"]) == ("unsafe", 4)
    for name in ("secrets_lockout", "service_lost"):
        assert hazards[name]["verdict"] == "safe"
        assert hazards[name]["proof"].startswith("state space exhausted")
    assert len(blocked) == 3
    assert result["bypasses"] == []
    assert {u["verdict"] for u in result["blocked_unreached"]} == {"unreachable"}


def test_post_incident_policy_still_breaks_production(railway) -> None:
    policy = load_policy(RAILWAY / "policy-post-incident.yaml", railway)
    result = check(railway, policy, engine="smt", bound=5)
    h = result.hazards["production_broken"]
    assert (h.verdict, h.depth) == ("unsafe", 4)
    assert calls_of(h.trace)[-2:] == ["modify_production_env", "scale_service"]
    assert result.hazards["data_loss"].verdict == "safe"
    assert result.hazards["data_loss"].engine == "smt (spacer)"


def test_check_cli_json_and_exit_code(capsys) -> None:
    code = main(["check", str(RAILWAY / "endpoints.yaml"), "--policy",
                 str(RAILWAY / "policy-pre-incident.yaml"), "--engine", "explicit", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert out["hazards"]["data_loss"]["depth"] == 3
    assert out["hazards"]["data_loss"]["steps"][0]["decision"] == "allow"


def test_check_cli_markdown_and_bad_bound(capsys) -> None:
    args = ["check", str(RAILWAY / "endpoints.yaml"), "--engine", "explicit"]
    assert main([*args, "--format", "markdown"]) == 1
    assert "**data_loss**" in capsys.readouterr().out
    assert main([*args, "--bound", "-1"]) == 2
    assert "--bound" in capsys.readouterr().err
