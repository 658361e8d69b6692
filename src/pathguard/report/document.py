"""The JSON document of `pathguard analyze` (SPEC §6), as pydantic models.

Fields SPEC §6 requires come first; the rest are additions that explain them.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from pathguard.modelcheck.results import (
    Bypass,
    BypassSearch,
    CheckOptions,
    HazardResult,
    TargetReachable,
    Unbypassed,
)


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid")


class EdgeEntry(_Doc):
    source: str
    target: str
    reasons: list[str]


class GraphSummary(_Doc):
    endpoints: int
    edges: int
    entries: list[str]
    targets: list[str]
    relevant: int
    """Endpoints that lie on at least one path (reachable from an entry, reaching a target)."""
    edge_list: list[EdgeEntry]


class PathCounts(_Doc):
    total: int
    blocked: int
    gated: int
    open: int
    complete: bool
    limits: list[str]
    """Which bound or limit cut the enumeration short (empty when complete)."""
    exhaustive_up_to: int | None
    """Every path of at most this many calls is counted."""
    listed: int
    """How many paths `path_list` shows (paths are listed shortest first)."""
    start: str | None
    max_length: int | None
    executable: dict[str, int] = {"blocked": 0, "gated": 0, "open": 0}
    """Per verdict, the paths that can run as they stand (SPEC §4): from the initial world, with
    the facts known at the start under discovery, every call's needs known and `when` true."""
    search_steps: int = 0
    """Nodes the enumeration visited (bounded by `--max-search-steps`)."""


class PathEntry(_Doc):
    calls: list[str]
    verdict: str
    step: int | None
    reasons: list[str]
    executable: bool = True
    why: str | None = None
    """When not executable: the first call that cannot run as the path stands, and why."""


class WarningEntry(_Doc):
    """A located warning of an input file (`pathguard.errors.Problem`)."""

    file: str
    line: int | None
    field: str
    code: str
    message: str
    hint: str | None
    severity: str


class ModelCheck(_Doc):
    """How the hazards and bypasses of an analysis were established (no timings: the document
    is the same on every run; `pathguard check` reports its seconds)."""

    engine: str
    options: CheckOptions
    assumptions: list[str]
    reductions: list[str]
    states: int | None = None


class AnalysisDocument(_Doc):
    system: str
    policy: str | None
    graph: GraphSummary
    paths: PathCounts
    path_list: list[PathEntry]
    knowledge: str = "given"
    hazards: dict[str, HazardResult] | None = None
    bypasses: list[Bypass] | None = None
    target_reachable: list[TargetReachable] | None = None
    unbypassed: list[Unbypassed] | None = None
    bypass_search: BypassSearch | None = None
    model_check: ModelCheck | None = None
    notes: list[str] = []
    warnings: list[WarningEntry] = []
    """Located warnings of the input files (`pathguard.errors.Problem.to_json`)."""

    @property
    def findings(self) -> bool:
        """True when something is open or unsafe (exit status 1)."""
        unsafe = any(h.verdict == "unsafe" for h in (self.hazards or {}).values())
        return self.paths.open > 0 or unsafe
