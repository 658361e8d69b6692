"""The JSON document of `pathguard analyze` (SPEC §6), as pydantic models.

Fields SPEC §6 requires come first; the rest are additions that explain them.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict


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


class PathEntry(_Doc):
    calls: list[str]
    verdict: str
    step: int | None
    reasons: list[str]


class AnalysisDocument(_Doc):
    system: str
    policy: str | None
    graph: GraphSummary
    paths: PathCounts
    path_list: list[PathEntry]
    hazards: dict[str, Any] | None = None
    bypasses: list[dict[str, Any]] | None = None
    notes: list[str] = []
    warnings: list[dict[str, Any]] = []
    """Located warnings of the input files (`pathguard.errors.Problem.to_json`)."""

    @property
    def findings(self) -> bool:
        """True when something is open or unsafe (exit status 1)."""
        unsafe = any(h.get("verdict") == "unsafe" for h in (self.hazards or {}).values())
        return self.paths.open > 0 or unsafe
