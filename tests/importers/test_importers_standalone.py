"""The repository stands on its own: nothing it runs or links may point outside it.

The team's corpus sits next to the checkout on the machines it was built on, but not in a
fresh clone; every spec the tests read is vendored under `corpus/specs/` (sources and licences
in `corpus/SOURCES.md`). The specs of the labelled set that were fetched from public
repositories are not vendored: `corpus/SOURCES.md` says where each comes from and its sha256.
"""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

import pytest
import yaml

from pathguard.importers.detect import import_file

REPO = Path(__file__).resolve().parents[2]
#: A relative path up to the sibling directory, an absolute one through it, or a path built up
#: to it from parts (`ROOT.parent / <its name>`); spelled in pieces so this file does not match.
_WORD = "sha" + "red"
OUTSIDE = re.compile(rf"\.\./{_WORD}|/{_WORD}/|parents?(\[\d+\])?\s*/\s*[\"']{_WORD}[\"']")
SCANNED = ("src", "tests", "benchmarks", "models", "scripts", "docs", "examples")
SKIP_PARTS = {"__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache"}


def _files() -> list[Path]:
    """The repository's own files under SCANNED: tracked or new, never what git ignores
    (installed test servers under node_modules, caches, virtual environments)."""
    listed = subprocess.run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "--", *SCANNED],
                            cwd=REPO, capture_output=True, text=True, check=True).stdout.splitlines()
    out = []
    for name in sorted(set(listed)):
        path = REPO / name
        parts = set(path.relative_to(REPO).parts)
        if path.is_file() and not parts & SKIP_PARTS and not any(p.endswith(".egg-info") for p in parts) \
                and path.suffix not in (".pyc", ".so", ".db", ".sqlite"):
            out.append(path)
    return out


def _offenders(paths: list[Path]) -> list[str]:
    found = []
    for path in paths:
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        for number, line in enumerate(text.splitlines(), 1):
            if OUTSIDE.search(line):
                shown = path.relative_to(REPO) if path.is_relative_to(REPO) else path.name
                found.append(f"{shown}:{number}: {line.strip()}")
    return found


def test_no_code_test_benchmark_model_or_script_points_outside_the_repository() -> None:
    files = _files()
    assert len(files) > 50                    # the scan sees the repository, not an empty tree
    assert _offenders(files) == []


def test_the_readme_points_nowhere_outside_the_repository() -> None:
    assert _offenders([REPO / "README.md"]) == []


@pytest.mark.parametrize("line", [
    f'SPECS = ROOT.parent / "{_WORD}" / "specs"',
    f"SPECS = Path(__file__).resolve().parents[2].parent / '{_WORD}' / 'specs'",
    f"see `../{_WORD}/SPEC.md`",
    f"open('/work/{_WORD}/specs/x.yaml')",
])
def test_the_scan_catches_each_way_of_pointing_outside(tmp_path: Path, line: str) -> None:
    bad = tmp_path / "x.py"
    bad.write_text(f"ok = 1\n{line}\n")
    assert _offenders([bad]) == [f"x.py:2: {line}"]


#: the specs vendored from the team's shared corpus; nothing else may be committed there
VENDORED = ("digitalocean.openapi.yaml", "fly-machines.openapi.yaml", "github-mcp.tools.json",
            "kubernetes-mcp.tools.json", "linode.openapi.yaml", "neon-mcp.tools.json")


def test_only_the_shared_specs_are_vendored_each_with_its_source_noted() -> None:
    specs = sorted(p.name for p in (REPO / "corpus" / "specs").iterdir())
    assert tuple(specs) == VENDORED
    sources = (REPO / "corpus" / "SOURCES.md").read_text()
    assert [s for s in specs if s not in sources] == []
    for name in ("fly-machines.openapi.yaml", "github-mcp.tools.json"):
        assert import_file(REPO / "corpus" / "specs" / name).world.endpoints


def test_every_labelled_spec_that_is_not_vendored_says_where_it_comes_from() -> None:
    """Each label file names its spec's source and sha256; for a spec that is not vendored,
    SOURCES.md says so and gives the same sha256, so anyone can fetch it and check it."""
    sources = (REPO / "corpus" / "SOURCES.md").read_text()
    labels = sorted((REPO / "corpus" / "labels").glob("*.yaml"))
    assert len(labels) >= 3
    fetched = 0
    for path in labels:
        data = yaml.safe_load(path.read_text())
        spec, sha = data["spec"], data["sha256"]
        assert sha in sources, f"{path.name}: sha256 of {spec} not in SOURCES.md"
        if spec in VENDORED:
            assert hashlib.sha256((REPO / "corpus" / "specs" / spec).read_bytes()).hexdigest() == sha
            continue
        fetched += 1
        section = sources.split(f"### {spec}", 1)
        assert len(section) == 2, f"SOURCES.md has no section for {spec}"
        assert "not vendored" in section[1].split("\n### ", 1)[0].lower(), spec
    assert fetched                            # the labelled set is more than the vendored specs
