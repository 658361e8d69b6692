"""The analysis as people read it: headline, open paths, then gated and blocked.

Written with rich markup; rich prints plain text when stdout is not a terminal.
"""

from __future__ import annotations

from rich.markup import escape

from pathguard.report.document import AnalysisDocument, PathEntry
from pathguard.report.findings import assumption_lines, bypass_lines, chain, hazard_headline, hazard_lines

COLOURS = {"open": "red", "gated": "yellow", "blocked": "grey50"}


def headline(doc: AnalysisDocument) -> str:
    """`14 paths from list_volumes to an irreversible operation: 3 blocked, 0 gated, 11 open
    (7 of them executable as they stand)`."""
    p = doc.paths
    entries = [p.start] if p.start else doc.graph.entries
    source = (f"from {entries[0]}" if len(entries) == 1 else
              f"from {len(entries)} entries" if entries else "from no entry")
    count = f"{p.total}" if p.complete else f"at least {p.total}"
    noun = "path" if p.total == 1 else "paths"
    bound = f" of at most {p.max_length} calls" if p.max_length is not None else ""
    runs = f" ({p.executable['open']} of them executable as they stand)" if p.open else ""
    return (f"{count} {noun}{bound} {source} to an irreversible operation: "
            f"{p.blocked} blocked, {p.gated} gated, {p.open} open{runs}")


def stop_note(path: PathEntry) -> str:
    """`blocked at call 2 (unmount_volume): forbidden: list_volumes -> unmount_volume`."""
    if path.step is None:
        return ""
    why = "; ".join(path.reasons)
    return f"{path.verdict} at call {path.step + 1} ({path.calls[path.step]}): {why}"


def limits_note(doc: AnalysisDocument) -> str | None:
    p = doc.paths
    if p.complete:
        return None
    return (f"incomplete: the count is a lower bound ({', '.join(p.limits)}); every path of at most "
            f"{p.exhaustive_up_to} calls is counted")


def render_text(doc: AnalysisDocument, *, show: int = 50) -> str:
    """Rich markup for the console report (`show` paths per verdict at most)."""
    out = [f"[bold]{escape(headline(doc))}[/bold]"]
    policy = doc.policy or "none (every call allowed)"
    out.append(f"system {escape(doc.system)} · policy {escape(policy)} · "
               f"{doc.graph.endpoints} endpoints, {doc.graph.edges} edges, "
               f"{len(doc.graph.targets)} destructive")
    note = limits_note(doc)
    if note:
        out.append(f"[yellow]{escape(note)}[/yellow]")
    if doc.paths.listed < doc.paths.total:
        out.append(f"showing the {doc.paths.listed} shortest paths of {doc.paths.total}")
    for verdict in ("open", "gated", "blocked"):
        paths = [p for p in doc.path_list if p.verdict == verdict]
        count = getattr(doc.paths, verdict)
        if not count:
            continue
        colour = COLOURS[verdict]
        out.append("")
        out.append(f"[bold {colour}]{verdict.capitalize()} ({count})[/bold {colour}]")
        for i, path in enumerate(paths[:show], 1):
            out.append(f"  {i:>3}. {escape(chain(path.calls))}")
            if path.step is not None:
                out.append(f"       [dim]{escape(stop_note(path))}[/dim]")
            if not path.executable:
                out.append(f"       [dim]not executable as it stands: {escape(path.why or '')}[/dim]")
        if len(paths) > show:
            out.append(f"       … and {len(paths) - show} more (see --format json)")
    out.extend(_hazard_lines(doc))
    for line in doc.notes:
        out.append(f"note: {escape(line)}")
    return "\n".join(out)


def _hazard_lines(doc: AnalysisDocument) -> list[str]:
    if doc.hazards is None or doc.model_check is None:
        return []
    colour = {"UNSAFE": "red", "BYPASS": "red", ": safe": "green", "unknown": "yellow"}
    out = ["", "[bold]Bypasses[/bold] (blocked paths whose calls still all run, in order)"]
    out += bypass_lines(doc.bypasses or [], doc.target_reachable or [], doc.unbypassed or [],
                        doc.bypass_search)
    out += ["", f"[bold]Hazards[/bold]: {hazard_headline(doc.hazards)}"]
    out += hazard_lines(doc.hazards)
    out += ["", "[bold]Every verdict assumes[/bold]", *assumption_lines(doc.model_check.assumptions)]
    styled = []
    for line in out:
        text = line if line.startswith("[bold]") else escape(line)
        mark = next((c for key, c in colour.items() if key in line and not line.startswith("    ")), None)
        styled.append(f"[{mark}]{text}[/{mark}]" if mark else text)
    return styled
