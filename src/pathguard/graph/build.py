"""The action graph of SPEC §4: who can establish what someone else needs.

Each edge carries its reasons (`produces volume_id`, `sets volume=unmounted`)
so reports can explain why one call enables the next.
"""

from __future__ import annotations

from collections import defaultdict

import networkx as nx

from pathguard.model.world import World


def action_graph(world: World) -> nx.DiGraph:
    """Nodes are endpoint names (in file order); `e -> f` when `e` can establish
    something `f` needs: a produced fact `f` needs, or a value `f`'s `when` accepts.

    Examples
    --------
    >>> from pathguard.source import parse_yaml
    >>> from pathguard.model.load import world_from_document
    >>> w = world_from_document(parse_yaml('''
    ... system: s
    ... endpoints:
    ...   a: {kind: read, resource: r, produces: [x]}
    ...   b: {kind: delete, resource: r, needs: [x]}
    ... ''', "s.yaml"))
    >>> list(action_graph(w).edges(data="reasons"))
    [('a', 'b', ('produces x',))]
    """
    graph = nx.DiGraph()
    for e in world.endpoints:
        graph.add_node(e.name, kind=e.kind, destructive=e.destructive, entry=e.name in world.entries)
    needers: dict[str, list[str]] = defaultdict(list)
    acceptors: dict[tuple[str, str], list[str]] = defaultdict(list)
    for f in world.endpoints:
        for fact in sorted(f.needs):
            needers[fact].append(f.name)
        for var, values in f.when:
            for value in sorted(values):
                acceptors[(var, value)].append(f.name)
    reasons: dict[tuple[str, str], list[str]] = defaultdict(list)
    for source in world.endpoints:
        for fact in sorted(source.produces):
            for name in needers[fact]:
                if name != source.name:
                    reasons[(source.name, name)].append(f"produces {fact}")
        for var, value in source.sets:
            for name in acceptors[(var, value)]:
                if name != source.name:
                    reasons[(source.name, name)].append(f"sets {var}={value}")
    order = {e.name: e.index for e in world.endpoints}
    for (src, dst), why in sorted(reasons.items(), key=lambda kv: (order[kv[0][0]], order[kv[0][1]])):
        graph.add_edge(src, dst, reasons=tuple(why))
    return graph
