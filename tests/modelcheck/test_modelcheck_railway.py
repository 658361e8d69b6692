"""The Railway model (models/railway): what each policy lets an agent reach."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pathguard.cli.main import main
from pathguard.model.load import load_world
from pathguard.modelcheck.bypass import blocked_paths
from pathguard.modelcheck.check import check
from pathguard.modelcheck.system import Options
from pathguard.policy.load import load_policy

RAILWAY = Path(__file__).resolve().parents[2] / "models" / "railway"


@pytest.fixture(scope="module")
def railway():
    return load_world(RAILWAY / "endpoints.yaml")


def test_pre_incident_policy_lets_the_agent_delete_the_volume(railway) -> None:
    """Knowing the volume's id (given, the default) it takes two calls; discovering it, the
    incident's three: list the volumes, unmount the volume, delete it."""
    policy = load_policy(RAILWAY / "policy-pre-incident.yaml", railway)
    blocked = blocked_paths(railway, policy)
    given = check(railway, policy, engine="explicit", blocked=blocked)
    assert given.hazards["data_loss"].trace == ["unmount_volume", "delete_volume"]
    discover = check(railway, policy, engine="explicit", options=Options(knowledge="discover"))
    assert discover.hazards["data_loss"].trace == ["list_volumes", "unmount_volume", "delete_volume"]
    assert (discover.hazards["production_broken"].verdict, discover.hazards["production_broken"].depth) == \
        ("unsafe", 4)
    for result in (given, discover):
        for name in ("secrets_lockout", "service_lost"):
            h = result.hazards[name]
            assert h.verdict == "safe" and (h.proof or "").startswith("state space exhausted")
            assert "no approval is granted" in h.assumptions
    assert len(blocked) == 3
    assert given.bypasses == [] and given.target_reachable == []
    assert {u.verdict for u in given.unbypassed} == {"no bypass"}
    assert all((u.proof or "").startswith("static: the target") for u in given.unbypassed)


def test_post_incident_policy_still_breaks_production(railway) -> None:
    policy = load_policy(RAILWAY / "policy-post-incident.yaml", railway)
    result = check(railway, policy, engine="smt", bound=5, options=Options(knowledge="discover"))
    h = result.hazards["production_broken"]
    assert (h.verdict, h.depth) == ("unsafe", 4)
    assert h.trace[-2:] == ["modify_production_env", "scale_service"]
    assert result.hazards["data_loss"].verdict == "safe"
    assert result.hazards["data_loss"].engine == "smt (spacer)"


def test_check_cli_json_and_exit_code(capsys) -> None:
    code = main(["check", str(RAILWAY / "endpoints.yaml"), "--policy",
                 str(RAILWAY / "policy-pre-incident.yaml"), "--engine", "explicit", "--format", "json"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert out["hazards"]["data_loss"]["depth"] == 2
    assert out["hazards"]["data_loss"]["steps"][0]["decision"] == "allow"
    assert out["hazards"]["data_loss"]["steps"][0]["changed"] == {"volume": "unmounted"}
    assert out["knowledge"] == "given" and "no sub-agents" in out["hazards"]["data_loss"]["assumptions"]


def test_check_cli_markdown_and_bad_bound(capsys) -> None:
    args = ["check", str(RAILWAY / "endpoints.yaml"), "--engine", "explicit"]
    assert main([*args, "--format", "markdown"]) == 1
    assert "**data_loss**" in capsys.readouterr().out
    with pytest.raises(SystemExit) as refused:
        main([*args, "--bound", "-1"])
    assert refused.value.code == 2 and "--bound" in capsys.readouterr().err
