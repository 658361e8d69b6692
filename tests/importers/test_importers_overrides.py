"""The overrides file: every SPEC §1 field per endpoint, fact renames, extra
state and hazards; located errors like every other input."""

from __future__ import annotations

from pathlib import Path

import pytest

from pathguard.errors import InputError
from pathguard.importers.detect import import_file

DATA = Path(__file__).resolve().parent / "data"
SPEC = DATA / "small.openapi.yaml"


def test_overrides_replace_fields_rename_facts_and_add_state(tmp_path: Path) -> None:
    ovr = tmp_path / "ovr.yaml"
    ovr.write_text(
        "facts: {volume_id: vol}\n"
        "endpoints:\n"
        "  detach_volume:\n"
        "    reversible: false\n"
        "    description: Detach; the server loses its disk\n"
        "  get_volume: {needs: [vol, ticket], kind: read}\n"
        "  attach_volume: {when: {backup: [taken]}, sets: {backup: none}}\n"
        "state:\n"
        "  backup: {values: [none, taken], initial: none}\n"
        "hazards:\n"
        "  data_loss: {volume_deleted: 'yes', backup: none}\n")
    result = import_file(SPEC, overrides=ovr)
    by = result.world.by_name
    assert by["detach_volume"].destructive and by["detach_volume"].description.startswith("Detach;")
    assert by["delete_volume"].needs == {"vol"} and "vol" in by["list_volumes"].produces
    assert by["get_volume"].needs == {"vol", "ticket"}
    assert by["attach_volume"].when == (("backup", frozenset({"taken"})),)
    assert by["attach_volume"].sets == (("backup", "none"),)
    assert result.world.hazards["data_loss"] == (("volume_deleted", frozenset({"yes"})),
                                                 ("backup", frozenset({"none"})))
    assert any("renamed from `volume_id`" in ev for ev in result.draft.endpoints["delete_volume"].needs.values())
    assert any(f"{ovr}:3" in note for note in result.draft.endpoints["detach_volume"].notes)


@pytest.mark.parametrize(("text", "line", "code", "field"), [
    ("endpoints:\n  get_volme: {kind: read}\n", 2, "unknown-endpoint", "endpoints.get_volme"),
    ("endpoints:\n  get_volume:\n    kinds: read\n", 3, "extra-forbidden", "endpoints.get_volume.kinds"),
    ("endpoints:\n  get_volume: {kind: erase}\n", 2, "literal-error", "endpoints.get_volume.kind"),
    ("facts:\n  volume_idd: v\n", 2, "unknown-fact", "facts.volume_idd"),
    ("hazards:\n  h: {nope: 'yes'}\n", 2, "unknown-variable", "hazards.h.nope"),
    ("endpoints:\n  get_volume: {}\n  get_volume: {}\n", 3, "duplicate-key", "endpoints.get_volume"),
])
def test_bad_overrides_are_located(tmp_path: Path, text: str, line: int, code: str, field: str) -> None:
    ovr = tmp_path / "ovr.yaml"
    ovr.write_text(text)
    with pytest.raises(InputError) as exc:
        import_file(SPEC, overrides=ovr)
    problem = exc.value.problems[0]
    assert (problem.file, problem.line, problem.code, problem.field) == (str(ovr), line, code, field)


def test_unknown_endpoint_gets_a_hint(tmp_path: Path) -> None:
    ovr = tmp_path / "ovr.yaml"
    ovr.write_text("endpoints:\n  delete_volumes: {reversible: false}\n")
    with pytest.raises(InputError) as exc:
        import_file(SPEC, overrides=ovr)
    assert exc.value.problems[0].hint == "did you mean `delete_volume`?"


def test_override_clears_an_mcp_default(tmp_path: Path) -> None:
    ovr = tmp_path / "ovr.yaml"
    ovr.write_text("endpoints:\n  run_sql: {kind: write, reversible: true}\n")
    result = import_file(DATA / "small.tools.json", overrides=ovr)
    assert not result.draft.endpoints["run_sql"].from_default
    assert not result.world.by_name["run_sql"].destructive
    assert not any(v.startswith("sql_") for v in result.world.variables)
    assert not result.world.by_name["run_sql"].sets
