"""One loader for every command, and warnings in every output format of every command.

A typo in `needs` and a rule that selects nothing must be visible whatever the user runs and
however they print it, each with file:line; `--strict` makes them errors (exit 2, nothing on
stdout). `check` and `simulate` read the same inputs as `analyze` (OpenAPI, MCP tools lists)
and refuse bad ones with the same messages.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pathguard.cli.main import main

WORLD = """\
system: ops
state:
  volume: {values: [mounted, unmounted, deleted], initial: mounted}
endpoints:
  list_volumes: {kind: read, resource: volume, produces: [volume_id]}
  unmount_volume: {kind: write, resource: volume, needs: [volume_ids], when: {volume: mounted},
                   sets: {volume: unmounted}}
  delete_volume: {kind: delete, resource: volume, needs: [volume_id], when: {volume: unmounted},
                  sets: {volume: deleted}}
hazards:
  data_loss: {volume: deleted}
"""

POLICY = """\
policy: p
rules:
  - match: {resource: volumes}
    decision: deny
"""

OPENAPI = """\
openapi: 3.0.0
info: {title: tiny, version: "1"}
paths:
  /volumes:
    get:
      operationId: list_volumes
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: array, items: {type: object, properties: {id: {type: string}}}}
  /volumes/{volume_id}:
    delete:
      operationId: delete_volume
      parameters: [{name: volume_id, in: path, required: true, schema: {type: string}}]
      responses: {"204": {description: gone}}
