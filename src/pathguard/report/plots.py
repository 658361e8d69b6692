"""The action graph as a picture: layered left to right, paths coloured by verdict.

Columns are distances (in calls) from the entries, so a reader follows an
attack from left to right; node order inside a column is chosen by a few
barycentre sweeps to keep crossings down. Edges on a path take the colour of
the worst verdict among the paths that use them (open red, gated amber,
blocked grey); other edges stay faint. Big imported graphs are cut to the
endpoints that lie on some path.
"""

from __future__ import annotations

import io
from collections import defaultdict, deque
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import networkx as nx

    from pathguard.analysis import Analysis

VERDICT_COLOURS = {"open": "#d62728", "gated": "#f0a020", "blocked": "#8c8c8c"}
RANK = {"blocked": 0, "gated": 1, "open": 2}
FAINT = "#d0d4da"
MAX_FULL_GRAPH = 80


def _columns(graph: nx.DiGraph, entries: list[str]) -> dict[str, int]:
    """Breadth-first distance from the entries; unreachable nodes go in a last column."""
    column = {e: 0 for e in entries if e in graph}
    queue = deque(column)
    while queue:
        node = queue.popleft()
        for nxt in graph.successors(node):
            if nxt not in column:
                column[nxt] = column[node] + 1
                queue.append(nxt)
    last = max(column.values(), default=-1) + 1
    return {n: column.get(n, last) for n in graph.nodes}


def _order(graph: nx.DiGraph, column: dict[str, int]) -> dict[str, float]:
    """Vertical position in each column, by barycentre of neighbours (4 sweeps)."""
    layers: dict[int, list[str]] = defaultdict(list)
    for node in graph.nodes:
        layers[column[node]].append(node)
    pos = {}
    for nodes in layers.values():
        for i, n in enumerate(nodes):
            pos[n] = float(i)
    for sweep in range(4):
        keys = sorted(layers) if sweep % 2 == 0 else sorted(layers, reverse=True)
        for c in keys:
            nodes = layers[c]
            order = {n: (_centre(graph, column, pos, n, c), n) for n in nodes}
            nodes.sort(key=order.__getitem__)
            for i, n in enumerate(nodes):
                pos[n] = float(i)
    return {n: (len(layers[column[n]]) - 1) / 2 - pos[n] for n in graph.nodes}


def _centre(graph: nx.DiGraph, column: dict[str, int], pos: dict[str, float], node: str,
            own: int) -> float:
    near = [pos[m] for m in (*graph.predecessors(node), *graph.successors(node)) if column[m] != own]
    return sum(near) / len(near) if near else pos[node]


def _edge_verdicts(analysis: Analysis) -> dict[tuple[str, str], str]:
    worst: dict[tuple[str, str], str] = {}
    for path in analysis.document.path_list:
        for edge in zip(path.calls, path.calls[1:], strict=False):
            if edge not in worst or RANK[path.verdict] > RANK[worst[edge]]:
                worst[edge] = path.verdict
    return worst


