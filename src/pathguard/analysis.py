"""`analyze`: the action graph, every path with its verdict, as one document.

The one place that assembles SPEC §6's object; the CLI only renders it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import networkx as nx

from pathguard.errors import InputError, Problem, did_you_mean
from pathguard.graph.build import action_graph
from pathguard.graph.paths import DEFAULT_MAX_STEPS, enumerate_paths, path_scope
from pathguard.graph.verdicts import Walker
from pathguard.model.world import Knowledge, World
from pathguard.modelcheck.check import Engine
from pathguard.modelcheck.limits import Limits
from pathguard.policy.compile import CompiledPolicy, allow_everything
from pathguard.report.document import (
    AnalysisDocument,
    EdgeEntry,
    GraphSummary,
    ModelCheck,
    PathCounts,
    PathEntry,
    WarningEntry,
)

DEFAULT_MAX_PATHS = 1_000_000
DEFAULT_LIST_LIMIT = 10_000


@dataclass(frozen=True)
class PathOptions:
    start: str | None = None
    max_length: int | None = None
    max_paths: int | None = DEFAULT_MAX_PATHS
    list_limit: int | None = DEFAULT_LIST_LIMIT
    max_steps: int = DEFAULT_MAX_STEPS
    hazards: bool = True
    """Run the model checker for SPEC §5's hazards and the bypasses of blocked paths."""
    engine: Engine = "auto"
    bound: int | None = None
    knowledge: Knowledge = "given"
    limits: Limits = field(default_factory=Limits)


@dataclass(frozen=True)
class Analysis:
    """The document plus what the renderers and plots need beside it."""

    document: AnalysisDocument
    graph: nx.DiGraph
    world: World


def analyze(world: World, policy: CompiledPolicy | None, options: PathOptions = PathOptions()) -> Analysis:
    """Build the graph, enumerate every path and give each its verdict under `policy`
    (every path is open when `policy` is None)."""
    graph = action_graph(world)
    entries = world.entries
    if options.start is not None:
        if options.start not in world.by_name:
            raise InputError([Problem("--from", None, "from", "unknown-endpoint",
                                      f"`{options.start}` is not an endpoint of `{world.system}`",
                                      did_you_mean(options.start, world.names))])
        entries = tuple(e for e in entries if e == options.start)
    effective = policy if policy is not None else allow_everything(world)
    scope = path_scope(graph, entries, world.targets)
    found = enumerate_paths(scope, Walker(world, effective), max_length=options.max_length,
                            max_paths=options.max_paths, list_limit=options.list_limit,
                            max_steps=options.max_steps)
    result = None
    if options.hazards:
        from pathguard.modelcheck.check import check
        from pathguard.modelcheck.system import Options

        blocked = [p.calls for p in found.listed if p.verdict == "blocked"]
        result = check(world, effective, engine=options.engine, bound=options.bound,
                       options=Options(knowledge=options.knowledge), blocked=blocked, limits=options.limits)
    notes = []
    if not options.hazards:
        notes.append("hazards and bypasses were not checked (--no-check)")
    if options.start is not None and options.start not in world.entries:
        notes.append(f"`{options.start}` is not an entry of the model: no path starts there")
    warnings = sorted((*world.warnings, *(policy.warnings if policy else ())), key=Problem.sort_key)
    document = AnalysisDocument(
        system=world.system,
        policy=policy.name if policy is not None else None,
        graph=GraphSummary(
            endpoints=graph.number_of_nodes(),
            edges=graph.number_of_edges(),
            entries=list(world.entries),
            targets=list(world.targets),
            relevant=len(scope.distance),
            edge_list=[EdgeEntry(source=a, target=b, reasons=list(why))
                       for a, b, why in graph.edges(data="reasons")],
        ),
        paths=PathCounts(
            total=found.total, blocked=found.counts["blocked"], gated=found.counts["gated"],
            open=found.counts["open"], complete=found.complete, limits=found.limits,
            exhaustive_up_to=found.exhaustive_up_to, listed=len(found.listed),
            start=options.start, max_length=options.max_length, executable=found.executable,
            search_steps=found.steps,
        ),
        path_list=[PathEntry.model_validate(p.to_json()) for p in found.listed],
        knowledge=options.knowledge,
        hazards=result.hazards if result else None,
        bypasses=result.bypasses if result else None,
        target_reachable=result.target_reachable if result else None,
        unbypassed=result.unbypassed if result else None,
        bypass_search=result.bypass_search if result else None,
        model_check=ModelCheck(engine=result.engine, options=result.options, assumptions=result.assumptions,
                               reductions=result.reductions, states=result.states) if result else None,
        notes=notes,
        warnings=[WarningEntry.model_validate(w.to_json()) for w in warnings],
    )
    return Analysis(document, graph, world)
