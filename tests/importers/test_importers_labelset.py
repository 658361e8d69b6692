"""The labelled set's loader (benchmarks/labels.py) and bench_classify on a clean clone.

Specs that are not vendored are looked for only in `$PATHGUARD_CORPUS`, and used only when
their sha256 is the one the labels were made on; every one that is missing is named, with its
source, instead of failing the run.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]


def _labels_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_labels", REPO / "benchmarks" / "labels.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module           # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


labels_mod = _labels_module()

TINY = """openapi: 3.0.0
paths:
  /things:
    get:
      responses:
        "200":
          content:
            application/json:
              schema:
                type: object
                properties:
                  things: {type: array, items: {type: object, properties: {id: {type: string}}}}
  /things/{thing_id}:
    delete:
      summary: Delete a thing
      parameters: [{name: thing_id, in: path, required: true, schema: {type: string}}]
"""


def _label(spec: str, sha: str, **extra: object) -> dict[str, object]:
    return {"spec": spec, "source": "example/things@0000000 openapi.yaml", "sha256": sha,
            "api_class": "cloud", "split": "dev", "operations": 2,
            "destructive": {"DELETE /things/{thing_id}": "delete"},
            "producers": [{"operation": "DELETE /things/{thing_id}", "parameter": "thing_id",
                           "revealed_by": ["GET /things"]}], **extra}


def _setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, spec_text: str, label: dict[str, object]) -> Path:
    corpus, folder = tmp_path / "corpus", tmp_path / "labels"
    corpus.mkdir()
    folder.mkdir()
    (corpus / "things.openapi.yaml").write_text(spec_text)
    (folder / "things.openapi.yaml").write_text(yaml.safe_dump(label))
    monkeypatch.setenv(labels_mod.CORPUS_ENV, str(corpus))
    return folder


def test_a_spec_in_the_named_directory_with_the_right_sha256_is_scored(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sha = hashlib.sha256(TINY.encode()).hexdigest()
    folder = _setup(tmp_path, monkeypatch, TINY, _label("things.openapi.yaml", sha))
    [item] = labels_mod.all_labels(folder)
    assert item.path == tmp_path / "corpus" / "things.openapi.yaml" and item.why == ""
    from pathguard.importers.detect import import_file
    result = labels_mod.score(item.labels, import_file(item.path).draft)
    assert (result.tp, result.fp, result.fn) == (1, 0, 0)
    assert result.recalls == [1.0] and result.reachable == 1


def test_a_spec_whose_sha256_differs_is_not_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sha = hashlib.sha256(TINY.encode()).hexdigest()
    folder = _setup(tmp_path, monkeypatch, TINY.replace("Delete a thing", "Delete one thing"),
                    _label("things.openapi.yaml", sha))
    [item] = labels_mod.all_labels(folder)
    assert item.path is None and "has sha256" in item.why and sha[:12] in item.why


def test_a_missing_spec_is_skipped_and_says_why(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = _setup(tmp_path, monkeypatch, TINY, _label("elsewhere.openapi.yaml", "0" * 64))
    [item] = labels_mod.all_labels(folder)
    assert item.path is None and "not in $PATHGUARD_CORPUS" in item.why
    monkeypatch.delenv(labels_mod.CORPUS_ENV)
    [item] = labels_mod.all_labels(folder)
    assert item.path is None and "$PATHGUARD_CORPUS not set" in item.why


def test_labels_naming_operations_the_spec_lacks_are_refused_all_at_once(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    sha = hashlib.sha256(TINY.encode()).hexdigest()
    label = _label("things.openapi.yaml", sha, operations=3,
                   destructive={"DELETE /thing/{thing_id}": "delete"})
    folder = _setup(tmp_path, monkeypatch, TINY, label)
    with pytest.raises(ValueError) as info:
        labels_mod.all_labels(folder)
    assert "`operations` says 3, the spec has 2" in str(info.value)
    assert "`DELETE /thing/{thing_id}` is not an operation" in str(info.value)


@pytest.mark.parametrize("bad", ["spec: [unclosed\n", "spec: x.yaml\nsource: s\n", ""])
def test_a_broken_label_file_is_named(tmp_path: Path, bad: str) -> None:
    (tmp_path / "broken.yaml").write_text(bad)
    with pytest.raises(ValueError, match=r"broken\.yaml: not a label file"):
        labels_mod.all_labels(tmp_path)


def test_bench_classify_scores_the_vendored_specs_and_names_each_missing_one(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != labels_mod.CORPUS_ENV}
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "bench_classify.py")],
                          capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300, check=False)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    vendored = {p.name for p in (REPO / "corpus" / "specs").iterdir()}
    labelled = [yaml.safe_load(p.read_text()) for p in sorted((REPO / "corpus" / "labels").glob("*.yaml"))]
    scored = [d for d in labelled if d["spec"] in vendored]
    assert len(scored) >= 3
    for data in labelled:
        [line] = [x for x in lines if x.startswith(data["spec"] + " ")]
        if data["spec"] in vendored:
            assert "skipped" not in line
        else:
            assert "skipped" in line and data["source"] in line
    assert f"scored {len(scored)} labelled specs, skipped {len(labelled) - len(scored)}" in proc.stdout