def draw_action_graph(analysis: Analysis) -> dict[str, bytes]:
    """PNG and SVG bytes of the action graph of `analysis`."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import networkx as nx
    from matplotlib.lines import Line2D
    from matplotlib.patches import FancyArrowPatch, Patch

    doc = analysis.document
    graph = analysis.graph
    on_paths = {n for p in doc.path_list for n in p.calls}
    entries = [e for e in ([doc.paths.start] if doc.paths.start else doc.graph.entries) if e in graph]
    keep = set(entries).union(*(nx.descendants(graph, e) for e in entries)) if entries else set(graph)
    if len(keep) > MAX_FULL_GRAPH:
        keep = on_paths or set(entries)
    graph = graph.subgraph(keep).copy()
    column = _columns(graph, entries)
    targets = set(doc.graph.targets)
    height = _order(graph, column)
    verdicts = _edge_verdicts(analysis)
    n_cols = max(column.values(), default=0) + 1
    tallest = max((sum(1 for n in graph if column[n] == c) for c in range(n_cols)), default=1)
    xy = {n: (column[n] * 3.2, height[n] * 0.9) for n in graph.nodes}

    plt.rcParams["svg.hashsalt"] = "pathguard"
    fig, ax = plt.subplots(figsize=(max(8.0, 2.6 * n_cols + 2), max(5.0, 0.62 * tallest + 2.2)))
    ax.set_axis_off()
    boxes = {}
    for node, (x, y) in xy.items():
        is_target, is_entry = node in targets, node in entries
        face = "#fde0dc" if is_target else ("#dff0d8" if is_entry else "white")
        edge = "#b2182b" if is_target else ("#2e7d32" if is_entry else "#555555")
        label = ax.text(x, y, node, ha="center", va="center", fontsize=8, zorder=4,
                        fontweight="bold" if node in on_paths else "normal",
                        bbox={"boxstyle": "round,pad=0.35", "fc": face, "ec": edge,
                              "lw": 1.8 if (is_target or is_entry) else 0.8})
        boxes[node] = label
    fig.canvas.draw()  # lay the labels out so arrows can be clipped at their boxes
    for a, b in sorted(graph.edges, key=lambda e: RANK.get(verdicts.get(e, ""), -1)):
        verdict = verdicts.get((a, b))
        colour = VERDICT_COLOURS[verdict] if verdict else FAINT
        same, back = column[a] == column[b], column[a] > column[b]
        ax.add_patch(FancyArrowPatch(
            xy[a], xy[b], arrowstyle="-|>", mutation_scale=11, shrinkA=3, shrinkB=3,
            patchA=boxes[a].get_bbox_patch(), patchB=boxes[b].get_bbox_patch(),
            connectionstyle=f"arc3,rad={0.45 if same else (0.25 if back else 0.0)}",
            color=colour, lw=2.2 if verdict else 0.7, alpha=0.95 if verdict else 0.6,
            zorder=3 if verdict else 1))
    xs = [x for x, _ in xy.values()] or [0.0]
    ys = [y for _, y in xy.values()] or [0.0]
    ax.set_xlim(min(xs) - 1.8, max(xs) + 1.8)
    ax.set_ylim(min(ys) - 1.0, max(ys) + 1.0)
    p = doc.paths
    total = f"{p.total}" if p.complete else f"≥{p.total}"
    ax.set_title(f"{doc.system} · policy: {doc.policy or 'none'}\n{total} paths to an irreversible "
                 f"operation: {p.open} open, {p.gated} gated, {p.blocked} blocked", fontsize=11)
    legend = [
        Line2D([0], [0], color=VERDICT_COLOURS["open"], lw=2.2, label=f"on an open path ({p.open})"),
        Line2D([0], [0], color=VERDICT_COLOURS["gated"], lw=2.2, label=f"on a gated path ({p.gated})"),
        Line2D([0], [0], color=VERDICT_COLOURS["blocked"], lw=2.2,
               label=f"on a blocked path only ({p.blocked})"),
        Line2D([0], [0], color=FAINT, lw=0.8, label="other enabling edge"),
        Patch(fc="#dff0d8", ec="#2e7d32", label="entry"),
        Patch(fc="#fde0dc", ec="#b2182b", label="destructive target"),
    ]
    ax.legend(handles=legend, loc="upper center", bbox_to_anchor=(0.5, -0.01), ncol=3, fontsize=8,
              frameon=False)
    hidden = doc.graph.endpoints - graph.number_of_nodes()
    fig.text(0.01, 0.01, "columns: calls from the entry →" + (
        f"   ({hidden} endpoints not reachable from the entry, or on no path, are not drawn)"
        if hidden else ""), fontsize=7, color="#666666", va="bottom")
    fig.tight_layout()
    out = {}
    for fmt in ("png", "svg"):
        buffer = io.BytesIO()
        fig.savefig(buffer, format=fmt, dpi=150 if fmt == "png" else None,
                    metadata={"Date": None} if fmt == "svg" else {"Software": None})
        out[fmt] = buffer.getvalue()
    plt.close(fig)
    return out
