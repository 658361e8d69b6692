"""`pathguard import openapi|mcp`: writes a loadable endpoints.yaml and reports what it guessed."""

from __future__ import annotations

from pathlib import Path

import pytest

from pathguard.cli.main import main
from pathguard.model.load import load_world

DATA = Path(__file__).resolve().parent / "data"
SPECS = Path(__file__).resolve().parents[2] / "corpus" / "specs"


def test_import_openapi_writes_the_model_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "endpoints.yaml"
    assert main(["import", "openapi", str(DATA / "small.openapi.yaml"), "-o", str(out)]) == 0
    report = capsys.readouterr().out
    assert "7 endpoints" in report and "1 marked irreversible" in report
    assert "rebuild_server" in report and "volume_attached" in report
    world = load_world(out)
    assert world.targets == ("delete_volume", "rebuild_server")
    text = out.read_text()
    assert "# needs volume_id: path parameter `{id}`" in text


def test_import_mcp_reports_defaults(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "endpoints.yaml"
    assert main(["import", "mcp", str(DATA / "small.tools.json"), "-o", str(out)]) == 0
    assert "1 classification came from MCP defaults (annotation missing): run_sql" in capsys.readouterr().out
    assert load_world(out).by_name["run_sql"].destructive


def test_import_with_overrides(tmp_path: Path) -> None:
    ovr = tmp_path / "ovr.yaml"
    ovr.write_text("endpoints:\n  get_volume: {description: Look at one volume}\n")
    out = tmp_path / "endpoints.yaml"
    assert main(["import", "openapi", str(DATA / "small.openapi.yaml"), "-o", str(out),
                 "--overrides", str(ovr)]) == 0
    assert load_world(out).by_name["get_volume"].description == "Look at one volume"
    assert f"# overridden by {ovr}:2: description" in out.read_text()


def test_bad_overrides_exit_2_and_write_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ovr = tmp_path / "ovr.yaml"
    ovr.write_text("endpoints:\n  nope: {kind: read}\n")
    out = tmp_path / "endpoints.yaml"
    assert main(["import", "openapi", str(DATA / "small.openapi.yaml"), "-o", str(out),
                 "--overrides", str(ovr)]) == 2
    captured = capsys.readouterr()
    assert f"{ovr}:2: error: unknown-endpoint" in captured.err and captured.out == ""
    assert not out.exists()


def test_wrong_format_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "endpoints.yaml"
    assert main(["import", "openapi", str(DATA / "small.tools.json"), "-o", str(out)]) == 2
    assert "not an OpenAPI 3.x document" in capsys.readouterr().err
    assert main(["import", "mcp", str(DATA / "missing.json"), "-o", str(out)]) == 2
    assert "no such file" in capsys.readouterr().err


def test_output_that_is_a_directory_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["import", "mcp", str(DATA / "small.tools.json"), "-o", str(tmp_path)]) == 2
    assert "is a directory" in capsys.readouterr().err


@pytest.mark.parametrize("spec", ["fly-machines.openapi.yaml", "neon-mcp.tools.json"])
def test_output_is_byte_identical_across_hash_seeds(tmp_path: Path, spec: str) -> None:
    import os
    import subprocess
    import sys

    source = SPECS / spec
    fmt = "mcp" if spec.endswith(".json") else "openapi"
    outputs = []
    for seed in ("1", "2"):
        out = tmp_path / f"{seed}.yaml"
        env = {**os.environ, "PYTHONHASHSEED": seed}
        subprocess.run([sys.executable, "-m", "pathguard.cli.main", "import", fmt, str(source), "-o", str(out)],
                       check=True, capture_output=True, env=env)
        outputs.append(out.read_bytes())
    assert outputs[0] == outputs[1]
