"""Specs with problems: each unreadable operation is skipped with a located warning, all at
once; `--strict` refuses instead (exit 2, nothing written); I/O errors are input errors."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import pytest
import yaml

from pathguard.cli import importer as importer_cli
from pathguard.cli.main import main
from pathguard.errors import InputError
from pathguard.importers.detect import import_file, load_any

SPEC = {
    "openapi": "3.0.3",
    "info": {"title": "Broken", "version": "1"},
    "paths": {
        "/volumes": {"get": {"operationId": "list_volumes", "responses": {"200": {"content": {
            "application/json": {"schema": {"type": "array", "items": {"$ref": "#/components/schemas/Volume"}}}}}}}},
        "/volumes/{volume_id}": {
            "delete": {"operationId": "delete_volume",
                       "parameters": [{"name": "volume_id", "in": "path", "required": True,
                                       "schema": {"type": "string"}}]},
            "get": {"operationId": "get_volume", "responses": {"200": {"content": {
                "application/json": {"schema": {"$ref": "#/components/schemas/Missing"}}}}}}},
        "/snapshots": {"post": {"operationId": "create_snapshot", "requestBody": {"content": {
            "application/json": {"schema": {"$ref": "other.yaml#/Snapshot"}}}}}},
        "/uploads": {"post": {"operationId": "upload", "parameters": [{"name": "file", "in": "formData"}]}},
        "/files": {"put": {"operationId": "put_file", "requestBody": {"content": {
            "application/json": {"schema": {"type": "file"}}}}}},
    },
    "components": {"schemas": {"Volume": {"type": "object", "properties": {"id": {"type": "string"}}}}},
}
SKIPPED = {"get_volume": "unresolved-ref", "create_snapshot": "external-ref", "upload": "unknown-format",
           "put_file": "odd-schema"}


def _write(tmp_path: Path, fmt: str) -> Path:
    path = tmp_path / f"broken.{fmt}"
    path.write_text(json.dumps(SPEC, indent=2) if fmt == "json" else yaml.safe_dump(SPEC, sort_keys=False))
    return path


def _line(text: str, path_key: str, method: str) -> int:
    """The line of `method` under `path_key`, found independently of the importer."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if path_key in line and ":" in line)
    return next(i for i in range(start, len(lines)) if f"{method}" in lines[i].split(":")[0]) + 1


@pytest.mark.parametrize("fmt", ["yaml", "json"])
def test_every_problem_is_located_and_the_rest_imports(tmp_path: Path, fmt: str) -> None:
    path = _write(tmp_path, fmt)
    result = import_file(path)
    assert list(result.world.names) == ["list_volumes", "delete_volume"]
    problems = {p.message.rsplit("; ", 1)[1]: p for p in result.draft.problems}
    assert {k.split()[1] for k in problems} == {"/volumes/{volume_id}", "/snapshots", "/uploads", "/files"}
    text = path.read_text()
    where = {"get_volume": ("/volumes/{volume_id}", "get"), "create_snapshot": ("/snapshots", "post"),
             "upload": ("/uploads", "post"), "put_file": ("/files", "put")}
    for name, code in SKIPPED.items():
        key, method = where[name]
        problem = problems[f"{method.upper()} {key} skipped"]
        assert (problem.code, problem.severity, problem.file) == (code, "warning", str(path))
        assert problem.line == _line(text, key, method), (name, problem)
    assert "used at line" in problems["GET /volumes/{volume_id} skipped"].message


def test_strict_refuses_with_every_problem(tmp_path: Path) -> None:
    path = _write(tmp_path, "yaml")
    with pytest.raises(InputError) as exc:
        import_file(path, strict=True)
    assert sorted(p.code for p in exc.value.problems) == sorted(SKIPPED.values())
    assert all(p.severity == "error" and p.line for p in exc.value.problems)


def test_cli_warns_or_refuses(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, "yaml")
    out = tmp_path / "endpoints.yaml"
    assert main(["import", "openapi", str(path), "-o", str(out), "--strict"]) == 2
    err = capsys.readouterr().err
    assert err.count(f"{path}:") == 4 and not out.exists()
    assert main(["import", "openapi", str(path), "-o", str(out)]) == 0
    captured = capsys.readouterr()
    assert captured.err.count(": warning: ") == 4
    assert "4 operations skipped (warnings above)" in captured.out
    assert out.exists()


def test_load_any_logs_the_skipped_operations(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = _write(tmp_path, "json")
    with caplog.at_level(logging.WARNING, logger="pathguard.importers"):
        world = load_any(path)
    assert world.names == ("list_volumes", "delete_volume")
    assert sum("skipped" in r.getMessage() for r in caplog.records) == 4


def test_a_spec_with_nothing_readable_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "none.yaml"
    path.write_text("openapi: 3.0.0\npaths:\n  /a:\n    get:\n      parameters: [{$ref: '#/nope'}]\n")
    with pytest.raises(InputError) as exc:
        import_file(path)
    assert [(p.code, p.line) for p in exc.value.problems] == [("unresolved-ref", 4)]


@pytest.mark.parametrize(("make", "message"), [
    (lambda d: d / "missing" / "endpoints.yaml", "does not exist"),
    (lambda d: d / "a-file" / "endpoints.yaml", "is not a directory"),
    (lambda d: d, "is a directory, not a file"),
])
def test_output_that_cannot_be_written_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                         make, message: str) -> None:
    (tmp_path / "a-file").write_text("x")
    spec = _write(tmp_path, "yaml")
    assert main(["import", "openapi", str(spec), "-o", str(make(tmp_path))]) == 2
    assert message in capsys.readouterr().err


def test_a_failed_write_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(path: Path, data: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(importer_cli, "write_atomic", refuse)
    spec = _write(tmp_path, "yaml")
    assert main(["import", "openapi", str(spec), "-o", str(tmp_path / "e.yaml")]) == 2
    assert "cannot write: No space left on device" in capsys.readouterr().err


def test_unreadable_spec_is_an_input_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "binary.yaml"
    spec.write_bytes(b"\xff\xfe\x00openapi")
    assert main(["import", "openapi", str(spec), "-o", str(tmp_path / "e.yaml")]) == 2
    err = capsys.readouterr().err
    assert "binary.yaml:1: error" in err and "not UTF-8" in err
    assert not (tmp_path / "e.yaml").exists()
