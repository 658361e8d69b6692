"""Every input error of SPEC §1–2: exit 2, file and line on stderr, nothing on stdout, no traceback."""

from __future__ import annotations

import re

import pytest

from pathguard.cli.main import main

WORLD = """\
system: railway
state:
  volume: {values: [mounted, unmounted, deleted], initial: mounted}
  backup: {values: [none, taken], initial: none}
endpoints:
  list_volumes:
    kind: read
    resource: volume
    produces: [volume_id]
  unmount_volume:
    kind: write
    resource: volume
    needs: [volume_id]
    when: {volume: mounted}
    sets: {volume: unmounted}
  delete_volume:
    kind: delete
    resource: volume
    needs: [volume_id]
    when: {volume: unmounted}
    sets: {volume: deleted}
entry: [list_volumes]
hazards:
  data_loss: {volume: deleted, backup: none}
"""

POLICY = """\
policy: p
rules:
  - match: {kind: delete}
    decision: approval
forbidden:
  - [list_volumes, unmount_volume]
"""


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(["analyze", *argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_rejected(capsys, path, *extra: str, line: int, fragment: str) -> str:
    code, out, err = run(capsys, str(path), *extra)
    assert code == 2
    assert out == ""
    assert "Traceback" not in err
    assert f"{path.name}:{line}:" in err, err
    assert fragment in err, err
    return err


WORLD_CASES = [
    # (replace this, with this, expected line, fragment)
    ("initial: mounted}", "initial: mountd}", 3, "`mountd` is not a value of `volume`"),
    ("when: {volume: mounted}", "when: {volume: mountd}", 14, "`mountd` is not a value of `volume`"),
    ("when: {volume: mounted}", "when: {volme: mounted}", 14, "unknown state variable `volme`"),
    ("sets: {volume: deleted}", "sets: {volume: gone}", 21, "`gone` is not a value of `volume`"),
    ("  data_loss: {volume: deleted, backup: none}", "  data_loss: {volume: deleted, backup: lost}", 24,
     "`lost` is not a value of `backup`"),
    ("    kind: delete", "    kind: destroy", 17, "destroy"),
    ("entry: [list_volumes]", "entry: [list_volume]", 22, "`list_volume` is not an endpoint"),
    ("values: [none, taken]", "values: []", 4, "values"),
    ("  delete_volume:\n", "  list_volumes:\n", 16, "appears twice"),
    ("    resource: volume\n    produces", "    resurce: volume\n    produces", 8, "resurce"),
]


@pytest.mark.parametrize(("old", "new", "line", "fragment"), WORLD_CASES)
def test_world_errors_are_located(capsys, write, old, new, line, fragment):
    assert old in WORLD
    path = write("endpoints.yaml", WORLD.replace(old, new, 1))
    assert_rejected(capsys, path, line=line, fragment=fragment)


def test_every_problem_of_a_file_is_reported_at_once(capsys, write):
    text = WORLD.replace("when: {volume: mounted}", "when: {volume: mountd}").replace(
        "entry: [list_volumes]", "entry: [nobody]")
    err = assert_rejected(capsys, write("endpoints.yaml", text), line=14, fragment="mountd")
    assert "endpoints.yaml:22:" in err
    lines = [int(m) for m in re.findall(r"endpoints\.yaml:(\d+):", err)]
    assert lines == sorted(lines)


def test_hint_suggests_the_close_name(capsys, write):
    path = write("endpoints.yaml", WORLD.replace("when: {volume: mounted}", "when: {volume: mountd}"))
    err = assert_rejected(capsys, path, line=14, fragment="mountd")
    assert "did you mean `mounted`?" in err


POLICY_CASES = [
    ("  - [list_volumes, unmount_volume]", "  - [list_volumes, unmount_volme]", 6, "`unmount_volme`"),
    ("  - match: {kind: delete}", "  - match: {kind: destroy}", 3, "destroy"),
    ("  - match: {kind: delete}", "  - match: {endpoint: delete_volum}", 3, "`delete_volum` is not an endpoint"),
    ("    decision: approval", "    decision: maybe", 4, "maybe"),
    ("    decision: approval", "    decision: approval\n    when: \"acions > 3\"", 5, "unknown name `acions`"),
    ("    decision: approval", "    decision: approval\n    when: \"actions > 3.5\"", 5, "3.5"),
    ("    decision: approval", "    decision: approval\n    when: \"__import__('os')\"", 5, "not allowed"),
    ("    decision: approval", "    decision: approval\n    when: \"last == 'nope'\"", 5,
     "`nope` is not an endpoint"),
    ("    decision: approval", "    decision: approval\n    when: \"last > 3\"", 5, "cannot compare"),
    ("    decision: approval", "    decision: approval\n    when: \"actions\"", 5, "not a condition"),
    ("    decision: approval", "    decision: approval\n    when: \"actions >\"", 5, "cannot parse"),
    ("policy: p", "policy: p\ncritical: [delete_volumes]", 2, "`delete_volumes` is not an endpoint"),
    ("policy: p", "policy: p\nbudget: {max_actions: -1}", 2, "max_actions"),
    ("policy: p", "policy: p\npolicy: q", 2, "appears twice"),
    ("  - [list_volumes, unmount_volume]", "  - [list_volumes]", 6, "two endpoints"),
    ("  - [list_volumes, unmount_volume]", "  - {first: list_volumes, then: unmount_volume, within: 0}", 6,
     "within"),
]


@pytest.mark.parametrize(("old", "new", "line", "fragment"), POLICY_CASES)
def test_policy_errors_are_located(capsys, write, old, new, line, fragment):
    assert old in POLICY
    world = write("endpoints.yaml", WORLD)
    policy = write("policy.yaml", POLICY.replace(old, new, 1))
    code, out, err = run(capsys, str(world), "--policy", str(policy))
    assert (code, out) == (2, "")
    assert "Traceback" not in err
    assert f"policy.yaml:{line}:" in err, err
    assert fragment in err, err


@pytest.mark.parametrize("text", ["", "just a string\n", "system: [unclosed\n", "- a\n- b\n"])
def test_unusable_files(capsys, write, text):
    code, out, err = run(capsys, str(write("endpoints.yaml", text)))
    assert (code, out) == (2, "")
    assert "endpoints.yaml" in err and "Traceback" not in err


def test_missing_file(capsys, tmp_path):
    code, out, err = run(capsys, str(tmp_path / "nope.yaml"))
    assert (code, out) == (2, "")
    assert "no such file" in err


def test_unknown_from_endpoint(capsys, write):
    code, out, err = run(capsys, str(write("endpoints.yaml", WORLD)), "--from", "list_volume")
    assert (code, out) == (2, "")
    assert "did you mean `list_volumes`?" in err


def test_unproduced_need_is_a_warning_not_an_error(capsys, write):
    text = WORLD.replace("    needs: [volume_id]\n    when: {volume: unmounted}",
                         "    needs: [volume_id, token]\n    when: {volume: unmounted}")
    code, out, _ = run(capsys, str(write("endpoints.yaml", text)), "--format", "json")
    assert code in (0, 1)
    assert "`token` is produced by no endpoint" in out


def test_yaml_11_booleans_stay_strings(write):
    from pathguard.model.load import load_world

    world = load_world(write("e.yaml", "system: s\nstate:\n  power: {values: [on, off], initial: on}\n"
                                       "endpoints:\n  a: {kind: write, resource: r, sets: {power: off}}\n"))
    assert world.variables["power"] == ("on", "off")
    assert world.endpoint("a").sets == (("power", "off"),)