"""

MCP = json.dumps({"tools": [
    {"name": "list_volumes", "description": "List volumes", "inputSchema": {"type": "object"}},
    {"name": "delete_volume", "description": "Delete a volume",
     "inputSchema": {"type": "object", "properties": {"volume_id": {"type": "string"}}},
     "annotations": {"destructiveHint": True}},
]})

COMMANDS = {
    "analyze": [],
    "check": ["--engine", "explicit"],
    "simulate": ["--sessions", "3", "--no-timing", "--embedder", "hash"],
}


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def files(write) -> tuple[Path, Path]:
    return write("endpoints.yaml", WORLD), write("policy.yaml", POLICY)


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize("fmt", ["text", "markdown", "json"])
def test_warnings_appear_in_every_format_of_every_command(capsys, files, command: str, fmt: str) -> None:
    world, policy = files
    code, out, err = run(capsys, command, str(world), "--policy", str(policy), "--format", fmt,
                         *COMMANDS[command])
    assert code in (0, 1), err
    if fmt == "json":
        warnings = json.loads(out)["warnings"]
        assert [(w["file"], w["line"], w["code"]) for w in warnings] == [
            (str(world), 6, "unproduced-need"), (str(policy), 3, "unknown-resource")]
        assert all(w["severity"] == "warning" and w["message"] for w in warnings)
        assert warnings[1]["hint"] == "did you mean `volume`?"
    else:
        tick = "`" if fmt == "markdown" else ":"
        assert f"{world}:6{tick} warning: unproduced-need" in out
        assert f"{policy}:3{tick} warning: unknown-resource" in out
        assert "Warnings (2)" in out if fmt == "markdown" else "warnings (2):" in out


@pytest.mark.parametrize("command", COMMANDS)
def test_strict_turns_warnings_into_errors(capsys, files, command: str) -> None:
    world, policy = files
    code, out, err = run(capsys, command, str(world), "--policy", str(policy), "--strict", *COMMANDS[command])
    assert (code, out) == (2, "")
    assert f"{world}:6: error: unproduced-need" in err and f"{policy}:3: error: unknown-resource" in err


@pytest.mark.parametrize("command", COMMANDS)
def test_strict_without_warnings_changes_nothing(capsys, write, command: str) -> None:
    world = write("endpoints.yaml", WORLD.replace("volume_ids", "volume_id"))
    code, _, err = run(capsys, command, str(world), "--strict", *COMMANDS[command])
    assert code in (0, 1), err


def test_no_warnings_section_without_warnings(capsys, write) -> None:
    world = write("endpoints.yaml", WORLD.replace("volume_ids", "volume_id"))
    _, out, _ = run(capsys, "analyze", str(world))
    assert "warnings" not in out


def test_long_warning_lists_are_summarised_in_text_and_complete_in_json(capsys, write) -> None:
    needs = ", ".join(f"fact_{i}" for i in range(30))
    world = write("endpoints.yaml", WORLD.replace("needs: [volume_ids]", f"needs: [{needs}]"))
    _, out, _ = run(capsys, "check", str(world))
    assert "warnings (30):" in out and "… and 10 more (every warning is listed by --format json)" in out
    _, out, _ = run(capsys, "check", str(world), "--format", "json")
    assert len(json.loads(out)["warnings"]) == 30


@pytest.mark.parametrize("command", COMMANDS)
@pytest.mark.parametrize(("name", "text"), [("api.openapi.yaml", OPENAPI), ("tools.json", MCP)])
def test_every_command_reads_openapi_and_mcp(capsys, write, command: str, name: str, text: str) -> None:
    code, out, err = run(capsys, command, str(write(name, text)), "--format", "json", *COMMANDS[command])
    assert code in (0, 1), err
    doc = json.loads(out)
    assert doc["system"] == ("tiny" if name.endswith(".yaml") else "tools")  # the imported model
    assert doc["warnings"] == []


@pytest.mark.parametrize("bad", [
    ("policy.yaml", "policy: p\ncritical: [delete_volumes]\n", "policy.yaml:2: error: unknown-endpoint"),
    ("policy.yaml", "policy: p\nbudget: {window_minutes: 1e-9}\n", "policy.yaml:2: error: out-of-range"),
    ("policy.yaml", "policy: [\n", "policy.yaml:2: error: syntax"),
])
def test_the_same_bad_policy_gives_the_same_errors_everywhere(capsys, files, write, bad) -> None:
    world, _ = files
    name, text, fragment = bad
    policy = write(name, text)
    errors = set()
    for command, extra in COMMANDS.items():
        code, out, err = run(capsys, command, str(world), "--policy", str(policy), *extra)
        assert (code, out) == (2, ""), (command, err)
        assert fragment in err and "Traceback" not in err
        errors.add(err)
    assert len(errors) == 1


def test_simulate_compare_policy_is_loaded_the_same_way(capsys, files, write) -> None:
    world, policy = files
    bad = write("other.yaml", "policy: q\nforbidden: [[list_volumes, nope]]\n")
    code, out, err = run(capsys, "simulate", str(world), "--policy", str(policy), "--compare", str(bad),
                         *COMMANDS["simulate"])
    assert (code, out) == (2, "")
    assert "other.yaml:2: error: unknown-endpoint" in err


def test_sweep_needs_a_policy(capsys, files) -> None:
    world, _ = files
    code, out, err = run(capsys, "simulate", str(world), "--sweep", "budget.max_writes=1:3:1", *COMMANDS["simulate"])
    assert (code, out) == (2, "")
    assert "give --policy" in err


def test_import_strict_writes_nothing(capsys, write, tmp_path: Path) -> None:
    only_delete = OPENAPI[:OPENAPI.index("  /volumes:")] + OPENAPI[OPENAPI.index("  /volumes/{"):]
    spec = write("api.openapi.yaml", only_delete)  # `{volume_id}` is produced by no endpoint
    out_file = tmp_path / "endpoints.yaml"
    code, out, err = run(capsys, "import", "openapi", str(spec), "-o", str(out_file))
    assert code == 0 and "warning: unproduced-need" in out, (out, err)
    out_file.unlink()
    code, out, err = run(capsys, "import", "openapi", str(spec), "-o", str(out_file), "--strict")
    assert (code, out) == (2, "") and "error: unproduced-need" in err
    assert not out_file.exists()
