"""Compare a report with an earlier one: what is new, what is fixed, what is still there.

Findings are matched by what they are, not where they are written: a path by
its calls, a hazard by its name, a bypass by the blocked path it runs. Only
three kinds of change fail a build (exit 1): a new open path, a hazard that
became unsafe, a new bypass. Fixed findings (an open path now blocked or
gated or gone, an unsafe hazard now safe, a bypass gone) are listed as
fixed; a hazard that was safe and is now unknown is listed too (it is no
longer proved), without failing. Reads the JSON of `analyze` and of `check`
(only the fields it compares; the rest may change between versions).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from pathguard.source import read_document
from pathguard.validation import validate


class _View(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class PathView(_View):
    calls: list[str]
    verdict: str


class CountsView(_View):
    total: int
    listed: int | None = None
    complete: bool = True


class HazardView(_View):
    verdict: Literal["unsafe", "safe", "unknown"]
    trace: list[str] = []


class BypassView(_View):
    path: list[str]
    trace: list[str] = []


class ReportView(_View):
    """What a baseline comparison reads of an `analyze` or `check` JSON report."""

    system: str
    policy: str | None = None
    paths: CountsView | None = None
    path_list: list[PathView] | None = None
    hazards: dict[str, HazardView] | None = None
    bypasses: list[BypassView] | None = None

    @property
    def open_paths(self) -> dict[tuple[str, ...], PathView]:
        return {tuple(p.calls): p for p in self.path_list or [] if p.verdict == "open"}

    @property
    def bypassed(self) -> dict[tuple[str, ...], BypassView]:
        return {tuple(b.path): b for b in self.bypasses or []}


Kind = Literal["path", "hazard", "bypass"]


class Comparison(BaseModel):
    model_config = ConfigDict(extra="forbid")

    baseline: str
    """The earlier report's file."""
    new_open_paths: list[list[str]] = Field(default_factory=list)
    fixed_open_paths: list[list[str]] = Field(default_factory=list)
    known_open_paths: int = 0
    newly_unsafe: list[str] = Field(default_factory=list)
    fixed_hazards: list[str] = Field(default_factory=list)
    known_unsafe: list[str] = Field(default_factory=list)
    no_longer_proved: list[str] = Field(default_factory=list)
    """Hazards that were safe and are now unknown (not a failure, not a proof either)."""
    new_bypasses: list[list[str]] = Field(default_factory=list)
    fixed_bypasses: list[list[str]] = Field(default_factory=list)
    known_bypasses: int = 0
    notes: list[str] = Field(default_factory=list)

    @property
    def failing(self) -> bool:
        """New open paths, hazards that became unsafe, new bypasses: exit status 1."""
        return bool(self.new_open_paths or self.newly_unsafe or self.new_bypasses)

    def state(self, kind: Kind, key: tuple[str, ...] | str) -> str:
        """SARIF `baselineState` of a finding in the new report: `new` or `unchanged`."""
        if kind == "hazard":
            new = key in self.newly_unsafe
        else:
            new = list(key) in (self.new_open_paths if kind == "path" else self.new_bypasses)
        return "new" if new else "unchanged"


def load_report(path: str | Path) -> ReportView:
    """An earlier `analyze` or `check` JSON report; every problem located (file, line, field)."""
    return validate(ReportView, read_document(path))


def view_of(document: dict[str, Any]) -> ReportView:
    return ReportView.model_validate(document)


def compare(old: ReportView, new: ReportView, baseline: str) -> Comparison:
    c = Comparison(baseline=baseline)
    if old.system != new.system:
        c.notes.append(f"the baseline is of system `{old.system}`, this report of `{new.system}`")
    if new.path_list is not None:
        if old.path_list is None:
            c.notes.append("the baseline lists no paths (a `check` report?): every open path counts as new")
        old_open, new_open = old.open_paths, new.open_paths
        c.new_open_paths = [list(k) for k in new_open if k not in old_open]
        c.fixed_open_paths = [list(k) for k in old_open if k not in new_open]
        c.known_open_paths = sum(1 for k in new_open if k in old_open)
        for name, view in (("baseline", old), ("this report", new)):
            counts = view.paths
            if counts is not None and counts.listed is not None and counts.listed < counts.total:
                c.notes.append(f"{name} lists {counts.listed:,} of {counts.total:,} paths: paths beyond the "
                               "listing are not compared (raise --list)")
    if new.hazards is not None:
        before = old.hazards or {}
        for name, h in new.hazards.items():
            was = before.get(name)
            if h.verdict == "unsafe":
                known = was is not None and was.verdict == "unsafe"
                (c.known_unsafe if known else c.newly_unsafe).append(name)
            elif was is not None and was.verdict == "unsafe" and h.verdict == "safe":
                c.fixed_hazards.append(name)
            elif was is not None and was.verdict == "safe" and h.verdict == "unknown":
                c.no_longer_proved.append(name)
        c.fixed_hazards += [n for n, h in before.items() if h.verdict == "unsafe" and n not in new.hazards]
    if new.bypasses is not None:
        old_b, new_b = old.bypassed, new.bypassed
        c.new_bypasses = [list(k) for k in new_b if k not in old_b]
        c.fixed_bypasses = [list(k) for k in old_b if k not in new_b]
        c.known_bypasses = sum(1 for k in new_b if k in old_b)
    return c


def render_comparison(c: Comparison) -> str:
    verdict = "NEW FINDINGS" if c.failing else "no new findings"
    out = [f"Compared with the baseline {c.baseline}: {verdict}"]

    def section(title: str, items: list[list[str]] | list[str]) -> None:
        if items:
            out.append(f"{title} ({len(items)}):")
            out.extend(f"- {' → '.join(i) if isinstance(i, list) else i}" for i in items)

    section("new open paths", c.new_open_paths)
    section("hazards that became unsafe", c.newly_unsafe)
    section("new bypasses", c.new_bypasses)
    section("fixed: open paths no longer open", c.fixed_open_paths)
    section("fixed: hazards no longer unsafe", c.fixed_hazards)
    section("fixed: bypasses gone", c.fixed_bypasses)
    section("no longer proved safe (now unknown)", c.no_longer_proved)
    out.append(f"still there, as in the baseline: {c.known_open_paths} open path(s), "
               f"{len(c.known_unsafe)} unsafe hazard(s), {c.known_bypasses} bypass(es)")
    out += [f"note: {n}" for n in c.notes]
    return "\n".join(out)
