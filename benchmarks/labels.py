"""The labelled set in `corpus/labels/`: its file format, where its specs are, and scoring.

A label file says, for one spec, which operations are destructive (with a class) and, for a
sample of operations that need an existing resource's identifier, which read operations reveal
it and which create a new one (`corpus/LABELLING.md`). Operations are keyed `METHOD /path` (MCP:
the tool name) so the labels do not depend on the importer's naming.

Only some specs are vendored in `corpus/specs/`; the others were fetched from public
repositories and may not be committed here (`corpus/SOURCES.md` says where each comes from).
They are looked for in the directory named by `PATHGUARD_CORPUS`, and used only when their
sha256 is the one the labels were made on.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
#: a directory holding the specs that are not vendored (file names as in the labels)
CORPUS_ENV = "PATHGUARD_CORPUS"
METHODS = ("get", "put", "post", "delete", "patch")

Klass = Literal["delete", "data-loss", "irreversible", "money", "credential", "outage"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ProducerSample(_Strict):
    operation: str
    parameter: str
    revealed_by: list[str]
    created_by: list[str] = []


class Labels(_Strict):
    spec: str
    #: where the spec comes from (repository@commit path), as corpus/SOURCES.md details it
    source: str = Field(min_length=1)
    #: the exact file the labels were made on
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    api_class: Literal["payment", "cloud", "database", "dns-cdn", "mcp"]
    split: Literal["dev", "held-out"]
    operations: int = Field(ge=1)
    destructive: dict[str, Klass]
    producers: list[ProducerSample]


def operation_keys(spec: Path) -> list[str]:
    """Every operation of a spec, keyed as the labels key them (read without pathguard)."""
    text = spec.read_text()
    data: Any = json.loads(text) if text.lstrip().startswith("{") else \
        yaml.load(text, Loader=yaml.CSafeLoader)
    if isinstance(data.get("tools"), list):
        return [str(tool["name"]) for tool in data["tools"]]
    return [f"{method.upper()} {path}" for path, item in data["paths"].items()
            for method in METHODS if isinstance(item, dict) and method in item]


def spec_dirs() -> list[Path]:
    """Where specs are looked for: the vendored ones first, then `$PATHGUARD_CORPUS`."""
    extra = os.environ.get(CORPUS_ENV, "").strip()
    return [CORPUS / "specs", *([Path(extra).expanduser()] if extra else [])]


def find_spec(labels: Labels) -> tuple[Path | None, str]:
    """The spec file the labels were made on, or None and why it is not here."""
    why = f"not vendored, not in ${CORPUS_ENV}" if os.environ.get(CORPUS_ENV, "").strip() \
        else f"not vendored, ${CORPUS_ENV} not set"
    for folder in spec_dirs():
        path = folder / labels.spec
        if path.is_file():
            digest = hashlib.sha256(path.read_bytes()).hexdigest()
            if digest == labels.sha256:
                return path, ""
            why = f"{path} has sha256 {digest[:12]}..., the labels were made on {labels.sha256[:12]}..."
    return None, why


@dataclass(frozen=True)
class Labelled:
    """One label file and its spec: `path` is None when the spec is not here (`why` says so)."""

    labels: Labels
    path: Path | None
    why: str = ""


def load_labels(path: Path) -> tuple[Labelled, list[str]]:
    """One label file with its spec, and every problem found against that spec: unknown keys, a
    wrong operation count. A file that is not a label file raises ValueError naming it."""
    try:
        labels = Labels.model_validate(yaml.safe_load(path.read_text()))
    except (yaml.YAMLError, ValidationError) as exc:
        raise ValueError(f"{path}: not a label file: {exc}") from None
    spec, why = find_spec(labels)
    if spec is None:
        return Labelled(labels, None, why), []
    keys = operation_keys(spec)
    known = set(keys)
    problems = [] if len(keys) == labels.operations else [
        f"{path.name}: `operations` says {labels.operations}, the spec has {len(keys)}"]
    named = [*labels.destructive]
    for sample in labels.producers:
        named += [sample.operation, *sample.revealed_by, *sample.created_by]
    problems += [f"{path.name}: `{key}` is not an operation of {labels.spec}"
                 for key in named if key not in known]
    return Labelled(labels, spec), problems


def all_labels(folder: Path = CORPUS / "labels") -> list[Labelled]:
    """Every label file of `folder` with its spec; ValueError lists every problem found."""
    out, problems = [], []
    for path in sorted(folder.glob("*.yaml")):
        labelled, found = load_labels(path)
        out.append(labelled)
        problems += found
    if problems:
        raise ValueError("; ".join(problems))
    return out


@dataclass
class Score:
    """What one import got right against one label file."""

    spec: str
    split: str
    api_class: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    missed: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)
    recalls: list[float] = field(default_factory=list)
    link_tp: int = 0
    link_fp: int = 0
    reachable: int = 0
    samples: int = 0
    link_notes: list[str] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def link_recall(self) -> float:
        return sum(self.recalls) / len(self.recalls) if self.recalls else 1.0

    @property
    def link_precision(self) -> float:
        return self.link_tp / (self.link_tp + self.link_fp) if self.link_tp + self.link_fp else 1.0


def key_of(call: str | None) -> str | None:
    """The label key of an imported endpoint, from its `call` (`MCP tool x` -> `x`)."""
    if not call:
        return None
    return call.removeprefix("MCP tool ")


def score(labels: Labels, draft: Any) -> Score:
    """Destructive precision/recall and producer-link precision/recall of one imported draft.

    Links: for each sample, the fact the importer made the parameter into (the need whose
    evidence names it); its producers that are reads (GET; MCP: read tools) are scored against
    `revealed_by` less the calls that take the same parameter themselves (`GET
    /zones/{zone}/aliases` lists other zones, but an agent that can call it already has one); a
    producer in `created_by` counts as a wrong link (created ids must stay apart); other
    producers are not scored. A sample is reachable when some revealing read is linked.
    """
    result = Score(labels.spec, labels.split, labels.api_class)
    by_key = {key_of(ep.call): ep for ep in draft.endpoints.values()}
    for key, ep in by_key.items():
        truth, said = key in labels.destructive, ep.destructive
        result.tp += truth and said
        result.fp += said and not truth
        result.fn += truth and not said
        if truth and not said:
            result.missed.append(f"{key} ({labels.destructive[key]})")
        if said and not truth:
            result.extra.append(str(key))
    for sample in labels.producers:
        result.samples += 1
        ep = by_key.get(sample.operation)
        fact = _fact_for(ep, sample.parameter) if ep is not None else None
        producers = set() if fact is None else {
            key_of(p.call) for p in draft.endpoints.values() if fact in p.produces}
        reads = {k for k in producers if _is_read(k, by_key)}
        # a call that needs the identifier itself is never where an agent first learns it
        truth = {k for k in sample.revealed_by if not _takes(k, sample.operation, sample.parameter)}
        tp = len(reads & truth)
        wrong = (reads - truth) | (producers & set(sample.created_by))
        fp = len(wrong)
        result.link_tp += tp
        result.link_fp += fp
        if truth:
            result.recalls.append(tp / len(truth))
        result.reachable += tp > 0 or not truth
        if tp < len(truth) or fp:
            result.link_notes.append(
                f"{sample.operation} [{sample.parameter}] -> {fact}: missing "
                f"{sorted(truth - reads)}, wrong {sorted(wrong)}")
    return result


def _takes(key: str, operation: str, parameter: str) -> bool:
    """Whether `key` takes `parameter` where `operation` does: the same path up to it."""
    mark = "{" + parameter + "}"
    path, own = key.partition(" ")[2], operation.partition(" ")[2]
    return mark in own and mark in path and path.split(mark)[0] == own.split(mark)[0]


def _fact_for(ep: Any, parameter: str) -> str | None:
    marks = (f"`{{{parameter}}}`", f"`{parameter}`")
    for fact, why in ep.needs.items():
        if any(mark in why for mark in marks):
            return str(fact)
    return None


def _is_read(key: str | None, by_key: dict[str | None, Any]) -> bool:
    """A GET (OpenAPI; a POST used as a search is not scored), or a read tool (MCP)."""
    ep = by_key.get(key)
    if ep is None or key is None:
        return False
    method = key.split(" ", 1)[0]
    return method == "GET" if method.isupper() and " /" in key else ep.kind == "read"
